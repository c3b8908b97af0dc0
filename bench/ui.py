"""The desk UI benchmark: cold start, search as you type, memory, and stalls of the UI thread.

    python bench/ui.py --db /work/bench-data/county-1m.sqlite [--runs 10] [--queries 200] \\
        [--out ui-results.json] [--markdown bench/RESULTS.md] [--keep]
    python bench/ui.py --quick [--out ...] [--markdown ...]   # a small demo desk only (the tests)

Measured in one run, every Qt part offscreen (``QT_QPA_PLATFORM=offscreen``):

1. Cold start to the queue shown: ``python -m windowdesk.cli --db FILE --sign-in CODE:PASS
   --quit-when-shown`` as a fresh process, timed from ``Popen`` to its ``queue shown`` line,
   on a demo desk and on a copy of the county file; beside ``bench/bare_window.py`` (a bare
   PySide6 process showing one QLabel), the floor any Qt desk app pays. Runs interleave
   (bare, demo, county, bare, …) so machine noise falls on all three alike; one untimed
   round first warms the OS file cache and Python's bytecode cache (kept in the work folder:
   the children cache bytecode even under PYTHONDONTWRITEBYTECODE, as an installed desk would).
2. Search as you type on the county copy: a ``SearchPanel`` on a ``Desk``, shown; sampled
   names typed character by character, ID numbers and phones digit by digit, case numbers
   key by key; each keystroke timed from ``setText`` until its events are processed (the
   model filled and the table painted). Raw twin: the same SQL (``worklists.search(text)``,
   100 rows) through a plain ``sqlite3`` connection.
3. Memory: resident set of the desk process (``Launcher``, signed in, main window shown)
   after scrolling the queue to its end and searching a few names; the bare window's for
   reference.
4. Stalls: a 10 ms ``QTimer`` in that process while cases are opened in the detail view,
   searches typed, tabs switched and lists refreshed; the longest gap between its ticks is
   the longest time the UI thread did not respond.

The county file is never written: it is copied into a work folder next to it (opening the
copy upgrades its schema, which makes an "upgrade" backup there) and one clerk gets a
password through the services. The folder is deleted at the end unless ``--keep``. Targets
are printed, never asserted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

# bench/run.py: the same machine notes and percentiles
from run import machine as _machine  # noqa: E402 - found through sys.path above
from run import pct  # noqa: E402

PASSWORD = "bench-ui-1"  # set on the county copy's clerk
DEMO_PASSWORD = "demo123"  # the demo desk's accounts
DEMO_CLERK = "zhangmin"
KINDS = ("name", "ID number", "phone", "case number")
START_TARGET_S, START_RATIO = 1.5, 3.0
KEY_TARGET_MS = 50
RSS_TARGET_MB = 300
STALL_TARGET_MS = 100
QUEUE_LINE = re.compile(r"queue shown: (\d+) rows, ([\d.]+) s")
BARE_LINE = re.compile(r"window shown: (\d+) kB")


def say(*a) -> None:
    print(*a, flush=True)


PYCACHE: list[Path] = []  # the work folder's bytecode cache, once there is one


def offscreen_env() -> dict:
    """The children's environment: offscreen Qt, and Python's bytecode cached (in the work
    folder) even where PYTHONDONTWRITEBYTECODE is set, as an installed desk has its .pyc
    files: otherwise every start compiles the application's modules again."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if PYCACHE:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE[0])
    return env


