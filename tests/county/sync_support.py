"""Shared parts of the sync fault and crash tests: a county server per test module with a
fresh township per test (its own staff, two window desks and a village point), a desk
workload written through the services, clients routed through a proxy, and the
invariants checked against the county's PostgreSQL database.

A township per test rather than a county per test: starting a county server costs
1.5 s and building the demo county another second, on a 2-core machine. It also shows
that nothing of the other townships on the same server reaches a desk.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import sqlite3
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import orjson
import sqlalchemy
from sqlalchemy import text

from tests.county.faultproxy import FaultProxy
from tests.county_support import County, start_county, stop_county
from windowdesk.core.identity import id_check_char
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import complete_materials
from windowdesk.db.codec import CASE_COLUMNS, SELECT_CASE_SQL, row_to_state
from windowdesk.db.store import Store, open_store
from windowdesk.services import handling, intake, referrals, sync
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.common import Actor, current_item, load_case
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.client import CountyClient
from windowdesk.sync.engine import RoundResult, enroll_desk, run_round


class ShiftedClock:
    """The clerks' clock: running in real time from a plain working week (Monday 2 March
    2026), so that deadlines never need a year the bundled calendar does not have,
    whatever day the tests run."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)):
        self.offset = start - datetime.now(timezone.utc)

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset

    def today(self) -> date:
        return self.now().astimezone().date()


CLOCK = ShiftedClock()


# --- the county --------------------------------------------------------------------------------


@contextlib.contextmanager
def demo_county(pg_cluster):
    """A county server process over a database of its own with the demo county."""
    from sqlalchemy.orm import Session

    from windowdesk.county.db import open_county
    from windowdesk.county.demo import build_demo_county

    name = f"test_{uuid.uuid4().hex[:16]}"
    pg_cluster.create_database(name)
    url = pg_cluster.url(name)
    try:
        engine = open_county(url)
        try:
            with Session(engine) as session, session.begin():
                build_demo_county(session)
        finally:
            engine.dispose()
        county = start_county(url)
        try:
            yield county
        finally:
            stop_county(county)
    finally:
        pg_cluster.drop_database(name)


_TOWNSHIPS = itertools.count(1)


def add_township(county: County, prefix: str) -> str:
    """A new township with the demo township's staff (codes prefixed, being unique in the
    county), posts and center settings; its code."""
    from sqlalchemy.orm import Session

    from windowdesk import demo as desk_demo
    from windowdesk.county import reference
    from windowdesk.county.db import open_county
    from windowdesk.county.demo import qs_staff
    from windowdesk.services.accounts import hash_password

    code = f"{prefix}{next(_TOWNSHIPS):02d}"
    engine = open_county(county.database)
    try:
        with Session(engine) as session, session.begin():
            reference.add_township(session, code, f"测试镇{code}")
            password = hash_password(desk_demo.DEMO_PASSWORD)
            for staff_code, name, role, windows in qs_staff():
                reference.add_staff(session, code, staff(code, staff_code), name, role, windows, password)
            reference.set_settings(session, code, {"center": dict(desk_demo.CENTER)})
    finally:
        engine.dispose()
    return code


def staff(township: str, code: str) -> str:
    return f"{township.lower()}.{code}"


# --- desks -------------------------------------------------------------------------------------


@dataclass
class Desk:
    name: str
    kind: str
    store: Store

    @property
    def node(self) -> str:
        return self.store.node_code

    @property
    def path(self) -> Path:
        return self.store.path

    def client(self, url: str) -> CountyClient:
        """A client of this desk's credential talking to ``url`` (a proxy, usually)."""
        with UnitOfWork(self.store, write=False) as uow:
            values = sync.state(uow)
        return CountyClient(url, values[sync.CREDENTIAL], values.get(sync.CERT, ""))


