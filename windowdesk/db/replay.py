"""Streaming the whole log, case by case, for rebuilds and checks.

Replay is pure Python and cases are independent, so a large log is split by case id
into ranges replayed in worker processes (each with its own read connection), while
the caller consumes the rows in case-id order.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from itertools import groupby
from pathlib import Path
from typing import Callable, Iterator

from windowdesk.core.projection import FIELD_NAMES, replay_fields
from windowdesk.db.codec import SELECT_EVENT_SQL, fields_to_row, row_to_fold_event

ProgressFn = Callable[[int, int], None]  # (events done, events in all)

PARALLEL_FROM_EVENTS = 200_000  # below this, worker processes cost more than they save
_HEX = "0123456789abcdef"


def _replay_cursor(cursor: sqlite3.Cursor) -> Iterator[tuple]:
    cursor.arraysize = 2000

    def events():
        while rows := cursor.fetchmany():
            yield from rows

    for _case_id, rows in groupby(events(), key=lambda r: r[1]):
        yield fields_to_row(replay_fields(map(row_to_fold_event, rows)))


def _replay_range(path: str, low: str, high: str | None) -> list[tuple]:
    """Worker: the projection rows of the cases whose ids are in [low, high)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if high is None:
            cursor = conn.execute(SELECT_EVENT_SQL + " WHERE case_id >= ? ORDER BY case_id, hlc", (low,))
        else:
            cursor = conn.execute(
                SELECT_EVENT_SQL + " WHERE case_id >= ? AND case_id < ? ORDER BY case_id, hlc", (low, high)
            )
        return list(_replay_cursor(cursor))
    finally:
        conn.close()


def _ranges(parts: int) -> list[tuple[str, str | None]]:
    """Case-id ranges (ids are lower-case UUID text) covering every possible id."""
    bounds = [""] + [a + b for a in _HEX for b in _HEX][:: max(1, 256 // parts)][1:] + [None]
    return list(zip(bounds[:-1], bounds[1:]))


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
    total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    workers = workers or os.cpu_count() or 1
    count_at = FIELD_NAMES.index("event_count")
    done = 0
    if path is not None and workers > 1 and total >= PARALLEL_FROM_EVENTS:
        # spawn: the same on every platform, and safe beside the desk's threads.
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            jobs = [pool.submit(_replay_range, str(path), lo, hi) for lo, hi in _ranges(workers * 8)]
            for job in jobs:
                rows = job.result()
                yield from rows
                done += sum(r[count_at] for r in rows)
                if progress:
                    progress(done, total)
        return
    cursor = conn.execute(SELECT_EVENT_SQL + " ORDER BY case_id, hlc")
    next_report = 50_000
    for row in _replay_cursor(cursor):
        yield row
        done += row[count_at]
        if progress and done >= next_report:
            progress(done, total)
            next_report = done + 50_000
    if progress:
        progress(total, total)
