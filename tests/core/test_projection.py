"""The case log and its projection: replay gives identical results, events are immutable."""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import MZ, PERSON, STAFF, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import DomainError
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.core.projection import FIELD_NAMES, replay
from windowdesk.db.codec import SELECT_CASE_SQL, SELECT_EVENT_SQL, row_to_event, state_to_row
from windowdesk.db.store import open_store
from windowdesk.demo import CENTER, build_demo
from windowdesk.services import center, handling, intake, printing, referrals, setup
from windowdesk.services.common import Actor
from windowdesk.services.maintenance import check_store, rebuild_projection
from windowdesk.services.uow import FixedClock, UnitOfWork

CAT = Catalogue.bundled()


def projection_rows(path: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {r[0]: tuple(r) for r in conn.execute(SELECT_CASE_SQL)}
    finally:
        conn.close()


def assert_rebuild_identical(store, clock) -> None:
    before = projection_rows(store.path)
    with UnitOfWork(store, clock) as uow:
        rebuild_projection(uow)
    after = projection_rows(store.path)
    assert before.keys() == after.keys()
    for case_id, row in before.items():
        differing = [n for n, a, b in zip(FIELD_NAMES, row, after[case_id]) if a != b]
        assert not differing, (case_id, differing)


def test_demo_history_rebuilds_identically_column_by_column(tmp_path):
    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    summary = build_demo(store, end=date(2026, 11, 20), months=3, seed=11)
    statuses = set(summary.by_status)
    assert {"in_progress", "evaluated", "refused", "delivered"} <= statuses
    clock = FixedClock(datetime(2026, 11, 20, 8, tzinfo=timezone.utc))
    assert_rebuild_identical(store, clock)
    with UnitOfWork(store, clock) as uow:
        report = check_store(uow)
    assert report.ok, report.problems
    store.close()


def test_replaying_the_stored_events_gives_the_stored_state(store, run):
    item = CAT.item("MZ-GF-0001")
    case = run(intake.receive_case, MZ, item_code=item.code, applicant=PERSON,
               materials=[ReceivedMaterial("M01", True, 0)]).case
    run(intake.issue_notice, MZ, case.case_id, additions=["村委会意见"])
    run(setup.add_clerk, code="admin", name="系统管理员", role="admin", windows=[])
    run(center.set_center_info, "admin", CENTER)
    run(printing.one_time_notice, MZ, case.case_number)
    run(printing.one_time_notice, MZ, case.case_number)  # a reprint
    conn = sqlite3.connect(store.path)
    events = [row_to_event(r) for r in conn.execute(SELECT_EVENT_SQL + " WHERE case_id = ? ORDER BY hlc",
                                                    (case.case_id,))]
    stored = conn.execute(SELECT_CASE_SQL + " WHERE case_id = ?", (case.case_id,)).fetchone()
    conn.close()
    assert [e.type for e in events] == ["case_received", "notice_issued", "printed", "printed"]
    assert [e.payload["reprint"] for e in events[2:]] == [False, True]
    assert events[1].parents == (events[0].event_id,)
    assert events[0].hlc < events[1].hlc
    assert all(e.node == "LJ03" and e.actor == "zhangmin" and e.window == "MZ" for e in events)
    assert state_to_row(replay(events)) == tuple(stored)
    replayed = replay(events)
    assert replayed.event_count == 4 and replayed.heads == (events[-1].event_id,)
    assert replayed.last_hlc == events[-1].hlc and replayed.updated_at == events[-1].recorded_at
    assert replace(replay(events[:2]), event_count=4, heads=replayed.heads, last_hlc=replayed.last_hlc,
                   updated_at=replayed.updated_at) == replayed, "a print changes nothing but the log's columns"


def test_events_cannot_be_updated_or_deleted(store, run):
    item = CAT.item("MZ-GF-0001")
    run(intake.receive_case, MZ, item_code=item.code, applicant=PERSON, materials=full_materials(item))
    with UnitOfWork(store) as uow:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            uow.execute("UPDATE events SET actor = 'someone'")
    with UnitOfWork(store) as uow:
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            uow.execute("DELETE FROM events")


# --- property: any sequence of desk actions rebuilds to the same projection ----------

ITEMS = ["MZ-GF-0001", "MZ-GF-0002", "SB-GG-0001", "GT-XK-0001", "CL-QR-0002"]
ACTORS = {"MZ": Actor("zhangmin", "MZ"), "SB": Actor("wangfang", "SB"), "GT": Actor("zhaolei", "GT"),
          "CL": Actor("lihua", "CL")}

step = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from(ITEMS), st.booleans()),
    st.tuples(st.sampled_from(["notice", "supplement", "accept", "refuse", "refer", "take", "decline",
                               "suspend", "resume", "extend", "complete", "deliver", "rate", "withdraw",
                               "sweep", "print"]),
              st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=4)),
    st.tuples(st.just("wait"), st.integers(min_value=0, max_value=9), st.just(0)),
)


