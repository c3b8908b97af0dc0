"""Opening a desk's SQLite file: create, check, back up, upgrade — never overwrite.

A WindowDesk file is marked with SQLite's ``application_id``. Opening a file:
- that does not exist (or is empty): it is created at the newest schema;
- that is not SQLite, or not ours: refused, untouched;
- that fails SQLite's integrity check: refused, untouched;
- from an older WindowDesk: backed up with SQLite's online backup API, then upgraded;
- from a newer WindowDesk (a schema revision we do not know): refused.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from platformdirs import user_data_path

from windowdesk.core.casenumber import check_node_code
from windowdesk.core.errors import DomainError
from windowdesk.db.connections import Checkpointer, ConnectionPool, connect, sqlalchemy_engine
from windowdesk.i18n import _

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


def alembic_config():
    # Alembic is imported only when a file is created or upgraded: most starts need neither.
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def known_revisions() -> set[str]:
    """The schema revisions this WindowDesk knows: the migration files' numbered names
    (``0004_accounts_and_posts.py`` is revision ``0004``; a test checks this agrees with
    Alembic's own reading of them, which costs a tenth of a second at every start)."""
    return {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")}


def head_revision() -> str:
    return max(known_revisions())


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


@dataclass
class Store:
    """An open desk database: its connections, its checkpointer and per-desk caches."""

    path: Path
    node_code: str
    store_id: str
    lock: threading.RLock = field(default_factory=threading.RLock)
    cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pool = ConnectionPool(self.path)
        self.checkpointer = Checkpointer(self.path)
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._engines: dict[str, object] = {}

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
            conn = connect(self.path)
            self._local.reader = conn
            with self.lock:
                self._readers.append(conn)
        return conn

    # SQLAlchemy, for the ORM and administration (imported only when asked for) -----

    def _engine(self, kind: str):
        with self.lock:
            engine = self._engines.get(kind)
            if engine is None:
                from sqlalchemy import event

                engine = sqlalchemy_engine(self.path, "BEGIN IMMEDIATE" if kind == "write" else None)
                event.listen(engine, "commit", lambda _conn: self.committed())
                self._engines[kind] = engine
            return engine

    @property
    def engine(self):
        return self._engine("write")

    @property
    def read_engine(self):
        return self._engine("read")

    def write_session(self):
        """A SQLAlchemy ORM session that takes the write lock (the services use ``UnitOfWork``)."""
        from sqlalchemy.orm import Session

        return Session(self.engine, expire_on_commit=False)

    def read_session(self):
        from sqlalchemy.orm import Session

        return Session(self.read_engine, expire_on_commit=False)

    @property
    def backups_dir(self) -> Path:
        return self.path.parent / "backups"

    def close(self) -> None:
        with self.lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
            engines, self._engines = list(self._engines.values()), {}
        self._local = threading.local()
        self.pool.close()
        for engine in engines:
            engine.dispose()
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


def _migrate(path: Path, revision: str = "head", *, new: bool = False) -> None:
    """Create or upgrade the schema with Alembic (the only time it is imported)."""
    from alembic import command

    engine = sqlalchemy_engine(path)
    try:
        if new:
            with engine.begin() as conn:
                conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


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
    if revision is None:
        _migrate(path, new=True)
    elif revision != head:
        backup_file(path, "upgrade")
        _migrate(path)
    conn = connect(path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        if "node_code" not in meta:
            code = check_node_code(node_code or f"N{secrets.token_hex(2).upper()}")
            meta = {"node_code": code, "store_id": secrets.token_hex(8)}
            conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
        conn.execute("COMMIT")
    finally:
        conn.close()
    store = Store(path, meta["node_code"], meta["store_id"])
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
    conn = store.pool.acquire()
    try:
        analyse_cases(conn)
    finally:
        store.pool.release(conn)
    store.committed()
    return made


def analyse_cases(conn: sqlite3.Connection) -> None:
    """Sample the projection's indexes for the query planner, which then skip-scans the
    window index for statistics. Sampled, so cheap even on a county-sized file; a desk
    that grew by ordinary use would otherwise have no statistics at all."""
    conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    conn.execute("ANALYZE cases")

