"""The data of the printed forms, and the print recorded in the case's log, through the
services on a real SQLite file."""

from __future__ import annotations

import sqlite3
import time
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from conftest import GT, MZ, MZ_B, PERSON, PERSON2, SB, event_count, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import NotFoundError, RuleViolation, StateError, ValidationError
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.core.projection import CaseState
from windowdesk.db.codec import INSERT_CASE_SQL, state_to_row
from windowdesk.demo import CENTER
from windowdesk.i18n import _
from windowdesk.printing.sheets import FormKind
from windowdesk.services import center, handling, history, intake, printing, referrals, setup
from windowdesk.services.common import Actor, load_case
from windowdesk.services.printing_book import registration_book, service_guide
from windowdesk.services.uow import UnitOfWork

CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")  # 最低生活保障: committed 25 working days
PENSION = CAT.item("SB-GG-0001")  # 城乡居民养老保险参保登记: immediate
SUPERVISOR = Actor("huangjun", "MZ")
ADMIN = "admin"


@pytest.fixture
def desk(store, run):
    """The conftest desk with an administrator who has filled in the center settings."""
    run(setup.add_clerk, code=ADMIN, name="系统管理员", role="admin", windows=[])
    run(center.set_center_info, ADMIN, CENTER)
    return store


def receive(run, materials=None, actor=MZ, item=DIBAO, applicant=PERSON, **kw) -> CaseState:
    materials = full_materials(item) if materials is None else materials
    return run(intake.receive_case, actor, item_code=item.code, applicant=applicant, materials=materials, **kw).case


def accepted(run, **kw) -> CaseState:
    case = receive(run, **kw)
    return run(intake.accept_case, kw.get("actor", MZ), case.case_id)


def prints(store, case_id: str) -> list[dict]:
    import json

    with UnitOfWork(store, write=False) as uow:
        rows = uow.execute("SELECT payload, actor, window FROM events WHERE case_id = ? AND type = 'printed' "
                           "ORDER BY hlc", (case_id,)).all()
    return [{**json.loads(p), "actor": a, "window": w} for p, a, w in rows]


def status(store, case_id: str) -> Status:
    with UnitOfWork(store, write=False) as uow:
        return load_case(uow, case_id).status


# --- center settings -------------------------------------------------------------------

def test_a_desk_never_configured_has_empty_names_and_the_statutory_periods(store, run):
    info = run(center.center_info)
    assert info.office_name == info.seal_name == info.reconsideration_body == info.court == ""
    assert info.reconsideration_days == 60 and info.litigation_months == 6


def test_printing_a_notice_without_center_settings_names_what_is_missing(store, run):
    case = accepted(run)
    case = run(intake.refuse_case, MZ, receive(run, applicant=PERSON2).case_id, reason="不符合条件", basis="依据")
    before = event_count(store)
    with pytest.raises(RuleViolation) as info:
        run(printing.refusal_notice, MZ, case.case_number)
    message = str(info.value)
    for name in ("office_name", "seal_name", "reconsideration_body", "court"):
        assert center.label(name) in message
    assert printing.form_title(FormKind.REFUSAL) in message
    assert center.label("phone") not in message, "only what the form needs"
    assert event_count(store) == before, "nothing recorded"
    with pytest.raises(RuleViolation, match=center.label("seal_name")):
        run(printing.acceptance_notice, MZ, accepted(run, applicant=PERSON2).case_number)


def test_only_an_administrator_changes_the_center_settings(desk, run):
    for who in ("zhangmin", "huangjun", MZ):
        with pytest.raises(RuleViolation):
            run(center.set_center_info, who, {"office_name": "别的中心"})
    info = run(center.set_center_info, ADMIN, {"office_name": "  石门镇便民服务中心 ", "reconsideration_days": "90"})
    assert info.office_name == "石门镇便民服务中心" and info.reconsideration_days == 90
    assert info.seal_name == CENTER["seal_name"], "the other fields keep their values"
    assert run(center.center_info) == info


