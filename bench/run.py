"""The county-scale benchmark: lookups, intake, statistics and rebuild on a generated file.

    python bench/run.py --db /work/bench-data/county.sqlite [--samples 200] [--out results.json]

Each application figure is measured through WindowDesk itself (``windowdesk.db.queries``,
``windowdesk.db.stats``, the intake services, ``rebuild_projection``) and, where one
exists, beside a hand-written raw-SQL twin run with the stdlib ``sqlite3`` module on the
same file. Lookups and statistics read the file itself; intake and rebuild write, so
they run on a copy (deleted afterwards unless ``--keep-copy``). Targets are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy

from windowdesk.core.notices import complete_materials
from windowdesk.core.stats import MEASURES, Dimension
from windowdesk.db import queries
from windowdesk.db.codec import SELECT_EVENT_SQL
from windowdesk.db.stats import statistics
from windowdesk.db.store import open_store
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.common import Actor, current_item
from windowdesk.services.intake import accept_case, receive_case
from windowdesk.services.maintenance import rebuild_projection
from windowdesk.services.uow import UnitOfWork

# The raw twins return what the application returns: the whole case for a number, and the
# columns of a list line (queries.SUMMARY_COLUMNS, or every column) for the others.
_LINE = ", ".join(getattr(queries, "SUMMARY_COLUMNS", ("*",)))
LOOKUPS = {  # name: (column sampled, app function, raw twin)
    "case number": ("case_number", queries.case_by_number, "SELECT * FROM cases WHERE case_number = ?"),
    "ID number": ("applicant_id_number", queries.cases_by_id_number,
                  f"SELECT {_LINE} FROM cases WHERE applicant_id_number = ? ORDER BY received_on DESC LIMIT 50"),
    "applicant name": ("applicant_name", queries.cases_by_name,
                       f"SELECT {_LINE} FROM cases WHERE applicant_name = ? ORDER BY received_on DESC LIMIT 50"),
    "phone": ("applicant_phone", queries.cases_by_phone,
              f"SELECT {_LINE} FROM cases WHERE applicant_phone = ? ORDER BY received_on DESC LIMIT 50"),
}
_IN = "BETWEEN :s AND :e"
RAW_STATS = (  # the same aggregate, written by hand
    "SELECT holder_window, "  # total(): 0.0 rather than NULL for a group with no match
    f"total(received_on {_IN}), total(accepted_on {_IN}), total(refused_on {_IN}), "
    f"total(received_on {_IN} AND immediate = 1), total(received_on {_IN} AND immediate = 0), "
    f"total(completed_on {_IN}), total(completed_on {_IN} AND on_time = 1), "
    "total(status = 'in_progress' AND due_date < :t), total(status IN ('in_progress', 'suspended')), "
    f"total(CASE WHEN completed_on {_IN} THEN workdays_taken END), "
    + ", ".join(f"total(rated_on {_IN} AND rating = {n})" for n in (5, 4, 3, 2, 1))
    + f" FROM cases WHERE kind = 'case' AND (received_on {_IN} OR accepted_on {_IN} OR refused_on {_IN} "
    f"OR completed_on {_IN} OR rated_on {_IN} OR status IN ('in_progress', 'suspended')) "
    "GROUP BY holder_window ORDER BY holder_window"
)
INTAKE_ITEM = "MZ-GF-0003"  # 高龄津贴申领: a committed item, accepted with every required material


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    try:
        git = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        git = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem / 2**20, 1),
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "sqlalchemy": sqlalchemy.__version__, "os": platform.platform(), "windowdesk": git}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed(fn, args_list) -> list[float]:
    out = []
    for args in args_list:
        started = time.perf_counter()
        fn(*args)
        out.append((time.perf_counter() - started) * 1000)
    return out


class Report:
    def __init__(self):
        self.metrics: list[dict] = []

    def add(self, name, unit, value, target=None, higher=False, raw=None, **extra):
        m = {"name": name, "unit": unit, "value": value, "target": target, "higher_is_better": higher,
             "raw": raw, **extra}
        if raw:
            m["ratio"] = value / raw
        if target is not None:
            m["meets_target"] = value >= target if higher else value <= target
        if raw:
            m["within_2x_raw"] = m["ratio"] <= 2.0
        checks = [m[k] for k in ("meets_target", "within_2x_raw") if k in m]
        m["result"] = ("PASS" if all(checks) else "MISS") if checks else "info"
        self.metrics.append(m)
        return m

    def rows(self):
        for m in self.metrics:
            target = "" if m["target"] is None else f"{'≥' if m['higher_is_better'] else '≤'} {m['target']:,} {m['unit']}"
            raw = "" if not m["raw"] else f"{_fmt(m['raw'])} {m['unit']}"
            ratio = "" if not m["raw"] else f"{m['ratio']:.2f}×"
            yield [m["name"], f"{_fmt(m['value'])} {m['unit']}", target, raw, ratio, m["result"]]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


def sample_values(conn, n: int, rng: random.Random) -> dict[str, list[str]]:
    top = conn.execute("SELECT max(rowid) FROM cases").fetchone()[0]
    out: dict[str, list[str]] = {k: [] for k in LOOKUPS}
    while min(len(v) for v in out.values()) < n:
        row = conn.execute("SELECT case_number, applicant_id_number, applicant_name, applicant_phone "
                           "FROM cases WHERE rowid >= ? AND kind = 'case' LIMIT 1", (rng.randint(1, top),)).fetchone()
        for (name, _spec), value in zip(LOOKUPS.items(), row):
            if value and len(out[name]) < n:
                out[name].append(value)
    return out


def bench_lookups(report, store, raw, values) -> None:
    reader = getattr(store, "reader", None)  # the desk's long-lived read connection, when it has one
    for name, (_col, fn, sql) in LOOKUPS.items():
        def app(v, fn=fn):
            if reader:
                return fn(reader(), v)
            with store.read_session() as db:
                return fn(db, v)

        def twin(v, sql=sql):
            return raw.execute(sql, (v,)).fetchall()

        vals = [(v,) for v in values[name]]
        timed(twin, vals)  # warm both page caches: both timed passes below read cached pages
        timed(app, vals)
        app_ms, raw_ms = timed(app, vals), timed(twin, vals)
        found = sum(1 for (v,) in vals if raw.execute(sql, (v,)).fetchone())
        assert found == len(vals), f"lookup by {name}: {len(vals) - found} sampled values not found"
        report.add(f"lookup by {name}, p95", "ms", pct(app_ms, .95), 30, raw=pct(raw_ms, .95),
                   p50=pct(app_ms, .5), raw_p50=pct(raw_ms, .5), samples=len(vals))


def bench_stats(report, store, raw, year: int, today: date, runs: int, note: str = "") -> list:
    start, end = date(year, 1, 1), date(year, 12, 31)
    params = {"s": start.isoformat(), "e": end.isoformat(), "t": today.isoformat()}

    def app():
        with store.read_session() as db:
            return statistics(db, start, end, today, Dimension.WINDOW)

    rows, raw_rows = app(), raw.execute(RAW_STATS, params).fetchall()
    mine = [tuple(getattr(r, m) for m in ("key", *MEASURES)) for r in rows]
    theirs = [(r[0], *map(int, r[1:])) for r in raw_rows]
    differ = [a[0] for a, b in zip(mine, theirs) if a != b] + (["(group count)"] if len(mine) != len(theirs) else [])
    app_ms = timed(app, [()] * runs)
    raw_ms = timed(lambda: raw.execute(RAW_STATS, params).fetchall(), [()] * runs)
    m = report.add(f"statistics {year} by window (median of {runs}){note}", "ms", pct(app_ms, .5), 300,
                   raw=pct(raw_ms, .5), groups=len(rows), max=max(app_ms), raw_max=max(raw_ms),
                   agrees_with_raw=not differ, differing_groups=differ[:10])
    if differ:
        m["result"] = "MISS"
        print(f"WARNING: the application's statistics differ from the raw twin in {len(differ)} groups: "
              f"{', '.join(differ[:5])}", flush=True)
    return rows


def intake_inputs(conn, n: int, rng: random.Random) -> list[ApplicantInput]:
    """Returning applicants, as given at the desk."""
    top, out = conn.execute("SELECT max(rowid) FROM cases").fetchone()[0], []
    while len(out) < n:
        row = conn.execute("SELECT applicant_name, applicant_id_number, applicant_phone, applicant_address "
                           "FROM cases WHERE rowid >= ? AND applicant_id_type = 'resident_id' LIMIT 1",
                           (rng.randint(1, top),)).fetchone()
        if row:
            out.append(ApplicantInput(name=row[0], id_number=row[1], phone=row[2], address=row[3]))
    return out


def app_intake(store):
    """One intake through the services: register a committed item with every required
    material, then accept it, in one unit of work."""
    with UnitOfWork(store) as uow:
        item, _version = current_item(uow, f"{store.node_code}-{INTAKE_ITEM}")
        clerk = uow.execute("SELECT clerk_code FROM clerk_windows WHERE window_code = :w ORDER BY clerk_code",
                            {"w": item.window}).first()[0]
    actor = Actor(clerk, item.window)
    materials = complete_materials(item)

    def intake(person):
        with UnitOfWork(store) as uow:
            received = receive_case(uow, actor, item_code=item.code, applicant=person, materials=materials)
            state = accept_case(uow, actor, received.case.case_id)
        assert state.due_date is not None
        return state.case_id

    return intake


def raw_intake(path: Path, template_case: str):
    """The statements an intake issues, by hand with plain sqlite3: rows copied from a real
    intake, with each sample's own applicant so index pages are touched as the app's are."""
    conn = sqlite3.connect(path, isolation_level=None)
    # The desk's own settings: its connections leave checkpoints to the store's background
    # checkpointer, which copies the log back for both while they alternate.
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000", "cache_size=-65536",
                   "wal_autocheckpoint=0"):
        conn.execute(f"PRAGMA {pragma}")
    cur = conn.execute("SELECT * FROM cases WHERE case_id = ?", (template_case,))
    cols = [d[0] for d in cur.description]
    case_row = list(cur.fetchone())
    ev_cols = SELECT_EVENT_SQL.split("SELECT ")[1].split(" FROM")[0]
    events = conn.execute(f"SELECT {ev_cols} FROM events WHERE case_id = ? ORDER BY hlc", (template_case,)).fetchall()
    ins_event = f"INSERT INTO events ({ev_cols}) VALUES ({', '.join('?' * len(events[0]))})"
    ins_case = f"INSERT INTO cases VALUES ({', '.join('?' * len(cols))})"
    changed = ("status", "accepted_on", "deemed_accepted", "limit_days", "due_date", "warn_date", "due_assumed",
               "missing_materials", "outstanding_additions", "updated_at", "event_count", "heads", "last_hlc")
    upd_case = f"UPDATE cases SET {', '.join(f'{c} = ?' for c in changed)} WHERE case_id = ?"
    upd_values = [case_row[cols.index(c)] for c in changed]
    i_id, i_no = cols.index("case_id"), cols.index("case_number")
    i_person = [cols.index(f"applicant_{c}") for c in ("name", "id_number", "phone", "address")]
    number = case_row[i_no]
    day = date.today().strftime("%Y%m%d")

    def intake(person: ApplicantInput):
        values = (person.name, person.id_number, person.phone, person.address)
        case_id = str(uuid.uuid4())
        conn.execute("BEGIN IMMEDIATE")
        last = conn.execute("INSERT INTO number_sequences (node, scope, day, last) VALUES ('RAW', 'case', ?, 1) "
                            "ON CONFLICT(node, scope, day) DO UPDATE SET last = last + 1 RETURNING last", (day,)).fetchone()[0]
        conn.execute("COMMIT")
        for k, event in enumerate(events[:2]):
            conn.execute("BEGIN IMMEDIATE")
            if k:
                conn.execute("SELECT * FROM cases WHERE case_id = ?", (case_id,)).fetchone()
            else:
                conn.execute("SELECT s.version FROM service_items s JOIN catalogue_versions v ON v.version = s.version "
                             "WHERE s.code = ? AND v.current = 1", (f"T01-{INTAKE_ITEM}",)).fetchone()
            new_number = f"RAW-{day}-{last:04d}"
            conn.execute(ins_event, (str(uuid.uuid4()), case_id, event[2], event[3],
                                     event[4].replace(number, new_number), *event[5:]))
            conn.execute("INSERT INTO meta (key, value) VALUES ('hlc_raw', ?) ON CONFLICT(key) DO UPDATE "
                         "SET value = excluded.value", (event[9],))
            if k:
                conn.execute(upd_case, (*upd_values, case_id))
            else:
                case_row[i_id], case_row[i_no] = case_id, new_number
                for i, value in zip(i_person, values):
                    case_row[i] = value
                conn.execute(ins_case, case_row)
                conn.execute("INSERT INTO applicants (id, id_type, id_number, name, phone, address, updated_at) "
                             "VALUES (?, 'resident_id', ?, ?, ?, ?, ?) ON CONFLICT(id_number) DO UPDATE SET "
                             "name = excluded.name, phone = excluded.phone, address = excluded.address, "
                             "updated_at = excluded.updated_at",
                             (case_id, person.id_number, person.name, person.phone, person.address,
                              datetime.now(UTC).isoformat()))
            conn.execute("COMMIT")

    return intake, conn.close


def bench_intake(report, store, people: list[ApplicantInput]) -> None:
    """App and raw twin alternate, so both meet WAL checkpoints in the same proportion."""
    app = app_intake(store)
    template = [app(p) for p in people[:5]][-1]  # warm-up, and the rows the raw twin copies
    raw, close = raw_intake(store.path, template)
    timed(raw, [(p,) for p in people[:5]])
    app_ms, raw_ms = [], []
    for person in people[5:]:
        app_ms += timed(app, [(person,)])
        raw_ms += timed(raw, [(person,)])
    close()
    report.add("intake (register + accept), p95", "ms", pct(app_ms, .95), 25, raw=pct(raw_ms, .95),
               p50=pct(app_ms, .5), raw_p50=pct(raw_ms, .5), max=max(app_ms), raw_max=max(raw_ms),
               samples=len(app_ms))


def bench_rebuild(report, store, say) -> None:
    shown = [0]

    def progress(done: int, total: int) -> None:
        if done >= shown[0] + 1_000_000 or done == total:
            shown[0] = done
            say(f"    rebuild: {done:,}/{total:,} events replayed, {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    with UnitOfWork(store) as uow:
        result = rebuild_projection(uow, progress)
    elapsed = time.perf_counter() - started
    report.add("projection rebuild", "events/s", result.events / elapsed, 50_000, higher=True,
               seconds=elapsed, cases=result.cases, events=result.events)
    conn = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
    conn.execute("PRAGMA cache_size=-65536")
    started, n = time.perf_counter(), 0
    cur = conn.execute(SELECT_EVENT_SQL + " ORDER BY case_id, hlc")
    while rows := cur.fetchmany(2000):
        n += len(rows)
    conn.close()
    report.add("rebuild floor: raw read of the log in replay order", "events/s", n / (time.perf_counter() - started),
               higher=True)


def markdown(info: dict, report: Report) -> str:
    m = info["machine"]
    lines = [f"### {info['date']} — {info['file']['cases']:,} cases, {info['file']['events']:,} events",
             "", (f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
                  f"SQLite {m['sqlite']}, SQLAlchemy {m['sqlalchemy']}; {m['os']}. WindowDesk {m['windowdesk']}."),
             f"File: {info['file']['size_mib']:,} MiB; opened with open_store in {info['file']['open_s']:.1f} s.", "",
             "| Metric | Value | Target | Raw twin | App/raw | Result |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in report.rows()]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", required=True, type=Path)
    p.add_argument("--samples", type=int, default=200)
    p.add_argument("--stat-runs", type=int, default=5)
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    p.add_argument("--markdown", type=Path, help="append a markdown section here")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--keep-copy", action="store_true")
    p.add_argument("--skip-rebuild", action="store_true")
    args = p.parse_args(argv)
    def say(*a):
        print(*a, flush=True)

    path, rng, report = args.db.expanduser().resolve(), random.Random(args.seed), Report()
    info = {"date": datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine()}
    started = time.perf_counter()
    store = open_store(path, auto_backup=False)  # includes SQLite's quick_check of the whole file
    open_s = time.perf_counter() - started
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    raw.execute("PRAGMA cache_size=-65536")  # as the application's connections
    cases, events = (raw.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("cases", "events"))
    last_day = date.fromisoformat(raw.execute("SELECT max(received_on) FROM cases").fetchone()[0])
    info["file"] = {"path": str(path), "size_mib": round(path.stat().st_size / 2**20), "cases": cases,
                    "events": events, "open_s": open_s, "node": store.node_code}
    say(f"{path}: {info['file']['size_mib']:,} MiB, {cases:,} cases, {events:,} events (open_store {open_s:.1f} s)")
    say("lookups …")
    bench_lookups(report, store, raw, sample_values(raw, args.samples, rng))
    say("statistics …")
    year = last_day.year - 1 if last_day.month < 12 else last_day.year
    rows = bench_stats(report, store, raw, year, last_day, args.stat_runs)
    info["stats_groups"] = len(rows)
    people = intake_inputs(raw, args.samples + 5, rng)
    raw.close()
    store.close()
    copy = path.with_name(path.stem + "-bench-copy.sqlite")
    say(f"copying to {copy} for intake and rebuild …")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copyfile(path, copy)
    try:
        work = open_store(copy, auto_backup=False)
        say("intake …")
        bench_intake(report, work, people)
        if not args.skip_rebuild:
            say("rebuild …")
            bench_rebuild(report, work, say)
            rebuilt = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            rebuilt.execute("PRAGMA cache_size=-65536")
            bench_stats(report, work, rebuilt, year, last_day, args.stat_runs, ", rebuilt copy")
            rebuilt.close()
        work.close()
    finally:
        if not args.keep_copy:
            for suffix in ("", "-wal", "-shm"):
                Path(str(copy) + suffix).unlink(missing_ok=True)
    widths = [max(len(r[i]) for r in [["Metric", "Value", "Target", "Raw twin", "App/raw", "Result"], *report.rows()])
              for i in range(6)]
    say("")
    for r in [["Metric", "Value", "Target", "Raw twin", "App/raw", "Result"], *report.rows()]:
        say("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    if args.out:
        args.out.write_text(json.dumps({**info, "metrics": report.metrics}, ensure_ascii=False, indent=2))
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as fh:
            fh.write("\n" + markdown(info, report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
