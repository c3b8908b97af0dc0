"""Opening a desk's SQLite file: create, check, back up, upgrade — never overwrite.

A WindowDesk file is marked with SQLite's ``application_id``. Opening a file:
- that does not exist (or is empty): it is created at the newest schema;
- that is not SQLite, or not ours: refused, untouched;
- that fails SQLite's integrity check: refused, untouched;
- from an older WindowDesk: backed up with SQLite's online backup API, then upgraded;
- from a newer WindowDesk (a schema revision we do not know): refused.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from platformdirs import user_data_path
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from windowdesk.core.casenumber import check_node_code
from windowdesk.core.errors import DomainError
from windowdesk.i18n import _

log = logging.getLogger(__name__)

APPLICATION_ID = 0x5744534B  # "WDSK"
SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BACKUPS_KEPT = {"auto": 7, "upgrade": 5, "manual": 20}
AUTO_BACKUP_EVERY_HOURS = 24
QUICK_CHECK_MAX_BYTES = 512 * 1024 * 1024
ANALYSIS_LIMIT = 1000


class StoreError(DomainError):
    """The database file cannot be used."""


class NotWindowDeskDatabase(StoreError):
    pass


class CorruptDatabase(StoreError):
    pass


class NewerDatabase(StoreError):
    pass


def default_db_path() -> Path:
    """The embedded default database in the per-user data directory."""
    override = os.environ.get("WINDOWDESK_DB")
    if override:
        return Path(override)
    return user_data_path("WindowDesk", appauthor=False) / "windowdesk.sqlite"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _inspect(path: Path) -> str | None:
    """Check an existing file without writing to it; return its schema revision.

    ``None`` means an empty SQLite file that can be initialised.
    """
    with open(path, "rb") as fh:
        header = fh.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise NotWindowDeskDatabase(
            _("{path} is not a WindowDesk database (it is not an SQLite file). It was left untouched.").format(
                path=path
            )
        )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if app_id != APPLICATION_ID:
                if app_id == 0 and not tables:
                    return None
                raise NotWindowDeskDatabase(
                    _("{path} is an SQLite file of another program, not a WindowDesk database. It was left untouched.").format(
                        path=path
                    )
                )
            # A full page check reads the whole file: done on open for a desk-sized file;
            # a county-sized one gets it from ``windowdesk check`` (reading the schema
            # above already catches a damaged header or catalogue).
            small = path.stat().st_size <= QUICK_CHECK_MAX_BYTES
            result = conn.execute("PRAGMA quick_check").fetchone()[0] if small else "ok"
            if result != "ok":
                raise CorruptDatabase(
                    _("{path} is damaged ({detail}). It was left untouched; restore the latest backup.").format(
                        path=path, detail=result
                    )
                )
            if "alembic_version" not in tables:
                raise CorruptDatabase(
                    _("{path} has no schema version. It was left untouched; restore the latest backup.").format(path=path)
                )
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptDatabase(
            _("{path} is damaged ({detail}). It was left untouched; restore the latest backup.").format(
                path=path, detail=exc
            )
        ) from exc


def _make_engine(path: Path, begin: str | None) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA cache_size=-65536")
        # Copying the WAL back into the database is the Checkpointer's job, on its own
        # thread: a commit on the desk's thread never waits for it.
        cur.execute("PRAGMA wal_autocheckpoint=0")
        cur.close()

    if begin:

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            # Writers take the write lock up front so read-then-write never deadlocks.
            conn.exec_driver_sql(begin)

    return engine


class Checkpointer:
    """Copies the write-ahead log back into the database file on a thread of its own.

    The desk's connections run with ``wal_autocheckpoint=0``, so the commit that happens
    to cross SQLite's threshold no longer pays for copying a thousand pages (10–20 ms,
    the whole tail of an intake). After a burst of commits has settled for a moment this
    thread runs a PASSIVE checkpoint, which waits for no reader and no writer; closing
    the store truncates the log.
    """

    SETTLE_SECONDS = 0.2

    def __init__(self, path: Path):
        self.path = path
        self._wake = threading.Event()
        self._stopping = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()
        self.runs = 0

    def nudge(self) -> None:
        """Something was committed: checkpoint soon."""
        if self._thread is None:
            with self._guard:
                if self._thread is None and not self._stopping:
                    self._thread = threading.Thread(target=self._run, name="windowdesk-checkpoint", daemon=True)
                    self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                self._wake.wait()
                if self._stopped.wait(self.SETTLE_SECONDS):
                    return
                self._wake.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    self.runs += 1
                except sqlite3.Error:  # pragma: no cover - tried again after the next commit
                    log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            conn.close()

    def stop(self, truncate: bool = True) -> None:
        with self._guard:
            self._stopping = True
            thread = self._thread
        self._stopped.set()
        self._wake.set()
        if thread is not None:
            thread.join()
        if truncate:
            conn = sqlite3.connect(self.path, isolation_level=None)
            try:
                conn.execute("PRAGMA busy_timeout=2000")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except sqlite3.Error:  # pragma: no cover - another process holds the file; it will checkpoint
                log.info("WAL not truncated on close", exc_info=True)
            finally:
                conn.close()


@dataclass
class Store:
    """An open desk database: engines, sessions, and per-desk caches."""

    path: Path
    engine: Engine
    read_engine: Engine
    node_code: str
    store_id: str
    lock: threading.RLock = field(default_factory=threading.RLock)
    cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.write_session = sessionmaker(self.engine, expire_on_commit=False)
        self.read_session = sessionmaker(self.read_engine, expire_on_commit=False)
        self._local = threading.local()
        self._readers: list = []
        self.checkpointer = Checkpointer(self.path)
        event.listen(self.engine, "commit", lambda _conn: self.checkpointer.nudge())

    def committed(self) -> None:
        """Called after every commit on the desk's connections."""
        self.checkpointer.nudge()

    def reader(self) -> sqlite3.Connection:
        """This thread's long-lived read connection, for look-ups and list pages.

        Each statement reads on its own (no transaction is held open), so it never
        blocks a writer and always sees the latest committed data.
        """
        conn = getattr(self._local, "reader", None)
        if conn is None:
            conn = self.read_engine.raw_connection()
            self._local.reader = conn
            with self.lock:
                self._readers.append(conn)
        return conn.driver_connection

    @property
    def backups_dir(self) -> Path:
        return self.path.parent / "backups"

    def close(self) -> None:
        with self.lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()
        self.engine.dispose()
        self.read_engine.dispose()
        self.checkpointer.stop()