@dataclass
class Hall:
    """Two window desks (a, b) and a village point (v) of one township."""

    county: County
    township: str
    desks: dict[str, Desk]

    def __getitem__(self, name: str) -> Desk:
        return self.desks[name]

    def actor(self, clerk: str, window: str) -> Actor:
        return Actor(staff(self.township, clerk), window)

    def close(self) -> None:
        for desk in self.desks.values():
            desk.store.close()


def enroll_codes(county: County, township: str, kinds: list[str]) -> list[str]:
    from sqlalchemy.orm import Session

    from windowdesk.county.db import open_county
    from windowdesk.county.enrollment import issue_enroll_code

    engine = open_county(county.database)
    try:
        with Session(engine) as session, session.begin():
            return [issue_enroll_code(session, township=township, kind=kind, now=utcnow()) for kind in kinds]
    finally:
        engine.dispose()


def open_hall(county: County, folder: Path, prefix: str, names=(("a", "window"), ("b", "window"),
                                                               ("v", "village"))) -> Hall:
    township = add_township(county, prefix)
    hall = Hall(county, township, {})
    codes = enroll_codes(county, township, [kind for _name, kind in names])
    try:
        for (name, kind), code in zip(names, codes):
            store = open_store(folder / f"{name}.sqlite")
            hall.desks[name] = Desk(name, kind, store)
            enroll_desk(store, county.url, code)
    except BaseException:
        hall.close()
        raise
    return hall


def person(n: int) -> ApplicantInput:
    body = f"43110219500101{n % 1000:03d}"
    return ApplicantInput(f"王{'一二三四五'[n % 5]}", body + id_check_char(body), phone=f"1390000{n % 10000:04d}")


def item_of(store: Store, window: str, proxy: bool = False) -> str:
    with UnitOfWork(store, write=False) as uow:
        rows = uow.execute("SELECT s.code, s.data FROM service_items s JOIN catalogue_versions v "
                           "ON v.version = s.version AND v.current = 1 WHERE s.window_code = ? ORDER BY s.code",
                           (window,)).all()
    for code, data in rows:
        if not proxy or json.loads(data).get("proxy_allowed", False):
            return code
    raise AssertionError(f"no item of window {window}")


def receive(store: Store, actor: Actor, item: str, n: int, channel: str = "window"):
    with UnitOfWork(store, CLOCK) as uow:
        it, _v = current_item(uow, item)
        return intake.receive_case(uow, actor, item_code=item, applicant=person(n),
                                   materials=complete_materials(it), channel=channel).case


def receive_many(store: Store, actor: Actor, item: str, count: int, start: int = 0,
                 channel: str = "window") -> list[str]:
    """``count`` cases received in one transaction (a quick way to fill a log)."""
    ids = []
    with UnitOfWork(store, CLOCK) as uow:
        it, _v = current_item(uow, item)
        materials = complete_materials(it)
        for n in range(start, start + count):
            ids.append(intake.receive_case(uow, actor, item_code=item, applicant=person(n), materials=materials,
                                           channel=channel, commit=False).case.case_id)
        uow.commit()
    return ids


def fill_log(store: Store, actor: Actor, item: str, cases: int, prints: int = 3, start: int = 0) -> int:
    """A long log quickly: ``cases`` cases received and accepted, each with its acceptance
    notice printed ``prints`` times (annotations: cheap for the county to take in, as a
    case's events arrive together); the number of events written."""
    from windowdesk.services import printing

    for case_id in receive_many(store, actor, item, cases, start):
        with UnitOfWork(store, CLOCK) as uow:
            number = intake.accept_case(uow, actor, case_id).case_number
            for _ in range(prints):
                printing.record_print(uow, actor, number, "acceptance")
    return cases * (2 + prints)


def case_states(store: Store) -> list:
    """Every case on the desk (its projection), by case id."""
    with UnitOfWork(store, write=False) as uow:
        return [row_to_state(row) for row in uow.execute(SELECT_CASE_SQL + " ORDER BY case_id").all()]


# --- a workload --------------------------------------------------------------------------------