@pytest.mark.parametrize("values, field", [
    ({"office_name": "  "}, "office_name"),
    ({"seal_name": ""}, "seal_name"),
    ({"reconsideration_days": 0}, "reconsideration_days"),
    ({"reconsideration_days": 366}, "reconsideration_days"),
    ({"reconsideration_days": "sixty"}, "reconsideration_days"),
    ({"litigation_months": 25}, "litigation_months"),
    ({"litigation_months": 0}, "litigation_months"),
    ({"phone": "7212300"}, "phone"),
    ({"supervision_phone": "0736-7212345、999"}, "supervision_phone"),
    ({"court": "法" * 201}, "court"),
])
def test_every_center_setting_is_checked(desk, run, values, field):
    before = run(center.center_info)
    with pytest.raises(ValidationError, match=center.label(field)):
        run(center.set_center_info, ADMIN, values)
    assert run(center.center_info) == before


def test_center_settings_accept_hotlines_and_several_numbers_and_refuse_unknown_fields(desk, run):
    info = run(center.set_center_info, ADMIN, {"supervision_phone": "12345 / 0736 7212345", "phone": "13800138000"})
    assert info.supervision_phone == "12345、0736-7212345" and info.phone == "13800138000"
    with pytest.raises(ValidationError, match="fax"):
        run(center.set_center_info, ADMIN, {"fax": "0736-7212399"})
    with pytest.raises(ValidationError):
        run(center.set_center_info, ADMIN, {})


# --- the acceptance notice and reprints --------------------------------------------------

def test_acceptance_notice_of_an_accepted_case(desk, run, store, clock):
    case = accepted(run)
    sheet = run(printing.acceptance_notice, MZ, case.case_number)
    assert sheet.center.office_name == CENTER["office_name"] and sheet.center.seal_name == CENTER["seal_name"]
    assert sheet.case.case_number == case.case_number and sheet.case.item_name == DIBAO.name
    assert sheet.case.applicant.name == PERSON.name and sheet.case.applicant.id_number == PERSON.id_number
    assert sheet.case.window_name == "民政窗口" and sheet.case.clerk_name == "张敏"
    assert sheet.case.received_on == date(2026, 3, 2)
    assert sheet.accepted_on == date(2026, 3, 2) and not sheet.deemed
    assert sheet.limit_days == 25 and sheet.statutory_days == 30 and sheet.due_date == date(2026, 4, 7)
    assert sheet.contact_phone == DIBAO.phone and sheet.issued_on == date(2026, 3, 2)
    required = [m for m in DIBAO.materials if m.required]
    assert [m.name for m in sheet.materials] == [m.name for m in required], "as received, in checklist order"
    assert all(m.original == r.original for m, r in zip(sheet.materials, required))
    assert not sheet.mark.reprint and sheet.mark.printed_at is None
    assert status(store, case.case_id) is Status.IN_PROGRESS, "a print changes no status"


def test_a_second_print_is_a_reprint_with_its_time_and_both_are_in_the_history(desk, run, store, clock):
    case = accepted(run)
    first = run(printing.acceptance_notice, MZ, case.case_number)
    clock.advance(days=1, hours=2)
    second = run(printing.acceptance_notice, MZ_B, case.case_number)
    assert not first.mark.reprint
    assert second.mark.reprint and second.mark.printed_at == clock.current.astimezone()
    assert first.issued_on == second.issued_on == date(2026, 3, 2), "a reprint keeps the day it was issued"
    assert [(p["form"], p["reprint"], p["actor"]) for p in prints(store, case.case_id)] == [
        ("acceptance", False, "zhangmin"), ("acceptance", True, "lihua")]
    title = printing.form_title(FormKind.ACCEPTANCE)
    lines = run(history.case_history, case.case_id)
    assert [line.title for line in lines[-2:]] == [
        _("Printed “{form}”").format(form=title), _("Reprinted “{form}”").format(form=title)]
    assert [line.actor for line in lines[-2:]] == ["张敏", "李华"]
    assert lines[-1].recorded_at == clock.current
    # another form of the same case is a first print of its own
    assert not run(printing.satisfaction_slip, MZ, case.case_number).mark.reprint