def backup_file(path: Path, reason: str) -> Path:
    """Copy a live database with SQLite's online backup API; keep the newest few."""
    folder = path.parent / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")
    target = folder / f"{path.stem}-{stamp}-{reason}.sqlite"
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    kept = BACKUPS_KEPT.get(reason, 10)
    for stale in backups_of(path, reason)[:-kept]:
        stale.unlink()
    return target


def backups_of(path: Path, reason: str | None = None) -> list[Path]:
    """This database's backups (not those of another file whose name starts the same), oldest first."""
    folder = path.parent / "backups"
    if not folder.exists():
        return []
    pattern = re.compile(
        re.escape(path.stem) + r"-\d{8}-\d{6}-\d{6}-" + (re.escape(reason) if reason else r"[a-z]+") + r"\.sqlite"
    )
    return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))


def latest_backup(path: Path, reason: str | None = None) -> Path | None:
    found = backups_of(path, reason)
    return found[-1] if found else None


def _migrate(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def open_store(
    path: str | os.PathLike | None = None,
    *,
    node_code: str | None = None,
    auto_backup: bool = True,
) -> Store:
    """Open (creating or upgrading as needed) the desk database at ``path``."""
    if node_code is not None:
        node_code = check_node_code(node_code)  # before anything is written
    path = Path(path) if path else default_db_path()
    path = path.expanduser().resolve()
    if path.is_dir():
        raise NotWindowDeskDatabase(
            _("{path} is a folder, not a WindowDesk database.").format(path=path)
        )
    existing = path.exists() and path.stat().st_size > 0
    revision = _inspect(path) if existing else None
    head = head_revision()
    if revision is not None and revision not in known_revisions():
        raise NewerDatabase(
            _("{path} was written by a newer WindowDesk (schema {revision}). Update WindowDesk to open it; the file was left untouched.").format(
                path=path, revision=revision
            )
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = _make_engine(path, "BEGIN IMMEDIATE")
    read_engine = _make_engine(path, None)  # reads: each statement on its own
    try:
        if revision is None:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
            _migrate(engine)
        elif revision != head:
            backup_file(path, "upgrade")
            _migrate(engine)
        with engine.begin() as conn:
            meta = dict(conn.execute(text("SELECT key, value FROM meta")).all())
            if "node_code" not in meta:
                code = check_node_code(node_code or f"N{secrets.token_hex(2).upper()}")
                meta = {"node_code": code, "store_id": secrets.token_hex(8)}
                for key, value in meta.items():
                    conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": key, "v": value})
    except Exception:
        engine.dispose()
        read_engine.dispose()
        raise
    store = Store(path, engine, read_engine, meta["node_code"], meta["store_id"])
    if auto_backup and existing:
        daily_maintenance(store)
    return store


def daily_maintenance(store: Store) -> Path | None:
    """Once a day: an automatic backup, and fresh planner statistics. Returns the backup
    made, or ``None`` when the last one is younger than a day. (The desk app should run
    this on its background helper; ``open_store`` runs it for the command line.)"""
    last = latest_backup(store.path, "auto")
    age_hours = (datetime.now().timestamp() - last.stat().st_mtime) / 3600 if last else float("inf")
    if age_hours < AUTO_BACKUP_EVERY_HOURS:
        return None
    made = backup_file(store.path, "auto")
    with store.engine.begin() as conn:
        analyse_cases(conn.connection.driver_connection)
    return made


def analyse_cases(conn: sqlite3.Connection) -> None:
    """Sample the projection's indexes for the query planner, which then skip-scans the
    window index for statistics. Sampled, so cheap even on a county-sized file; a desk
    that grew by ordinary use would otherwise have no statistics at all."""
    conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    conn.execute("ANALYZE cases")