class Workload:
    """What the clerks of a hall do between rounds, chosen by a seeded generator among the
    actions each desk may take on what it sees: cases received at every desk, referrals
    from window MZ (desk a) to window SB (desk b, sometimes taken at desk a as well: a
    conflict), acceptances, completions, village hand-overs accepted at desk a."""

    def __init__(self, hall: Hall, seed: int):
        self.hall, self.rng = hall, random.Random(seed)
        self.items = {"MZ": item_of(hall["a"].store, "MZ"), "SB": item_of(hall["a"].store, "SB"),
                      "proxy": item_of(hall["v"].store, "MZ", proxy=True)}
        self.n = seed * 100
        self.actions: Counter[str] = Counter()

    def _next(self) -> int:
        self.n += 1
        return self.n

    def _do(self, name: str, service, store: Store, *args, **kwargs) -> None:
        with UnitOfWork(store, CLOCK) as uow:
            service(uow, *args, **kwargs)
        self.actions[name] += 1

    def step(self) -> None:
        h, rng = self.hall, self.rng
        a, b, v = h["a"], h["b"], h["v"]
        mz, sb, sb_a = h.actor("zhangmin", "MZ"), h.actor("wangfang", "SB"), h.actor("chenjie", "SB")
        # desk a: window MZ (and window SB's B post, chenjie)
        if rng.random() < 0.7:
            receive(a.store, mz, self.items["MZ"] if rng.random() < 0.5 else self.items["SB"], self._next())
            self.actions["receive"] += 1
        for case in case_states(a.store):
            roll, mine = rng.random(), case.holder_node == a.node
            clerk = mz if case.holder_window == "MZ" else sb_a
            if mine and case.status is Status.RECEIVED and roll < 0.5:
                if case.item_code == self.items["SB"] and clerk is mz:  # not MZ's to decide: referred
                    self._do("refer", referrals.refer_case, a.store, mz, case.case_id, to_window="SB", reason="社保事项")
                else:
                    self._do("accept", intake.accept_case, a.store, clerk, case.case_id)
            elif case.status is Status.HANDED_OVER and case.referral_to_window == "MZ" and roll < 0.6:
                self._do("accept_handover", referrals.accept_handover, a.store, mz, case.case_id)
            elif case.status is Status.REFERRED and case.referral_to_window == "SB" and roll < 0.15:
                # AB岗 at desk a takes the referral too: concurrent with desk b's, a conflict
                self._do("accept_referral", referrals.accept_referral, a.store, sb_a, case.case_id)
            elif mine and case.status is Status.IN_PROGRESS and roll < 0.3:
                self._do("complete", handling.complete_case, a.store, clerk, case.case_id, result="granted")
        # desk b: window SB
        if rng.random() < 0.5:
            receive(b.store, sb, self.items["SB"], self._next())
            self.actions["receive"] += 1
        for case in case_states(b.store):
            roll, mine = rng.random(), case.holder_node == b.node and case.holder_window == "SB"
            if case.status is Status.REFERRED and case.referral_to_window == "SB" and roll < 0.7:
                self._do("accept_referral", referrals.accept_referral, b.store, sb, case.case_id)
            elif mine and case.status is Status.RECEIVED and roll < 0.4:
                self._do("accept", intake.accept_case, b.store, sb, case.case_id)
            elif mine and case.status is Status.IN_PROGRESS and roll < 0.3:
                self._do("complete", handling.complete_case, b.store, sb, case.case_id, result="granted")
        # village point: proxy cases, handed over
        agent = h.actor("daiban01", "MZ")
        if rng.random() < 0.5:
            receive(v.store, agent, self.items["proxy"], self._next(), channel="proxy")
            self.actions["receive"] += 1
        for case in case_states(v.store):
            if case.holder_node == v.node and case.status is Status.RECEIVED and rng.random() < 0.5:
                self._do("hand_over", referrals.hand_over_case, v.store, agent, case.case_id, note="材料齐全")


