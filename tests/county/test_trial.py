"""The one-machine trial's preparation (what scripts/county.sh runs before serving)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import text

from windowdesk.county import trial
from windowdesk.county.pgcluster import Cluster, ClusterError


def reference_keys(url: str) -> list[str]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            return [k for (k,) in conn.execute(text("SELECT key FROM reference ORDER BY key"))]
    finally:
        engine.dispose()


def test_prepare_makes_a_county_and_is_idempotent(pg_base_dir):
    url = trial.prepare(pg_base_dir, fast=True)
    cluster = Cluster.open(pg_base_dir / "pg")
    assert cluster.is_running()
    assert url == cluster.url("county")
    assert reference_keys(url) == ["calendar", "catalogue"]
    if os.geteuid() == 0:
        assert pg_base_dir.stat().st_mode & 0o111 == 0o111

    assert trial.prepare(pg_base_dir) == url, "again: the same cluster, database and data"
    assert reference_keys(url) == ["calendar", "catalogue"]

    trial.stop(pg_base_dir)
    assert not cluster.is_running()
    assert trial.prepare(pg_base_dir) == url, "a stopped cluster is started again"
    assert cluster.is_running()
    trial.stop(pg_base_dir)


def test_main_prints_the_url_alone_on_stdout(pg_base_dir, capsys):
    assert trial.main(["--base", str(pg_base_dir)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [Cluster.open(pg_base_dir / "pg").url("county")]
    assert str(pg_base_dir / "pg") in err
    assert trial.main(["--base", str(pg_base_dir), "--stop"]) == 0
    assert not Cluster.open(pg_base_dir / "pg").is_running()


def test_a_data_folder_with_other_files_is_refused(pg_base_dir, capsys):
    (pg_base_dir / "pg").mkdir()
    (pg_base_dir / "pg" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ClusterError):
        trial.prepare(pg_base_dir)
    assert trial.main(["--base", str(pg_base_dir)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "notes" not in err and str(pg_base_dir / "pg") in err
    assert (pg_base_dir / "pg" / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_data_root_is_per_user_or_under_var_lib_as_root(monkeypatch):
    monkeypatch.setattr(trial.os, "geteuid", lambda: 0)
    assert trial.data_root() == Path("/var/lib/windowdesk-county")
    monkeypatch.setattr(trial.os, "geteuid", lambda: 1000)
    assert trial.data_root().name == "WindowDesk-County"


def test_county_sh_prepares_then_serves():
    script = (Path(__file__).resolve().parents[2] / "scripts" / "county.sh").read_text(encoding="utf-8")
    assert "_env.sh" in script and "apt_install postgresql" in script
    assert "windowdesk.county.trial" in script
    assert 'county serve --database "$URL" --listen 127.0.0.1:8650' in script