def test_the_acceptance_notice_keeps_the_date_committed_at_acceptance(desk, run):
    case = accepted(run)
    run(handling.extend_case, MZ, case.case_id, days=10, approver="刘建国", reason="入户核查")
    sheet = run(printing.acceptance_notice, MZ, case.case_number)
    assert sheet.due_date == date(2026, 4, 7), "an extension is notified on its own"


def test_deemed_acceptance_is_applied_and_printed(desk, run, clock):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    clock.advance(days=8)  # Tuesday 10 March: no notice within five working days
    sheet = run(printing.acceptance_notice, MZ, case.case_number)
    assert sheet.deemed and sheet.accepted_on == date(2026, 3, 2)
    assert [m.name for m in sheet.materials] == [DIBAO.material("M01").name]


def test_no_acceptance_notice_before_acceptance(desk, run, store):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    run(intake.issue_notice, MZ, case.case_id)
    before = event_count(store)
    with pytest.raises(StateError, match=case.case_number) as info:
        run(printing.acceptance_notice, MZ, case.case_number)
    assert Status.AWAITING_SUPPLEMENT.label in str(info.value)
    assert event_count(store) == before


# --- the one-time notice -------------------------------------------------------------------

def test_one_time_notice_lists_what_the_latest_notice_asked(desk, run, store, clock):
    case = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    with pytest.raises(StateError, match=case.case_number):
        run(printing.one_time_notice, MZ, case.case_number)
    run(intake.issue_notice, MZ, case.case_id, additions=["请提供村委会出具的家庭情况说明"])
    sheet = run(printing.one_time_notice, MZ, case.case_number)
    asked = [DIBAO.material(c) for c in ("M02", "M03", "M04", "M05", "M07")]
    assert [m.name for m in sheet.missing] == [m.name for m in asked]
    assert [(m.original, m.copies) for m in sheet.missing] == [
        (m.original, m.copies if m.copy else 0) for m in asked]
    assert sheet.additions == ("请提供村委会出具的家庭情况说明",)
    assert sheet.conditions == DIBAO.conditions and sheet.notice_number == 1
    assert sheet.issued_on == date(2026, 3, 2) and DIBAO.location in sheet.where
    assert CENTER["address"] in sheet.where and not sheet.mark.reprint
    # the center gives 15 working days to bring them (2 March + 15 working days; 清明 4–6 April is later)
    assert sheet.bring_by == date(2026, 3, 23)
    run(center.set_center_info, ADMIN, {"supplement_days": 0})
    assert run(printing.one_time_notice, MZ, case.case_number, record=False).bring_by is None, "no period set"
    run(center.set_center_info, ADMIN, {"supplement_days": 15})
    # part supplied; the repeated notice asks only what is outstanding
    clock.advance(days=1)
    run(intake.record_supplement, MZ, case.case_id,
        materials=[ReceivedMaterial("M02", True, 1), ReceivedMaterial("M03", True, 1)])
    run(intake.issue_notice, MZ, case.case_id)
    second = run(printing.one_time_notice, MZ, case.case_number)
    assert second.notice_number == 2 and second.issued_on == date(2026, 3, 3)
    assert [m.name for m in second.missing] == [DIBAO.material(c).name for c in ("M04", "M05", "M07")]
    assert not second.mark.reprint, "the first print of the second notice"
    assert run(printing.one_time_notice, MZ, case.case_number).mark.reprint
    assert [(p["notice"], p["reprint"]) for p in prints(store, case.case_id)] == [(1, False), (2, False), (2, True)]
    lines = run(history.case_history, case.case_id)
    assert _("notice no. {number}").format(number=2) in lines[-1].detail


# --- refusal, satisfaction, guide ------------------------------------------------------------