class Recording(CountyClient):
    """A client of a desk that keeps the county's answers to its pushes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pushes: list[dict] = []

    @classmethod
    def of(cls, desk: Desk, url: str) -> "Recording":
        values = sync_state(desk.store)
        return cls(url, values[sync.CREDENTIAL], values.get(sync.CERT, ""))

    def push(self, *args, **kwargs):
        answer = super().push(*args, **kwargs)
        self.pushes.append(answer)
        return answer


# --- rounds ------------------------------------------------------------------------------------


def waiting(store: Store) -> sync.SyncStatus:
    with UnitOfWork(store, write=False) as uow:
        return sync.status(uow)


def sync_state(store: Store) -> dict[str, str]:
    with UnitOfWork(store, write=False) as uow:
        return sync.state(uow)


def converge(hall: Hall, clients: dict[str, CountyClient], max_passes: int = 6) -> int:
    """Rounds of every desk in turn until a pass where no desk sends anything, every desk
    ends in step with nothing waiting; the number of passes it took."""
    for n in range(1, max_passes + 1):
        results: dict[str, RoundResult] = {}
        for name, desk in hall.desks.items():
            results[name] = run_round(desk.store, clients.get(name))
        if all(not r.error and r.in_step and r.sent == 0 and waiting(hall[name].store).waiting == 0
               for name, r in results.items()):
            return n
    raise AssertionError(f"no convergence after {max_passes} passes: "
                         + "; ".join(f"{k}: {r}" for k, r in results.items()))


# --- the county's side -------------------------------------------------------------------------


@contextlib.contextmanager
def county_db(county: County):
    engine = sqlalchemy.create_engine(county.database)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def county_events(conn, township: str) -> list[tuple[str, str, list[str], str, str]]:
    """(event id, case id, parents, node, hash) of the township's log, in seq order."""
    return [(e, c, orjson.loads(p), n, h) for e, c, p, n, h in conn.execute(
        text("SELECT event_id, case_id, parents, node, hash FROM events WHERE township = :t ORDER BY seq"),
        {"t": township})]


def county_count(county: County, township: str) -> int:
    with county_db(county) as conn:
        return conn.execute(text("SELECT count(*) FROM events WHERE township = :t"), {"t": township}).scalar_one()


def desk_events(path: Path) -> list[tuple[str, str, list[str]]]:
    """(event id, case id, parents) of every event in a desk's file (read with sqlite3)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return [(e, c, json.loads(p)) for e, c, p in
                conn.execute("SELECT event_id, case_id, parents FROM events ORDER BY seq")]


def refetches(hall: Hall) -> dict[str, int]:
    """How many times each desk found its digest different from the county's and fetched
    its scope again (none, when nothing was lost or counted twice)."""
    counts = {}
    for name, desk in hall.desks.items():
        with contextlib.closing(sqlite3.connect(desk.path)) as conn:
            counts[name] = conn.execute("SELECT count(*) FROM sync_alerts WHERE kind = 'refetch'").fetchone()[0]
    return counts


def desk_state(path: Path) -> dict[str, str]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return dict(conn.execute("SELECT key, value FROM sync_state"))


def county_states(conn, township: str) -> dict[str, object]:
    """The county's projection of every case of the township, as CaseStates."""
    out = {}
    for case_id, state in conn.execute(text("SELECT case_id, state FROM cases WHERE township = :t"),
                                       {"t": township}):
        values = orjson.loads(state)
        out[case_id] = row_to_state(tuple(_tuple(values[c]) for c in CASE_COLUMNS))
    return out


