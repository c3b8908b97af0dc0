"""The ``windowdesk`` command, run for real in a subprocess against files in tmp_path."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from windowdesk.core.casenumber import parse_number


def windowdesk(*args: str, db_env: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, WINDOWDESK_DB=str(db_env))
    return subprocess.run(
        [sys.executable, "-m", "windowdesk.cli", *args],
        capture_output=True, text=True, env=env, cwd=cwd, timeout=120,
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(path: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def execute(path: Path, sql: str, params=()) -> None:
    conn = sqlite3.connect(path)
    try:
        with conn:
            conn.execute(sql, params)
    finally:
        conn.close()


def projection(path: Path) -> list[tuple]:
    return query(path, "SELECT * FROM cases ORDER BY case_id")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One small demo desk, built once by ``windowdesk demo``; tests work on copies."""
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite"
    result = windowdesk("demo", "--db", str(path), "--today", "2026-11-20", "--months", "2",
                        db_env=folder / "unused.sqlite", cwd=folder)
    return path, result


@pytest.fixture
def desk(demo, tmp_path) -> Path:
    path = tmp_path / "desk.sqlite"
    shutil.copyfile(demo[0], path)
    return path


def run(desk: Path, *args: str) -> subprocess.CompletedProcess:
    return windowdesk(*args, "--db", str(desk), db_env=desk.parent / "env-default.sqlite", cwd=desk.parent)


def test_demo_creates_a_desk_with_history_and_prints_a_summary(demo):
    path, result = demo
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout
    assert "LJ03" in result.stdout
    statuses = dict(query(path, "SELECT status, count(*) FROM cases GROUP BY status"))
    assert statuses.get("in_progress")
    assert statuses.get("completed", 0) + statuses.get("delivered", 0) + statuses.get("evaluated", 0) > 0
    assert statuses.get("refused")
    assert statuses.get("awaiting_supplement", 0) + statuses.get("received", 0) > 0
    # the summary's figures are the file's
    total_events = query(path, "SELECT count(*) FROM events")[0][0]
    assert str(total_events) in result.stdout and str(sum(statuses.values())) in result.stdout
    numbers = [r[0] for r in query(path, "SELECT case_number FROM cases WHERE case_number IS NOT NULL")]
    assert numbers and all(parse_number(n).node == "LJ03" for n in numbers)
    assert not (path.parent / "unused.sqlite").exists(), "--db wins over WINDOWDESK_DB"


def test_demo_refuses_an_existing_file_and_leaves_it_alone(desk):
    before = sha256(desk)
    result = run(desk, "demo", "--today", "2026-11-20", "--months", "1")
    assert result.returncode == 2
    assert str(desk) in result.stderr
    assert sha256(desk) == before
    assert not (desk.parent / "backups").exists()


def test_demo_with_a_bad_desk_code_can_be_retried(tmp_path):
    path = tmp_path / "desk.sqlite"
    bad = windowdesk("demo", "--db", str(path), "--node", "3bad", "--months", "1", "--today", "2026-11-20",
                     db_env=tmp_path / "unused.sqlite", cwd=tmp_path)
    assert bad.returncode == 2 and "3BAD" in bad.stderr
    retry = windowdesk("demo", "--db", str(path), "--node", "LJ05", "--months", "1", "--today", "2026-11-20",
                       db_env=tmp_path / "unused.sqlite", cwd=tmp_path)
    assert retry.returncode == 0, (
        "BUG: the refused `demo --node 3bad` left an initialised file behind, so the corrected command is "
        f"refused because the file exists:\n{retry.stderr}"
    )


def test_check_and_rebuild_on_a_clean_desk(desk):
    before = projection(desk)
    check = run(desk, "check")
    assert check.returncode == 0, check.stdout + check.stderr
    rebuild = run(desk, "rebuild")
    assert rebuild.returncode == 0, rebuild.stderr
    assert str(len(before)) in rebuild.stdout
    assert projection(desk) == before, "replaying a consistent log gives the same projection"
    assert run(desk, "check").returncode == 0


def test_check_names_a_tampered_case_and_rebuild_repairs_it(desk):
    case_id, number = query(
        desk, "SELECT case_id, case_number FROM cases WHERE status = 'in_progress' ORDER BY case_id LIMIT 1"
    )[0]
    execute(desk, "UPDATE cases SET status = 'completed' "
                  "WHERE rowid = (SELECT rowid FROM cases WHERE case_id = ?)", (case_id,))

    check = run(desk, "check")
    assert check.returncode == 1
    assert number in check.stdout

    assert run(desk, "rebuild").returncode == 0
    assert query(desk, "SELECT status FROM cases WHERE case_id = ?", (case_id,)) == [("in_progress",)]
    again = run(desk, "check")
    assert again.returncode == 0, again.stdout


