"""Streaming the whole log, case by case, for rebuilds and checks.

Replay is pure Python and cases are independent, so a large log is split by case id
into ranges replayed in worker processes (each with its own read connection), while
the caller consumes the results in case-id order: rows for a check (``replay_all``),
or, for a rebuild, SQLite files of rows that the writer copies from in C
(``replay_into_files``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sqlite3
import threading
from collections import deque
from contextlib import closing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import chain, groupby, islice
from operator import itemgetter
from pathlib import Path
from typing import Callable, Iterable, Iterator

from windowdesk.core.projection import FIELD_NAMES, replay_fields
from windowdesk.db.codec import (
    CASE_COLUMNS,
    INSERT_CASE_SQL,
    SELECT_FOLD_EVENT_SQL,
    SELECT_FOLD_EVENT_TEXT_SQL,
    fields_to_row,
    row_to_fold_event,
)

ProgressFn = Callable[[int, int], None]  # (events done, events in all)

PARALLEL_FROM_EVENTS = 200_000  # below this, worker processes cost more than they save
# A rebuild attaches every part file until it commits, and SQLite allows 10 attached
# databases unless built otherwise.
MAX_PARTS = 8
_HEX = "0123456789abcdef"
_COUNT_AT = FIELD_NAMES.index("event_count")
_BATCH = 2000
# A part file's table: the projection's columns without types (so without affinity),
# holding each value exactly as bound; copying them into ``cases`` then stores them
# exactly as binding them there would.
PART_TABLE_SQL = f"CREATE TABLE cases ({', '.join(CASE_COLUMNS)})"


def _read_connection(path: str) -> sqlite3.Connection:
    """A worker's own read-only connection. With the desk's 64 MB cache rather than
    SQLite's 2 MB, the inner pages of the log's table and index stay cached: a third
    fewer page reads when events are looked up by case."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.execute("PRAGMA cache_size=-65536")
    return conn


def _fold_events_sql(conn: sqlite3.Connection) -> str:
    utf8 = conn.execute("PRAGMA encoding").fetchone()[0] == "UTF-8"
    return SELECT_FOLD_EVENT_SQL if utf8 else SELECT_FOLD_EVENT_TEXT_SQL


def _events_cursor(conn: sqlite3.Connection, low: str = "", high: str | None = None) -> sqlite3.Cursor:
    """The events of the cases whose ids are in [low, high), by case, then clock."""
    sql = _fold_events_sql(conn)
    if high is None:
        return conn.execute(sql + " WHERE case_id >= ? ORDER BY case_id, hlc", (low,))
    return conn.execute(sql + " WHERE case_id >= ? AND case_id < ? ORDER BY case_id, hlc", (low, high))


def _replay_cursor(cursor: sqlite3.Cursor) -> Iterator[tuple]:
    """Projection rows from a cursor over ``SELECT_FOLD_EVENT_SQL`` ordered by case, then clock."""
    cursor.arraysize = _BATCH
    events = chain.from_iterable(iter(cursor.fetchmany, []))  # batches until an empty one
    for _case_id, rows in groupby(events, key=itemgetter(1)):
        yield fields_to_row(replay_fields(map(row_to_fold_event, rows)))


class _NoCycleCollection:
    """Replay makes no reference cycles, and the cyclic collector would otherwise walk
    the rows made so far again and again (≈15 % of a worker's time). For worker
    processes only: a desk's own process keeps its collector."""

    def __enter__(self) -> None:
        self._was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc) -> None:
        if self._was:
            gc.enable()


def _replay_range(path: str, low: str, high: str | None) -> list[tuple]:
    """Worker: the projection rows of the cases whose ids are in [low, high)."""
    with _NoCycleCollection():
        conn = _read_connection(path)
        try:
            return list(_replay_cursor(_events_cursor(conn, low, high)))
        finally:
            conn.close()


def _write_part(rows: Iterable[tuple], target: str) -> tuple[int, int]:
    """Projection rows into a new SQLite file (table ``cases``, ``PART_TABLE_SQL``, rows
    in the order given); (cases, events). A scratch file: no journal, no syncing."""
    out = sqlite3.connect(target, isolation_level=None)
    try:
        out.execute("PRAGMA journal_mode=OFF")
        out.execute("PRAGMA synchronous=OFF")
        out.execute(PART_TABLE_SQL)
        out.execute("BEGIN")
        cases = events = 0
        rows = iter(rows)
        while batch := list(islice(rows, _BATCH)):
            out.executemany(INSERT_CASE_SQL, batch)
            cases += len(batch)
            events += sum(row[_COUNT_AT] for row in batch)
        out.execute("COMMIT")
        return cases, events
    finally:
        out.close()


def _replay_range_into(path: str, low: str, high: str | None, target: str) -> tuple[int, int]:
    """Worker: replay the cases whose ids are in [low, high) into the part file ``target``."""
    with _NoCycleCollection():
        conn = _read_connection(path)
        try:
            return _write_part(_replay_cursor(_events_cursor(conn, low, high)), target)
        finally:
            conn.close()


