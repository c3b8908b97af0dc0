"""Opening desk files: create, refuse, back up, upgrade — on real SQLite files in tmp_path."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import time
from pathlib import Path

import platformdirs
import pytest
import sqlalchemy.exc
from sqlalchemy import text

from conftest import MZ, PERSON, PERSON2, STAFF, full_materials
from windowdesk.core.casenumber import NODE_CODE
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import ValidationError
from windowdesk.db.connections import sqlalchemy_engine
from windowdesk.db.store import (
    APPLICATION_ID,
    AUTO_BACKUP_EVERY_HOURS,
    BACKUPS_KEPT,
    CorruptDatabase,
    NewerDatabase,
    NotWindowDeskDatabase,
    _migrate,
    backup_file,
    default_db_path,
    head_revision,
    latest_backup,
    open_store,
)
from windowdesk.services import intake, setup
from windowdesk.services.uow import UnitOfWork

DIBAO = Catalogue.bundled().item("MZ-GF-0001")


# helpers -------------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw(path: Path, sql: str, params=()) -> list[tuple]:
    """Read a file with plain sqlite3, outside WindowDesk."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def revision_of(path: Path) -> str:
    return raw(path, "SELECT version_num FROM alembic_version")[0][0]


def triggers_of(path: Path) -> set[str]:
    return {r[0] for r in raw(path, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def backups(path: Path, reason: str = "*") -> list[Path]:
    folder = path.parent / "backups"
    return sorted(folder.glob(f"*-{reason}.sqlite")) if folder.exists() else []


def make_desk(path: Path, clock, *, node: str = "LJ03", cases: int = 2, close: bool = True):
    """A desk as the app makes it: reference data, staff, and a few received cases."""
    store = open_store(path, node_code=node)
    with UnitOfWork(store, clock) as uow:
        setup.install_bundled_reference_data(uow)
        for code, name, role, windows in STAFF:
            setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
    for person in [PERSON, PERSON2][:cases]:
        with UnitOfWork(store, clock) as uow:
            intake.receive_case(uow, MZ, item_code=DIBAO.code, applicant=person, materials=full_materials(DIBAO))
    if close:
        store.close()
        assert not Path(f"{path}-wal").exists(), "closing the store should checkpoint the WAL into the file"
    return store


def make_old_file(path: Path) -> None:
    """A file as WindowDesk wrote it at schema revision 0001, with a node code and one event."""
    _migrate(path, "0001", new=True)
    engine = sqlalchemy_engine(path)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('node_code', 'LJ07'), ('store_id', 'abcd')"))
        conn.execute(
            text(
                "INSERT INTO events (event_id, case_id, type, payload_version, payload, actor, window, node, "
                "recorded_at, hlc, parents) VALUES ('ev-old-1', 'case-old-1', 'inquiry_logged', 1, '{}', "
                "'zhangmin', 'MZ', 'LJ07', '2025-01-02T01:30:00+00:00', '0000000000001-0000-LJ07', '[]')"
            )
        )
    engine.dispose()


def age(path: Path, hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


# a new file -----------------------------------------------------------------------


def test_new_path_is_created_at_head_marked_wal_with_foreign_keys_and_node_code(tmp_path):
    path = tmp_path / "new-folder" / "desk.sqlite"  # the folder does not exist yet either
    store = open_store(path, node_code="lj03")
    try:
        assert store.path == path.resolve()
        assert store.node_code == "LJ03"
        for factory in (store.write_session, store.read_session):
            with factory() as session:
                assert session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
                assert session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
                assert session.execute(text("PRAGMA application_id")).scalar_one() == APPLICATION_ID
                assert session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
                meta = dict(session.execute(text("SELECT key, value FROM meta")).all())
        assert meta["node_code"] == "LJ03"
        assert meta["store_id"] == store.store_id and len(store.store_id) == 16
        # foreign keys are enforced, not merely reported as on
        with store.write_session() as session:
            with pytest.raises(sqlalchemy.exc.IntegrityError):
                session.execute(text("INSERT INTO clerk_windows (clerk_code, window_code) VALUES ('nobody', 'XX')"))
                session.commit()
    finally:
        store.close()
    # what is on disk, as another program sees it
    assert raw(path, "PRAGMA application_id")[0][0] == APPLICATION_ID
    assert raw(path, "PRAGMA journal_mode")[0][0] == "wal"
    assert revision_of(path) == head_revision()
    assert {"events_are_immutable_update", "events_are_immutable_delete"} <= triggers_of(path)
    assert backups(path) == [], "a brand-new file has nothing to back up"


def test_a_random_node_code_is_valid_and_the_node_code_is_fixed_once_set(tmp_path):
    path = tmp_path / "desk.sqlite"
    first = open_store(path)
    first.close()
    assert NODE_CODE.match(first.node_code)
    again = open_store(path, node_code="LJ04")  # an existing desk keeps its code
    again.close()
    assert (again.node_code, again.store_id) == (first.node_code, first.store_id)


def test_a_bad_node_code_is_refused_without_leaving_a_file_behind(tmp_path):
    path = tmp_path / "desk.sqlite"
    with pytest.raises(ValidationError, match="3BAD"):
        open_store(path, node_code="3bad")
    assert not path.exists() or path.stat().st_size == 0, (
        "BUG: open_store initialises the file (schema at head, no node code) before it checks the node "
        "code; the next `windowdesk demo --db` on that path refuses because the file now exists"
    )


def test_a_zero_byte_file_is_initialised(tmp_path):
    path = tmp_path / "desk.sqlite"
    path.touch()
    store = open_store(path, node_code="LJ03")
    store.close()
    assert revision_of(path) == head_revision()
    assert raw(path, "PRAGMA application_id")[0][0] == APPLICATION_ID
    assert raw(path, "SELECT value FROM meta WHERE key = 'node_code'") == [("LJ03",)]


# an older file: backed up, then upgraded ----------------------------------------------


def test_older_file_is_backed_up_then_upgraded_with_its_rows(tmp_path):
    path = tmp_path / "desk.sqlite"
    make_old_file(path)
    assert revision_of(path) == "0001" != head_revision()
    assert not triggers_of(path)

    store = open_store(path)
    store.close()

    upgrade_copies = backups(path, "upgrade")
    assert len(upgrade_copies) == 1
    copy = upgrade_copies[0]
    assert revision_of(copy) == "0001", "the upgrade backup must be the file as it was before the upgrade"
    assert raw(copy, "SELECT event_id, case_id FROM events") == [("ev-old-1", "case-old-1")]
    assert raw(copy, "PRAGMA application_id")[0][0] == APPLICATION_ID
    assert not triggers_of(copy)

    assert revision_of(path) == head_revision()
    assert store.node_code == "LJ07"
    assert raw(path, "SELECT event_id, case_id, type FROM events") == [("ev-old-1", "case-old-1", "inquiry_logged")]
    assert {"events_are_immutable_update", "events_are_immutable_delete"} <= triggers_of(path)


def test_upgraded_file_refuses_update_and_delete_of_events(tmp_path):
    path = tmp_path / "desk.sqlite"
    make_old_file(path)
    # before the upgrade, nothing stops a change (so the check below can fail)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE events SET actor = 'zhangmin' WHERE event_id = 'ev-old-1'")
    conn.rollback()
    conn.close()

    store = open_store(path)
    try:
        conn = sqlite3.connect(path)
        try:
            with pytest.raises(sqlite3.IntegrityError, match="immutable"):
                conn.execute("UPDATE events SET actor = 'someone' WHERE event_id = 'ev-old-1'")
            with pytest.raises(sqlite3.IntegrityError, match="immutable"):
                conn.execute("DELETE FROM events")
        finally:
            conn.rollback()
            conn.close()
        with store.write_session() as session:  # and through WindowDesk's own connections
            with pytest.raises(sqlalchemy.exc.IntegrityError):
                session.execute(text("DELETE FROM events WHERE event_id = 'ev-old-1'"))
            session.rollback()
            with pytest.raises(sqlalchemy.exc.IntegrityError):
                session.execute(text("UPDATE events SET payload = '{\"x\": 1}'"))
    finally:
        store.close()
    assert raw(path, "SELECT event_id, actor, payload FROM events") == [("ev-old-1", "zhangmin", "{}")]


# files we must not touch -----------------------------------------------------------


def test_newer_file_is_refused_untouched_and_not_backed_up(tmp_path, clock):
    path = tmp_path / "desk.sqlite"
    make_desk(path, clock, cases=1)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff9999'")
    conn.close()
    before = sha256(path)

    with pytest.raises(NewerDatabase) as info:
        open_store(path)
    assert "ffff9999" in str(info.value) and str(path.resolve()) in str(info.value)
    assert sha256(path) == before
    assert backups(path) == []
    assert revision_of(path) == "ffff9999"


def _text_file(path: Path) -> None:
    path.write_text("姓名,身份证号\n李秀兰,11010519491231002X\n", encoding="utf-8")


def _png_file(path: Path) -> None:
    rng = random.Random(3)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(rng.randrange(256) for _ in range(5000)))


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE contacts (name TEXT, phone TEXT)")
        conn.execute("INSERT INTO contacts VALUES ('王芳', '13800138000')")
    conn.close()


def _other_application_id(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 1196444487")  # GeoPackage's 'GPKG', no tables yet
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def _sqlite_header_then_garbage(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)


@pytest.mark.parametrize(
    "make, error",
    [
        (_text_file, NotWindowDeskDatabase),
        (_png_file, NotWindowDeskDatabase),
        (_foreign_sqlite, NotWindowDeskDatabase),
        (_other_application_id, NotWindowDeskDatabase),
        (_sqlite_header_then_garbage, (NotWindowDeskDatabase, CorruptDatabase)),
    ],
    ids=["text", "png", "sqlite-of-another-program", "other-application-id", "sqlite-header-garbage"],
)
def test_files_that_are_not_ours_are_refused_untouched(tmp_path, make, error):
    path = tmp_path / "desk.sqlite"
    make(path)
    assert path.stat().st_size > 0
    before = sha256(path)
    with pytest.raises(error) as info:
        open_store(path, node_code="LJ03")
    assert str(path.resolve()) in str(info.value)
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["desk.sqlite"], "nothing written next to it either"


def test_a_folder_is_not_a_database(tmp_path):
    folder = tmp_path / "desk.sqlite"
    folder.mkdir()
    with pytest.raises(NotWindowDeskDatabase) as info:
        open_store(folder)
    assert str(folder.resolve()) in str(info.value)
    assert list(folder.iterdir()) == []


def _garbage_in_pages_3_to_5(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    assert len(data) >= 6 * page, "the desk file should have more than five pages"
    rng = random.Random(11)
    data[2 * page : 5 * page] = bytes(rng.randrange(256) for _ in range(3 * page))
    path.write_bytes(bytes(data))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_garbage_in_pages_3_to_5, _truncated], ids=["garbage-pages", "truncated"])
def test_corrupt_file_is_refused_untouched(tmp_path, clock, damage):
    path = tmp_path / "desk.sqlite"
    make_desk(path, clock)
    assert raw(path, "PRAGMA quick_check") == [("ok",)]
    damage(path)
    before = sha256(path)
    with pytest.raises(CorruptDatabase) as info:
        open_store(path)
    assert str(path.resolve()) in str(info.value)
    assert sha256(path) == before
    assert backups(path) == []


# backups ---------------------------------------------------------------------------------


def _counts(conn: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_backup_is_an_online_copy_of_committed_data_while_a_writer_is_busy(tmp_path, clock):
    path = tmp_path / "desk.sqlite"
    store = make_desk(path, clock, close=False)
    try:
        # committed data that still sits in the WAL: a plain file copy would miss it
        assert Path(f"{path}-wal").stat().st_size > 0
        with UnitOfWork(store, clock) as uow:
            uow.execute("INSERT INTO meta (key, value) VALUES ('uncommitted', 'x')")  # holds the write lock
            copy = backup_file(store.path, "auto")
            live = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                expected = _counts(live)
                expected_numbers = live.execute("SELECT case_number FROM cases ORDER BY 1").fetchall()
            finally:
                live.close()
    finally:
        store.close()
    assert copy.parent == path.parent / "backups" and copy.name.endswith("-auto.sqlite")
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        assert _counts(conn) == expected
        assert conn.execute("SELECT case_number FROM cases ORDER BY 1").fetchall() == expected_numbers == [
            ("LJ03-20260302-0001",), ("LJ03-20260302-0002",)
        ]
        assert conn.execute("SELECT count(*) FROM meta WHERE key = 'uncommitted'").fetchone()[0] == 0
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    finally:
        conn.close()
    # and WindowDesk itself accepts the copy as a desk file (restoring a backup must work)
    restored = tmp_path / "restored" / "desk.sqlite"
    restored.parent.mkdir()
    restored.write_bytes(copy.read_bytes())
    store = open_store(restored, auto_backup=False)
    store.close()
    assert store.node_code == "LJ03"


def test_backup_rotation_keeps_the_newest_of_each_reason(tmp_path, clock):
    path = tmp_path / "desk.sqlite"
    make_desk(path, clock, cases=1)
    manual = [backup_file(path, "manual") for _ in range(2)]
    made = [backup_file(path, "auto") for _ in range(BACKUPS_KEPT["auto"] + 3)]
    assert len(set(made)) == len(made), "every backup gets its own name"
    assert backups(path, "auto") == made[-BACKUPS_KEPT["auto"] :]
    assert backups(path, "manual") == manual, "rotating automatic backups must not touch manual ones"
    assert latest_backup(path, "auto") == made[-1]


def _two_desks_sharing_a_name_prefix(tmp_path, clock) -> tuple[Path, Path]:
    """Two desk files in one folder whose names share a prefix: desk.sqlite and desk-2.sqlite."""
    mine, other = tmp_path / "desk.sqlite", tmp_path / "desk-2.sqlite"
    make_desk(mine, clock, cases=1)
    make_desk(other, clock, node="LJ04", cases=1)
    return mine, other


def test_automatic_backup_is_not_skipped_because_of_another_databases_backup(tmp_path, clock):
    mine, other = _two_desks_sharing_a_name_prefix(tmp_path, clock)
    backup_file(other, "auto")
    store = open_store(mine)  # desk.sqlite has no automatic backup yet: one must be made now
    store.close()
    own = [p for p in backups(mine, "auto") if not p.name.startswith("desk-2-")]
    assert len(own) == 1, (
        "BUG: open_store skipped desk.sqlite's automatic backup: latest_backup() globs "
        f"'desk-*-auto.sqlite', which matches desk-2.sqlite's backups too (it returned "
        f"{latest_backup(mine, 'auto')})"
    )


def test_rotation_does_not_delete_another_databases_backups(tmp_path, clock):
    mine, other = _two_desks_sharing_a_name_prefix(tmp_path, clock)
    others_backup = backup_file(other, "auto")
    for _ in range(BACKUPS_KEPT["auto"]):
        backup_file(mine, "auto")
    assert others_backup.exists(), (
        "BUG: rotating desk.sqlite's automatic backups deleted desk-2.sqlite's only backup "
        "(the glob 'desk-*-auto.sqlite' matches it, and it sorts first)"
    )


def test_open_makes_an_automatic_backup_at_most_once_a_day(tmp_path, clock):
    path = tmp_path / "desk.sqlite"
    make_desk(path, clock, cases=1)
    assert backups(path) == [], "creating a file makes no backup"

    open_store(path, auto_backup=False).close()
    assert backups(path) == []

    open_store(path).close()
    first = backups(path, "auto")
    assert len(first) == 1
    assert raw(first[0], "SELECT count(*) FROM cases") == raw(path, "SELECT count(*) FROM cases") == [(1,)]

    open_store(path).close()
    assert backups(path, "auto") == first, "not again immediately"

    age(first[0], AUTO_BACKUP_EVERY_HOURS - 1)
    open_store(path).close()
    assert backups(path, "auto") == first, "not while the last one is younger than a day"

    age(first[0], AUTO_BACKUP_EVERY_HOURS + 1)
    open_store(path).close()
    after = backups(path, "auto")
    assert len(after) == 2 and after[0] == first[0]


# where the file lives ------------------------------------------------------------------------


def test_default_db_path_honours_windowdesk_db(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere" / "center.sqlite"
    monkeypatch.setenv("WINDOWDESK_DB", str(target))
    assert default_db_path() == target
    store = open_store()  # no path given: the environment decides
    store.close()
    assert store.path == target.resolve() and target.stat().st_size > 0


def test_default_db_path_is_in_the_user_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("WINDOWDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # where platformdirs looks on Linux
    path = default_db_path()
    assert path.suffix == ".sqlite"
    assert path.is_relative_to(platformdirs.user_data_path())
    assert path.parent == platformdirs.user_data_path("WindowDesk", appauthor=False)
    if platformdirs.user_data_path() == tmp_path / "data":  # on Linux: a real, isolated location
        assert path.is_relative_to(tmp_path)
    monkeypatch.setenv("WINDOWDESK_DB", "")  # set but empty means "not set"
    assert default_db_path() == path


def test_the_daily_backup_also_refreshes_planner_statistics(store, run):
    import sqlite3 as _sqlite3

    from conftest import MZ, PERSON, full_materials
    from windowdesk.core.catalogue import Catalogue
    from windowdesk.db.store import open_store as _open
    from windowdesk.services import intake

    item = Catalogue.bundled().item("MZ-GF-0001")
    run(intake.receive_case, MZ, item_code=item.code, applicant=PERSON, materials=full_materials(item))
    store.close()
    conn = _sqlite3.connect(store.path)
    conn.execute("DELETE FROM sqlite_stat1")
    conn.commit()
    conn.close()
    for old in (store.path.parent / "backups").glob("*"):
        old.unlink()
    _open(store.path).close()  # no backup younger than a day: back up, then ANALYZE
    conn = _sqlite3.connect(store.path)
    tables = {r[0] for r in conn.execute("SELECT tbl FROM sqlite_stat1")}
    conn.close()
    assert "cases" in tables


# checkpoints off the desk's thread ------------------------------------------------


def test_commits_leave_the_checkpoint_to_the_background_checkpointer(tmp_path, clock):
    path = tmp_path / "desk.sqlite"
    store = open_store(path, node_code="LJ03")
    try:
        for conn in (store.pool.acquire(), store.reader()):
            assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        with store.engine.connect() as conn:  # an ORM engine, when one is asked for, too
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == 0
        runs = store.checkpointer.runs
        with UnitOfWork(store, clock) as uow:
            setup.install_bundled_reference_data(uow)
        wal = Path(str(path) + "-wal")
        assert wal.stat().st_size > 0  # the commit wrote the log and returned at once
        deadline = time.monotonic() + 10
        while store.checkpointer.runs == runs and time.monotonic() < deadline:
            time.sleep(0.02)
        assert store.checkpointer.runs > runs  # the thread copied the log back
        # everything in the log is in the database file: a reader that ignores the WAL sees it
        reader = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            assert reader.execute("SELECT count(*) FROM service_items").fetchone()[0] > 0
        finally:
            reader.close()
    finally:
        store.close()


def test_closing_the_store_stops_the_checkpointer_and_truncates_the_log(tmp_path, clock):
    path = tmp_path / "desk.sqlite"
    store = open_store(path, node_code="LJ03")
    with UnitOfWork(store, clock) as uow:
        setup.install_bundled_reference_data(uow)
    thread = store.checkpointer._thread
    assert thread is not None and thread.is_alive()
    store.close()
    assert not thread.is_alive()
    wal = Path(str(path) + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