def memory_kib() -> dict:
    """VmRSS (now) and VmHWM (peak) of this process, in KiB, from /proc."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


def mb(kib: float) -> float:
    return kib * 1024 / 1e6


# ---------------------------------------------------------------------------------------------
# Sampling what a clerk types


def sample_queries(path: Path, per_kind: int, seed: int) -> list[tuple[str, str]]:
    """(kind, full text) pairs, kinds interleaved: names and ID numbers of resident
    applicants, any phone, any case number."""
    import random

    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        top = conn.execute("SELECT max(rowid) FROM cases").fetchone()[0]
        found: dict[str, list[str]] = {k: [] for k in KINDS}
        tries = 0
        while min(len(v) for v in found.values()) < per_kind and tries < 100 * per_kind + 1000:
            tries += 1
            row = conn.execute(
                "SELECT applicant_name, applicant_id_number, applicant_phone, case_number, applicant_id_type "
                "FROM cases WHERE rowid >= ? AND kind = 'case' LIMIT 1", (rng.randint(1, top),)).fetchone()
            if row is None:
                continue
            name, id_number, phone, number, id_type = row
            values = {"name": name if id_type == "resident_id" else None,
                      "ID number": id_number if id_type == "resident_id" else None,
                      "phone": phone, "case number": number}
            for kind, value in values.items():
                if value and len(found[kind]) < per_kind and value not in found[kind]:
                    found[kind].append(value)
    finally:
        conn.close()
    return [(kind, found[kind][i]) for i in range(per_kind) for kind in KINDS if i < len(found[kind])]


def keystrokes(text: str, max_keys: int | None = None) -> list[str]:
    """The growing prefixes a clerk's typing puts in the box: one character per key (a
    Chinese character arrives whole when the input method commits it)."""
    prefixes = [text[:i] for i in range(1, len(text) + 1)]
    return prefixes[:max_keys] if max_keys else prefixes


# ---------------------------------------------------------------------------------------------
# Children: each Qt measurement runs in a process of its own and prints "RESULT {json}"


def _child_app():
    """The desk's QApplication (bundled font), with message boxes that never block and
    errors in slots recorded rather than shown."""
    from windowdesk.ui import feedback
    from windowdesk.ui.app import make_app

    errors: list[str] = []
    messages: list[str] = []
    feedback.tell = lambda parent, text: messages.append(f"tell: {text}")
    feedback.warn = lambda parent, text: messages.append(f"warn: {text}")
    feedback.confirm = lambda parent, text: messages.append(f"confirm: {text}") or False
    feedback.report_error = lambda parent, summary, details: errors.append(f"{summary}\n{details}")

    def hook(kind, value, tb):
        import traceback

        errors.append("".join(traceback.format_exception(kind, value, tb)))

    sys.excepthook = hook
    return make_app(), errors, messages


def _summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"n": len(values), "p50": pct(values, .5), "p95": pct(values, .95), "max": max(values),
            "mean": sum(values) / len(values)}


def child_search(args) -> dict:
    from windowdesk.db import worklists
    from windowdesk.db.store import open_store
    from windowdesk.services import accounts
    from windowdesk.services.uow import SystemClock, UnitOfWork
    from windowdesk.ui.background import Background
    from windowdesk.ui.context import Desk
    from windowdesk.ui.lists import SearchPanel

    app, errors, messages = _child_app()
    path = Path(args.db)
    queries = sample_queries(path, max(1, args.queries // len(KINDS)), args.seed)
    store = open_store(path, auto_backup=False)
    with UnitOfWork(store) as uow:
        user = accounts.signed_in(uow, args.clerk)
    desk = Desk(store, user, user.windows, SystemClock(), Background())
    panel = SearchPanel(desk)
    panel.resize(1000, 700)
    panel.show()
    app.processEvents()
    box, model = panel.box, panel.table.case_model

    typed = [(kind, text, prefix) for kind, text in queries for prefix in keystrokes(text, args.max_keys)]

    def app_pass():
        out = []
        for kind, text, prefix in typed:
            started = time.perf_counter()
            box.setText(prefix)  # textChanged -> search -> the model reads its first page
            filled = time.perf_counter()
            app.processEvents()  # the view lays out and paints
            done = time.perf_counter()
            out.append((kind, (done - started) * 1000, (filled - started) * 1000, model.rowCount(), prefix == text))
        return out

    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    raw.execute("PRAGMA cache_size=-65536")  # as the desk's connections

    statements = []  # the desk's own SQL for each keystroke (None: too short to search)
    for _kind, _text, prefix in typed:
        query = worklists.search(prefix)
        statements.append(query and (query.sql(), {**query.params, "limit": 100, "offset": 0}))

    def raw_pass():
        out = []
        for statement in statements:
            started = time.perf_counter()
            if statement is not None:
                raw.execute(*statement).fetchall()
            out.append((time.perf_counter() - started) * 1000)
        return out

    first = app_pass()  # SQLite's page caches start cold: the first pass is reported apart
    raw_pass()
    timed = app_pass()
    raw_ms = raw_pass()
    raw.close()
    panel.close()
    desk.background.wait()
    store.close()

    result: dict = {"queries": len(queries), "keystrokes": len(typed), "kinds": {}, "errors": errors,
                    "messages": messages[:20]}
    for kind in (*KINDS, None):
        rows = [(t, r) for t, r in zip(timed, raw_ms) if kind is None or t[0] == kind]
        if not rows:
            continue
        ends = [t for t, _ in rows if t[4]]
        entry = {
            "keystroke_ms": _summary([t[1] for t, _ in rows]),
            "model_filled_ms": _summary([t[2] for t, _ in rows]),
            "raw_ms": _summary([r for _, r in rows]),
            "first_pass_ms": _summary([f[1] for f, t in zip(first, timed) if kind is None or t[0] == kind]),
            "queries": len(ends),
            "found_at_full_value": sum(1 for t in ends if t[3] > 0),
        }
        result["kinds"][kind or "all"] = entry
    slowest = sorted(zip(timed, typed), key=lambda x: -x[0][1])[:5]
    result["slowest"] = [{"kind": k, "prefix": p, "ms": t[1], "rows": t[3]} for t, (k, _f, p) in slowest]
    return result


def child_desk(args) -> dict:
    """The desk as a clerk has it: Launcher, sign-in, main window; then memory and stalls."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from windowdesk.ui.app import Launcher

    app, errors, messages = _child_app()
    memory = {"start": memory_kib()}
    launcher = Launcher(app, Path(args.db).resolve(), auto_sign_in=(args.clerk, args.password))
    launcher.start()  # an existing file: opens and signs in; the password is checked off the UI thread
    deadline = time.perf_counter() + 60
    while launcher.window is None and time.perf_counter() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if launcher.signin is not None and not launcher.signin.checking and launcher.signin.error.text():
            break  # the check said no
    window = launcher.window
    if window is None:
        raise SystemExit(f"the desk did not open: {launcher.signin and launcher.signin.error.text()!r} {errors}")
    for _ in range(3):
        app.processEvents()
    memory["queue_shown"] = memory_kib()

    # Scroll my queue to its end: the view asks for the next page when it reaches the bottom.
    window.act_show_queue()
    table, model = window.queue.table, window.queue.table.case_model
    started = time.perf_counter()
    while model.canFetchMore():
        before = model.rowCount()
        table.scrollToBottom()
        app.processEvents()
        if model.rowCount() == before:  # the view did not ask: ask as it would
            model.fetchMore()
    scrolled_s = time.perf_counter() - started
    queue_rows = model.rowCount()

    names = [text for kind, text in sample_queries(Path(args.db), args.names, args.seed + 1) if kind == "name"]
    ids = [text for kind, text in sample_queries(Path(args.db), 2, args.seed + 2) if kind == "ID number"]
    window.act_search()
    for name in names:
        for prefix in keystrokes(name):
            window.search.box.setText(prefix)
            app.processEvents()
    memory["after_scroll_and_search"] = memory_kib()

    probe = stall_probe(app, window, names, ids, args.rounds, QTimer, QEventLoop, Qt) if args.rounds else None
    memory["after_probe"] = memory_kib()
    window.close()
    launcher.close()
    return {"queue_rows": queue_rows, "queue_scroll_s": scrolled_s, "names_searched": len(names), "memory_kib": memory,
            "probe": probe, "errors": errors, "messages": messages[:20]}