def _ranges(parts: int) -> list[tuple[str, str | None]]:
    """Case-id ranges (ids are lower-case UUID text) covering every possible id."""
    prefixes = [a + b for a in _HEX for b in _HEX]
    parts = max(1, min(parts, len(prefixes)))
    bounds = [""] + [prefixes[k * len(prefixes) // parts] for k in range(1, parts)] + [None]
    return list(zip(bounds[:-1], bounds[1:]))


class _ReadAhead:
    """Brings the database file into the OS cache in file order, on a thread of its own.

    The workers look events up by case, which scatters their reads over the whole log:
    on a cold cache each such read waits for the disk, a page at a time (a 1/16 range of
    the 1M-case file: 16 s cold, 2 s warm). Asking for the file in order fills the cache
    at the disk's sequential speed instead (4 GB in about 3 s here). Where the OS takes
    read-ahead advice (Linux), that costs next to nothing; elsewhere the file is read.
    """

    ADVICE_CHUNK = 8 << 20
    READ_CHUNK = 1 << 20

    def __init__(self, path: Path):
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path,), name="windowdesk-read-ahead", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        advise = getattr(os, "posix_fadvise", None)
        try:
            with open(path, "rb", buffering=0) as f:
                if advise is not None:
                    size = os.fstat(f.fileno()).st_size
                    for offset in range(0, size, self.ADVICE_CHUNK):
                        if self._stopping.is_set():
                            return
                        advise(f.fileno(), offset, self.ADVICE_CHUNK, os.POSIX_FADV_WILLNEED)
                    return
                buffer = bytearray(self.READ_CHUNK)
                while not self._stopping.is_set() and f.readinto(buffer):
                    pass
        except OSError:  # only ever a hint to the OS cache
            pass

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()


def _in_parallel(path: str | Path | None, workers: int, total: int) -> bool:
    return path is not None and workers > 1 and total >= PARALLEL_FROM_EVENTS


def _run_in_workers(path: Path, workers: int, jobs: list[tuple]) -> Iterator[Future]:
    """Submit ``(function, *args)`` jobs to ``workers`` processes; their futures in order.

    Each future is forgotten once the caller moves on (a range's rows are tens of MB),
    and a caller that stops early waits only for the jobs already running.
    """
    reading = _ReadAhead(path)
    # spawn: the same on every platform, and safe beside the desk's threads.
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = deque(pool.submit(*job) for job in jobs)
        while futures:
            yield futures.popleft()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        reading.stop()


def _log_size(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def replay_all(
    conn: sqlite3.Connection,
    progress: ProgressFn | None = None,
    *,
    path: str | Path | None = None,
    workers: int | None = None,
) -> Iterator[tuple]:
    """Every case's projection row (as ``codec.state_to_row`` gives it), replayed from
    its events in log order, in case-id order.

    With ``path`` (the database file) and a large log, ranges are replayed in parallel.
    """
    total = _log_size(conn)
    workers = workers or os.cpu_count() or 1
    if not _in_parallel(path, workers, total):
        yield from _reporting(_replay_cursor(_events_cursor(conn)), progress, total)
        if progress:
            progress(total, total)
        return
    jobs = [(_replay_range, str(path), lo, hi) for lo, hi in _ranges(workers * 8)]
    done = 0
    with closing(_run_in_workers(Path(path), workers, jobs)) as futures:
        for future in futures:
            rows = future.result()
            yield from rows
            done += sum(r[_COUNT_AT] for r in rows)
            if progress:
                progress(done, total)


@dataclass(frozen=True)
class ReplayedPart:
    """A SQLite file whose table ``cases`` holds the projection rows of a range of cases,
    in case-id order (see ``PART_TABLE_SQL``)."""

    path: Path
    cases: int
    events: int


def replay_into_files(
    conn: sqlite3.Connection,
    folder: Path,
    progress: ProgressFn | None = None,
    *,
    path: str | Path | None = None,
    workers: int | None = None,
    parts: int = MAX_PARTS,
) -> Iterator[ReplayedPart]:
    """Every case's projection row, as ``replay_all`` gives them, written into at most
    ``parts`` new part files in ``folder``; the parts in case-id order.

    A rebuild copies each part into ``cases`` with one INSERT … SELECT, so the rows
    never pass through Python again: no pickling between processes, no binding of 69
    values a row in the writer (together about a third of the writer's work before).
    With ``path`` (the database file) and a large log, the ranges are replayed in
    worker processes; otherwise here, into one part, through ``conn``.
    """
    total = _log_size(conn)
    workers = workers or os.cpu_count() or 1
    if not _in_parallel(path, workers, total):
        target = folder / "part-0.sqlite"
        cases, events = _write_part(_reporting(_replay_cursor(_events_cursor(conn)), progress, total), str(target))
        if progress:
            progress(total, total)
        yield ReplayedPart(target, cases, events)
        return
    ranges = _ranges(parts)
    targets = [folder / f"part-{k}.sqlite" for k in range(len(ranges))]
    jobs = [(_replay_range_into, str(path), lo, hi, str(t)) for (lo, hi), t in zip(ranges, targets)]
    done = 0
    with closing(_run_in_workers(Path(path), workers, jobs)) as futures:
        for target, future in zip(targets, futures):
            cases, events = future.result()
            done += events
            if progress:
                progress(done, total)
            yield ReplayedPart(target, cases, events)


def _reporting(rows: Iterator[tuple], progress: ProgressFn | None, total: int) -> Iterator[tuple]:
    """``rows``, telling ``progress`` every 50,000 events or so."""
    if progress is None:
        yield from rows
        return
    done, next_report = 0, 50_000
    for row in rows:
        yield row
        done += row[_COUNT_AT]
        if done >= next_report:
            progress(done, total)
            next_report = done + 50_000
