"""The county sync benchmark: a village catching up, many desks at once, server ingest,
and the desk's intake with sync running in the background (method: bench/RESULTS.md).

    python bench/sync.py [--township-events 50000] [--village-events 10000] [--desks 100] \\
        [--waves 5] [--client-procs 1,4] [--spread 10] [--intakes 300] [--out sync.json] [--markdown FILE]
    python bench/sync.py --quick        # toy sizes, one wave (what the tests run)

All on this machine: a private PostgreSQL cluster (durable: fsync on) in a temporary
directory, a real county server process (``windowdesk county serve``) over the demo
county, desks as SQLite files written through the services and synced by ``run_round``:

1. a village point's catch-up after 30 days offline with a township's window desk (≤ 5 s);
2. ``--desks`` desks running a round at the same moment, from threads of
   ``--client-procs`` processes (round p99 ≤ 500 ms); then spread over ``--spread`` s;
3. server ingest in pushes of 500 events, beside a raw COPY of the same rows into a
   copy of the events table (≥ 5,000 events/s);
4. intake (register + accept) p95 with a sync round every second in the background,
   beside the same without (≤ 25 ms). Cold start with sync is not measured: bench/ui.py
   starts demo desks, which never enroll.

Targets are printed, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing as mp
import os
import queue
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import httpx
from sqlalchemy.orm import Session

from county import TOWNSHIPS  # bench/county.py (bench/ is on sys.path as the script's folder)
from run import machine, pct  # bench/run.py
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import DomainError
from windowdesk.core.notices import complete_materials
from windowdesk.county import reference
from windowdesk.county.db import open_county
from windowdesk.county.demo import HX_STAFF, build_demo_county
from windowdesk.county.enrollment import issue_enroll_code
from windowdesk.county.pgcluster import Cluster
from windowdesk.db.store import open_store
from windowdesk.demo import AGENT, POSTS, STAFF, _person, _Simulation
from windowdesk.services import intake, referrals, sync
from windowdesk.services.accounts import hash_password
from windowdesk.services.common import Actor, current_item
from windowdesk.services.uow import FixedClock, UnitOfWork
from windowdesk.sync.client import CountyClient
from windowdesk.sync.engine import enroll_desk, run_round

SIZES = {  # option: (full size, quick size, what)
    "township_events": (50_000, 300, "events of the township's window desk"),
    "village_events": (10_000, 80, "events the village point makes offline"),
    "desks": (100, 6, "desks syncing at once"), "waves": (5, 1, "timed waves of rounds"),
    "client_procs": ("1,4", 1, "client processes, one setting each"),
    "spread": (10, 0, "then once more, the rounds of a wave spread over this many seconds"),
    "intakes": (300, 10, "timed intakes with sync, and as many without"),
}
HEADER = ("Metric", "Value", "Target", "Reference", "Ratio", "Result")
ITEM = min((i for i in Catalogue.bundled().items if i.window == "MZ" and i.proxy_allowed and not i.is_immediate),
           key=lambda i: i.committed_limit)  # its due date stays within the published calendars longest


class County:
    """A PostgreSQL cluster, the county database (demo county and ``townships``, each staffed
    like 红星乡: hx.* become b01.* …) and a county server process; ``close`` removes it all."""

    def __init__(self, townships: list[tuple[str, str]]):
        self.base, self.proc = Path(tempfile.mkdtemp(prefix="windowdesk-bench-pg-")), None
        self.base.chmod(0o711)  # PostgreSQL's unprivileged user must pass (tests/county_support.py)
        self.cluster = Cluster.create(self.base / "pg")
        self.cluster.start()
        self.cluster.create_database("county")
        self.database = self.cluster.url("county")
        self.engine = open_county(self.database)
        with Session(self.engine) as session, session.begin():
            build_demo_county(session)
            password = hash_password("bench")
            for code, name in townships:
                reference.add_township(session, code, name)
                for staff, staff_name, role, windows in HX_STAFF:
                    reference.add_staff(session, code, f"{code.lower()}.{staff[3:]}", staff_name, role, windows,
                                        password)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url, self.log = f"http://127.0.0.1:{port}", open(self.base / "server.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "windowdesk.cli", "county", "serve", "--database", self.database,
             "--listen", f"127.0.0.1:{port}"], stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, "WINDOWDESK_LANG": "en"})
        for _ in range(400):
            try:
                if httpx.get(self.url + "/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("the county server did not start:\n" + (self.base / "server.log").read_text())

    def code(self, kind: str, township: str) -> str:
        with Session(self.engine) as session, session.begin():
            return issue_enroll_code(session, township=township, kind=kind, now=datetime.now(UTC))

    def cpu(self) -> tuple[float, float]:
        """CPU seconds so far of the server process and of PostgreSQL (postmaster, children, exited children)."""
        def ticks(pid, fields=slice(10, 12)) -> list[int]:  # ppid … utime, stime, cutime, cstime (proc(5))
            return [int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1:15]][fields]

        master, pg = int((self.cluster.data_dir / "postmaster.pid").read_text().split()[0]), 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            with contextlib.suppress(OSError, ValueError):
                pg += sum(ticks(pid)) if ticks(pid, slice(0, 1)) == [master] else 0
        pg += sum(ticks(master, slice(10, 14)))
        return sum(ticks(self.proc.pid)) / os.sysconf("SC_CLK_TCK"), pg / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.log.close()
        self.engine.dispose()
        self.cluster.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def enroll(county: County, path: Path, kind: str = "window", township: str = "QS"):
    store = open_store(path, auto_backup=False)
    enroll_desk(store, county.url, county.code(kind, township))
    return store


def act(store, clock, fn, *args, **kwargs):
    """One service call in its own unit of work; ``None`` when the rules refuse it."""
    try:
        with UnitOfWork(store, clock) as uow:
            return fn(uow, *args, **kwargs)
    except DomainError:
        return None


def own_events(store) -> int:
    with UnitOfWork(store, write=False) as uow:
        return uow.execute("SELECT count(*) FROM events WHERE origin != 'county'").scalar_one()


class TimedClient(CountyClient):
    """The desk's client, noting how long each call to the county took."""

    def __init__(self, store):
        with UnitOfWork(store, write=False) as uow:
            values = sync.state(uow)
        super().__init__(values[sync.SERVER], values[sync.CREDENTIAL], values.get(sync.CERT, ""))
        self.calls: list[tuple[str, float, int]] = []  # (endpoint, seconds, events pushed)

    def _call(self, method: str, path: str, **kwargs) -> dict:
        started = time.perf_counter()
        try:
            return super()._call(method, path, **kwargs)
        finally:
            events = len(kwargs.get("json", {}).get("events", [])) if path == "/v1/push" else 0
            self.calls.append((path.rsplit("/", 1)[-1], time.perf_counter() - started, events))


