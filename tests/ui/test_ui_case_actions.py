"""The case-action dialogs, driven as a clerk would, on a real SQLite desk: each calls
one service, shows refusals in red and keeps what was typed, and says what happened
to the due date."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtCore import Qt

from conftest import MZ, PERSON, SB, event_count, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.codes import Rating
from windowdesk.core.lifecycle import Action, Status
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.i18n import _
from windowdesk.services import handling, intake, referrals
from windowdesk.services.common import Actor, load_case
from windowdesk.ui.case_actions import ActionDialog, available_actions, why_this_date_text

CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")  # 最低生活保障: committed 25 working days
AGENT = Actor("daiban01", "MZ")
CJK = re.compile(r"[\u3400-\u9fff]")


def required(what: str) -> str:
    return _("{what} is required.").format(what=_(what))


@pytest.fixture
def received(run):
    return run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case


@pytest.fixture
def accepted(run, received):
    case = run(intake.accept_case, MZ, received.case_id)
    assert case.due_date == date(2026, 4, 7)
    return case


def open_dialog(qtbot, desk, case_id: str, action: Action) -> ActionDialog:
    dialog = ActionDialog(desk, desk.read(load_case, case_id), action)
    qtbot.addWidget(dialog)
    dialog.open()
    return dialog


def save(qtbot, dialog: ActionDialog):
    """Press the action's button and return the new state the dialog announced."""
    with qtbot.waitSignal(dialog.done, timeout=1000) as done, \
            qtbot.waitSignal(dialog.desk.signals.case_changed, timeout=1000) as changed:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    state = done.args[0]
    assert changed.args == [state.case_id]
    assert not dialog.isVisible() and dialog.result_state is state
    return state


def refused(qtbot, dialog: ActionDialog, store) -> str:
    """Press the button, expect a refusal shown in red with nothing written."""
    before = event_count(store)
    announced = []
    dialog.done.connect(announced.append)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert event_count(store) == before and not announced
    assert dialog.isVisible() and dialog.error.isVisible()
    assert CJK.search(dialog.error.text())
    return dialog.error.text()


def test_supplements_after_a_notice_then_acceptance(qtbot, make_desk, run, clock, store):
    desk = make_desk("zhangmin")
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=[ReceivedMaterial("M01", True, 0)]).case
    dialog = open_dialog(qtbot, desk, case.case_id, Action.ISSUE_NOTICE)
    assert DIBAO.material("M02").name in dialog.form.findChild(type(dialog.effect), "missing").text()
    dialog.form.additions.setPlainText("村委会出具的家庭情况说明")
    case = save(qtbot, dialog)
    assert case.status is Status.AWAITING_SUPPLEMENT
    assert case.notice_additions == ("村委会出具的家庭情况说明",)

    clock.advance(days=1)  # Tuesday 3 March: everything arrives
    dialog = open_dialog(qtbot, desk, case.case_id, Action.RECORD_SUPPLEMENT)
    rows = dialog.form.material_rows
    assert [row[0] for row in rows] == ["M02", "M03", "M04", "M05", "M07"]
    assert rows[0][1].text() == DIBAO.material("M02").name
    copies = {code: c.value() for code, _b, _o, c in rows}
    assert copies["M02"] == 1 and copies["M04"] == 0  # prefilled as the checklist asks
    assert refused(qtbot, dialog, store) == _("Record at least one material or point that was supplied.")
    for _code, brought, _original, _copies in rows:
        brought.setChecked(True)
    dialog.form.resolved[0][1].setChecked(True)
    case = save(qtbot, dialog)
    assert case.status is Status.RECEIVED and case.supplements_completed_on == date(2026, 3, 3)
    from windowdesk.services.history import case_history

    line = desk.read(case_history, case.case_id)[-1]
    assert line.title == "收到补正材料" or "补正" in line.title
    assert DIBAO.material("M02").name in line.detail and "村委会出具的家庭情况说明" in line.detail, \
        "the history says what the supplement brought"

    clock.advance(days=1)  # accepted on Wednesday, dated Tuesday
    dialog = open_dialog(qtbot, desk, case.case_id, Action.ACCEPT)
    assert "25" in dialog.effect.text() and "2026-03-03" in dialog.form.findChild(type(dialog.effect), "last_supplement").text()
    assert dialog.due.text() == _("not set yet: the clock starts when the case is accepted")
    case = save(qtbot, dialog)
    assert case.status is Status.IN_PROGRESS and case.accepted_on == date(2026, 3, 3)
    assert case.due_date == date(2026, 4, 8)
    assert dialog.outcome == _("The due date is now {due}.").format(due="2026-04-08")
    assert "2026-04-08" in dialog.due.text()


