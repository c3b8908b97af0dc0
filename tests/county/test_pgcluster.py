"""The private PostgreSQL cluster: real initdb, real servers, real connections."""

from __future__ import annotations

import os
import pwd

import pytest
import sqlalchemy

from windowdesk.county import pgcluster
from windowdesk.county.pgcluster import Cluster, ClusterError, find_pg_bin


def show(cluster: Cluster, setting: str) -> str:
    with cluster.connect() as conn:
        return conn.execute(f"SHOW {setting}").fetchone()[0]


def test_the_cluster_runs_with_its_settings(pg_cluster):
    assert pg_cluster.is_running()
    with pg_cluster.connect() as conn:
        user, encoding, collation = conn.execute(
            "SELECT current_user, pg_encoding_to_char(encoding), datcollate"
            " FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    assert (user, encoding, collation) == ("windowdesk", "UTF8", "C")
    assert show(pg_cluster, "max_connections") == "200"
    assert show(pg_cluster, "unix_socket_directories") == str(pg_cluster.data_dir)
    assert [show(pg_cluster, s) for s in ("fsync", "synchronous_commit", "full_page_writes")] == ["off"] * 3


def test_it_listens_only_on_127_0_0_1(pg_cluster):
    assert show(pg_cluster, "listen_addresses") == "127.0.0.1"
    hba = (pg_cluster.data_dir / "pg_hba.conf").read_text(encoding="utf-8")
    rules = [line.split() for line in hba.splitlines() if line.strip() and not line.startswith("#")]
    assert rules == [["local", "all", "all", "trust"], ["host", "all", "all", "127.0.0.1/32", "trust"]]
    # what the server records of itself: port, socket directory, listening address
    pid_file = (pg_cluster.data_dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()
    assert pid_file[3:6] == [str(pg_cluster.port), str(pg_cluster.data_dir), "127.0.0.1"]


def test_as_root_postgresql_runs_as_an_unprivileged_user(pg_cluster):
    owner = pg_cluster.data_dir.stat().st_uid
    if os.geteuid() == 0:
        assert pwd.getpwuid(owner).pw_name in ("windowdesk-pg", "nobody")
        assert pg_cluster.user == (owner, pg_cluster.data_dir.stat().st_gid)
    else:
        assert owner == os.geteuid() and pg_cluster.user is None
    with pg_cluster.connect() as conn:
        (pid,) = conn.execute("SELECT pg_backend_pid()").fetchone()
    assert os.stat(f"/proc/{pid}").st_uid == owner


def test_a_database_can_be_created_and_used(pg_cluster):
    pg_cluster.create_database("cases")
    try:
        with pg_cluster.connect("cases") as conn:
            conn.execute("CREATE TABLE intake (id serial PRIMARY KEY, applicant text NOT NULL)")
            conn.execute("INSERT INTO intake (applicant) VALUES (%s), (%s)", ("李秀兰", "欧阳·建国"))
            conn.commit()
        with pg_cluster.connect("cases") as conn:
            rows = conn.execute("SELECT id, applicant FROM intake ORDER BY id").fetchall()
        assert rows == [(1, "李秀兰"), (2, "欧阳·建国")]
    finally:
        pg_cluster.drop_database("cases")
    with pg_cluster.connect() as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = 'cases'").fetchone() == (0,)


def test_pg_url_is_a_fresh_database_sqlalchemy_can_use(pg_cluster, pg_url):
    assert pg_url.startswith(f"postgresql+psycopg://windowdesk@127.0.0.1:{pg_cluster.port}/test_")
    engine = sqlalchemy.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sqlalchemy.text("SELECT current_database()")).scalar() == pg_url.rsplit("/", 1)[1]
            tables = conn.execute(sqlalchemy.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
            assert tables.scalar() == 0
    finally:
        engine.dispose()


def test_stop_start_and_open_again_keep_the_data(pg_base_dir):
    cluster = Cluster.create(pg_base_dir / "trial")
    try:
        assert not cluster.is_running()
        cluster.start()
        assert show(cluster, "fsync") == "on", "only fast=True turns durability off"
        cluster.create_database("county")
        with cluster.connect("county") as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('before the restart')")
            conn.commit()
        cluster.stop()
        assert not cluster.is_running()
        cluster.stop()  # stopping a stopped cluster is nothing to do

        cluster.start()
        assert cluster.is_running()
        cluster.stop()

        again = Cluster.open(pg_base_dir / "trial")
        assert (again.port, again.data_dir, again.user) == (cluster.port, cluster.data_dir, cluster.user)
        with again:
            assert again.is_running()
            with again.connect("county") as conn:
                assert conn.execute("SELECT note FROM kept").fetchall() == [("before the restart",)]
        assert not again.is_running()
    finally:
        cluster.stop()


def test_a_failing_start_tells_why_from_the_log(pg_cluster, pg_base_dir):
    clash = Cluster.create(pg_base_dir / "clash", port=pg_cluster.port, fast=True)
    with pytest.raises(ClusterError) as failure:
        clash.start()
    assert "pg_ctl start" in str(failure.value)
    assert "Address already in use" in str(failure.value), "the server's log says why"
    assert not clash.is_running()


def test_initdb_refuses_a_directory_in_use(pg_cluster):
    with pytest.raises(ClusterError) as failure:
        Cluster.create(pg_cluster.data_dir)
    assert "initdb" in str(failure.value) and "not empty" in str(failure.value)


def test_open_refuses_a_directory_it_did_not_make(tmp_path):
    with pytest.raises(ClusterError) as failure:
        Cluster.open(tmp_path)
    assert "windowdesk.conf" in str(failure.value)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the cluster to another user")
def test_as_root_a_data_dir_behind_a_closed_directory_is_refused(tmp_path):
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    with pytest.raises(ClusterError) as failure:
        Cluster.create(closed / "data", fast=True)
    assert str(closed) in str(failure.value) and "chmod o+x" in str(failure.value)


def test_the_newest_debian_bin_dir_is_found(monkeypatch, tmp_path):
    for version, programs in [("9.6", "initdb pg_ctl"), ("13", "initdb pg_ctl"), ("15", "initdb pg_ctl"),
                              ("16", "initdb")]:
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for program in programs.split():
            (bin_dir / program).touch()
    monkeypatch.setattr(pgcluster, "PG_ROOT", tmp_path)
    assert find_pg_bin() == tmp_path / "15" / "bin"
    assert find_pg_bin("13") == tmp_path / "13" / "bin"


def test_missing_postgresql_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pgcluster, "PG_ROOT", tmp_path / "postgresql")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ClusterError) as failure:
        find_pg_bin()
    message = str(failure.value)
    assert "PostgreSQL" in message and "apt-get install postgresql" in message
    assert str(tmp_path / "postgresql") in message