def test_refusal_notice_of_a_refused_case_and_not_of_an_accepted_one(desk, run, store):
    case = receive(run)
    case = run(intake.refuse_case, MZ, case.case_id, reason="申请人户籍不在本镇", basis="《社会救助暂行办法》第十一条",
               redirect="请向户籍所在地乡镇人民政府申请")
    sheet = run(printing.refusal_notice, MZ, case.case_number)
    assert sheet.refused_on == date(2026, 3, 2) and sheet.reasons == "申请人户籍不在本镇"
    assert sheet.basis == "《社会救助暂行办法》第十一条" and sheet.redirect == "请向户籍所在地乡镇人民政府申请"
    assert sheet.center.reconsideration_body == "示范县人民政府" and sheet.center.reconsideration_days == 60
    assert sheet.center.court == "示范县人民法院" and sheet.center.litigation_months == 6
    other = accepted(run, applicant=PERSON2)
    before = event_count(store)
    with pytest.raises(StateError, match=other.case_number):
        run(printing.refusal_notice, MZ, other.case_number)
    assert event_count(store) == before
    assert status(store, case.case_id) is Status.REFUSED


def test_satisfaction_slip_for_accepted_refused_or_completed_cases(desk, run, store):
    case = accepted(run)
    assert run(printing.satisfaction_slip, MZ, case.case_number).result == printing.result_text(Status.IN_PROGRESS, None)
    done = run(intake.complete_on_the_spot, SB, item_code=PENSION.code, applicant=PERSON2,
               materials=full_materials(PENSION)).case
    slip = run(printing.satisfaction_slip, SB, done.case_number)
    assert slip.result == printing.result_text(Status.COMPLETED, "granted") and slip.completed_on == date(2026, 3, 2)
    assert slip.case.item_kind == PENSION.kind.label and len(slip.levels) == 5
    pending = receive(run, applicant=PERSON2)
    with pytest.raises(StateError, match=pending.case_number):
        run(printing.satisfaction_slip, MZ, pending.case_number)
    refused = run(intake.refuse_case, MZ, pending.case_id, reason="不符合条件", basis="《社会救助暂行办法》第九条")
    slip = run(printing.satisfaction_slip, MZ, refused.case_number)  # 一次一评: a refused visit is rated too
    assert slip.result == printing.result_text(Status.REFUSED, None) and slip.completed_on is None
    assert printing.forms_for(run(printing.case_by_number, refused.case_number)) == (
        FormKind.REFUSAL, FormKind.SATISFACTION)


def test_service_guide_of_an_item_records_nothing(desk, run, store):
    before = event_count(store)
    item = CAT.item("GT-XK-0001")
    guide = run(service_guide, item.code)
    assert event_count(store) == before
    assert guide.item_name == item.name and guide.window_name == "国土与村镇建设窗口"
    assert guide.committed_days == 20 and guide.catalogue_version == CAT.version
    assert [m.name for m in guide.materials] == [m.name for m in item.materials]
    assert [m.required for m in guide.materials] == [m.required for m in item.materials]
    assert len(guide.special_procedures) == len(item.special_procedures)
    assert item.special_procedures[0].name in guide.special_procedures[0]
    assert guide.hours == CENTER["hours"] and guide.center.office_name == CENTER["office_name"]
    with pytest.raises(NotFoundError, match="XX-0000"):
        run(service_guide, "XX-0000")


# --- who may print, and what a print may not do --------------------------------------------

def test_unknown_and_malformed_case_numbers_and_inquiry_numbers(desk, run):
    with pytest.raises(NotFoundError, match="LJ03-20260302-0099"):
        run(printing.acceptance_notice, MZ, "LJ03-20260302-0099")
    with pytest.raises(NotFoundError, match="nonsense"):
        run(printing.acceptance_notice, MZ, "nonsense")
    with pytest.raises(ValidationError):
        run(printing.acceptance_notice, MZ, "  ")
    logged = run(intake.log_inquiry, MZ, question="低保要什么材料", applicant=PERSON).case
    with pytest.raises(ValidationError, match=logged.inquiry_number):
        run(printing.acceptance_notice, MZ, logged.inquiry_number)