def timed_round(store) -> tuple:
    started = time.perf_counter()
    with TimedClient(store) as client:
        result = run_round(store, client)
    if result.error:
        raise RuntimeError(f"sync round of {store.node_code} failed: {result.error}")
    return result, client, time.perf_counter() - started


class Hall(_Simulation):
    """The demo desk's simulation (``windowdesk.demo``) at ``visitors`` visitors a day."""

    visitors, seen = 40, 0

    def day(self, today: date) -> None:
        self.clock.current = datetime.combine(today, dtime(0, 30), UTC)  # 08:30 in the hall
        self.run(intake.sweep_deemed_acceptance)
        for _ in range(self.visitors):
            self.clock.current += timedelta(seconds=self.minutes.randint(30, 300))
            self.intake()
        self.seen += self.visitors
        self.clock.current = max(self.clock.current, datetime.combine(today, dtime(6, 30), UTC))
        for case_id in list(self.open):
            self.progress(case_id, today)

    def days(self, days: list[date], target: int) -> None:
        """Work these days, visitors a day set so that the desk ends with ~``target`` events."""
        for i, day in enumerate(days):
            have = own_events(self.store)
            self.visitors = max(1, round((target - have) / (have / self.seen if self.seen else 4) / (len(days) - i)))
            self.day(day)


