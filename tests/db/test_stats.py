"""Statistics: SQL aggregates over the projection, checked against a known history."""

from __future__ import annotations

from datetime import date, timedelta


from conftest import MZ, PERSON, PERSON2, SB, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.stats import Dimension, StatRow, format_rate
from windowdesk.db.stats import statistics, totals
from windowdesk.services import handling, intake
from windowdesk.services.uow import UnitOfWork

CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")
PENSION = CAT.item("SB-GG-0001")


def history(run, clock):
    """March 2026 at a small center: 2 immediate at SB, 4 committed at MZ."""
    for person in (PERSON, PERSON2):
        done = run(intake.complete_on_the_spot, SB, item_code=PENSION.code, applicant=person,
                   materials=full_materials(PENSION)).case
        run(handling.evaluate_case, SB, done.case_id, level=5)
    ids = []
    for _ in range(4):
        case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                   materials=full_materials(DIBAO)).case
        ids.append(case.case_id)
    run(intake.refuse_case, MZ, ids[0], reason="不符合条件", basis="《社会救助暂行办法》第九条")
    for case_id in ids[1:]:
        run(intake.accept_case, MZ, case_id)  # due 7 April
    clock.advance(days=9)  # 11 March
    run(handling.complete_case, MZ, ids[1], result="granted")
    run(handling.evaluate_case, MZ, ids[1], level=2, comment="态度一般")
    clock.current += timedelta(days=40)  # 20 April: late
    run(handling.complete_case, MZ, ids[2], result="denied", reason="收入超过标准")
    run(handling.evaluate_case, MZ, ids[2], level=4)
    return ids  # ids[3] is still in progress, and overdue on 20 April


def test_figures_by_window(run, store, clock):
    history(run, clock)
    with UnitOfWork(store, clock, write=False) as uow:
        rows = {r.key: r for r in statistics(uow.dbapi, date(2026, 3, 1), date(2026, 4, 30), clock.today())}
    sb, mz = rows["SB"], rows["MZ"]
    assert (sb.received, sb.immediate, sb.committed, sb.completed, sb.completed_on_time) == (2, 2, 0, 2, 2)
    assert (sb.rated_5, sb.satisfaction_rate, sb.bad_ratings) == (2, 1.0, 0)
    assert (mz.received, mz.accepted, mz.refused, mz.committed, mz.immediate) == (4, 3, 1, 4, 0)
    assert (mz.completed, mz.completed_on_time, mz.on_time_rate) == (2, 1, 0.5)
    assert (mz.overdue_now, mz.in_progress) == (1, 1)
    assert mz.ratings == 2 and mz.bad_ratings == 1 and mz.satisfaction_rate == 0.5
    assert mz.workdays_taken == 7 + 34  # 3–11 March: 7; 3 March–20 April: 21 + 3 + 4 + 5 + 1 (清明 skipped)
    total = totals(list(rows.values()))
    assert total.received == 6 and format_rate(total.on_time_rate) == "75.0%"


def test_periods_count_each_measure_by_its_own_date(run, store, clock):
    history(run, clock)
    with UnitOfWork(store, clock, write=False) as uow:
        april = {r.key: r for r in statistics(uow.dbapi, date(2026, 4, 1), date(2026, 4, 30), clock.today())}
        by_month = statistics(uow.dbapi, date(2026, 1, 1), date(2026, 12, 31), clock.today(), Dimension.MONTH)
        by_clerk = {r.key: r for r in statistics(uow.dbapi, date(2026, 3, 1), date(2026, 3, 31), clock.today(),
                                                 Dimension.CLERK)}
    assert april["MZ"].received == 0 and april["MZ"].completed == 1 and april["MZ"].completed_on_time == 0
    assert [r.key for r in by_month] == ["2026-03"]
    assert by_clerk["zhangmin"].received == 4 and by_clerk["wangfang"].received == 2


def test_statistics_are_one_sql_aggregate(run, store, clock):
    history(run, clock)
    statements = []
    with UnitOfWork(store, clock, write=False) as uow:
        uow.dbapi.set_trace_callback(statements.append)
        try:
            statistics(uow.dbapi, date(2026, 3, 1), date(2026, 4, 30), clock.today(), Dimension.ITEM)
        finally:
            uow.dbapi.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "GROUP BY" in selects[0]


def test_rates_without_data_are_undefined():
    empty = StatRow("x")
    assert empty.on_time_rate is None and empty.satisfaction_rate is None and format_rate(None) == "—"


def brute_force(states, start, end, today, key):
    """The definitions of windowdesk.core.stats, applied case by case."""
    def within(d):
        return d is not None and start <= d <= end

    out: dict[str, dict[str, int]] = {}
    for s in states:
        if s.kind != "case":
            continue
        open_now = s.status.value in ("in_progress", "suspended")
        m = {
            "received": within(s.received_on), "accepted": within(s.accepted_on),
            "refused": within(s.refused_on), "immediate": within(s.received_on) and s.immediate,
            "committed": within(s.received_on) and not s.immediate, "completed": within(s.completed_on),
            "completed_on_time": within(s.completed_on) and bool(s.on_time),
            "overdue_now": s.status.value == "in_progress" and s.due_date is not None and s.due_date < today,
            "in_progress": open_now,
            "workdays_taken": (s.workdays_taken or 0) if within(s.completed_on) else 0,
            **{f"rated_{n}": within(s.rated_on) and s.rating == n for n in range(1, 6)},
        }
        if any(m.values()):
            row = out.setdefault(key(s), dict.fromkeys(m, 0))
            for name, value in m.items():
                row[name] += int(value)
    return {k: StatRow(k, **v) for k, v in sorted(out.items())}


def test_sql_matches_the_definitions_on_months_of_history(tmp_path):
    from datetime import datetime, timezone

    from windowdesk.db.codec import SELECT_CASE_SQL, row_to_state
    from windowdesk.db.store import open_store
    from windowdesk.demo import build_demo
    from windowdesk.services.uow import FixedClock

    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    build_demo(store, end=date(2026, 11, 20), months=4, seed=3)
    clock = FixedClock(datetime(2026, 11, 20, 8, tzinfo=timezone.utc))
    today = clock.today()
    keys = {Dimension.WINDOW: lambda s: s.holder_window, Dimension.ITEM: lambda s: s.item_code,
            Dimension.CLERK: lambda s: s.holder_clerk, Dimension.MONTH: lambda s: s.received_on.strftime("%Y-%m")}
    with UnitOfWork(store, clock, write=False) as uow:
        states = [row_to_state(r) for r in uow.execute(SELECT_CASE_SQL).all()]
        for start, end in ((date(2026, 9, 1), date(2026, 9, 30)), (date(2026, 8, 15), date(2026, 10, 14)),
                           (date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 11, 1), date(2026, 11, 10))):
            for dimension, key in keys.items():
                got = {r.key: r for r in statistics(uow.dbapi, start, end, today, dimension)}
                assert got == brute_force(states, start, end, today, key), (start, end, dimension)
    store.close()


def test_groups_are_shown_by_name(run, store, clock):
    from windowdesk.db.stats import group_names

    history(run, clock)
    with UnitOfWork(store, clock, write=False) as uow:
        assert group_names(uow.dbapi, Dimension.WINDOW)["MZ"] == "民政窗口"
        assert group_names(uow.dbapi, Dimension.CLERK)["zhangmin"] == "张敏"
        assert group_names(uow.dbapi, Dimension.ITEM)["MZ-GF-0001"] == "最低生活保障申请"
        assert group_names(uow.dbapi, Dimension.MONTH) == {}