def test_only_the_case_windows_and_supervisors_print_even_a_closed_case(desk, run, store):
    case = accepted(run)
    with pytest.raises(RuleViolation, match=case.case_number):
        run(printing.acceptance_notice, SB, case.case_number)
    case = run(handling.complete_case, MZ, case.case_id, result="granted")
    case = run(handling.deliver_case, MZ, case.case_id)
    assert run(printing.acceptance_notice, MZ_B, case.case_number).case.case_number == case.case_number
    assert run(printing.satisfaction_slip, SUPERVISOR, case.case_number).result == printing.result_text(
        Status.COMPLETED, "granted")
    assert status(store, case.case_id) is Status.DELIVERED
    # a referred case: the receiving window prints once it holds the case, the first window still may
    other = receive(run, actor=GT, applicant=PERSON2)
    run(referrals.refer_case, GT, other.case_id, to_window="MZ", reason="事项属民政窗口")
    run(referrals.accept_referral, MZ, other.case_id)
    run(intake.accept_case, MZ, other.case_id)
    assert run(printing.acceptance_notice, MZ, other.case_number).case.window_name == "民政窗口"
    assert run(printing.acceptance_notice, GT, other.case_number).mark.reprint


def test_print_actor_defaults_to_the_holding_clerk_at_the_case_window(desk, run):
    case = accepted(run)
    assert run(printing.print_actor, case.case_number) == MZ
    assert run(printing.print_actor, case.case_number, "lihua") == Actor("lihua", "MZ")
    assert run(printing.print_actor, case.case_number, "huangjun") == Actor("huangjun", "MZ")
    outsider = run(printing.print_actor, case.case_number, "wangfang")
    with pytest.raises(RuleViolation):
        run(printing.acceptance_notice, outsider, case.case_number)


def test_a_village_agent_prints_only_the_cases_they_collected(desk, run):
    agent = Actor("daiban01", "MZ")
    mine = run(intake.receive_case, agent, item_code=DIBAO.code, applicant=PERSON,
               materials=[ReceivedMaterial("M01", True, 0)], channel="proxy").case
    theirs = receive(run, materials=[ReceivedMaterial("M01", True, 0)], applicant=PERSON2)
    run(intake.issue_notice, MZ, theirs.case_id)
    with pytest.raises(RuleViolation, match=theirs.case_number):
        run(printing.one_time_notice, agent, theirs.case_number)
    with pytest.raises(StateError):  # allowed to print, but there is no notice yet
        run(printing.one_time_notice, agent, mine.case_number)


def test_copies_are_recorded_and_checked(desk, run, store):
    case = accepted(run)
    run(printing.acceptance_notice, MZ, case.case_number, copies=2)
    assert prints(store, case.case_id)[0]["copies"] == 2
    assert _("{copies} copies").format(copies=2) in run(history.case_history, case.case_id)[-1].detail
    with pytest.raises(ValidationError):
        run(printing.acceptance_notice, MZ, case.case_number, copies=0)


def test_commit_false_leaves_the_print_to_the_caller(desk, store, clock, run):
    case = accepted(run)
    with UnitOfWork(store, clock) as uow:
        printing.acceptance_notice(uow, MZ, case.case_number, commit=False)
    assert prints(store, case.case_id) == [], "not committed: rolled back"
    with UnitOfWork(store, clock) as uow:
        printing.acceptance_notice(uow, MZ, case.case_number, commit=False)
        uow.commit()
    assert len(prints(store, case.case_id)) == 1


# --- the registration book ------------------------------------------------------------------

