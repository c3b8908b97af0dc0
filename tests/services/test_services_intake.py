"""Intake and decisions through the services, on a real SQLite file."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from conftest import GT, MZ, MZ_B, PERSON, PERSON2, SB, event_count, full_materials
from windowdesk.core.calendar import CalendarGapError
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import NotFoundError, RuleViolation, StateError, ValidationError
from windowdesk.core.identity import IdNumberError
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.services import handling, intake
from windowdesk.services.applicants import ApplicantInput, find_applicant
from windowdesk.services.common import load_case
from windowdesk.services.uow import UnitOfWork

CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")  # 最低生活保障: committed 25 working days
PENSION = CAT.item("SB-GG-0001")  # 城乡居民养老保险参保登记: immediate


def receive(run, materials=None, actor=MZ, item=DIBAO, applicant=PERSON, **kw):
    materials = full_materials(item) if materials is None else materials
    return run(intake.receive_case, actor, item_code=item.code, applicant=applicant, materials=materials, **kw).case


def test_receive_gives_a_number_and_records_first_inquiry_clerk(run):
    case = receive(run)
    assert case.case_number == "LJ03-20260302-0001"
    assert case.status is Status.RECEIVED
    assert case.first_clerk == case.holder_clerk == "zhangmin"
    assert case.first_window == case.holder_window == "MZ"
    assert case.item_version == CAT.version
    assert case.limit_days == 25 and case.statutory_days == 30
    assert case.notice_deadline == date(2026, 3, 9)  # 5 working days after Monday 2 March
    assert case.missing_materials == ()
    second = receive(run, applicant=PERSON2)
    assert second.case_number == "LJ03-20260302-0002"


def test_accept_sets_due_date_across_qingming(run):
    case = receive(run)
    case = run(intake.accept_case, MZ, case.case_id)
    assert case.status is Status.IN_PROGRESS
    assert case.accepted_on == date(2026, 3, 2)
    # 25 working days: 3–31 March give 21, 1–3 April 24, 4–6 April is 清明, 7 April is the 25th.
    assert case.due_date == date(2026, 4, 7)
    # 80 % of 25 = 20th working day (30 March), earlier than the working day before due (3 April).
    assert case.warn_date == date(2026, 3, 30)
    assert not case.due_assumed


def test_accept_refused_while_required_materials_are_missing(run, store):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    assert case.missing_materials == ("M02", "M03", "M04", "M05", "M07")
    before = event_count(store)
    with pytest.raises(RuleViolation, match=case.case_number):
        run(intake.accept_case, MZ, case.case_id)
    assert event_count(store) == before


def test_one_time_notice_lists_everything_and_a_second_may_not_ask_more(run, store):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0), ReceivedMaterial("M02", True, 0)])
    # M02 needs original + 1 copy: the original alone does not satisfy it.
    assert "M02" in case.missing_materials
    case = run(intake.issue_notice, MZ, case.case_id, additions=["请提供村委会出具的家庭情况说明"])
    assert case.status is Status.AWAITING_SUPPLEMENT
    assert case.notice_materials == ("M02", "M03", "M04", "M05", "M07")
    assert case.notice_additions == ("请提供村委会出具的家庭情况说明",)
    # Repeating what is still outstanding is fine.
    case = run(intake.issue_notice, MZ, case.case_id)
    assert case.notice_count == 2 and case.notice_overrides == 0
    # Asking for something new is the abuse the rule stops.
    before = event_count(store)
    with pytest.raises(RuleViolation) as info:
        run(intake.issue_notice, MZ, case.case_id, defective=["M01"])
    assert case.case_number in str(info.value)
    assert DIBAO.material("M01").name in str(info.value)
    assert event_count(store) == before
    # A clerk cannot override; a supervisor can, and it is counted.
    with pytest.raises(RuleViolation):
        run(intake.issue_notice, MZ, case.case_id, defective=["M01"], override_by="lihua",
            override_reason="申请书填写有误")
    case = run(intake.issue_notice, MZ, case.case_id, defective=["M01"], override_by="huangjun",
               override_reason="申请书签字页缺失，需重新填写")
    assert case.notice_overrides == 1
    assert "M01" in case.notice_materials


def test_supplements_then_acceptance_dates_from_the_last_one(run, clock):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    case = run(intake.issue_notice, MZ, case.case_id, additions=["村委会意见"])
    clock.advance(days=1)  # Tuesday 3 March: part of it
    case = run(intake.record_supplement, MZ, case.case_id,
               materials=[ReceivedMaterial("M02", True, 1), ReceivedMaterial("M03", True, 1)])
    assert case.status is Status.AWAITING_SUPPLEMENT
    assert case.missing_materials == ("M04", "M05", "M07")
    clock.advance(days=2)  # Thursday 5 March: the rest
    rest = [ReceivedMaterial("M04", True, 0), ReceivedMaterial("M05", True, 0), ReceivedMaterial("M07", False, 1)]
    case = run(intake.record_supplement, MZ, case.case_id, materials=rest, additions_resolved=["村委会意见"])
    assert case.status is Status.RECEIVED
    assert case.supplements_completed_on == date(2026, 3, 5)
    clock.advance(days=1)  # accepted on Friday 6 March, dated Thursday
    case = run(intake.accept_case, MZ, case.case_id)
    assert case.accepted_on == date(2026, 3, 5)


def test_no_notice_within_five_working_days_means_deemed_accepted_from_receipt(run, store, clock):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    clock.advance(days=7)  # Monday 9 March is the 5th working day: still in time
    with UnitOfWork(store, clock) as uow:
        assert intake.sweep_deemed_acceptance(uow) == []
    clock.advance(days=1)  # Tuesday 10 March: too late
    with pytest.raises(StateError) as info:
        run(intake.issue_notice, MZ, case.case_id)
    assert case.case_number in str(info.value)
    case = _reload(run, case.case_id)
    assert case.status is Status.IN_PROGRESS
    assert case.deemed_accepted and case.accepted_on == date(2026, 3, 2)
    assert case.due_date == date(2026, 4, 7)


def _reload(run, case_id):
    return run(lambda uow: load_case(uow, case_id))


def test_sweep_applies_deemed_acceptance(run, store, clock):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    clock.advance(days=8)
    with UnitOfWork(store, clock) as uow:
        changed = intake.sweep_deemed_acceptance(uow)
    assert [c.case_id for c in changed] == [case.case_id]
    assert changed[0].deemed_accepted


def test_refusal_needs_reason_and_basis(run, store):
    case = receive(run)
    before = event_count(store)
    with pytest.raises(ValidationError):
        run(intake.refuse_case, MZ, case.case_id, reason="", basis="《社会救助暂行办法》第九条")
    with pytest.raises(ValidationError):
        run(intake.refuse_case, MZ, case.case_id, reason="户籍不在本镇", basis="  ")
    assert event_count(store) == before
    case = run(intake.refuse_case, MZ, case.case_id, reason="户籍不在本镇", basis="《社会救助暂行办法》第十一条",
               redirect="向户籍所在地乡镇人民政府申请")
    assert case.status is Status.REFUSED and case.refusal_redirect.startswith("向户籍")


def test_immediate_item_is_completed_on_the_spot(run):
    result = run(intake.complete_on_the_spot, SB, item_code=PENSION.code, applicant=PERSON,
                 materials=full_materials(PENSION))
    case = result.case
    assert case.status is Status.COMPLETED and case.result == "granted"
    assert case.received_on == case.accepted_on == case.completed_on == case.due_date == date(2026, 3, 2)
    assert case.on_time and case.workdays_taken == 0 and case.event_count == 3


def test_committed_item_cannot_be_completed_on_the_spot(run, store):
    with pytest.raises(RuleViolation):
        run(intake.complete_on_the_spot, MZ, item_code=DIBAO.code, applicant=PERSON,
            materials=full_materials(DIBAO))
    assert event_count(store) == 0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"item_code": "NO-SUCH"}, NotFoundError),
        ({"materials": [ReceivedMaterial("M99", True, 1)]}, NotFoundError),
        ({"applicant": ApplicantInput("李秀兰", "110105194912310021")}, IdNumberError),
        ({"applicant": ApplicantInput("", "11010519491231002X")}, ValidationError),
        ({"applicant": ApplicantInput("李秀兰", "")}, ValidationError),
        ({"applicant": ApplicantInput("李秀兰", "11010519491231002X", phone="12345")}, ValidationError),
        ({"channel": "fax"}, ValidationError),
    ],
)
def test_bad_intake_is_refused_and_writes_nothing(run, store, kwargs, error):
    args = {"item_code": DIBAO.code, "applicant": PERSON, "materials": full_materials(DIBAO), **kwargs}
    with pytest.raises(error) as info:
        run(intake.receive_case, MZ, **args)
    assert str(info.value)  # a message a person can read
    assert event_count(store) == 0
    with UnitOfWork(store, write=False) as uow:
        assert uow.execute("SELECT count(*) FROM number_sequences").scalar_one() == 0


def test_proxy_channel_only_for_items_that_allow_it(run):
    item = CAT.item("SB-GG-0003")
    assert not item.proxy_allowed
    with pytest.raises(RuleViolation):
        receive(run, item=item, actor=SB, channel="proxy")
    case = receive(run, channel="proxy", actor=MZ)
    assert case.channel == "proxy"


def test_clerk_must_serve_the_window(run):
    from windowdesk.services.common import Actor

    with pytest.raises(RuleViolation):
        receive(run, actor=Actor("wangfang", "MZ"))
    with pytest.raises(NotFoundError):
        receive(run, actor=Actor("nobody", "MZ"))


def test_returning_applicant_is_remembered(run, store):
    receive(run)
    with UnitOfWork(store, write=False) as uow:
        found = find_applicant(uow, "11010519491231002x")
    assert found is not None and found.name == "李秀兰" and found.phone == "13800138000"


def test_legacy_id_number_is_accepted_and_flagged(run):
    result = run(intake.receive_case, MZ, item_code=DIBAO.code,
                 applicant=ApplicantInput("王建国", "430111880315001"), materials=full_materials(DIBAO))
    assert result.warnings and "430111198803150012" in result.warnings[0]


def test_inquiry_keeps_its_first_clerk_when_it_becomes_a_case(run, clock):
    logged = run(intake.log_inquiry, MZ_B, question="低保怎么申请？", applicant=ApplicantInput("赵大妈"),
                 item_code=DIBAO.code).case
    assert logged.status is Status.INQUIRY and logged.inquiry_number == "LJ03-20260302-Z0001"
    case = receive(run, actor=MZ, inquiry_id=logged.case_id)
    assert case.case_id == logged.case_id
    assert case.first_clerk == "lihua" and case.holder_clerk == "zhangmin"
    assert case.case_number == "LJ03-20260302-0001" and case.inquiry_number == "LJ03-20260302-Z0001"


def test_answered_inquiry_is_closed(run):
    logged = run(intake.log_inquiry, MZ, question="高龄津贴几岁可以领？", applicant=ApplicantInput("")).case
    answered = run(intake.answer_inquiry, MZ, logged.case_id, "年满80周岁")
    assert answered.status is Status.ANSWERED and answered.answer == "年满80周岁"
    with pytest.raises(StateError):
        run(intake.answer_inquiry, MZ, logged.case_id, "again")


def test_deadline_in_a_year_without_calendar_is_refused_cleanly(run, store, clock):
    clock.current = datetime(2026, 12, 28, 1, 30, tzinfo=timezone.utc)
    with pytest.raises(CalendarGapError) as info:
        receive(run)  # its notice deadline already falls in 2027
    assert "2027" in str(info.value)
    assert event_count(store) == 0


def test_gt_licensing_case_with_public_notice_suspension(run, clock):
    item = CAT.item("GT-XK-0001")  # 20 working days, 公示 not counted
    case = receive(run, item=item, actor=GT)
    case = run(intake.accept_case, GT, case.case_id)
    assert case.due_date == date(2026, 3, 30)
    clock.advance(days=3)  # Thursday 5 March: 公示 begins
    case = run(handling.suspend_case, GT, case.case_id, procedure="批前公示", reason="公示7日", expected_days=5)
    assert case.status is Status.SUSPENDED and case.due_date is None
    clock.advance(days=7)  # Thursday 12 March: 公示 ends; 6–12 March (5 working days) not counted
    case = run(handling.resume_case, GT, case.case_id)
    assert case.due_date == date(2026, 4, 7)  # 30 March + 5 working days, over 清明
