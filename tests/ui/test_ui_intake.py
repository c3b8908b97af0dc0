"""The intake dialog, driven by keyboard as a clerk would, on a real SQLite file.

Chinese text is put in with setText (typing it with keyClicks aborts Qt); ASCII
(ID numbers, phones, pinyin initials) is typed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from conftest import MZ, PERSON, PERSON2, event_count, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.db import queries
from windowdesk.services import intake
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.catalogue_read import current_items
from windowdesk.services.uow import UnitOfWork
from windowdesk.ui.intake import IntakeDialog
from windowdesk.ui.intake_parts import MaterialsModel

CJK = re.compile(r"[\u3400-\u9fff]")
CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")  # 最低生活保障申请: committed, 25 working days
PENSION = CAT.item("SB-GG-0001")  # 城乡居民养老保险参保登记: immediate
BUILDING = CAT.item("GT-XK-0001")  # 乡村建设规划许可: belongs to the GT window


def open_intake(qtbot, desk, **kw) -> IntakeDialog:
    dialog = IntakeDialog(desk, **kw)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def type_applicant(qtbot, dialog, person=PERSON) -> None:
    a = dialog.applicant
    qtbot.keyClicks(a.id_number, person.id_number)
    a.name.setText(person.name)
    qtbot.keyClicks(a.phone, person.phone)
    a.address.setText(person.address)


def choose_item(qtbot, dialog, typed: str) -> None:
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, typed)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)


def tick(qtbot, dialog, codes) -> None:
    """Select each material's row and press Space, as the clerk does."""
    for row in range(dialog.materials.rowCount()):
        if dialog.materials.index(row, 0).data(Qt.ItemDataRole.UserRole) in codes:
            dialog.table.setCurrentIndex(dialog.materials.index(row, 1))
            qtbot.keyClick(dialog.table, Qt.Key.Key_Space)


def tick_required(qtbot, dialog) -> None:
    tick(qtbot, dialog, dialog.item.required_material_codes())


def saved_case(store, number: str):
    return queries.case_by_number(store.reader(), number)


def told_number(feedback) -> str:
    return re.search(r"LJ03-\d{8}-\d{4}", feedback.texts("tell")[-1]).group(0)