def workdays(store, first: date, last: date) -> list[date]:
    with UnitOfWork(store, write=False) as uow:
        return [d for n in range((last - first).days + 1) if uow.calendar.is_workday(d := first + timedelta(n))]


def village_work(store, clock: FixedClock, days: list[date], target: int, rng: random.Random) -> list[tuple]:
    """Proxy intakes handed over to the township (and a few inquiries) until the village
    point has ``target`` events of its own; the cases handed over (id, window)."""
    windows = next(w for code, _n, _r, w in STAFF if code == AGENT)
    items, handed = [i for i in Catalogue.bundled().items if i.proxy_allowed and i.window in windows], []
    for i, day in enumerate(days):
        clock.current = datetime.combine(day, dtime(0, 30), UTC)
        for _ in range(max(1, round((target - own_events(store)) / 2 / (len(days) - i)))):
            clock.current += timedelta(seconds=rng.randint(20, 90))
            item, person = rng.choice(items), _person(rng)
            agent = Actor(AGENT, item.window)
            if rng.random() < 0.1:
                logged = act(store, clock, intake.log_inquiry, agent, question=f"咨询{item.name}需要哪些材料",
                             applicant=person, item_code=item.code, channel="proxy")
                if logged:
                    act(store, clock, intake.answer_inquiry, agent, logged.case.case_id, "已告知办理条件和材料")
                continue
            got = act(store, clock, intake.receive_case, agent, item_code=item.code, applicant=person,
                      materials=complete_materials(item), channel="proxy")
            if got and act(store, clock, referrals.hand_over_case, agent, got.case.case_id, note="材料已核对原件"):
                handed.append((got.case.case_id, item.window))
    return handed


