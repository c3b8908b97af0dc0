"""How the desk talks to its SQLite file: connection settings, a small pool of sqlite3
connections for the units of work, the background checkpointer, and — only where the
ORM or Alembic needs one — a SQLAlchemy engine with the same settings.

The desk's own SQL is short and hand-written and runs on plain sqlite3 connections.
Importing SQLAlchemy costs 0.2–0.3 s at every start on an office PC, so it is imported
only to create or upgrade a file (Alembic) or when an ORM session is asked for.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

PRAGMAS = (
    "PRAGMA foreign_keys=ON",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-65536",
    # Copying the WAL back into the database is the Checkpointer's job, on its own
    # thread: a commit on the desk's thread never waits for it.
    "PRAGMA wal_autocheckpoint=0",
)


def configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.isolation_level = None  # autocommit; the unit of work issues BEGIN IMMEDIATE itself
    for pragma in PRAGMAS:
        conn.execute(pragma)
    return conn


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the desk's settings, usable from any thread (one at a time)."""
    return configure(sqlite3.connect(path, check_same_thread=False, isolation_level=None))


class ConnectionPool:
    """Connections for units of work: taken for one ``with`` block, then given back.

    A returned connection is rolled back if a transaction was left open; up to ``keep``
    idle ones are kept, the rest closed. Safe to use from several threads.
    """

    def __init__(self, path: Path, keep: int = 4):
        self.path, self.keep = path, keep
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._closed = False

    def acquire(self) -> sqlite3.Connection:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return connect(self.path)

    def release(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            conn.rollback()
        if self._closed or self._idle.qsize() >= self.keep:
            conn.close()
        else:
            self._idle.put(conn)

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def sqlalchemy_engine(path: Path, begin: str | None = "BEGIN IMMEDIATE"):
    """A SQLAlchemy engine with the desk's connection settings (for Alembic and ORM
    sessions). With ``begin``, every transaction takes the write lock up front."""
    from sqlalchemy import create_engine, event

    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        configure(dbapi_conn)

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