def stall_probe(app, window, names, ids, rounds, QTimer, QEventLoop, Qt) -> dict:
    """A 10 ms timer ticks while a script of clerk actions runs, one action per turn of the
    event loop with 30 ms between them; a gap between ticks is time the UI did not answer."""
    from windowdesk.ui.models import COLUMN_KEYS

    queue, search, tabs = window.queue, window.search, window.tabs
    steps: list[tuple[str, object]] = []

    def open_queue_case(row):
        def run():
            window.act_show_queue()
            queue.table.selectRow(row)
            queue.table.open_row(row)  # as Enter does: the detail view loads the case at once
        return run

    def type_into_search(text):
        return [("search keystroke", (lambda p=p: search.box.setText(p))) for p in keystrokes(text)]

    rows = max(1, queue.table.case_model.rowCount())
    for r in range(rounds):
        for k in range(3):
            steps.append(("open case (queue)", open_queue_case((r * 37 + k * 11) % rows)))
        steps.append(("switch tab", window.act_search))
        steps += type_into_search(names[r % len(names)])
        steps.append(("open case (search)", lambda: (search.table.selectRow(0), search.table.open_row(0))))
        if ids:
            steps += type_into_search(ids[r % len(ids)])
            steps.append(("open case (search)", lambda: (search.table.selectRow(0), search.table.open_row(0))))
        for i in range(tabs.count()):
            steps.append(("switch tab", lambda i=i: tabs.setCurrentIndex(i)))
        steps.append(("switch tab", window.act_show_queue))
        steps.append(("refresh lists", window.act_refresh))
        steps.append(("queue filter", lambda: queue.status.setCurrentIndex(queue.status.findData("in_progress"))))
        steps.append(("queue filter", lambda: queue.status.setCurrentIndex(0)))
        steps.append(("queue sort", lambda: queue._sort(COLUMN_KEYS.index("received"))))
        steps.append(("queue sort", lambda: queue._sort(COLUMN_KEYS.index("due"))))
        steps.append(("open case (queue)", open_queue_case((r * 53) % rows)))

    ticks: list[float] = []
    spans: list[tuple[str, float, float]] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    loop = QEventLoop()
    pending = iter(steps)
    marks = {}

    def next_step():
        step = next(pending, None)
        if step is None:
            marks["end"] = time.perf_counter()
            QTimer.singleShot(300, loop.quit)  # idle again, then stop
            return
        label, fn = step
        started = time.perf_counter()
        fn()
        spans.append((label, started, time.perf_counter()))
        QTimer.singleShot(30, next_step)

    def begin():
        marks["begin"] = time.perf_counter()
        next_step()

    timer.start()
    QTimer.singleShot(1000, begin)  # one idle second first: the timer's own jitter on this machine
    loop.exec()
    timer.stop()

    gaps = [(b - a, a, b) for a, b in itertools.pairwise(ticks)]
    idle = [g for g, a, b in gaps if b <= marks["begin"]]
    busy = [(g, a, b) for g, a, b in gaps if b > marks["begin"]]

    def during(a, b):
        return sorted({label for label, s, e in spans if s < b and e > a}) or ["(between actions)"]

    worst = sorted(busy, reverse=True)[:8]
    per_action: dict[str, list[float]] = {}
    for label, s, e in spans:
        per_action.setdefault(label, []).append((e - s) * 1000)
    return {
        "actions": len(spans), "ticks": len(ticks), "seconds": marks["end"] - marks["begin"],
        "max_gap_ms": max(g for g, _a, _b in busy) * 1000 if busy else 0.0,
        "p99_gap_ms": pct([g * 1000 for g, _a, _b in busy], .99) if busy else 0.0,
        "idle_max_gap_ms": max(idle) * 1000 if idle else 0.0,
        "gaps_over_100ms": sum(1 for g, _a, _b in busy if g > .1),
        "worst_gaps": [{"ms": g * 1000, "during": during(a, b)} for g, a, b in worst],
        "actions_ms": {label: _summary(v) for label, v in per_action.items()},
    }