def test_accepted_with_the_committed_due_date(qtbot, make_desk, feedback, desk_store):
    desk = make_desk("zhangmin")
    dialog = open_intake(qtbot, desk)
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, "dbsq")
    assert dialog.item.code == DIBAO.code
    assert "25" in dialog.items_box.chosen.text()
    tick_required(qtbot, dialog)
    assert dialog.panel.buttons["accept"].isEnabled()
    assert not dialog.panel.buttons["complete"].isEnabled()  # a committed item
    opened = []
    desk.signals.open_case.connect(opened.append)
    with qtbot.waitSignal(dialog.case_saved) as saved:
        qtbot.mouseClick(dialog.panel.buttons["accept"], Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert saved.args == [case.case_id] and opened == [case.case_id]
    assert case.status is Status.IN_PROGRESS and case.due_date == date(2026, 4, 7)
    assert "2026-04-07" in feedback.texts("tell")[-1]
    assert case.applicant_name == "李秀兰" and case.applicant_phone == "13800138000" and case.channel == "window"
    assert not dialog.isVisible() and not dialog.draft_file.exists()


def test_completed_on_the_spot(qtbot, make_desk, feedback, desk_store):
    dialog = open_intake(qtbot, make_desk("wangfang"))
    type_applicant(qtbot, dialog, PERSON2)
    choose_item(qtbot, dialog, "SB-GG-0001")
    complete = dialog.panel.buttons["complete"]
    assert not complete.isEnabled()  # not until the required materials are in
    tick_required(qtbot, dialog)
    assert complete.isEnabled()
    qtbot.mouseClick(complete, Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert case.status is Status.COMPLETED and case.result == "granted" and case.holder_window == "SB"


def test_one_time_notice_lists_every_missing_material(qtbot, make_desk, feedback, desk_store):
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, "dbsq")
    tick(qtbot, dialog, {"M01", "M02"})
    assert not dialog.panel.buttons["accept"].isEnabled()
    missing = ("M03", "M04", "M05", "M07")
    for code in missing:
        assert DIBAO.material(code).name in dialog.summary.text()
    qtbot.mouseClick(dialog.panel.buttons["notice"], Qt.MouseButton.LeftButton)
    listed = dialog.panel.notice_list()
    assert [DIBAO.material(c).name in t for c, t in zip(missing, listed)] == [True] * 4 and len(listed) == 4
    dialog.panel.additions.setPlainText("村委会出具的家庭情况说明")
    qtbot.mouseClick(dialog.panel.give_notice, Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert case.status is Status.AWAITING_SUPPLEMENT
    assert case.notice_materials == missing and case.notice_additions == ("村委会出具的家庭情况说明",)


def test_refused_with_reason_and_basis(qtbot, make_desk, feedback, desk_store):
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, "dbsq")
    tick_required(qtbot, dialog)
    qtbot.mouseClick(dialog.panel.buttons["refuse"], Qt.MouseButton.LeftButton)
    dialog.panel.reason.setPlainText("申请人家庭人均收入高于当地低保标准")
    dialog.panel.basis.setText("《社会救助暂行办法》第九条")
    dialog.panel.redirect.setText("")
    qtbot.mouseClick(dialog.panel.confirm_refusal, Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert case.status is Status.REFUSED
    assert case.refusal_reason == "申请人家庭人均收入高于当地低保标准" and case.refusal_basis == "《社会救助暂行办法》第九条"


def test_referred_to_the_window_the_item_belongs_to(qtbot, make_desk, feedback, desk_store):
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, BUILDING.code)
    tick_required(qtbot, dialog)
    qtbot.mouseClick(dialog.panel.buttons["refer"], Qt.MouseButton.LeftButton)
    assert dialog.panel.target.currentData() == "GT"  # the item's own window, by default
    assert dialog.panel.target.findData("MZ") == -1  # never the clerk's own window
    dialog.panel.refer_reason.setPlainText("属国土与村镇建设窗口办理事项")
    qtbot.mouseClick(dialog.panel.confirm_referral, Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert case.status is Status.REFERRED and case.referral_to_window == "GT"
    assert case.holder_window == case.first_window == "MZ"  # first-inquiry responsibility stays


def test_returning_applicant_is_filled_in_from_the_id_number(qtbot, make_desk, run):
    run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON, materials=full_materials(DIBAO))
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    a = dialog.applicant
    assert not a.returning.isVisible()
    qtbot.keyClicks(a.id_number, PERSON.id_number.lower())  # a lower-case x is fine
    assert a.name.text() == "李秀兰" and a.phone.text() == "13800138000" and a.address.text() == "石门村"
    assert a.returning.isVisible() and "1949-12-31" in a.id_info.text()


def test_bad_id_number_shows_the_chinese_error_and_writes_nothing(qtbot, make_desk, desk_store, feedback):
    before = event_count(desk_store)
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    a = dialog.applicant
    qtbot.keyClicks(a.id_number, "11010519491231002")
    assert not a.id_error.isVisible()  # 17 characters: still typing
    qtbot.keyClicks(a.id_number, "9")  # the check character should be X
    assert a.id_error.isVisible() and CJK.search(a.id_error.text()) and "X" in a.id_error.text()
    a.name.setText("李秀兰")
    choose_item(qtbot, dialog, "dbsq")
    tick_required(qtbot, dialog)
    dialog.activateWindow()
    qtbot.mouseClick(dialog.panel.buttons["accept"], Qt.MouseButton.LeftButton)
    assert dialog.error.isVisible() and CJK.search(dialog.error.text())
    qtbot.waitUntil(a.id_number.hasFocus)
    assert event_count(desk_store) == before and not feedback.texts("tell")
    assert a.id_number.text() == "110105194912310029" and dialog.isVisible()


def test_item_found_by_pinyin_initials(qtbot, make_desk):
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    qtbot.keyClicks(dialog.search, "dbsq")
    first = dialog.items_box.results.item(0)
    assert first.text().startswith("最低生活保障申请")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Up)
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.item.code == DIBAO.code and dialog.materials.rowCount() == len(DIBAO.materials)


