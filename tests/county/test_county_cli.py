"""``windowdesk county …`` run for real in subprocesses against a real PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from windowdesk.county import enrollment
from windowdesk.county.db import open_county
from windowdesk.county.enrollment import ALPHABET
from windowdesk.county.models import EnrollCode, Node

CJK = re.compile(r"[\u3400-\u9fff]")
CODE = re.compile(rf"^[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}$")


def county(*args: str, database: str | None = None, env_database: str | None = None,
           cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("WINDOWDESK_LANG", "WINDOWDESK_COUNTY_DATABASE")}
    if env_database:
        env["WINDOWDESK_COUNTY_DATABASE"] = env_database
    extra = ["--database", database] if database else []
    return subprocess.run([sys.executable, "-m", "windowdesk.cli", "county", *args, *extra],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def ok(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.splitlines()


def refused(result: subprocess.CompletedProcess) -> str:
    """The error of a command that failed as it should: status 2, Chinese, no traceback."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and CJK.search(result.stderr), result.stderr
    assert result.stderr.startswith("错误")
    return result.stderr


def test_init_townships_and_add_township(pg_url):
    lines = ok(county("init", database=pg_url))
    assert "0002" in lines[0]
    ok(county("init", database=pg_url))
    empty = county("townships", env_database=pg_url)
    assert ok(empty) == [] and "add-township" in empty.stderr
    assert ok(county("add-township", "--code", "qs", "--name", "青石镇", database=pg_url))
    assert ok(county("add-township", "--code", "HX", "--name", "红星乡", env_database=pg_url))
    assert ok(county("townships", database=pg_url)) == ["HX 红星乡", "QS 青石镇"]
    assert "QS" in refused(county("add-township", "--code", "QS", "--name", "又一个", database=pg_url))
    assert "Q-1" in refused(county("add-township", "--code", "Q-1", "--name", "某镇", database=pg_url))


def test_enroll_code_prints_the_code_last_and_its_qr_code(pg_url, tmp_path):
    ok(county("add-township", "--code", "QS", "--name", "青石镇", database=pg_url))
    qr = tmp_path / "code.png"
    lines = ok(county("enroll-code", "--township", "QS", "--kind", "village", "--label", "石门村",
                      "--qr", str(qr), database=pg_url))
    code = lines[-1]
    assert CODE.match(code) and len(lines) >= 3
    assert all(code not in line for line in lines[:-1])
    assert "青石镇" in lines[0] and "72" in lines[0]
    assert qr.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    engine = open_county(pg_url)
    try:
        with Session(engine) as session, session.begin():
            node, credential = enrollment.redeem(session, code=code, store_id="s1", public_key="",
                                                 now=datetime.now(timezone.utc))
            assert (node.code, node.kind, node.label) == ("QSV01", "village", "石门村")
    finally:
        engine.dispose()


def test_a_failed_qr_code_issues_no_code(pg_url, tmp_path):
    ok(county("add-township", "--code", "QS", "--name", "青石镇", database=pg_url))
    message = refused(county("enroll-code", "--township", "QS", "--kind", "window",
                             "--qr", str(tmp_path / "missing" / "code.png"), database=pg_url))
    assert "missing" in message
    engine = open_county(pg_url)
    try:
        with Session(engine) as session:
            assert session.scalars(select(EnrollCode)).all() == []
    finally:
        engine.dispose()


def test_enroll_code_for_an_unknown_township_is_refused(pg_url):
    assert "ZZ" in refused(county("enroll-code", "--township", "ZZ", "--kind", "window", database=pg_url))


def test_demo_builds_the_county_once(pg_url):
    lines = ok(county("demo", database=pg_url))
    assert any("QS" in line and "青石镇" in line and "11" in line for line in lines)
    assert any("HX" in line and "红星乡" in line for line in lines)
    assert any("demo123" in line for line in lines)
    assert ok(county("townships", database=pg_url)) == ["HX 红星乡", "QS 青石镇"]
    assert "QS" in refused(county("demo", database=pg_url))


def test_revoke_shuts_a_desk_out(pg_url):
    ok(county("add-township", "--code", "QS", "--name", "青石镇", database=pg_url))
    code = ok(county("enroll-code", "--township", "QS", "--kind", "window", database=pg_url))[-1]
    engine = open_county(pg_url)
    try:
        with Session(engine) as session, session.begin():
            _node, credential = enrollment.redeem(session, code=code, store_id="s1", public_key="",
                                                  now=datetime.now(timezone.utc))
        assert "QS01" in ok(county("revoke", "--node", "qs01", database=pg_url))[0]
        with Session(engine) as session, pytest.raises(enrollment.RevokedError):
            enrollment.authenticate(session, credential, datetime.now(timezone.utc))
        with Session(engine) as session:
            assert session.get(Node, "QS01").revoked_at is not None
    finally:
        engine.dispose()
    assert "QS09" in refused(county("revoke", "--node", "QS09", database=pg_url))


def test_without_a_database_it_says_how_to_give_one():
    message = refused(county("townships"))
    assert "--database" in message and "WINDOWDESK_COUNTY_DATABASE" in message


@pytest.mark.parametrize("url", ["sqlite:///county.sqlite", "postgresql+psycopg://windowdesk:pw@127.0.0.1:1/county"])
def test_a_database_it_cannot_use_is_a_clear_error(url, tmp_path):
    message = refused(county("townships", database=url, cwd=tmp_path))
    assert ":pw@" not in message
    assert not list(tmp_path.iterdir())
