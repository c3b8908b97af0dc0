"""Write a county-scale WindowDesk history into a new SQLite file.

    python bench/generate.py --db /work/bench-data/county.sqlite --cases 1000000 [--seed 1]

20 township centers (nodes T01…T20) with 14 windows each, cases received on working
days from 2022-01-01 to 2026-11-20. The file is created with ``open_store`` and the
reference data installed with the setup services; the case log itself is built by
worker processes (``flows.Township``) and written by this process alone, with
``executemany`` on a raw sqlite3 connection in large transactions.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sqlite3
import sys
import time
import traceback
from datetime import UTC, date, datetime
from pathlib import Path

from windowdesk.core.calendar import WorkCalendar
from windowdesk.core.catalogue import Catalogue
from windowdesk.db.codec import INSERT_EVENT_SQL, UPSERT_CASE_SQL
from windowdesk.db.store import open_store
from windowdesk.services import setup
from windowdesk.services.uow import FixedClock, UnitOfWork

sys.path.insert(0, str(Path(__file__).resolve().parent))
from county import TOWNSHIPS, VERSIONS, clerks, county_catalogue, node_code
from flows import Days, Township

START, END = date(2022, 1, 1), date(2026, 11, 20)
SQL = {
    "events": INSERT_EVENT_SQL,
    "cases": UPSERT_CASE_SQL,
    "applicants": "INSERT INTO applicants (id, id_type, id_number, name, phone, address, updated_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
    "numbers": "INSERT INTO number_sequences (node, scope, day, last) VALUES (?, ?, ?, ?)",
}
ASSUMED = ("2022 and 2023 have no bundled holiday schedule: the rule assume_weekends is set to "
           "true, so those years count plain Monday-Friday working days (due dates flagged).")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", required=True, type=Path, help="the new SQLite file (must not exist)")
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--townships", type=int, default=len(TOWNSHIPS), choices=range(1, len(TOWNSHIPS) + 1),
                   metavar=f"1..{len(TOWNSHIPS)}")
    p.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    p.add_argument("--quiet", action="store_true")
    return p.parse_args(argv)


def case_counts(total: int, townships: int) -> list[int]:
    sizes = [w for _n, w in TOWNSHIPS[:townships]]
    counts = [int(total * w / sum(sizes)) for w in sizes]
    for i in range(total - sum(counts)):
        counts[i % townships] += 1
    return counts


def set_up(path: Path, townships: int, seed: int):
    """Create the file and install catalogue versions, calendar, rules and clerks."""
    import random

    store = open_store(path, node_code=node_code(0), auto_backup=False)
    bundled = Catalogue.bundled()
    catalogues = [(v, county_catalogue(townships, v, bundled)) for v, _published in VERSIONS]
    try:
        with UnitOfWork(store, FixedClock(datetime(2021, 12, 20, 1, 0, tzinfo=UTC))) as uow:
            for _v, catalogue in catalogues:
                setup.install_catalogue(uow, catalogue)
            for schedule in WorkCalendar.bundled().schedules.values():
                setup.install_calendar_year(uow, schedule, "bundled")
            setup.set_rule(uow, "assume_weekends", True)
            for t in range(townships):
                windows = [w.code for w in catalogues[-1][1].windows if w.code.startswith(node_code(t) + "-")]
                staff, _posts = clerks(random.Random(f"{seed}:{node_code(t)}"), t, windows)
                for clerk in staff:
                    setup.add_clerk(uow, **clerk)
            return catalogues, uow.calendar, uow.rules.yellow_percent
    finally:
        store.close()


def _work(indexes, counts, seed, cal, yellow, catalogues, queue) -> None:
    try:
        days = Days(cal, yellow)
        for t in indexes:
            town = Township(t, counts[t], seed, days, catalogues, START, END)
            for batch in town.run():
                queue.put(batch)
            queue.put(("hlc", (town.node, town.last_hlc)))
        queue.put(("done", None))
    except BaseException:  # report it to the writer rather than hang it
        queue.put(("error", traceback.format_exc()))


class Writer:
    """The one writer: raw sqlite3, executemany, large transactions."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-2000000", "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        # secondary indexes are built once at the end: faster than maintaining them row by row
        self.indexes = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            "AND tbl_name IN ('events', 'cases')").fetchall()
        for name, _sql in self.indexes:
            self.conn.execute(f'DROP INDEX "{name}"')
        self.conn.execute("BEGIN")
        self.counts = {k: 0 for k in SQL}
        self.pending = 0

    def write(self, table: str, rows: list[tuple]) -> None:
        self.conn.executemany(SQL[table], rows)
        self.counts[table] += len(rows)
        self.pending += len(rows)
        if self.pending >= 500_000:
            self.conn.execute("COMMIT")
            self.conn.execute("BEGIN")
            self.pending = 0

    def finish(self, own_hlc: str | None, say) -> None:
        self.conn.execute("COMMIT")
        started = time.perf_counter()
        for name, sql in self.indexes:
            self.conn.execute(sql)
        # As the migration and a rebuild do: tell the planner what the indexes hold.
        self.conn.execute("PRAGMA analysis_limit=1000")
        self.conn.execute("ANALYZE cases")
        say(f"indexes rebuilt and analysed in {time.perf_counter() - started:.1f} s")
        if own_hlc:
            self.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('hlc_last', ?)", (own_hlc,))
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.close()


def main(argv=None) -> int:
    args = parse_args(argv)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    path = args.db.expanduser().resolve()
    if path.exists():
        print(f"{path} exists; the generator only writes new files.", file=sys.stderr)
        return 2
    started = time.perf_counter()
    catalogues, cal, yellow = set_up(path, args.townships, args.seed)
    say(f"set up {path}: {args.townships} townships x 14 windows, catalogue versions "
        f"{', '.join(v for v, _c in catalogues)}; {ASSUMED}")
    counts = case_counts(args.cases, args.townships)
    workers = max(1, min(args.workers, args.townships))
    ctx = mp.get_context("fork")
    queue = ctx.Queue(maxsize=64)
    order = sorted(range(args.townships), key=lambda t: -counts[t])  # largest first, dealt round-robin
    procs = [ctx.Process(target=_work, args=(order[k::workers], counts, args.seed, cal, yellow, catalogues, queue),
                         daemon=True) for k in range(workers)]
    for p in procs:
        p.start()
    writer = Writer(path)
    hlc_last: dict[str, str] = {}
    done, next_report, t0 = 0, 250_000, time.perf_counter()
    try:
        while done < workers:
            kind, payload = queue.get()
            if kind == "error":
                raise RuntimeError(f"a worker failed:\n{payload}")
            if kind == "done":
                done += 1
            elif kind == "hlc":
                hlc_last[payload[0]] = payload[1]
            else:
                writer.write(kind, payload)
                if writer.counts["events"] >= next_report:
                    elapsed = time.perf_counter() - t0
                    say(f"  {writer.counts['cases']:>9,} cases {writer.counts['events']:>10,} events "
                        f"{elapsed:7.1f} s  {writer.counts['events'] / elapsed:,.0f} events/s")
                    next_report += 250_000
    finally:
        for p in procs:
            p.join(timeout=5)
    writer.finish(hlc_last.get(node_code(0)), say)
    elapsed = time.perf_counter() - started
    c = writer.counts
    say(f"wrote {c['cases']:,} cases, {c['events']:,} events, {c['applicants']:,} applicants "
        f"to {path} ({path.stat().st_size / 2**20:,.0f} MiB) in {elapsed:.1f} s: "
        f"{c['events'] / elapsed:,.0f} events/s overall")
    say(ASSUMED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