CHILDREN = {"search": child_search, "desk": child_desk}


def run_child(kind: str, timeout: float, **options) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    for key, value in options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=offscreen_env(), timeout=timeout, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} child failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    result = json.loads(lines[-1][len("RESULT "):])
    if result.get("errors"):
        raise RuntimeError(f"{kind} child: errors in the desk:\n" + "\n".join(result["errors"][:3]))
    return result


# ---------------------------------------------------------------------------------------------
# Cold starts


def start_once(cmd: list[str], pattern: re.Pattern, timeout: float, cwd: Path) -> dict:
    """Wall time from Popen to the line matching ``pattern``, and to the process's exit."""
    with tempfile.TemporaryFile(mode="w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True, env=offscreen_env(), cwd=cwd)
        killer = threading.Timer(timeout, proc.kill)  # a desk that never signs in would wait forever
        killer.start()
        shown, match = None, None
        try:
            for line in proc.stdout:
                match = pattern.search(line)
                if match:
                    shown = time.perf_counter() - started
                    break
            proc.stdout.read()
            code = proc.wait()
        finally:
            killer.cancel()
        exited = time.perf_counter() - started
        if shown is None or code != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd)}: exit {code}, no '{pattern.pattern}' line\n{err.read()[-3000:]}")
    return {"shown_s": shown, "exit_s": exited, "groups": match.groups()}