def test_a_later_notice_asking_more_is_refused_and_only_a_supervisor_overrides(qtbot, make_desk, run, store):
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=[ReceivedMaterial("M01", True, 0)]).case
    run(intake.issue_notice, MZ, case.case_id)
    clerk = open_dialog(qtbot, make_desk("zhangmin"), case.case_id, Action.ISSUE_NOTICE)
    clerk.form.findChild(type(clerk.form.defective[0][1]), "defective_M01").setChecked(True)
    message = refused(qtbot, clerk, store)
    assert case.case_number in message and DIBAO.material("M01").name in message
    assert not clerk.form.override_box.isVisible()

    boss = open_dialog(qtbot, make_desk("huangjun"), case.case_id, Action.ISSUE_NOTICE)
    boss.form.defective[0][1].setChecked(True)
    refused(qtbot, boss, store)
    assert boss.form.override_box.isVisible()
    boss.form.override_reason.setPlainText("申请书签字页缺失，需重新填写")
    case = save(qtbot, boss)
    assert case.notice_overrides == 1 and "M01" in case.notice_materials


def test_special_procedure_stops_the_clock_and_resuming_moves_the_due_date(qtbot, make_desk, clock, accepted):
    desk = make_desk("zhangmin")
    clock.advance(days=1)  # Tuesday 3 March
    dialog = open_dialog(qtbot, desk, accepted.case_id, Action.SUSPEND)
    assert dialog.form.procedure.currentText() == "入户调查、民主评议和公示"
    assert dialog.form.expected.value() == 7  # the catalogue's length for it
    assert "2026-04-07" in dialog.due.text() and "2026-04-07" in dialog.effect.text()
    dialog.form.reason.setPlainText("入户调查后村级公示7日")
    case = save(qtbot, dialog)
    assert case.status is Status.SUSPENDED and case.due_date is None
    assert dialog.outcome == _("The clock is stopped; the due date is set again when the special procedure ends.")

    clock.advance(days=7)  # Tuesday 10 March: 4–10 March were not counted
    dialog = open_dialog(qtbot, desk, case.case_id, Action.RESUME)
    assert dialog.due.text() == _("none while the clock is stopped by the special procedure")
    assert "2026-03-03" in dialog.form.findChild(type(dialog.due), "since").text()
    case = save(qtbot, dialog)
    # 1 working day used before; 24 more from 10 March: 11 March … 14 April.
    assert case.status is Status.IN_PROGRESS and case.due_date == date(2026, 4, 14)
    assert dialog.outcome == _("The due date is now {due}.").format(due="2026-04-14")

    text = why_this_date_text(desk, case.case_id)
    assert case.due_date.isoformat() in text and "入户调查后村级公示7日" in text
    assert "2026-03-04" in text and "2026-03-10" in text  # the stopped days, as one run
    assert "清明节" in text and "张敏" in text


def test_extension_previews_the_date_needs_an_approver_and_moves_the_date(qtbot, make_desk, store, accepted):
    dialog = open_dialog(qtbot, make_desk("zhangmin"), accepted.case_id, Action.EXTEND)
    form = dialog.form
    assert refused(qtbot, dialog, store).startswith(_("The extension"))  # no days typed yet
    form.days.setValue(10)
    assert "2026-04-21" in form.preview.text()  # 7 April + 10 working days
    form.reason.setPlainText("需入户核查家庭经济状况")
    assert refused(qtbot, dialog, store) == required("The approver of the extension")
    assert form.reason.toPlainText() == "需入户核查家庭经济状况" and form.days.value() == 10
    form.approver.setText("分管副镇长 刘建国")
    case = save(qtbot, dialog)
    assert case.due_date == date(2026, 4, 21) and case.extension_days == 10
    assert dialog.outcome == _("The due date moved from {old} to {new}.").format(old="2026-04-07", new="2026-04-21")


