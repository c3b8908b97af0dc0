"""Carrying a case: special procedures, extensions, completion, delivery, rating,
withdrawal, referrals — and refusals of what the state does not allow."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import GT, MZ, MZ_B, PERSON, SB, event_count, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.deadlines import DayRole, WarningLevel, warning_level
from windowdesk.core.errors import RuleViolation, StateError, ValidationError
from windowdesk.core.lifecycle import Status
from windowdesk.services import handling, intake, referrals
from windowdesk.services.common import Actor
from windowdesk.services.uow import UnitOfWork

CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")  # committed 25 working days


@pytest.fixture
def accepted(run):
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case
    return run(intake.accept_case, MZ, case.case_id)


def test_same_day_suspension_changes_nothing(run, accepted):
    case = run(handling.suspend_case, MZ, accepted.case_id, procedure="听证", reason="依申请举行听证", expected_days=3)
    case = run(handling.resume_case, MZ, case.case_id)
    assert case.due_date == accepted.due_date == date(2026, 4, 7)
    assert case.warn_date == accepted.warn_date


def test_extension_needs_approver_and_reason_and_moves_the_date(run, store, accepted):
    before = event_count(store)
    for kwargs in ({"days": 10, "approver": "", "reason": "入户核查"},
                   {"days": 10, "approver": "刘建国", "reason": ""},
                   {"days": 0, "approver": "刘建国", "reason": "入户核查"},
                   {"days": "ten", "approver": "刘建国", "reason": "入户核查"}):
        with pytest.raises(ValidationError):
            run(handling.extend_case, MZ, accepted.case_id, **kwargs)
    assert event_count(store) == before
    case = run(handling.extend_case, MZ, accepted.case_id, days=10, approver="分管副镇长 刘建国",
               reason="需入户核查家庭经济状况")
    # 7 April + 10 working days = 21 April.
    assert case.due_date == date(2026, 4, 21) and case.extension_days == 10


def test_extension_while_suspended_applies_on_resume(run, clock, accepted):
    clock.advance(days=1)  # Tue 3 March
    run(handling.suspend_case, MZ, accepted.case_id, procedure="公示", reason="公示7日", expected_days=5)
    case = run(handling.extend_case, MZ, accepted.case_id, days=5, approver="刘建国", reason="需补充调查")
    assert case.status is Status.SUSPENDED and case.due_date is None and case.extension_days == 5
    clock.advance(days=7)  # Tue 10 March: 4–10 March (5 working days) were not counted
    case = run(handling.resume_case, MZ, case.case_id)
    # 25 + 5 = 30 working days, 1 used (3 March); 29 from 10 March: 11 March … 21 April.
    assert case.due_date == date(2026, 4, 21)


def test_why_this_date_explains_counted_skipped_and_suspended(run, store, clock, accepted):
    clock.advance(days=1)
    run(handling.suspend_case, MZ, accepted.case_id, procedure="公示", reason="公示7日", expected_days=5)
    clock.advance(days=7)
    case = run(handling.resume_case, MZ, accepted.case_id)
    with UnitOfWork(store, clock, write=False) as uow:
        reasons = handling.why_this_date(uow, case.case_id)
    assert [e.type for e in reasons.events] == ["accepted", "suspended", "resumed"]
    assert "公示7日" in reasons.events[1].text and "2026-03-03" in reasons.events[1].text
    why = reasons.explanation
    assert case.due_date.isoformat() in why.summary() and "25" in why.summary()
    assert why.due == case.due_date
    assert why.counted == 25 and why.suspended == 7
    holidays = [d for d in why.days if d.role is DayRole.HOLIDAY]
    assert [d.day for d in holidays] == [date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6)]
    assert all(d.note == "清明节" for d in holidays)
    assert why.days[-1].day == case.due_date and why.days[-1].number == 25
    assert why.warning is None
    assert "2026-04-04" in holidays[0].describe()


def test_completion_on_time_and_late(run, clock, accepted):
    clock.advance(days=10)
    done = run(handling.complete_case, MZ, accepted.case_id, result="granted")
    assert done.on_time and done.workdays_taken == 8  # 3–6 and 9–12 March
    late = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case
    late = run(intake.accept_case, MZ, late.case_id)
    clock.current += timedelta(days=60)
    assert warning_level(True, late.due_date, late.warn_date, clock.today()) is WarningLevel.RED
    late = run(handling.complete_case, MZ, late.case_id, result="denied", reason="经入户调查家庭收入超过标准")
    assert late.on_time is False and late.result == "denied"


def test_denial_needs_a_reason(run, accepted):
    with pytest.raises(ValidationError):
        run(handling.complete_case, MZ, accepted.case_id, result="denied")
    with pytest.raises(ValidationError):
        run(handling.complete_case, MZ, accepted.case_id, result="maybe")


def test_delivery_and_one_rating_per_visit(run, accepted):
    run(handling.complete_case, MZ, accepted.case_id, result="granted")
    case = run(handling.deliver_case, MZ, accepted.case_id, method="mail")
    assert case.status is Status.DELIVERED
    case = run(handling.evaluate_case, MZ, accepted.case_id, level=2, comment="等候时间长")
    assert case.status is Status.EVALUATED and case.rating == 2
    with pytest.raises(StateError):
        run(handling.evaluate_case, MZ, accepted.case_id, level=5)


def test_rating_levels_are_checked(run, accepted):
    run(handling.complete_case, MZ, accepted.case_id, result="granted")
    for bad in (0, 6, "good"):
        with pytest.raises(ValidationError):
            run(handling.evaluate_case, MZ, accepted.case_id, level=bad)


def test_refused_case_can_be_rated_once(run):
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case
    run(intake.refuse_case, MZ, case.case_id, reason="户籍不在本镇", basis="《社会救助暂行办法》第十一条")
    rated = run(handling.evaluate_case, MZ, case.case_id, level=3)
    assert rated.status is Status.REFUSED and rated.rating == 3
    with pytest.raises(ValidationError):
        run(handling.evaluate_case, MZ, case.case_id, level=4)


def test_withdrawal(run, accepted):
    with pytest.raises(ValidationError):
        run(handling.withdraw_case, MZ, accepted.case_id, reason=" ")
    case = run(handling.withdraw_case, MZ, accepted.case_id, reason="申请人书面申请撤回")
    assert case.status is Status.WITHDRAWN
    with pytest.raises(StateError):
        run(handling.complete_case, MZ, accepted.case_id, result="granted")


@pytest.mark.parametrize(
    "service, kwargs",
    [
        (handling.resume_case, {}),
        (handling.deliver_case, {}),
        (intake.accept_case, {}),
        (intake.issue_notice, {}),
        (referrals.accept_referral, {}),
    ],
)
def test_actions_the_state_does_not_allow_name_case_state_and_action(run, store, accepted, service, kwargs):
    before = event_count(store)
    with pytest.raises(StateError) as info:
        run(service, MZ, accepted.case_id, **kwargs)
    message = str(info.value)
    assert accepted.case_number in message
    assert Status.IN_PROGRESS.label in message
    assert event_count(store) == before


def test_only_the_holding_window_acts(run, accepted):
    with pytest.raises(RuleViolation):
        run(handling.complete_case, SB, accepted.case_id, result="granted")
    # Another clerk of the same window may (A/B posts), and a supervisor may.
    run(handling.suspend_case, MZ_B, accepted.case_id, procedure="公示", reason="公示", expected_days=5)
    run(handling.resume_case, Actor("huangjun", "MZ"), accepted.case_id)


def test_referral_stays_with_first_clerk_until_taken(run, store, clock):
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case
    with pytest.raises(RuleViolation):
        run(referrals.refer_case, MZ, case.case_id, to_window="MZ", reason="x")
    case = run(referrals.refer_case, MZ, case.case_id, to_window="GT", reason="属宅基地审批事项")
    assert case.status is Status.REFERRED
    assert case.holder_window == "MZ" and case.holder_clerk == "zhangmin"  # still answerable
    with pytest.raises(RuleViolation):
        run(referrals.accept_referral, SB, case.case_id)  # not the target window
    clock.advance(hours=23)
    with UnitOfWork(store, clock) as uow:
        assert referrals.referrals_needing_followup(uow) == []
    clock.advance(hours=2)
    with UnitOfWork(store, clock) as uow:
        overdue = referrals.referrals_needing_followup(uow)
        assert [c.case_id for c in overdue] == [case.case_id]
        assert referrals.referrals_needing_followup(uow, hours=48) == []
    taken = run(referrals.accept_referral, GT, case.case_id)
    assert taken.status is Status.RECEIVED
    assert taken.holder_window == "GT" and taken.holder_clerk == "zhaolei"
    assert taken.first_clerk == "zhangmin"
    with UnitOfWork(store, clock) as uow:
        assert referrals.referrals_needing_followup(uow) == []


def test_declined_referral_returns_to_first_clerk(run):
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case
    run(referrals.refer_case, MZ, case.case_id, to_window="GT", reason="属宅基地审批事项")
    with pytest.raises(ValidationError):
        run(referrals.decline_referral, GT, case.case_id, reason="")
    back = run(referrals.decline_referral, GT, case.case_id, reason="不属于本窗口职责，应由民政窗口办理")
    assert back.status is Status.RECEIVED and back.holder_window == "MZ" and back.referral_to_window is None


def test_configurable_yellow_share(run, store, clock):
    from windowdesk.services.setup import set_rule

    with UnitOfWork(store, clock) as uow:
        set_rule(uow, "yellow_percent", 50)
        with pytest.raises(ValidationError):
            set_rule(uow, "yellow_percent", 0)
        with pytest.raises(ValidationError):
            set_rule(uow, "no_such_rule", 1)
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case
    case = run(intake.accept_case, MZ, case.case_id)
    # ceil(50 % of 25) = 13th working day: 19 March.
    assert case.warn_date == date(2026, 3, 19)


def test_warning_level_in_python_and_sql_agree(run, store, clock, accepted):
    from windowdesk.db.queries import cases_with_warning

    for today, level in ((date(2026, 3, 27), "green"), (date(2026, 3, 30), "yellow"),
                         (date(2026, 4, 7), "yellow"), (date(2026, 4, 8), "red")):
        assert accepted.warning_level(today).value == level
        with UnitOfWork(store, clock, write=False) as uow:
            found = cases_with_warning(uow.dbapi, level, today, window="MZ")
        assert [c.case_id for c in found] == [accepted.case_id]