def cold_starts(subjects: dict[str, list[str]], runs: int, timeout: float, cwd: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {name: [] for name in subjects}
    for round_ in range(runs + 1):  # round 0 warms caches and is not kept
        for name, cmd in subjects.items():
            pattern = BARE_LINE if name == "bare" else QUEUE_LINE
            sample = start_once(cmd, pattern, timeout, cwd)
            if round_:
                out[name].append(sample)
        if round_:
            say(f"    round {round_}: " + ", ".join(f"{n} {s[-1]['shown_s']:.2f} s" for n, s in out.items()))
    return out


# ---------------------------------------------------------------------------------------------
# Preparing the desks


def make_demo(folder: Path, months: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.sqlite"
    subprocess.run([sys.executable, "-m", "windowdesk.cli", "demo", "--db", str(path), "--months", str(months)],
                   check=True, capture_output=True, text=True, cwd=folder, env=offscreen_env())
    return path


def prepare_county_copy(source: Path, folder: Path) -> dict:
    """Copy the county file (never opened for writing), upgrade the copy, give the clerk
    holding the most open cases a password, and let the copy look like a desk that has
    already had today's maintenance (a backup under 24 h old, planner statistics), so the
    timed starts do not each begin a 3.8 GB backup on the background helper."""
    from windowdesk.db.store import analyse_cases, latest_backup, open_store
    from windowdesk.services import accounts
    from windowdesk.services.uow import UnitOfWork

    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / source.name
    started = time.perf_counter()
    shutil.copyfile(source, copy)
    wal = Path(str(source) + "-wal")
    if wal.exists() and wal.stat().st_size:  # committed pages still in the log belong to the copy too
        shutil.copyfile(wal, Path(str(copy) + "-wal"))
    copy_s = time.perf_counter() - started
    conn = sqlite3.connect(copy)
    clerk, open_cases = conn.execute("SELECT holder_clerk, count(*) FROM cases WHERE status = 'in_progress' "
                                     "GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    conn.close()
    started = time.perf_counter()
    store = open_store(copy, auto_backup=False)  # 0003 -> 0004: an 'upgrade' backup of the whole file first
    open_s = time.perf_counter() - started
    with UnitOfWork(store) as uow:
        accounts.set_password(uow, clerk, PASSWORD)
    with store.engine.begin() as c:
        analyse_cases(c.connection.driver_connection)
    store.close()
    upgrade = latest_backup(copy, "upgrade")
    if upgrade is not None:  # it stands in for today's automatic backup
        upgrade.rename(upgrade.with_name(upgrade.name.replace("-upgrade.sqlite", "-auto.sqlite")))
    return {"path": copy, "clerk": clerk, "open_cases": open_cases, "copy_s": copy_s, "open_upgrade_s": open_s,
            "upgraded": upgrade is not None}


def file_info(path: Path) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
    finally:
        conn.close()
    return {"path": str(path), "size_mib": round(path.stat().st_size / 2**20), "cases": cases}


# ---------------------------------------------------------------------------------------------
# Report


class Report:
    def __init__(self):
        self.metrics: list[dict] = []

    def add(self, name, unit, value, target=None, *, ref=None, ref_name="", max_ratio=None, **extra):
        m = {"name": name, "unit": unit, "value": value, "target": target, "reference": ref,
             "reference_name": ref_name, "max_ratio": max_ratio, **extra}
        checks = []
        if target is not None:
            m["meets_target"] = value <= target
            checks.append(m["meets_target"])
        if ref:
            m["ratio"] = value / ref
            if max_ratio is not None:
                m["meets_ratio"] = m["ratio"] <= max_ratio
                checks.append(m["meets_ratio"])
        m["result"] = ("PASS" if all(checks) else "MISS") if checks else "info"
        self.metrics.append(m)
        return m

    def rows(self):
        for m in self.metrics:
            target = "" if m["target"] is None else f"≤ {m['target']:g} {m['unit']}"
            if m["max_ratio"] is not None:
                target += f"{', ' if target else ''}≤ {m['max_ratio']:g}× ref."
            ref = "" if not m["reference"] else f"{_fmt(m['reference'])} {m['unit']} ({m['reference_name']})"
            ratio = "" if not m["reference"] else f"{m['ratio']:.2f}×"
            yield [m["name"], f"{_fmt(m['value'])} {m['unit']}", target, ref, ratio, m["result"]]


HEADER = ["Metric", "Value", "Target", "Reference", "Ratio", "Result"]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:.2f}"


def report_starts(report: Report, starts: dict[str, list[dict]], names: dict[str, str]) -> None:
    bare = [s["shown_s"] for s in starts["bare"]]
    for key, label in names.items():
        shown = [s["shown_s"] for s in starts[key]]
        inside = [float(s["groups"][1]) for s in starts[key]]
        for q, qname in ((.5, "median"), (.95, "p95")):
            report.add(f"cold start to queue shown, {label}, {qname}", "s", pct(shown, q), START_TARGET_S,
                       ref=pct(bare, q), ref_name="bare window", max_ratio=START_RATIO, runs=len(shown),
                       samples=shown, queue_rows=int(starts[key][0]["groups"][0]),
                       launcher_to_shown_s=pct(inside, q),
                       exit_s=pct([s["exit_s"] for s in starts[key]], q))
        report.add(f"cold start, {label}: Launcher created → queue shown (after imports and QApplication), median",
                   "s", pct(inside, .5))


def markdown(info: dict, report: Report) -> str:
    m = info["machine"]
    lines = [f"### {info['date']} — desk UI, {info['title']}", "",
             (f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
              f"SQLite {m['sqlite']}, PySide6 {m['pyside6']} (Qt {m['qt']}), offscreen; {m['os']}. "
              f"WindowDesk {m['commit']}{' with uncommitted changes' if m['dirty'] else ''}. "
              f"Load average {m['load_start']} at the start, {m['load_end']} at the end."),
             ""]
    if "file" in info:
        f = info["file"]
        lines += [(f"File: a copy of {f['source']} ({f['size_mib']:,} MiB, {f['cases']:,} cases), upgraded to the "
                   f"current schema (copy {f['copy_s']:.0f} s, open + upgrade with its backup {f['open_upgrade_s']:.0f} s); "
                   f"signed in as {f['clerk']} ({f['open_cases']} cases in progress, {info['desk']['queue_rows']} in "
                   "the queue)."), ""]
    lines += ["| " + " | ".join(HEADER) + " |", "|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in report.rows()]
    return "\n".join(lines) + "\n"


def machine_info() -> dict:
    import PySide6
    from PySide6 import QtCore

    info = _machine()
    def git(*a):
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True, check=False).stdout.strip()

    info.update(pyside6=PySide6.__version__, qt=QtCore.qVersion(), commit=git("rev-parse", "--short", "HEAD") or "?",
                dirty=bool(git("status", "--porcelain", "--untracked-files=no")),
                load_start=" ".join(f"{x:.2f}" for x in os.getloadavg()))
    return info


# ---------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", type=Path, help="the county file (read only: a copy is measured)")
    p.add_argument("--quick", action="store_true", help="a small demo desk only, few samples (what the tests run)")
    p.add_argument("--runs", type=int, help="timed cold starts of each kind (10; quick: 2)")
    p.add_argument("--queries", type=int, help="search queries sampled, split over the four kinds (200; quick: 4)")
    p.add_argument("--max-keys", type=int, default=0, help="type at most this many keys of each query (quick: 5)")
    p.add_argument("--rounds", type=int, help="rounds of the stall probe's script (4; quick: 1)")
    p.add_argument("--workdir", type=Path, help="make the work folder (copy, demo desk) in here (default: next to --db)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (copy, demo desk, backups)")
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    p.add_argument("--markdown", type=Path, help="append a markdown section here")
    p.add_argument("--seed", type=int, default=1)
    # a measurement in a process of its own (used by the benchmark itself)
    p.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    p.add_argument("--clerk", help=argparse.SUPPRESS)
    p.add_argument("--password", help=argparse.SUPPRESS)
    p.add_argument("--names", type=int, default=5, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        args.rounds = 0 if args.rounds is None else args.rounds
        args.queries = args.queries or 200
        args.max_keys = args.max_keys or None
        result = CHILDREN[args.child](args)
        print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
        os._exit(0)  # skip Qt's and Python's teardown: nothing is left to flush

    if not args.quick and not args.db:
        p.error("--db is required (or --quick)")
    quick = args.quick
    runs = args.runs or (2 if quick else 10)
    queries = args.queries or (4 if quick else 200)
    max_keys = args.max_keys or (5 if quick else 0)
    rounds = args.rounds if args.rounds is not None else (1 if quick else 4)
    info = {"date": datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine_info(),
            "quick": quick, "settings": {"runs": runs, "queries": queries, "max_keys": max_keys, "rounds": rounds}}
    source = args.db.expanduser().resolve() if args.db else None
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
    # a new folder of our own, removed at the end (never the --workdir itself)
    work = Path(tempfile.mkdtemp(prefix="ui-bench-", dir=args.workdir or (source.parent if source else None)))
    say(f"work folder: {work}")
    PYCACHE.append(work / "pycache")
    report = Report()
    try:
        say("demo desk …")
        demo = make_demo(work / "demo", 1 if quick else 6)
        subjects = {"bare": [sys.executable, str(BENCH / "bare_window.py")],
                    "demo": [sys.executable, "-m", "windowdesk.cli", "--db", str(demo),
                             "--sign-in", f"{DEMO_CLERK}:{DEMO_PASSWORD}", "--quit-when-shown"]}
        labels = {"demo": "demo desk"}
        county = None
        if source:
            need = 2 * (source.stat().st_size + 2**30)  # the copy, its upgrade backup, and room
            free = shutil.disk_usage(work).free
            say(f"free space in {work}: {free / 2**30:.1f} GiB (need {need / 2**30:.1f} GiB)")
            if free < need:
                raise SystemExit("not enough free space for the copy and its upgrade backup")
            say(f"copying {source} ({source.stat().st_size / 2**30:.1f} GiB) and upgrading the copy …")
            county = prepare_county_copy(source, work / "county")
            info["file"] = {**file_info(county["path"]), "source": str(source),
                            **{k: v for k, v in county.items() if k != "path"}}
            say(f"    copy {county['copy_s']:.0f} s, open + upgrade {county['open_upgrade_s']:.0f} s; "
                f"clerk {county['clerk']} holds {county['open_cases']} cases in progress")
            subjects["county"] = [sys.executable, "-m", "windowdesk.cli", "--db", str(county["path"]),
                                  "--sign-in", f"{county['clerk']}:{PASSWORD}", "--quit-when-shown"]
            labels["county"] = f"{info['file']['cases']:,}-case file"
        info["title"] = labels.get("county", "demo desk only (quick)")
        target = county["path"] if county else demo
        clerk, password = (county["clerk"], PASSWORD) if county else (DEMO_CLERK, DEMO_PASSWORD)

        say(f"cold starts: {runs} timed rounds of {', '.join(subjects)} (one untimed round first) …")
        starts = cold_starts(subjects, runs, timeout=300, cwd=work)
        report_starts(report, starts, labels)
        bare_rss = pct([int(s["groups"][0]) for s in starts["bare"]], .5)

        say("search as you type …")
        search = run_child("search", 1800, db=target, clerk=clerk, queries=queries, max_keys=max_keys, seed=args.seed)
        info["search"] = search
        for kind, entry in search["kinds"].items():
            label = "all kinds" if kind == "all" else kind
            report.add(f"search keystroke, {label}, p95 ({entry['keystroke_ms']['n']} keys)", "ms",
                       entry["keystroke_ms"]["p95"], KEY_TARGET_MS, ref=entry["raw_ms"]["p95"], ref_name="raw SQL",
                       max=entry["keystroke_ms"]["max"], p50=entry["keystroke_ms"]["p50"])
            report.add(f"search keystroke, {label}, max", "ms", entry["keystroke_ms"]["max"],
                       ref=entry["raw_ms"]["max"], ref_name="raw SQL")
            if kind == "all":
                report.add("search keystroke, all kinds, p95 until the model is filled (before layout and paint)",
                           "ms", entry["model_filled_ms"]["p95"], ref=entry["raw_ms"]["p95"], ref_name="raw SQL")
                report.add("search keystroke, all kinds, p95 of the first pass (SQLite page cache cold)", "ms",
                           entry["first_pass_ms"]["p95"])
            if entry["found_at_full_value"] < entry["queries"]:
                say(f"WARNING: {entry['queries'] - entry['found_at_full_value']} of {entry['queries']} "
                    f"{kind} queries found nothing when typed in full")

        say("memory and stalls (main window) …")
        desk = run_child("desk", 1800, db=target, clerk=clerk, password=password, names=5, rounds=rounds,
                         seed=args.seed)
        info["desk"] = desk
        mem = desk["memory_kib"]
        report.add("memory (RSS), main window, queue scrolled to its end, names searched", "MB",
                   mb(mem["after_scroll_and_search"]["VmRSS"]), RSS_TARGET_MB, ref=mb(bare_rss), ref_name="bare window",
                   queue_rows=desk["queue_rows"], peak_mb=mb(mem["after_scroll_and_search"]["VmHWM"]))
        report.add("memory (RSS), main window just shown", "MB", mb(mem["queue_shown"]["VmRSS"]))
        if county:
            demo_desk = run_child("desk", 600, db=demo, clerk=DEMO_CLERK, password=DEMO_PASSWORD, names=5, rounds=0,
                                  seed=args.seed)
            info["demo_desk"] = demo_desk
            report.add("memory (RSS), the same on the demo desk", "MB",
                       mb(demo_desk["memory_kib"]["after_scroll_and_search"]["VmRSS"]))
        if desk["probe"]:
            probe = desk["probe"]
            worst = probe["worst_gaps"][0]["during"] if probe["worst_gaps"] else []
            report.add(f"UI stall probe: longest gap of a 10 ms timer ({probe['actions']} actions)", "ms",
                       probe["max_gap_ms"], STALL_TARGET_MS, during=worst, idle_max_gap_ms=probe["idle_max_gap_ms"])
            longest = max(probe["actions_ms"].items(), key=lambda kv: kv[1]["max"])
            report.add(f"UI stall probe: longest single action itself ({longest[0]}; before its paint)", "ms",
                       longest[1]["max"])
            report.add("UI stall probe: same timer, one idle second before", "ms", probe["idle_max_gap_ms"])
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    info["machine"]["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())

    rows = [HEADER, *report.rows()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    say("")
    for r in rows:
        say("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    if args.out:
        args.out.write_text(json.dumps({**info, "metrics": report.metrics}, ensure_ascii=False, indent=2, default=str))
    if args.markdown:
        with open(args.markdown, "a", encoding="utf-8") as fh:
            fh.write("\n" + markdown(info, report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