def test_extension_while_suspended_says_the_date_comes_on_resume(qtbot, make_desk, run, clock, accepted):
    clock.advance(days=1)
    run(handling.suspend_case, MZ, accepted.case_id, procedure="公示", reason="公示7日", expected_days=5)
    dialog = open_dialog(qtbot, make_desk("zhangmin"), accepted.case_id, Action.EXTEND)
    dialog.form.days.setValue(5)
    assert "5" in dialog.form.preview.text() and "2026" not in dialog.form.preview.text()


def test_completion_granted_and_a_denial_needs_its_reason(qtbot, make_desk, run, store, accepted):
    desk = make_desk("zhangmin")
    dialog = open_dialog(qtbot, desk, accepted.case_id, Action.COMPLETE)
    assert dialog.form.chosen() == "granted"
    dialog.form.results["denied"].setChecked(True)
    assert refused(qtbot, dialog, store) == required("The reason for denial")
    dialog.form.reason.setPlainText("经入户调查家庭人均收入超过当地低保标准")
    case = save(qtbot, dialog)
    assert case.status is Status.COMPLETED and case.result == "denied" and case.on_time

    other = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                materials=full_materials(DIBAO)).case
    run(intake.accept_case, MZ, other.case_id)
    dialog = open_dialog(qtbot, desk, other.case_id, Action.COMPLETE)
    case = save(qtbot, dialog)
    assert case.result == "granted" and dialog.outcome == _("The due date stays {due}.").format(due="2026-04-07")


def test_delivery_then_the_rating(qtbot, make_desk, run, store, accepted):
    desk = make_desk("zhangmin")
    run(handling.complete_case, MZ, accepted.case_id, result="granted")
    dialog = open_dialog(qtbot, desk, accepted.case_id, Action.DELIVER)
    dialog.form.method.setCurrentIndex(dialog.form.method.findData("mail"))
    assert dialog.effect.text().endswith(_("This does not change the due date."))
    assert save(qtbot, dialog).status is Status.DELIVERED

    dialog = open_dialog(qtbot, desk, accepted.case_id, Action.EVALUATE)
    levels = dialog.form.levels
    assert [b.text() for b in levels.values()] == [r.label for r in Rating]
    assert all(CJK.search(b.text()) for b in levels.values())
    assert not any(b.isChecked() for b in levels.values())  # the applicant chooses
    refused(qtbot, dialog, store)
    levels["2"].setChecked(True)
    dialog.form.comment.setText("等候时间较长")
    case = save(qtbot, dialog)
    assert case.status is Status.EVALUATED and case.rating == 2 and case.rating_comment == "等候时间较长"


def test_withdrawal_and_refusal_need_their_reasons(qtbot, make_desk, run, store, received):
    desk = make_desk("zhangmin")
    dialog = open_dialog(qtbot, desk, received.case_id, Action.REFUSE)
    dialog.form.reason.setPlainText("申请人户籍不在本乡镇")
    assert refused(qtbot, dialog, store) == required("The legal or policy basis")
    dialog.form.basis.setText("《社会救助暂行办法》第十一条")
    assert save(qtbot, dialog).status is Status.REFUSED

    other = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                materials=full_materials(DIBAO)).case
    dialog = open_dialog(qtbot, desk, other.case_id, Action.WITHDRAW)
    assert refused(qtbot, dialog, store) == required("The reason for withdrawal")
    dialog.form.reason.setPlainText("申请人主动撤回申请")
    case = save(qtbot, dialog)
    assert case.status is Status.WITHDRAWN and case.withdrawal_reason == "申请人主动撤回申请"


