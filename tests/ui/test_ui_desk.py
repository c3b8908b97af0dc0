"""The desk window driven as a clerk drives it: sign-in, lists, search, A/B posts."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QTableWidget

from conftest import MZ, PERSON, PERSON2, full_materials
from qt_support import DESK_PASSWORD
from windowdesk.core.lifecycle import Status
from windowdesk.services import accounts, intake, referrals
from windowdesk.services.common import current_item
from windowdesk.ui.actions import ACTIONS, shortcut_table
from windowdesk.ui.mainwindow import MainWindow
from windowdesk.ui.signin import SignInDialog

ITEM = "MZ-GF-0003"  # 高龄津贴申领, committed


def accepted_case(run, clock, person=PERSON, actor=MZ):
    received = run(intake.receive_case, actor, item_code=ITEM, applicant=person,
                   materials=full_materials(_item(run)))
    return run(intake.accept_case, actor, received.case.case_id)


def _item(run):
    return run(lambda uow: current_item(uow, ITEM)[0])


def window(make_desk, qtbot, tmp_path, code="zhangmin", windows=None) -> MainWindow:
    desk = make_desk(code, windows)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    main = MainWindow(desk, settings)
    qtbot.addWidget(main)
    main.show()
    return main


# signing in -----------------------------------------------------------------------


def check(qtbot, dialog) -> None:
    """Submit the password and wait for the check, which runs off the UI thread."""
    with qtbot.waitSignal(dialog.checked, timeout=10_000):
        dialog.submit()
    assert not dialog.checking


def test_sign_in_failures_say_why_in_chinese_and_success_opens_the_chosen_windows(desk_store, clock, qtbot):
    dialog = SignInDialog(desk_store, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    opened = []
    dialog.signed_in.connect(opened.append)

    dialog.code.setText("lihua")
    dialog.password.setText("wrong-one")
    with qtbot.waitSignal(dialog.checked, timeout=10_000):
        dialog.submit()
        # the dialog stays responsive and says it is checking; a second Enter is ignored
        assert dialog.checking and not dialog.password.isEnabled() and dialog.error.text() == "正在验证密码…"
        dialog.submit()
    assert dialog.error.text() == "工号或密码不正确。" and not opened
    assert dialog.password.isEnabled() and dialog.password.hasSelectedText()
    dialog.code.setText("nobody")
    check(qtbot, dialog)
    assert dialog.error.text() == "工号或密码不正确。", "an unknown code gets the same message"

    dialog.code.setText("lihua")  # serves MZ and CL: picks the windows on duty
    dialog.password.setText(DESK_PASSWORD)
    check(qtbot, dialog)
    assert not opened and dialog.posts_box.isVisible()
    assert set(dialog.post_checks) == {"MZ", "CL"}
    dialog.post_checks["CL"].setChecked(False)
    dialog.post_checks["MZ"].setChecked(False)
    dialog.submit()
    assert "至少" in dialog.error.text() and not opened
    dialog.post_checks["MZ"].setChecked(True)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert len(opened) == 1 and opened[0].windows == ("MZ",) and opened[0].user.name == "李华"


def test_five_wrong_passwords_lock_the_account(desk_store, clock, qtbot):
    dialog = SignInDialog(desk_store, clock)
    qtbot.addWidget(dialog)
    for _ in range(5):
        dialog.code.setText("zhangmin")
        dialog.password.setText("nope-nope")
        check(qtbot, dialog)
    dialog.password.setText(DESK_PASSWORD)
    check(qtbot, dialog)
    assert "锁定" in dialog.error.text() and dialog.user is None


def test_a_single_window_clerk_goes_straight_to_the_desk(desk_store, clock, qtbot):
    dialog = SignInDialog(desk_store, clock)
    qtbot.addWidget(dialog)
    dialog.show()
    opened = []
    dialog.signed_in.connect(opened.append)
    dialog.code.setText("zhangmin")
    dialog.password.setText(DESK_PASSWORD)
    check(qtbot, dialog)
    assert [d.user.code for d in opened] == ["zhangmin"] and not dialog.isVisible()


# the queue and the detail ------------------------------------------------------------


def test_queue_lists_my_open_cases_with_due_dates_and_the_detail_shows_the_timeline(
        make_desk, run, clock, qtbot, qtmodeltester, tmp_path):
    state = accepted_case(run, clock)
    other = run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON2, materials=[])
    main = window(make_desk, qtbot, tmp_path)
    model = main.queue.table.case_model
    qtmodeltester.check(model)
    numbers = {model.summary(r).case_number for r in range(model.rowCount())}
    assert numbers == {state.case_number, other.case.case_number}
    row = model.row_of(state.case_id)
    texts = [model.index(row, c).data() for c in range(model.columnCount())]
    assert state.case_number in texts and "李秀兰" in texts and state.due_date.isoformat() in texts
    assert "正常" in " ".join(t or "" for t in texts) or any("●" in (t or "") for t in texts)

    main.queue.table.selectRow(row)
    qtbot.waitUntil(lambda: main.detail.state is not None and main.detail.state.case_id == state.case_id)
    titles = [line.title for line in main.detail.history]
    assert titles == ["收件", "受理"]
    shown = main.detail.timeline.toPlainText()
    assert shown.index("收件") < shown.index("受理") and "张敏（民政窗口）" in shown
    assert "工作日" in main.detail.why.toPlainText()

    # filter: only cases still awaiting a decision
    main.queue.status.setCurrentIndex(main.queue.status.findData(str(Status.RECEIVED)))
    assert model.rowCount() == 1 and model.summary(0).case_id == other.case.case_id


def test_lists_fetch_lazily_in_pages(make_desk, run, clock, qtbot, tmp_path):
    for _ in range(7):
        run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON, materials=[])
    main = window(make_desk, qtbot, tmp_path)
    model = main.queue.table.case_model
    model._page = 3
    model.set_query(main.queue.query())
    assert model.rowCount() == 3 and model.canFetchMore()
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 7 and not model.canFetchMore()
    assert len({model.summary(r).case_id for r in range(7)}) == 7


def test_a_b_posts_the_b_clerk_carries_the_a_clerks_cases_while_away(make_desk, run, clock, qtbot, tmp_path):
    state = accepted_case(run, clock)  # held by 张敏, the A clerk of MZ
    b_main = window(make_desk, qtbot, tmp_path, "lihua", ("MZ",))
    def ids(m):
        return {m.queue.table.case_model.summary(r).case_id for r in range(m.queue.table.case_model.rowCount())}

    assert state.case_id not in ids(b_main)

    a_main = window(make_desk, qtbot, tmp_path, "zhangmin")
    dialog = a_main.act_presence()
    dialog.choices[accounts.Presence.MEETING].setChecked(True)
    dialog.save()
    assert "会议" in a_main.status_user.text()

    b_main.act_refresh()
    assert state.case_id in ids(b_main)
    assert "张敏" in b_main.queue.cover_note.text() and b_main.queue.cover_note.isVisible()

    dialog = a_main.act_presence()
    dialog.choices[accounts.Presence.ON_DUTY].setChecked(True)
    dialog.save()
    b_main.act_refresh()
    assert state.case_id not in ids(b_main)


# search -------------------------------------------------------------------------------


def test_search_by_each_key_and_a_scanned_case_number_opens_the_case(make_desk, run, clock, qtbot, tmp_path):
    state = accepted_case(run, clock)
    main = window(make_desk, qtbot, tmp_path)
    main.act_search()
    box, model = main.search.box, main.search.table.case_model
    assert not box.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled)
    names = main.search.name_box
    assert names.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled), "names are typed with an input method"
    for text in ("李秀兰", "李秀"):
        names.setText(text)
        assert model.rowCount() == 1 and model.summary(0).case_id == state.case_id, text
    names.setText("王")
    assert model.rowCount() == 0 and main.search.hint.text() == "未找到。"
    for text in (PERSON.id_number, PERSON.id_number[:8], PERSON.phone, PERSON.phone[:5],
                 state.case_number, state.case_number[:10]):
        box.setText(text)
        assert not names.text(), "one search at a time"
        assert model.rowCount() == 1 and model.summary(0).case_id == state.case_id, text

    # a keyboard-wedge scanner: types the number (ASCII) and presses Enter
    box.clear()
    qtbot.keyClicks(box, state.case_number)
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert main.detail.state is not None and main.detail.state.case_id == state.case_id


# incoming ------------------------------------------------------------------------------


def test_incoming_shows_referrals_offered_to_my_window(make_desk, run, clock, qtbot, tmp_path, qtmodeltester):
    received = run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON, materials=[])
    run(referrals.refer_case, MZ, received.case.case_id, to_window="SB", reason="属社保事项")
    main = window(make_desk, qtbot, tmp_path, "wangfang")
    model = main.incoming.table.case_model
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and model.summary(0).case_id == received.case.case_id
    assert main.tabs.tabText(main.tabs.indexOf(main.incoming)) == "待接收（1）"


# the window itself -----------------------------------------------------------------------


def test_status_bar_actions_and_remembered_geometry(make_desk, qtbot, tmp_path):
    main = window(make_desk, qtbot, tmp_path)
    assert "张敏" in main.status_user.text() and "民政窗口" in main.status_user.text()
    assert "LJ03" in main.status_node.text() and "单机使用" in main.status_sync.text()
    # every declared action with a handler exists once, with its key
    assert main.actions["new_case"].shortcut().toString() == "F2"
    assert {a.shortcut for a in ACTIONS if a.shortcut} >= {"F1", "F2", "F3", "F4", "F5"}
    assert ("F2", main.actions["new_case"].text()) in shortcut_table()
    help_dialog = main.act_help_keys()
    table = help_dialog.findChild(QTableWidget, "shortcut_table")
    assert table.rowCount() == len(shortcut_table()) and table.item(0, 0).text() == "F2"
    main.resize(700, 500)
    main.close()
    again = window(make_desk, qtbot, tmp_path)
    assert again.size().width() == 700


def test_dialogs_open_again_after_earlier_ones_were_closed_and_deleted(make_desk, qtbot, tmp_path):
    from PySide6.QtCore import QCoreApplication, QEvent

    main = window(make_desk, qtbot, tmp_path)
    for _ in range(3):
        dialog = main.act_help_keys()
        assert dialog.isVisible()
        dialog.reject()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # Qt deletes it now
        assert dialog not in main.dialogs
    presence = main.act_presence()
    assert presence.isVisible()


def test_qt_s_own_buttons_are_chinese(make_desk, qtbot, tmp_path):
    main = window(make_desk, qtbot, tmp_path)
    dialog = main.act_presence()
    box = dialog.findChild(QDialogButtonBox)
    texts = {b.text() for b in box.buttons()}
    assert texts == {"确定", "取消"}, texts


def test_f6_offers_the_selected_cases_actions_as_a_menu(make_desk, run, clock, qtbot, tmp_path):
    state = accepted_case(run, clock)
    main = window(make_desk, qtbot, tmp_path)
    assert main.act_case_action() is None and "选择办件" in main.statusBar().currentMessage()
    main.queue.table.selectRow(main.queue.table.case_model.row_of(state.case_id))
    qtbot.waitUntil(lambda: main.detail.state is not None and main.detail.state.case_id == state.case_id)
    menu = main.act_case_action()
    texts = [a.text() for a in menu.actions()]
    assert "办结" in texts and "启动特别程序" in texts
    menu.close()


def test_a_supervisor_sees_every_windows_open_cases_most_urgent_first(make_desk, run, clock, qtbot, tmp_path):
    from conftest import SB

    mz = accepted_case(run, clock)
    sb_item = "SB-GG-0002"
    sb = run(intake.receive_case, SB, item_code=sb_item, applicant=PERSON2, materials=[])
    main = window(make_desk, qtbot, tmp_path, "huangjun")
    model = main.queue.table.case_model
    ids = [model.summary(r).case_id for r in range(model.rowCount())]
    assert ids[0] == mz.case_id and sb.case.case_id in ids
    assert main.tabs.tabText(0) == "全部在办" and "全部窗口" in main.status_user.text()


def test_the_desk_applies_deemed_acceptance_when_it_starts(make_desk, run, clock, qtbot, tmp_path):
    received = run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON, materials=[])
    clock.advance(days=10)  # more than five working days without a one-time notice
    main = window(make_desk, qtbot, tmp_path)
    qtbot.waitUntil(lambda: "视为受理" in main.statusBar().currentMessage(), timeout=10000)
    model = main.queue.table.case_model
    row = model.row_of(received.case.case_id)
    assert model.summary(row).status is Status.IN_PROGRESS


def test_the_detail_names_missing_materials_and_the_notice_deadline(make_desk, run, clock, qtbot, tmp_path):
    received = run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON, materials=[])
    main = window(make_desk, qtbot, tmp_path)
    main.detail.show_case(received.case.case_id)
    missing = main.detail.fields["missing"].text()
    assert "身份证" in missing and "M0" not in missing
    assert "一次性告知" in main.detail.fields["dates"].text()


def test_signing_out_returns_to_the_sign_in(make_desk, qtbot, tmp_path):
    main = window(make_desk, qtbot, tmp_path)
    with qtbot.waitSignal(main.signed_out, timeout=2000):
        main.act_sign_out()
    assert not main.isVisible()


def test_arrowing_through_the_queue_shows_the_case_the_selection_rests_on(make_desk, run, clock, qtbot, tmp_path):
    for person in (PERSON, PERSON2, PERSON):
        accepted_case(run, clock, person)
    main = window(make_desk, qtbot, tmp_path)
    table = main.queue.table
    qtbot.waitUntil(lambda: main.detail.state is not None)  # the first case fills in after the window shows
    shown = []
    real = main.detail.show_case
    main.detail.show_case = lambda case_id: (shown.append(case_id), real(case_id))
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Down)  # quicker than the key repeat: no case is read in between
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert shown == [] and main.detail._soon.isActive(), "nothing is read while the keys move on"
    last = table.case_model.summary(2).case_id
    qtbot.waitUntil(lambda: main.detail.state is not None and main.detail.state.case_id == last)
    assert shown == [last], "the rows passed over were not each read and laid out"
    qtbot.keyClick(table, Qt.Key.Key_Up)
    qtbot.keyClick(table, Qt.Key.Key_Return)  # Enter opens at once
    assert main.detail.state.case_id == table.case_model.summary(1).case_id


def test_a_case_opened_while_the_selection_settles_stays_shown(make_desk, run, clock, qtbot, tmp_path):
    first, second = accepted_case(run, clock), accepted_case(run, clock, PERSON2)
    main = window(make_desk, qtbot, tmp_path)
    row = main.queue.table.case_model.row_of(first.case_id)
    main.queue.table.selectRow(row)  # the detail would follow in 40 ms …
    main.desk.signals.open_case.emit(second.case_id)  # … but a case is opened now (after an intake, say)
    qtbot.wait(120)
    assert main.detail.state.case_id == second.case_id