def _apply_step(store, clock, ids, op):
    name, a, b = op
    with UnitOfWork(store, clock) as uow:
        if name == "wait":
            clock.advance(days=a, hours=3)
            return
        if name == "receive":
            item = CAT.item(a)
            materials = full_materials(item) if b else full_materials(item)[:1]
            actor = ACTORS[item.window]
            service = intake.complete_on_the_spot if item.is_immediate else intake.receive_case
            try:
                result = service(uow, actor, item_code=a, applicant=PERSON, materials=materials)
            except DomainError:
                return  # e.g. an immediate item without its materials
            ids.append(result.case.case_id)
            return
        if name == "sweep":
            intake.sweep_deemed_acceptance(uow)
            return
        if not ids:
            return
        case_id = ids[a % len(ids)]
        from windowdesk.services.common import load_case

        case = load_case(uow, case_id)
        actor = ACTORS.get(case.holder_window, MZ)
        target = ACTORS[["GT", "MZ", "SB", "CL"][b % 4]]
        item = CAT.item(case.item_code)
        calls = {
            "notice": lambda: intake.issue_notice(uow, actor, case_id),
            "supplement": lambda: intake.record_supplement(
                uow, actor, case_id, materials=[m for m in full_materials(item) if m.code in case.missing_materials][: b + 1],
                additions_resolved=list(case.outstanding_additions)),
            "accept": lambda: intake.accept_case(uow, actor, case_id),
            "refuse": lambda: intake.refuse_case(uow, actor, case_id, reason="不符合条件", basis="依据"),
            "refer": lambda: referrals.refer_case(uow, actor, case_id, to_window=target.window, reason="转办"),
            "take": lambda: referrals.accept_referral(uow, ACTORS.get(case.referral_to_window or "MZ", MZ), case_id),
            "decline": lambda: referrals.decline_referral(uow, ACTORS.get(case.referral_to_window or "MZ", MZ),
                                                          case_id, reason="不属本窗口"),
            "suspend": lambda: handling.suspend_case(uow, actor, case_id, procedure="公示", reason="公示", expected_days=b + 1),
            "resume": lambda: handling.resume_case(uow, actor, case_id),
            "extend": lambda: handling.extend_case(uow, actor, case_id, days=b + 1, approver="刘建国", reason="核查"),
            "complete": lambda: handling.complete_case(uow, actor, case_id, result="granted" if b else "denied",
                                                       reason="不符合条件"),
            "deliver": lambda: handling.deliver_case(uow, actor, case_id),
            "rate": lambda: handling.evaluate_case(uow, actor, case_id, level=b + 1),
            "withdraw": lambda: handling.withdraw_case(uow, actor, case_id, reason="申请人撤回"),
            "print": lambda: list(printing.CASE_FORMS.values())[b % 4](uow, actor, case.case_number or ""),
        }
        try:
            calls[name]()
        except DomainError:
            pass  # refused by the rules: nothing may have been half-written


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=40))
def test_any_sequence_of_actions_rebuilds_to_the_same_projection(ops):
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc))
        store = open_store(Path(tmp) / "p.sqlite", node_code="LJ03")
        try:
            with UnitOfWork(store, clock) as uow:
                setup.install_bundled_reference_data(uow)
                for code, name, role, windows in STAFF:
                    setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
                setup.add_clerk(uow, code="admin", name="系统管理员", role="admin", windows=[])
                center.set_center_info(uow, "admin", CENTER)
            ids: list[str] = []
            for op in ops:
                _apply_step(store, clock, ids, op)
            assert_rebuild_identical(store, clock)
            with UnitOfWork(store, clock) as uow:
                report = check_store(uow)
            assert report.ok, report.problems
        finally:
            store.close()


def test_parallel_replay_gives_the_same_rows_in_the_same_order(tmp_path, monkeypatch):
    import windowdesk.db.replay as replay_module

    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    build_demo(store, end=date(2026, 11, 20), months=2, seed=5)
    store.close()
    conn = sqlite3.connect(tmp_path / "demo.sqlite")
    sequential = list(replay_module.replay_all(conn))
    monkeypatch.setattr(replay_module, "PARALLEL_FROM_EVENTS", 0)
    seen = []
    parallel = list(replay_module.replay_all(conn, lambda done, total: seen.append((done, total)),
                                             path=tmp_path / "demo.sqlite", workers=2))
    conn.close()
    assert parallel == sequential and len(sequential) > 100
    assert [r[0] for r in parallel] == sorted(r[0] for r in parallel)
    assert seen[-1][0] == seen[-1][1] == sum(r[FIELD_NAMES.index("event_count")] for r in parallel)