def test_answering_an_inquiry(qtbot, make_desk, run):
    inquiry = run(intake.log_inquiry, MZ, question="高龄津贴需要带什么材料？", applicant=PERSON).case
    desk = make_desk("zhangmin")
    assert available_actions(desk, inquiry) == [Action.ANSWER_INQUIRY, Action.REFER]
    dialog = open_dialog(qtbot, desk, inquiry.case_id, Action.ANSWER_INQUIRY)
    assert "高龄津贴" in dialog.form.findChild(type(dialog.due), "question").text()
    dialog.form.answer.setPlainText("身份证、户口簿原件及复印件")
    assert save(qtbot, dialog).status is Status.ANSWERED


def test_a_referral_offered_by_one_window_is_taken_by_another(qtbot, make_desk, received):
    mz, sb = make_desk("zhangmin"), make_desk("wangfang")
    dialog = open_dialog(qtbot, mz, received.case_id, Action.REFER)
    assert dialog.form.target.findData("MZ") == -1
    dialog.form.target.setCurrentIndex(dialog.form.target.findData("SB"))
    dialog.form.reason.setPlainText("属社会保障事项")
    case = save(qtbot, dialog)
    assert case.status is Status.REFERRED and case.referral_to_window == "SB"
    assert available_actions(mz, case) == [Action.WITHDRAW]
    assert available_actions(sb, case) == [Action.ACCEPT_REFERRAL, Action.DECLINE_REFERRAL]

    dialog = open_dialog(qtbot, sb, case.case_id, Action.ACCEPT_REFERRAL)
    assert "属社会保障事项" in dialog.form.findChild(type(dialog.due), "offer").text()
    case = save(qtbot, dialog)
    assert case.holder_window == "SB" and case.holder_clerk == "wangfang" and case.status is Status.RECEIVED


def test_declining_a_referral_needs_a_reason(qtbot, make_desk, run, store, received):
    run(referrals.refer_case, MZ, received.case_id, to_window="SB", reason="走错窗口")
    dialog = open_dialog(qtbot, make_desk("wangfang"), received.case_id, Action.DECLINE_REFERRAL)
    assert refused(qtbot, dialog, store) == required("The reason for declining")
    dialog.form.reason.setPlainText("不属于本窗口职责")
    case = save(qtbot, dialog)
    assert case.status is Status.RECEIVED and case.holder_window == "MZ" and case.referral_to_window is None


def test_a_village_hand_over_taken_over_or_returned_by_the_township(qtbot, make_desk, run, store):
    agent, clerk = make_desk("daiban01"), make_desk("zhangmin")
    cases = [run(intake.receive_case, AGENT, item_code=DIBAO.code, applicant=PERSON,
                 materials=full_materials(DIBAO), channel="proxy").case for _i in range(2)]
    assert available_actions(agent, cases[0]) == [Action.WITHDRAW, Action.HAND_OVER]
    dialog = open_dialog(qtbot, agent, cases[0].case_id, Action.HAND_OVER)
    assert dialog.form.findChild(type(dialog.due), "handover_missing") is None, "nothing missing"
    dialog.form.note_edit.setText("申请人行动不便，材料已核对")
    assert save(qtbot, dialog).status is Status.HANDED_OVER
    handed = run(referrals.hand_over_case, AGENT, cases[1].case_id, note="")
    assert available_actions(clerk, handed) == [Action.WITHDRAW, Action.ACCEPT_HANDOVER, Action.DECLINE_HANDOVER]
    assert available_actions(agent, handed) == [Action.WITHDRAW]

    dialog = open_dialog(qtbot, clerk, cases[0].case_id, Action.ACCEPT_HANDOVER)
    assert "吴秀英" in dialog.form.findChild(type(dialog.due), "offer").text()
    case = save(qtbot, dialog)
    assert case.status is Status.RECEIVED and case.holder_clerk == "zhangmin"

    dialog = open_dialog(qtbot, clerk, handed.case_id, Action.DECLINE_HANDOVER)
    assert refused(qtbot, dialog, store) == required("The reason for returning the case")
    dialog.form.reason.setPlainText("缺少村委会意见，请补齐后再移交")
    case = save(qtbot, dialog)
    assert case.status is Status.RECEIVED and case.holder_clerk == "daiban01"