def test_book_period_window_and_settings_are_checked(store, run):
    with pytest.raises(RuleViolation, match=center.label("office_name")):
        run(registration_book, window="MZ", first_day=date(2026, 3, 1), last_day=date(2026, 3, 31))
    run(setup.add_clerk, code=ADMIN, name="系统管理员", role="admin", windows=[])
    run(center.set_center_info, ADMIN, CENTER)
    with pytest.raises(ValidationError, match="2026-03-31"):
        run(registration_book, window="MZ", first_day=date(2026, 3, 31), last_day=date(2026, 3, 1))
    with pytest.raises(ValidationError, match="367"):
        run(registration_book, window=None, first_day=date(2026, 1, 1), last_day=date(2027, 1, 2))
    assert run(registration_book, window=None, first_day=date(2025, 1, 2), last_day=date(2026, 1, 2)).lines == ()
    with pytest.raises(NotFoundError, match="ZZ"):
        run(registration_book, window="ZZ", first_day=date(2026, 3, 1), last_day=date(2026, 3, 31))


def test_book_lines_results_remarks_totals_and_order(desk, run, store, clock):
    temp = CAT.item("MZ-GF-0002")  # 临时救助: 10 working days
    c1 = accepted(run)
    c2 = run(intake.complete_on_the_spot, SB, item_code=PENSION.code, applicant=PERSON2,
             materials=full_materials(PENSION)).case
    c3 = run(intake.refuse_case, MZ, receive(run, applicant=PERSON2).case_id, reason="不符合条件", basis="依据")
    c4 = receive(run, materials=[ReceivedMaterial("M01", True, 0)], channel="proxy")
    c4 = run(intake.issue_notice, MZ, c4.case_id)
    inquiry = run(intake.log_inquiry, MZ, question="临时救助怎么申请", applicant=PERSON2).case
    clock.advance(hours=1)
    c5 = receive(run, actor=GT)
    run(referrals.refer_case, GT, c5.case_id, to_window="MZ", reason="事项属民政窗口")
    run(referrals.accept_referral, MZ, c5.case_id)
    c5 = run(intake.accept_case, MZ, c5.case_id)
    c6 = receive(run, actor=GT, applicant=PERSON2)
    c6 = run(referrals.refer_case, GT, c6.case_id, to_window="MZ", reason="事项属民政窗口")
    clock.advance(days=1)  # Tuesday 3 March
    c7 = accepted(run, item=temp)
    c7 = run(handling.extend_case, MZ, c7.case_id, days=5, approver="刘建国", reason="入户核查")
    c8 = accepted(run, item=temp, applicant=PERSON2)
    c8 = run(handling.withdraw_case, MZ, c8.case_id, reason="申请人撤回")
    c9 = accepted(run, item=temp)
    c10 = accepted(run, item=temp, applicant=PERSON2)
    c11 = accepted(run, item=temp)
    c11 = run(handling.suspend_case, MZ, c11.case_id, procedure="公示", reason="公示7日", expected_days=5)
    clock.advance(hours=2)
    c13 = run(intake.receive_case, MZ, item_code=temp.code, applicant=PERSON2, materials=full_materials(temp),
              inquiry_id=inquiry.case_id).case
    clock.current = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)  # Friday 20 March
    c9 = run(handling.complete_case, MZ, c9.case_id, result="granted")  # due 17 March: 3 working days late
    clock.current = datetime(2026, 3, 23, 2, 0, tzinfo=timezone.utc)
    late_arrival = receive(run)  # after the period

    seen: list[tuple[int, int]] = []
    printed = datetime(2026, 3, 23, 8, 0, tzinfo=timezone.utc)
    book = run(registration_book, window="MZ", first_day=date(2026, 3, 2), last_day=date(2026, 3, 20),
               now=printed, progress=lambda done, total: seen.append((done, total)))
    assert book.window_name == "民政窗口" and book.printed_at == printed.astimezone()
    assert book.center.office_name == CENTER["office_name"]
    expected = [c1, c3, c4, c5, c7, c8, c9, c10, c11, c13]
    assert [line.case_number for line in book.lines] == [c.case_number for c in expected]
    assert [line.no for line in book.lines] == list(range(1, 11))
    assert late_arrival.case_number not in {line.case_number for line in book.lines}
    assert c6.case_number not in {line.case_number for line in book.lines}, "still held by the first window"
    assert seen[-1] == (10, 10)
    by = {line.case_number: line for line in book.lines}
    assert by[c1.case_number].received_at == START_LOCAL and by[c1.case_number].applicant == PERSON.name
    assert by[c13.case_number].received_at == datetime(2026, 3, 3, 4, 30, tzinfo=timezone.utc).astimezone(), \
        "received when the inquiry became a case"
    assert by[c1.case_number].limit == _("{days} working days").format(days=25)
    assert by[c1.case_number].due_date == date(2026, 4, 7) and by[c1.case_number].clerk == "张敏"
    results = {c.case_number: by[c.case_number].result for c in expected}
    assert results[c1.case_number] == printing.result_text(Status.IN_PROGRESS, None)
    assert results[c3.case_number] == printing.result_text(Status.REFUSED, None)
    assert results[c4.case_number] == printing.result_text(Status.AWAITING_SUPPLEMENT, None)
    assert results[c8.case_number] == printing.result_text(Status.WITHDRAWN, None)
    assert results[c9.case_number] == printing.result_text(Status.COMPLETED, "granted")
    assert results[c11.case_number] == printing.result_text(Status.SUSPENDED, None)
    assert results[c13.case_number] == printing.result_text(Status.RECEIVED, None)
    assert len(set(results.values())) == 7 and all(results.values())
    assert by[c9.case_number].completed_on == date(2026, 3, 20)
    assert by[c3.case_number].completed_on == date(2026, 3, 2), "a refusal ends the case that day"
    three_late = _("{days} working days overdue").format(days=3)
    assert by[c9.case_number].remarks == three_late, "completed three working days after 17 March"
    assert by[c10.case_number].remarks == _("{days} working days overdue").format(days=4), \
        "still open when printed on Monday 23 March, due Tuesday 17 March"
    assert by[c7.case_number].remarks == _("Extended by {days} working days").format(days=5)
    assert by[c4.case_number].remarks == "；".join((_("One-time notice given"), _("Village proxy")))
    assert by[c5.case_number].remarks == _("Referred from {window}").format(window="国土与村镇建设窗口")
    assert by[c1.case_number].remarks == ""
    t = book.totals
    assert (t.cases, t.immediate, t.committed, t.completed, t.on_time, t.late, t.refused, t.open) == \
        (10, 0, 10, 1, 0, 1, 1, 7)
    assert (t.withdrawn, t.overdue_open) == (1, 1), "c8 withdrawn; c10 open past its due date when printed"
    # the first window's book still has the referral it offered; the whole center has every case
    gt = run(registration_book, window="GT", first_day=date(2026, 3, 2), last_day=date(2026, 3, 20), now=printed)
    assert [line.case_number for line in gt.lines] == [c6.case_number]
    assert gt.lines[0].result == printing.result_text(Status.REFERRED, None)
    assert gt.lines[0].remarks == _("Offered to {window}").format(window="民政窗口")
    everything = run(registration_book, window=None, first_day=date(2026, 3, 2), last_day=date(2026, 3, 23),
                     now=printed)
    assert everything.window_name == _("All windows")
    numbers = [line.case_number for line in everything.lines]
    assert len(numbers) == 13 and numbers[-1] == late_arrival.case_number
    assert numbers[:3] == sorted([c1.case_number, c2.case_number, c3.case_number]), "same time: by number"
    assert everything.totals.immediate == 1 and everything.totals.on_time == 1
    assert [line.limit for line in everything.lines if line.case_number == c2.case_number] == [_("Immediate")]
    # the whole center's book says at which window each case is; a window's own book need not
    assert all(line.remarks.split("；")[0].endswith("窗口") for line in everything.lines)
    assert not gt.lines[0].remarks.startswith("国土"), "a window's own book does not repeat its name"