def _tuple(value):
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def check_hall(hall: Hall) -> dict[str, int]:
    """Every invariant of a hall that has converged; returns a few counts to report."""
    with county_db(hall.county) as conn:
        log = county_events(conn, hall.township)
        ids = [e for e, *_rest in log]
        assert len(ids) == len(set(ids)), "an event stored twice by the county"
        by_id = {e: (c, parents, node) for e, c, parents, node, _h in log}
        for e, (c, parents, _n) in by_id.items():
            for p in parents:
                assert p in by_id and by_id[p][0] == c, f"county: parent {p} of {e} missing"
        holders = {c: (creator, holder) for c, creator, holder in conn.execute(
            text("SELECT case_id, creator_node, holder_node FROM cases WHERE township = :t"), {"t": hall.township})}
        held = conn.execute(text("SELECT count(*) FROM quarantine WHERE township = :t"),
                            {"t": hall.township}).scalar_one()
        pending = conn.execute(text("SELECT count(*) FROM pending p JOIN nodes n ON n.code = p.node "
                                    "WHERE n.township = :t"), {"t": hall.township}).scalar_one()
        numbers = conn.execute(text(
            "SELECT payload::jsonb ->> 'case_number' AS n, count(DISTINCT case_id) FROM events "
            "WHERE type = 'case_received' GROUP BY n HAVING count(DISTINCT case_id) > 1")).all()
        county_proj = county_states(conn, hall.township)
    assert held == 0 and pending == 0, (held, pending)
    assert not numbers, f"case numbers issued twice in the county: {numbers}"
    assert set(holders) == set(county_proj) == {c for c, *_r in by_id.values()}

    written = set()
    for desk in hall.desks.values():
        events = desk_events(desk.path)
        written |= {e for e, *_r in events}
    assert written <= set(ids), f"events written at a desk but not at the county: {sorted(written - set(ids))[:5]}"

    projections = {}
    for desk in hall.desks.values():
        events = desk_events(desk.path)
        counts = Counter(e for e, *_r in events)
        assert max(counts.values(), default=1) == 1
        mine = set(counts)
        if desk.kind == "window":
            expected = set(ids)
        else:
            own = {c for c, nodes in holders.items() if desk.node in nodes}  # created or held
            expected = {e for e, (c, *_r) in by_id.items() if c in own}
            assert {c for _e, c, _p in events} <= own, "the village point carries another desk's case"
        assert mine == expected, (desk.name, sorted(expected - mine)[:5], sorted(mine - expected)[:5])
        for e, c, parents in events:
            assert all(p in mine for p in parents), f"{desk.name}: a parent of {e} is missing"
        with UnitOfWork(desk.store, write=False) as uow:
            cases = {c for _e, c, _p in events}
            projections[desk.name] = {c: load_case(uow, c) for c in cases}
            status = sync.status(uow)
        assert status.waiting == 0 and status.held == 0, (desk.name, status)
        for case_id, state in projections[desk.name].items():
            assert state == county_proj[case_id], (desk.name, case_id)
    assert projections["a"] == projections["b"]
    return {"events": len(ids), "cases": len(county_proj),
            "village_cases": len(projections.get("v", {})),
            "conflicts": sum(s.status is Status.CONFLICT for s in county_proj.values())}


# --- proxies -----------------------------------------------------------------------------------


class ScriptedProxy(FaultProxy):
    """A FaultProxy told the faults of the next requests to each path, one by one
    (``{"/v1/push": ["drop_response"], "/v1/pull": [None, "truncate"]}``; None passes a
    request through); other requests draw their faults as usual (none, by default)."""

    def __init__(self, upstream: str, script: dict[str, list[str | None]] | None = None, **kwargs):
        kwargs.setdefault("seed", 0)
        super().__init__(upstream, **kwargs)
        self.script = {path: list(faults) for path, faults in (script or {}).items()}

    def _draw(self, method: str, path: str):
        with self._lock:
            queue = self.script.get(path)
            if queue:
                fault = queue.pop(0)
                self.log.append((method, path, fault))
                return fault, 1.0
        return super()._draw(method, path)

    def faults_at(self, path: str) -> list[str | None]:
        with self._lock:
            return [fault for _m, p, fault in self.log if p == path]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