def test_inquiry_becomes_a_case_without_retyping(qtbot, make_desk, run, feedback, desk_store):
    asked = run(intake.log_inquiry, MZ, question="高龄津贴怎么申领？", item_code="MZ-GF-0003",
                applicant=ApplicantInput("李秀兰", "11010519491231002X", phone="13800138000")).case
    dialog = open_intake(qtbot, make_desk("zhangmin"), inquiry=asked)
    assert dialog.banner.isVisible() and asked.inquiry_number in dialog.banner.text()
    assert dialog.applicant.name.text() == "李秀兰" and dialog.applicant.id_number.text() == "11010519491231002X"
    assert dialog.item.code == "MZ-GF-0003"
    tick_required(qtbot, dialog)
    qtbot.mouseClick(dialog.panel.buttons["accept"], Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert case.case_id == asked.case_id and case.inquiry_number == asked.inquiry_number
    assert case.status is Status.IN_PROGRESS


def test_village_agent_registers_and_hands_over(qtbot, make_desk, feedback, desk_store):
    desk = make_desk("daiban01")
    dialog = open_intake(qtbot, desk)  # an agent's desk is always proxy intake
    assert dialog.proxy and dialog.banner.isVisible()
    assert set(dialog.panel.buttons) == {"handover", "register"}
    offered = {i.code for i in dialog.items}
    assert offered and all(CAT.item(c).proxy_allowed and CAT.item(c).window in ("MZ", "SB") for c in offered)
    assert "SB-GG-0003" not in offered and BUILDING.code not in offered  # no proxy / another window
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, "dbsq")
    warning = dialog.panel.proxy_missing
    assert warning.isVisible() and "一次性告知" in warning.text() and DIBAO.materials[0].name in warning.text()
    tick_required(qtbot, dialog)
    assert not warning.isVisible(), "nothing missing: nothing to warn about"
    dialog.panel.note.setText("申请人行动不便，材料已核对")
    qtbot.mouseClick(dialog.panel.buttons["handover"], Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert case.status is Status.HANDED_OVER and case.channel == "proxy" and case.referral_reason.startswith("申请人")
    assert "sync" in feedback.texts("tell")[-1] or "同步" in feedback.texts("tell")[-1]


def test_village_agent_may_register_only(qtbot, make_desk, feedback, desk_store):
    dialog = open_intake(qtbot, make_desk("daiban01"))
    type_applicant(qtbot, dialog, PERSON2)
    choose_item(qtbot, dialog, "dbsq")
    tick(qtbot, dialog, {"M01"})
    qtbot.mouseClick(dialog.panel.buttons["register"], Qt.MouseButton.LeftButton)
    case = saved_case(desk_store, told_number(feedback))
    assert case.status is Status.RECEIVED and case.channel == "proxy" and case.holder_window == "MZ"


def test_a_refused_decision_leaves_nothing_half_written(qtbot, make_desk, desk_store, feedback):
    before = event_count(desk_store)
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, "dbsq")
    tick_required(qtbot, dialog)
    qtbot.mouseClick(dialog.panel.buttons["refuse"], Qt.MouseButton.LeftButton)
    dialog.panel.reason.setPlainText("不符合申请条件")
    dialog.activateWindow()
    qtbot.mouseClick(dialog.panel.confirm_refusal, Qt.MouseButton.LeftButton)  # no legal basis given
    assert dialog.error.isVisible() and dialog.isVisible()
    qtbot.waitUntil(dialog.panel.basis.hasFocus)
    assert event_count(desk_store) == before and not feedback.texts("tell")
    # the rules refuse acceptance with materials missing: the receipt goes with it
    tick(qtbot, dialog, {"M02"})
    dialog.decide("accept")
    assert event_count(desk_store) == before
    assert saved_case(desk_store, "LJ03-20260302-0001") is None
    assert dialog.panel.reason.toPlainText() == "不符合申请条件" and dialog.applicant.name.text() == "李秀兰"


def test_draft_survives_closing_without_saving(qtbot, make_desk, feedback):
    desk = make_desk("zhangmin")
    dialog = open_intake(qtbot, desk)
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, "dbsq")
    tick(qtbot, dialog, {"M01", "M07"})
    qtbot.waitUntil(dialog.draft_file.exists, timeout=3000)  # written after a pause in typing
    assert dialog.draft_file.parent == desk.store.path.parent / "drafts"
    dialog.applicant.address.setText("石门村三组")
    dialog.reject()  # closed before the timer ran: saved on the way out
    assert feedback.texts("confirm") == []

    again = open_intake(qtbot, desk)
    assert len(feedback.texts("confirm")) == 1 and "李秀兰" in feedback.texts("confirm")[0]
    assert again.applicant.id_number.text() == PERSON.id_number and again.applicant.address.text() == "石门村三组"
    assert again.item.code == DIBAO.code
    assert {r.code for r in again.materials.received()} == {"M01", "M07"}

    feedback.answer = False  # declined: the draft is dropped and the form starts empty
    third = open_intake(qtbot, desk)
    assert third.applicant.name.text() == "" and not third.draft_file.exists()