def test_parallel_rebuild_gives_the_same_projection_and_restores_the_connection(tmp_path, monkeypatch):
    import windowdesk.db.replay as replay_module

    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    build_demo(store, end=date(2026, 11, 20), months=2, seed=5)
    monkeypatch.setattr(replay_module, "PARALLEL_FROM_EVENTS", 0)  # worker processes and part files
    seen = []
    before = projection_rows(store.path)
    with UnitOfWork(store) as uow:
        conn = uow.dbapi
        settings = [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("secure_delete", "cache_size", "threads")]
        result = rebuild_projection(uow, lambda done, total: seen.append((done, total)))
        assert [conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("secure_delete", "cache_size", "threads")] \
            == settings, "the pooled connection goes back with the desk's settings"
        assert [r[1] for r in conn.execute("PRAGMA database_list")] == ["main"], "part files are detached"
    after = projection_rows(store.path)
    assert result.cases == len(before) > 100 and seen[-1][0] == seen[-1][1] == result.events
    assert before.keys() == after.keys()
    for case_id, row in before.items():
        differing = [n for n, a, b in zip(FIELD_NAMES, row, after[case_id]) if a != b]
        assert not differing, (case_id, differing)
    with UnitOfWork(store) as uow:
        names = {r[0] for r in uow.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'cases'")}
    assert {"ix_cases_holder", "ix_cases_stats_window", "ix_cases_applicant_phone"} <= names
    store.close()


def test_a_failed_parallel_rebuild_leaves_the_projection_as_it_was(tmp_path, monkeypatch):
    import uuid

    import windowdesk.db.replay as replay_module

    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    build_demo(store, end=date(2026, 11, 20), months=2, seed=5)
    store.close()
    conn = sqlite3.connect(tmp_path / "demo.sqlite")
    with conn:  # a second case_received event, for another case, carrying a number already issued
        row = list(conn.execute(SELECT_EVENT_SQL + " WHERE type = 'case_received' ORDER BY seq LIMIT 1").fetchone())
        row[0], row[1], row[10] = str(uuid.uuid4()), str(uuid.uuid4()), "[]"
        conn.execute("INSERT INTO events (event_id, case_id, type, payload_version, payload, actor, window, node, "
                     "recorded_at, hlc, parents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
    conn.close()
    before = projection_rows(tmp_path / "demo.sqlite")
    monkeypatch.setattr(replay_module, "PARALLEL_FROM_EVENTS", 0)
    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    with UnitOfWork(store) as uow:
        with pytest.raises(DomainError, match="cases.case_number"):
            rebuild_projection(uow)
        assert [r[1] for r in uow.dbapi.execute("PRAGMA database_list")] == ["main"]
    store.close()
    assert projection_rows(tmp_path / "demo.sqlite") == before


def test_prints_in_the_log_rebuild_identically_sequentially_and_in_parallel(tmp_path, monkeypatch):
    import windowdesk.db.replay as replay_module

    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    build_demo(store, end=date(2026, 11, 20), months=1, seed=3)
    clock = FixedClock(datetime(2026, 11, 20, 8, tzinfo=timezone.utc))
    with UnitOfWork(store, clock, write=False) as uow:
        rows = uow.execute("SELECT case_number, status, accepted_on IS NOT NULL, notice_count FROM cases "
                           "WHERE kind = 'case' ORDER BY case_number").all()
    printed = 0
    for number, status, accepted, notices in rows:
        forms = [f for f, ok in (("acceptance", accepted), ("satisfaction", accepted),
                                 ("refusal", status == "refused"), ("one-time-notice", notices)) if ok]
        for form in forms[:2]:
            for _copy in range(1 + printed % 2):  # every other form printed twice: a reprint
                with UnitOfWork(store, clock) as uow:
                    actor = printing.print_actor(uow, number, "huangjun")
                    printing.CASE_FORMS[form](uow, actor, number)
                printed += 1
    assert printed > 50
    with UnitOfWork(store, clock, write=False) as uow:
        kinds = dict(uow.execute("SELECT json_extract(payload, '$.reprint'), count(*) FROM events "
                                 "WHERE type = 'printed' GROUP BY 1").all())
    assert kinds[0] and kinds[1]
    assert_rebuild_identical(store, clock)
    monkeypatch.setattr(replay_module, "PARALLEL_FROM_EVENTS", 0)  # worker processes and part files
    assert_rebuild_identical(store, clock)
    with UnitOfWork(store, clock) as uow:
        report = check_store(uow)
    assert report.ok, report.problems
    store.close()