START_LOCAL = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc).astimezone()


def test_a_book_of_ten_thousand_lines_is_one_query(desk, run, store, clock):
    template = accepted(run)
    base = datetime(2025, 11, 1, 1, 0, tzinfo=timezone.utc)
    with UnitOfWork(store, clock) as uow:
        for n in range(10_000):
            at = base + timedelta(minutes=15 * n)  # about 100 days
            state = replace(
                template, case_id=str(uuid.uuid4()), case_number=f"LJ03-{at:%Y%m%d}-{n + 2:04d}",
                received_on=at.astimezone().date(), created_at=at, updated_at=at,
                holder_window="MZ" if n % 3 else "SB", holder_clerk="zhangmin" if n % 3 else "wangfang",
            )
            uow.execute(INSERT_CASE_SQL, state_to_row(state))
        uow.commit()
    started = time.perf_counter()
    book = run(registration_book, window=None, first_day=date(2025, 11, 1), last_day=date(2026, 3, 31))
    elapsed = time.perf_counter() - started
    assert len(book.lines) == 10_001 and book.totals.cases == 10_001
    assert [line.received_at for line in book.lines] == sorted(line.received_at for line in book.lines)
    assert elapsed < 3, f"{elapsed:.2f} s for 10,000 lines"
    mz = run(registration_book, window="MZ", first_day=date(2025, 11, 1), last_day=date(2026, 3, 31))
    assert len(mz.lines) == 6666 + 1 and {line.clerk for line in mz.lines} == {"张敏"}
    with sqlite3.connect(store.path) as conn:
        plan = " ".join(r[3] for r in conn.execute("EXPLAIN QUERY PLAN SELECT case_number FROM cases c "
                                                    "WHERE c.kind = 'case' AND c.received_on BETWEEN '2025-11-01' "
                                                    "AND '2026-03-31' AND c.holder_window = 'MZ'"))
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan


# --- how the acceptance came about, and who took it ------------------------------------------


def test_the_acceptance_notice_says_how_the_acceptance_came_about(desk, run, clock):
    plain = printing.acceptance_notice
    sheet = run(plain, MZ, accepted(run).case_number, record=False)
    assert (sheet.on_complete_materials, sheet.accepted_after_supplement, sheet.deemed_on_receipt,
            sheet.deemed_after_supplement) == (True, False, False, False)

    noticed = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    run(intake.issue_notice, MZ, noticed.case_id)
    clock.advance(days=1)
    item = run(lambda uow: printing.item_version(uow, DIBAO.code, noticed.item_version))
    supplied = [ReceivedMaterial.as_asked(m) for m in item.materials if m.required and m.code != "M01"]
    run(intake.record_supplement, MZ, noticed.case_id, materials=supplied)
    run(intake.accept_case, MZ, noticed.case_id)
    sheet = run(plain, MZ, noticed.case_number, record=False)
    assert sheet.accepted_after_supplement and not sheet.deemed and sheet.accepted_on == date(2026, 3, 3)

    # supplements in, then no decision within five working days: deemed accepted from that day
    late = receive(run, materials=[ReceivedMaterial("M01", True, 0)], applicant=PERSON2)
    run(intake.issue_notice, MZ, late.case_id)
    run(intake.record_supplement, MZ, late.case_id, materials=supplied)
    clock.advance(days=10)
    sheet = run(plain, MZ, late.case_number, record=False)
    assert sheet.deemed_after_supplement and sheet.deemed and sheet.accepted_on == date(2026, 3, 3)
    assert sheet.case.clerk_name == "张敏", "a rule applied by the desk is carried by the clerk holding the case"


def test_a_referred_case_names_the_window_and_clerk_that_accepted_it(desk, run):
    case = receive(run, actor=GT)  # asked first at the 国土 window (首问负责), which refers it
    run(referrals.refer_case, GT, case.case_id, to_window="MZ", reason="属民政窗口办理")
    run(referrals.accept_referral, MZ_B, case.case_id)
    run(intake.accept_case, MZ_B, case.case_id)
    sheet = run(printing.acceptance_notice, SUPERVISOR, case.case_number, record=False)
    assert (sheet.case.window_name, sheet.case.clerk_name) == ("民政窗口", "李华")
    assert not sheet.case.licensing, "最低生活保障 is 行政给付: the licensing law applies by analogy only"