def catch_up(args, county: County, work: Path, add, info: dict) -> None:
    today = date.today()
    offline, yesterday = today - timedelta(days=30), today - timedelta(days=1)
    w, v = enroll(county, work / "w.sqlite"), enroll(county, work / "v.sqlite", "village")
    sim, rng, started = Hall(w, today, 6, args.seed), random.Random(args.seed), time.perf_counter()
    sim.days(workdays(w, today - timedelta(days=180), offline - timedelta(days=1)), args.township_events * 5 // 6)
    vclock = FixedClock(datetime.combine(offline - timedelta(days=1), dtime(0, 30), UTC))
    handed = village_work(v, vclock, [offline - timedelta(days=1)], max(4, args.village_events // 50), rng)
    pre = own_events(v)
    timed_round(v)  # both online: V's hand-overs and W's history reach the county, and V's cases W
    pushes = timed_round(w)[1].calls
    for case_id, window in handed:  # W takes the hand-overs and carries them on with its own cases
        if act(w, sim.clock, referrals.accept_handover, Actor(POSTS[window][0], window), case_id) is not None:
            sim.open.append(case_id)
    sim.days(workdays(w, offline, yesterday), args.township_events)
    pushes += timed_round(w)[1].calls
    village_work(v, vclock, workdays(v, offline, yesterday), pre + args.village_events, rng)
    info["generation_s"] = time.perf_counter() - started
    info["township_events"], info["village_events"] = own_events(w), own_events(v)
    print(f"generated in {info['generation_s']:.0f} s: W {info['township_events']:,} events, "
          f"V {info['village_events']:,} events, {len(handed)} cases handed over before V went offline", flush=True)

    vr, vc, v_s = timed_round(v)
    wr, wc, w_s = timed_round(w)
    converged = vr.in_step and wr.in_step and vr.sent == info["village_events"] - pre and wr.received >= vr.sent
    add(f"village catch-up: {vr.sent:,} events made offline, township of {info['township_events']:,}",
        "s", v_s + w_s, 5.0, converged=converged, village_round_s=v_s, window_round_s=w_s,
        village_sent=vr.sent, village_received=vr.received, window_received=wr.received)
    for name, r, client, seconds in (("village point's round", vr, vc, v_s), ("window desk's round", wr, wc, w_s)):
        push, pull = (sum(s for e, s, _n in client.calls if e == call) for call in ("push", "pull"))
        add(f"… {name}: sent {r.sent:,}, received {r.received:,} (in calls to the county: push {push:.2f} s, "
            f"pull {pull:.2f} s)", "s", seconds)
    raw = copy_twin(county, w.node_code)
    for name, calls, target in (("window desk's", pushes, 5000), ("village point's", vc.calls, None)):
        pushed = [(s, n) for e, s, n in calls if e == "push" and n]
        batches = [(s, n) for s, n in pushed if n == 500] or pushed  # 500 a batch (at toy size: all)
        add(f"server ingest, the {name} pushes ({len(batches)} of {batches[0][1]})", "events/s",
            sum(n for _s, n in batches) / sum(s for s, _n in batches), target, raw,
            "raw COPY, 500 rows a transaction", higher=True)
    w.close()
    v.close()


def copy_twin(county: County, node: str) -> float:
    """The node's events as the county stored them, COPY'd into a copy of the table."""
    with county.cluster.connect("county") as conn:
        cur = conn.execute("SELECT * FROM events WHERE node = %s ORDER BY seq", (node,))
        names, rows = ", ".join(f'"{d.name}"' for d in cur.description), cur.fetchall()
        conn.execute("CREATE TABLE bench_events (LIKE events INCLUDING ALL)")
        conn.commit()
        started = time.perf_counter()
        for i in range(0, len(rows), 500):
            with conn.cursor().copy(f"COPY bench_events ({names}) FROM STDIN") as copy:
                for row in rows[i:i + 500]:
                    copy.write_row(row)
            conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_events")
        conn.commit()
    return len(rows) / elapsed


def write_few(store, rng: random.Random) -> None:
    """Two intakes: received and accepted at a window PC, received and handed over at a village point."""
    with UnitOfWork(store, write=False) as uow:
        values = sync.state(uow)
    village = values[sync.KIND] == "village"
    actor = Actor(f"{values[sync.TOWNSHIP].lower()}.{'daiban01' if village else 'wanggang'}", "MZ")
    for _ in range(2):
        with UnitOfWork(store) as uow:
            case = intake.receive_case(uow, actor, item_code=ITEM.code, applicant=_person(rng),
                                       materials=complete_materials(ITEM), channel="proxy" if village else "window")
        with UnitOfWork(store) as uow:
            (referrals.hand_over_case if village else intake.accept_case)(uow, actor, case.case.case_id)


def desk_worker(paths: list[str], waves: int, spread: float, barrier, results) -> None:
    """In a process of its own: before each wave every desk writes; then the desks of every
    worker run a round at once (or each after a random pause of up to ``spread`` s), each
    from a thread."""
    stores, rng, rows = [open_store(p, auto_backup=False) for p in paths], random.Random(paths[0]), []

    def one(store, pause: float) -> tuple:
        time.sleep(pause)
        started, wall = time.perf_counter(), time.time()
        result = run_round(store)
        return wall, time.perf_counter() - started, result.error, result.in_step, result.sent, result.received

    with ThreadPoolExecutor(len(stores)) as pool:
        for wave in range(waves + 1):  # wave 0 warms up (threads, connections, first pulls)
            for store in stores:
                write_few(store, rng)
            barrier.wait()
            done = list(pool.map(one, stores, [rng.uniform(0, spread) if wave else 0 for _s in stores]))
            barrier.wait()
            rows += [(wave, *r) for r in done] if wave else []
    for store in stores:
        store.close()
    results.put(rows)


def many_desks(args, county: County, work: Path, add, info: dict) -> list[str]:
    per, paths, started = min(10, args.desks), [], time.perf_counter()
    for i in range(args.desks):
        kind = "village" if i % per >= per - max(1, per // 5) else "window"
        paths.append(str(work / f"d{i:03d}.sqlite"))
        enroll(county, Path(paths[-1]), kind, f"B{i // per + 1:02d}").close()
    info["enroll_s"] = time.perf_counter() - started
    settings = [(n, 0) for n in args.client_procs] + [(args.client_procs[-1], args.spread)] * bool(args.spread)
    for procs, spread in settings:
        cpu_before = county.cpu()
        ctx = mp.get_context("spawn")  # fresh processes (never a fork of this one, with its connections)
        barrier, results = ctx.Barrier(procs), ctx.Queue()
        workers = [ctx.Process(target=desk_worker, args=(paths[k::procs], args.waves, spread, barrier, results),
                               daemon=True)
                   for k in range(procs)]
        for worker in workers:
            worker.start()
        rows, reported = [], 0
        while reported < procs:
            try:
                rows, reported = rows + results.get(timeout=5), reported + 1
            except queue.Empty:
                if any(worker.exitcode not in (None, 0) for worker in workers):
                    raise RuntimeError("a desk worker failed (its traceback is above)") from None
        for worker in workers:
            worker.join()
        server, pg = (b - a for a, b in zip(cpu_before, county.cpu()))
        ms, errors = [r[2] * 1000 for r in rows], [r[3] or "not in step" for r in rows if r[3] or not r[4]]
        spans = sorted(max(r[1] + r[2] for r in rows if r[0] == k) - min(r[1] for r in rows if r[0] == k)
                       for k in range(1, args.waves + 1))
        client = f"{procs} client process{'es' if procs > 1 else ''} × {args.desks // procs} threads"
        extra = dict(rounds=len(rows), errors=len(errors), error_sample=errors[:3], procs=procs,
                     sent=sum(r[5] for r in rows), received=sum(r[6] for r in rows))
        when = "at once" if not spread else f"each starting at a random moment of {spread:g} s"
        add(f"{args.desks} desks {when} ({client}): round p99 (p50 {pct(ms, .5):,.0f} ms, p95 {pct(ms, .95):,.0f} ms)",
            "ms", pct(ms, .99), None if spread else 500, p50=pct(ms, .5), p95=pct(ms, .95), **extra)
        rounds = args.desks * (args.waves + 1)  # with the warm-up wave
        add(f"… CPU per round: county server process (PostgreSQL {pg / rounds * 1000:.1f} ms); wall time of a wave "
            f"{spans[len(spans) // 2]:.1f} s (median)", "ms", server / rounds * 1000, pg_ms=pg / rounds * 1000,
            wave_s=spans[len(spans) // 2])
    return paths


def intake_with_sync(args, path: str, add) -> None:
    store, rng, rounds = open_store(path, auto_backup=False), random.Random(3), []
    enabled, stop, busy = threading.Event(), threading.Event(), threading.Lock()
    with UnitOfWork(store, write=False) as uow:
        actor = Actor(f"{sync.state(uow)[sync.TOWNSHIP].lower()}.wanggang", "MZ")

    def one_intake() -> float:
        person, started = _person(rng), time.perf_counter()
        with UnitOfWork(store) as uow:
            item, _version = current_item(uow, ITEM.code)
            received = intake.receive_case(uow, actor, item_code=item.code, applicant=person,
                                           materials=complete_materials(item))
            intake.accept_case(uow, actor, received.case.case_id)
        return (time.perf_counter() - started) * 1000

    def background() -> None:  # the desk's sync: a round every second, on a thread of its own
        while not stop.is_set():
            if enabled.wait(0.05):
                started = time.monotonic()
                with busy:
                    result = run_round(store)
                rounds.append((time.monotonic() - started, result.sent, result.received, result.error))
                stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))

    thread = threading.Thread(target=background, daemon=True)
    thread.start()
    samples: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(5):
        one_intake()  # warm-up
    for block in range(2 * max(1, args.intakes // args.block)):
        (enabled.set if block % 2 else enabled.clear)()
        with busy:  # a round still running belongs to the block before
            pass
        for _ in range(args.block):
            samples[bool(block % 2)].append(one_intake())
            time.sleep(0.02)
    stop.set()
    thread.join()
    store.close()
    off, on = samples[False], samples[True]
    add("intake (register + accept) p95, a sync round every second in the background", "ms", pct(on, .95), 25.0,
        pct(off, .95), "the same without sync", samples=len(on), rounds=len(rounds),
        round_errors=sum(1 for r in rounds if r[3]), pushed=sum(r[1] for r in rounds))
    add(f"… intake max with sync in the background ({len(rounds)} rounds ran, median "
        f"{sorted(r[0] for r in rounds)[len(rounds) // 2] if rounds else 0:.2f} s)", "ms", max(on), reference=max(off),
        raw_name="without sync")


def _fmt(value, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:.2f} {unit}"


def markdown(data: dict) -> str:
    m = data["machine"]
    lines = [f"### {data['date']} — county sync{' (quick)' if data['quick'] else ''}", "",
             (f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM; Python {m['python']}, "
              f"SQLite {m['sqlite']}, PostgreSQL {data['postgresql']}; {m['os']}. WindowDesk {m['windowdesk']}. "
              f"Load average {data['load']} at the start, {data['load_end']} at the end."), "",
             "| " + " | ".join(HEADER) + " |", "|---|---|---|---|---|---|"]
    for x in data["metrics"]:
        target = "" if x["target"] is None else f"{'≥' if x['higher'] else '≤'} {_fmt(x['target'], x['unit'])}"
        ref = f"{_fmt(x['reference'], x['unit'])} ({x['reference_name']})" if x["reference"] else ""
        ratio = f"{x['ratio']:.2f}×" if x["reference"] else ""
        lines.append(f"| {x['name']} | {_fmt(x['value'], x['unit'])} | {target} | {ref} | {ratio} | {x['result']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="toy sizes, one wave (what the tests run)")
    for name, (full, quick, what) in SIZES.items():
        p.add_argument("--" + name.replace("_", "-"), help=f"{what} ({full}; quick {quick})")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", type=Path, help="write the results as JSON here")
    p.add_argument("--markdown", type=Path, help="append the markdown table here")
    args = p.parse_args(argv)
    for name, (full, quick, _what) in SIZES.items():
        value = [int(n) for n in str(getattr(args, name) or (quick if args.quick else full)).split(",")]
        setattr(args, name, value if name == "client_procs" else value[0])
    args.block = 5 if args.quick else 100  # intakes in a block with or without sync
    metrics = []

    def add(name, unit, value, target=None, reference=None, reference_name="", higher=False, raw_name="", **extra):
        result = "info" if target is None else ("PASS" if (value >= target if higher else value <= target) else "MISS")
        if extra.get("converged") is False or extra.get("errors") or extra.get("round_errors"):
            result = "MISS"
        metrics.append({"name": name, "unit": unit, "value": float(value), "target": target, "higher": higher,
                        "reference": reference, "reference_name": reference_name or raw_name,
                        "ratio": value / reference if reference else None, "result": result, **extra})
        print(f"  {name}: {_fmt(value, unit)}", flush=True)

    per = min(10, args.desks)
    townships = [(f"B{k + 1:02d}", TOWNSHIPS[k % len(TOWNSHIPS)][0]) for k in range(-(-args.desks // per))]
    work = Path(tempfile.mkdtemp(prefix="windowdesk-bench-sync-"))
    info = {"date": datetime.now().astimezone().isoformat(timespec="seconds"), "machine": machine(),
            "load": " ".join(f"{x:.2f}" for x in os.getloadavg()), "quick": args.quick}
    county = County(townships)
    try:
        with county.cluster.connect() as conn:
            info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0].split()[0]
        print("1. village catch-up and 3. ingest …", flush=True)
        catch_up(args, county, work, add, info)
        print(f"2. {args.desks} desks at once …", flush=True)
        paths = many_desks(args, county, work, add, info)
        print("4. intake with sync in the background …", flush=True)
        intake_with_sync(args, paths[0], add)
    finally:
        county.close()
        shutil.rmtree(work, ignore_errors=True)
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    data = {**info, "sizes": {k: getattr(args, k) for k in SIZES}, "metrics": metrics}
    text = markdown(data)
    print("\n" + text)
    if args.out:
        args.out.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    if args.markdown:
        with args.markdown.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