def test_enter_moves_on_and_space_ticks(qtbot, make_desk, desk_store):
    before = event_count(desk_store)
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    dialog.activateWindow()
    a = dialog.applicant
    a.name.setFocus()
    qtbot.waitUntil(a.name.hasFocus)
    qtbot.keyClick(a.name, Qt.Key.Key_Return)
    assert a.phone.hasFocus()
    choose_item(qtbot, dialog, "dbsq")
    assert dialog.table.hasFocus()
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
    assert dialog.materials.received() == [ReceivedMaterial("M01", True, 0)]
    qtbot.keyClick(dialog.table, Qt.Key.Key_Space)
    assert dialog.materials.received() == []
    dialog.table.setCurrentIndex(dialog.materials.index(1, 5))  # 居民身份证, copies: typing edits it
    qtbot.keyClick(dialog.table, Qt.Key.Key_3)
    editor = QApplication.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, "3")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits from the event loop
    qtbot.waitUntil(lambda: dialog.materials.received() == [ReceivedMaterial("M02", False, 3)])
    assert dialog.isVisible() and event_count(desk_store) == before  # Enter decided nothing
    assert not dialog.id_number.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)


@pytest.mark.parametrize("code", [DIBAO.code, PENSION.code])
@pytest.mark.parametrize("force_py", [True, False])
def test_materials_model_passes_the_model_tester(qtmodeltester, desk_store, code, force_py):
    with UnitOfWork(desk_store, write=False) as uow:
        item = next(i for i in current_items(uow) if i.code == code)
    model = MaterialsModel()
    model.set_item(item)
    model.toggle(0)
    model.setData(model.index(1, 5), 2)
    qtmodeltester.check(model, force_py=force_py)
    assert model.received()[1] == ReceivedMaterial(item.materials[1].code, False, 2)


def test_current_items_follow_the_current_catalogue(desk_store):
    with UnitOfWork(desk_store, write=False) as uow:
        items = current_items(uow)
        assert [i.code for i in items] == [i.code for i in CAT.items]
        assert current_items(uow) is items  # cached for the version
    with UnitOfWork(desk_store, write=False) as uow:
        assert len(current_items(uow)) == len(CAT.items)


def test_an_item_of_another_window_can_only_be_referred_there(qtbot, make_desk):
    """首问负责: 王芳 (社保/医保) receives a 低保 application and refers it to 民政; she
    cannot accept, refuse, notify or complete it herself."""
    dialog = open_intake(qtbot, make_desk("wangfang"))
    qtbot.keyClicks(dialog.search, "dbsq")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.item.code == DIBAO.code
    buttons = dialog.panel.buttons
    for kind in ("complete", "accept", "notice", "refuse"):
        if kind in buttons:
            assert not buttons[kind].isEnabled(), kind
    assert buttons["refer"].isEnabled() and "民政窗口" in dialog.panel.hint.text()
    assert dialog.panel.target.currentData() == "MZ"


def test_a_second_open_case_of_the_same_item_is_flagged_before_and_after_the_decision(
        qtbot, make_desk, run, feedback, desk_store):
    first = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                materials=full_materials(DIBAO)).case
    dialog = open_intake(qtbot, make_desk("zhangmin"))
    qtbot.keyClicks(dialog.applicant.id_number, PERSON.id_number)  # a returning applicant: filled in
    assert dialog.applicant.name.text() == PERSON.name
    choose_item(qtbot, dialog, "tkry")  # another item: nothing to say
    assert dialog.item.code != DIBAO.code and not dialog.duplicate.isVisible()
    choose_item(qtbot, dialog, "dbsq")
    assert dialog.duplicate.isVisible()
    assert first.case_number in dialog.duplicate.text() and "收件" in dialog.duplicate.text()
    tick_required(qtbot, dialog)
    with qtbot.waitSignal(dialog.case_saved):
        qtbot.mouseClick(dialog.panel.buttons["accept"], Qt.MouseButton.LeftButton)
    told = feedback.texts("tell")[-1]
    assert first.case_number in told and "已有" in told, "the warning stays with the success message"

    # once the earlier cases are closed, a new application is not flagged
    second = saved_case(desk_store, told_number(feedback))
    run(intake.refuse_case, MZ, first.case_id, reason="重复申请", basis="同一事项已在办理")
    from windowdesk.services import handling
    run(handling.withdraw_case, MZ, second.case_id, reason="申请人撤回")
    again = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                materials=full_materials(DIBAO))
    assert again.warnings == ()