def test_check_finds_a_missing_projection_row(desk):
    case_id, number = query(desk, "SELECT case_id, case_number FROM cases WHERE status = 'refused' LIMIT 1")[0]
    execute(desk, "DELETE FROM cases WHERE case_id = ?", (case_id,))
    check = run(desk, "check")
    assert check.returncode == 1 and number in check.stdout
    assert run(desk, "rebuild").returncode == 0
    assert run(desk, "check").returncode == 0


def _inject_duplicate_number(desk: Path) -> str:
    """A second case_received event, for another case, carrying a number already issued."""
    row = list(query(
        desk,
        "SELECT event_id, case_id, type, payload_version, payload, actor, window, node, recorded_at, hlc, parents "
        "FROM events WHERE type = 'case_received' ORDER BY seq LIMIT 1",
    )[0])
    row[0], row[1], row[10] = str(uuid.uuid4()), str(uuid.uuid4()), "[]"
    execute(desk, "INSERT INTO events (event_id, case_id, type, payload_version, payload, actor, window, node, "
                  "recorded_at, hlc, parents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    return query(desk, "SELECT json_extract(?, '$.case_number')", (row[4],))[0][0]


def test_check_finds_a_duplicate_case_number(desk):
    number = _inject_duplicate_number(desk)
    check = run(desk, "check")
    assert check.returncode == 1
    lines = [line for line in check.stdout.splitlines() if number in line]
    # one line for the new case without a projection row, one for the number given twice
    assert len(lines) >= 2, check.stdout


def test_rebuild_does_not_silently_lose_a_case_when_a_number_is_duplicated(desk):
    _inject_duplicate_number(desk)
    before = projection(desk)
    rebuild = run(desk, "rebuild")
    cases_in_log = query(desk, "SELECT count(DISTINCT case_id) FROM events")[0][0]
    rows = len(projection(desk))
    if rebuild.returncode == 0:
        assert rows == cases_in_log, (
            f"BUG: rebuild reported success ({rebuild.stdout.strip()}) but the projection has {rows} rows for "
            f"{cases_in_log} cases: UPSERT_CASE_SQL is INSERT OR REPLACE, so the second case with the same "
            "case_number silently deleted the first one's row"
        )
    else:
        assert projection(desk) == before, "a refused rebuild leaves the projection as it was"


def test_check_on_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("这不是数据库\n", encoding="utf-8")
    before = sha256(path)
    result = run(path, "check")
    assert result.returncode == 2
    assert str(path) in result.stderr
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]


def test_summary_creates_the_demo_desk_then_only_summarises(tmp_path):
    path = tmp_path / "data" / "WindowDesk" / "windowdesk.sqlite"

    started = time.monotonic()
    first = windowdesk("summary", db_env=path, cwd=tmp_path)
    first_took = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    assert str(path) in first.stdout and "LJ03" in first.stdout
    events = query(path, "SELECT count(*) FROM events")[0][0]
    assert events > 0 and str(events) in first.stdout

    started = time.monotonic()
    second = windowdesk("summary", db_env=path, cwd=tmp_path)
    second_took = time.monotonic() - started
    assert second.returncode == 0, second.stderr
    assert str(path) in second.stdout and str(events) in second.stdout
    assert query(path, "SELECT count(*) FROM events")[0][0] == events, "the second start writes no history"
    assert len(second.stdout) < len(first.stdout)
    assert second_took < first_took


def test_no_subcommand_opens_the_desk_app_creating_the_demo_desk_on_first_start(tmp_path):
    """The README's run command: the desk window on the embedded default database. The
    hidden --sign-in / --quit-when-shown options let this run without a person."""
    path = tmp_path / "data" / "WindowDesk" / "windowdesk.sqlite"
    env = dict(os.environ, WINDOWDESK_DB=str(path), QT_QPA_PLATFORM="offscreen")
    args = [sys.executable, "-m", "windowdesk.cli", "--sign-in", "zhangmin:demo123", "--quit-when-shown"]
    first = subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=180)
    assert first.returncode == 0, first.stderr
    assert "queue shown" in first.stdout
    rows = int(first.stdout.split("queue shown: ")[1].split(" rows")[0])
    assert rows > 0, "张敏's queue on the demo desk is not empty"
    assert query(path, "SELECT count(*) FROM events")[0][0] > 0
    assert (path.parent / "logs" / "windowdesk.log").exists()
    assert (path.parent / "windowdesk-ui.ini").exists(), "window geometry is remembered"


def test_no_screen_falls_back_to_the_summary(tmp_path):
    path = tmp_path / "desk.sqlite"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["WINDOWDESK_DB"] = str(path)
    result = subprocess.run([sys.executable, "-m", "windowdesk.cli"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr
    assert "DISPLAY" in result.stderr and "LJ03" in result.stdout
