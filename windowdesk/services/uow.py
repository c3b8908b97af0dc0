"""The unit of work: one transaction, the desk's clock, and what the rules need."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

from windowdesk.core.calendar import WorkCalendar, YearSchedule
from windowdesk.core.hlc import HLCStamp, HybridLogicalClock
from windowdesk.db.store import Store


class Clock(Protocol):
    def now(self) -> datetime:  # timezone-aware
        ...

    def today(self) -> date:  # the desk's local date
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def today(self) -> date:
        return datetime.now().astimezone().date()


@dataclass
class FixedClock:
    """A clock that says what it is told; for tests, demos and replays of history."""

    current: datetime

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.astimezone().date()

    def advance(self, **delta) -> None:
        self.current = self.current + timedelta(**delta)


@dataclass(frozen=True)
class Rules:
    """The configurable parts of the rules (settings table; defaults here)."""

    yellow_percent: int = 80
    referral_followup_hours: int = 24
    bad_rating_callback_days: int = 5
    assume_weekends: bool = False

    @classmethod
    def from_settings(cls, values: dict) -> "Rules":
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Rows:
    """The few result helpers the services use, over a DB-API cursor."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor):
        self._cursor = cursor

    def __iter__(self):
        return iter(self._cursor)

    def all(self) -> list[tuple]:
        return self._cursor.fetchall()

    def first(self) -> tuple | None:
        return self._cursor.fetchone()

    def one(self) -> tuple:
        row = self._cursor.fetchone()
        if row is None:
            raise LookupError("expected a row")
        return row

    def scalar_one(self):
        return self.one()[0]


class UnitOfWork:
    """``with UnitOfWork(store) as uow: ...; uow.commit()`` — rolled back unless committed.

    A writing unit of work holds SQLite's write lock from its first statement
    (BEGIN IMMEDIATE) until it commits or rolls back; a reading one runs each
    statement on its own. The services' SQL is short and hand-written, so it goes
    straight to a sqlite3 connection taken from the store's pool for the with-block:
    this is the path every intake and lookup takes, and an ORM session around it only
    cost time.
    """

    def __init__(self, store: Store, clock: Clock | None = None, *, write: bool = True):
        self.store = store
        self.clock = clock or SystemClock()
        self.write = write
        self._conn: sqlite3.Connection | None = None
        self._in_transaction = False

    def __enter__(self) -> "UnitOfWork":
        self._conn = self.store.pool.acquire()
        return self

    def __exit__(self, *exc) -> None:
        assert self._conn is not None
        try:
            self.rollback()
        finally:
            self.store.pool.release(self._conn)
            self._conn = None

    def commit(self) -> None:
        assert self._conn is not None
        if self._in_transaction:
            self._in_transaction = False
            self._conn.execute("COMMIT")
            self.store.committed()

    def rollback(self) -> None:
        assert self._conn is not None
        if self._in_transaction:
            self._in_transaction = False
            if self._conn.in_transaction:  # SQLite may have rolled back by itself after an error
                self._conn.execute("ROLLBACK")

    @property
    def dbapi(self) -> sqlite3.Connection:
        """The sqlite3 connection; a writing unit of work begins its transaction on first use."""
        conn = self._conn
        assert conn is not None, "use the unit of work in a with-block"
        if self.write and not self._in_transaction:
            conn.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
        return conn

    def execute(self, sql: str, params=()) -> Rows:
        return Rows(self.dbapi.execute(sql, params))

    # things the rules need ---------------------------------------------------

    @property
    def node(self) -> str:
        return self.store.node_code

    @property
    def own_nodes(self) -> frozenset[str]:
        """This desk's node code and those of the desks whose database it continues (a
        restored or copied database enrolled again): the cases it holds are held by these."""
        nodes = self.store.cache.get("own_nodes")
        if nodes is None:
            row = self.execute("SELECT value FROM sync_state WHERE key = 'predecessors'").first()
            nodes = frozenset({self.node, *(row[0].split(",") if row and row[0] else ())})
            self.store.cache["own_nodes"] = nodes
        return nodes

    @property
    def standing(self) -> str:
        """'' while the desk may write; 'revoked', 'upgrade' or 'copied' when it may not."""
        standing = self.store.cache.get("standing")
        if standing is None:
            from windowdesk.services.sync import current_standing

            standing = current_standing(self)
            self.store.cache["standing"] = standing
        return standing

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.today()

    @property
    def rules(self) -> Rules:
        cached = self.store.cache.get("rules")
        if cached is None:
            rows = self.execute("SELECT key, value FROM settings").all()
            cached = Rules.from_settings({k: json.loads(v) for k, v in rows})
            self.store.cache["rules"] = cached
        return cached

    @property
    def calendar(self) -> WorkCalendar:
        cached = self.store.cache.get("calendar")
        if cached is None:
            rows = self.execute("SELECT data FROM calendar_years ORDER BY year").all()
            schedules = [YearSchedule.from_dict(json.loads(r[0])) for r in rows]
            cached = WorkCalendar.from_schedules(schedules, assume_weekends=self.rules.assume_weekends)
            self.store.cache["calendar"] = cached
        return cached

    def invalidate(self, *keys: str) -> None:
        for key in keys:
            self.store.cache.pop(key, None)

    def _hlc(self) -> HybridLogicalClock:
        clock = self.store.cache.get("hlc")
        if clock is None:
            row = self.execute("SELECT value FROM meta WHERE key='hlc_last'").first()
            last = HLCStamp.parse(row[0]) if row else None
            clock = HybridLogicalClock(self.node, last)
            self.store.cache["hlc"] = clock
        return clock

    def hlc_tick(self, after: str = "") -> str:
        """A new clock stamp for an event written here, later than ``after`` (the stamp of
        the case's newest event, so a child always sorts after its parents); persisted."""
        now_ms = int(self.clock.now().timestamp() * 1000)
        with self.store.lock:
            clock = self._hlc()
            stamp = str(clock.tick(now_ms, HLCStamp.parse(after) if after else None))
            last = str(clock.last)
        self._save_hlc(last)
        return stamp

    def hlc_observe(self, stamps: list[str]) -> None:
        """Events received from elsewhere move this desk's clock past their stamps."""
        if not stamps:
            return
        now_ms = int(self.clock.now().timestamp() * 1000)
        with self.store.lock:
            clock = self._hlc()
            stamp = str(clock.observe(HLCStamp.parse(max(stamps)), now_ms))
        self._save_hlc(stamp)

    def _save_hlc(self, stamp: str) -> None:
        self.execute(
            "INSERT INTO meta (key, value) VALUES ('hlc_last', :v) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            {"v": stamp},
        )