def test_actions_offered_to_an_agent_a_clerk_and_a_clerk_of_another_window(make_desk, run, received, accepted):
    clerk, other, agent, boss = (make_desk(c) for c in ("zhangmin", "wangfang", "daiban01", "huangjun"))
    pending = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                  materials=full_materials(DIBAO)).case
    assert available_actions(clerk, pending) == [Action.ISSUE_NOTICE, Action.ACCEPT, Action.REFUSE,
                                                 Action.REFER, Action.WITHDRAW]
    assert available_actions(agent, pending) == [Action.WITHDRAW, Action.HAND_OVER]
    assert available_actions(other, pending) == []
    assert available_actions(clerk, accepted) == [Action.SUSPEND, Action.EXTEND, Action.COMPLETE, Action.WITHDRAW]
    assert available_actions(boss, accepted) == available_actions(clerk, accepted)
    assert available_actions(other, accepted) == []
    assert Action.COMPLETE not in available_actions(agent, accepted)
    sb_case = run(intake.receive_case, SB, item_code="SB-GG-0002", applicant=PERSON,
                  materials=full_materials(CAT.item("SB-GG-0002"))).case
    assert available_actions(clerk, sb_case) == [] and Action.ACCEPT in available_actions(other, sb_case)


def test_a_refused_action_that_wrote_a_deemed_acceptance_refreshes_the_desk(qtbot, make_desk, clock, store, received):
    desk = make_desk("zhangmin")
    clock.advance(days=9)  # Wednesday 11 March: no notice within five working days
    dialog = open_dialog(qtbot, desk, received.case_id, Action.ISSUE_NOTICE)
    with qtbot.waitSignal(desk.signals.case_changed, timeout=1000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and received.case_number in dialog.error.text()
    assert dialog.state.status is Status.IN_PROGRESS and dialog.state.deemed_accepted
    assert dialog.state.due_date.isoformat() in dialog.due.text()


def test_why_this_date_before_acceptance(make_desk, received):
    text = why_this_date_text(make_desk("zhangmin"), received.case_id)
    assert text == _("No due date yet: the clock starts when the case is accepted.")


def test_the_detail_says_how_the_case_stands_against_its_due_date(qtbot, make_desk, run, clock, accepted):
    from windowdesk.ui.detail import CaseDetail

    desk = make_desk("zhangmin")
    detail = CaseDetail(desk)
    qtbot.addWidget(detail)
    detail.show_case(accepted.case_id)
    assert detail.fields["due"].text() == "2026-04-07　正常"

    clock.advance(days=1)
    run(handling.suspend_case, MZ, accepted.case_id, procedure="公示", reason="公示7日", expected_days=5)
    detail.show_case(accepted.case_id)
    assert "特别程序中，暂停计时" in detail.fields["due"].text()
    run(handling.resume_case, MZ, accepted.case_id)

    clock.advance(days=60)  # well past the due date
    detail.show_case(accepted.case_id)
    assert "超期" in detail.fields["due"].text() and "未计时" not in detail.fields["due"].text()
    run(handling.complete_case, MZ, accepted.case_id, result="granted")
    detail.show_case(accepted.case_id)
    text = detail.fields["due"].text()
    assert "超期办结" in text and "个工作日" in text and "未计时" not in text

    other = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                materials=full_materials(DIBAO)).case
    run(intake.accept_case, MZ, other.case_id)
    run(handling.complete_case, MZ, other.case_id, result="granted")
    detail.show_case(other.case_id)
    assert "按时办结（用时0个工作日）" in detail.fields["due"].text()


def test_an_agent_handing_over_with_materials_missing_is_warned(qtbot, make_desk, run):
    agent = make_desk("daiban01")
    case = run(intake.receive_case, AGENT, item_code=DIBAO.code, applicant=PERSON, materials=[],
               channel="proxy").case
    dialog = open_dialog(qtbot, agent, case.case_id, Action.HAND_OVER)
    warning = dialog.form.findChild(type(dialog.due), "handover_missing")
    assert warning.isVisible() and "一次性告知" in warning.text() and DIBAO.materials[0].name in warning.text()
    assert save(qtbot, dialog).status is Status.HANDED_OVER, "a warning, not a refusal"
