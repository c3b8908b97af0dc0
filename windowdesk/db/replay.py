"""Streaming the whole log, case by case, for rebuilds and checks."""

from __future__ import annotations

import sqlite3
from itertools import groupby
from typing import Callable, Iterator

from windowdesk.core.projection import CaseState, replay
from windowdesk.db.codec import SELECT_EVENT_SQL, row_to_event

ProgressFn = Callable[[int, int], None]  # (events done, events in all)


def replay_all(
    conn: sqlite3.Connection, progress: ProgressFn | None = None, every: int = 50_000
) -> Iterator[CaseState]:
    """Every case's state, replayed from its events in log order."""
    total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    cursor = conn.execute(SELECT_EVENT_SQL + " ORDER BY case_id, hlc")
    cursor.arraysize = 2000
    done = next_report = 0

    def events():
        nonlocal done, next_report
        while True:
            rows = cursor.fetchmany()
            if not rows:
                return
            for row in rows:
                yield row
            done += len(rows)
            if progress and done >= next_report:
                progress(done, total)
                next_report = done + every

    for _case_id, rows in groupby(events(), key=lambda r: r[1]):
        yield replay(row_to_event(r) for r in rows)
    if progress:
        progress(total, total)
