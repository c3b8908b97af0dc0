"""County sync at the desk: the status bar's words for each state, rounds in the background
(F9, after a decision, never two at once), lists kept in place when a round brings cases,
enrolling and the sync status dialog; and a real county server with two enrolled desks.

The display tests write the desk's ``sync_state`` rows directly (what a round would have
recorded) and replace ``run_round`` with a recorder; the last test syncs for real."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from conftest import MZ, PERSON, PERSON2
from windowdesk.core.errors import RuleViolation
from windowdesk.services import accounts, intake, referrals, sync
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.engine import RoundResult
from windowdesk.ui.mainwindow import MainWindow

ITEM = "MZ-GF-0003"


def window(make_desk, qtbot, tmp_path, code="zhangmin", windows=None) -> MainWindow:
    desk = make_desk(code, windows)
    main = MainWindow(desk, QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    return main


def set_sync_state(store, **values) -> None:
    """What enrollment and rounds record, written as they would have left it."""
    rows = {"server": "https://county.example:8650", "node": "QS01", "township": "QS", "kind": "window",
            "credential": "secret-credential", "pushed_seq": "0", **values}
    with UnitOfWork(store) as uow:
        for key, value in rows.items():
            uow.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, str(value)))
        uow.commit()


def pushed_everything(store) -> None:
    with UnitOfWork(store) as uow:
        last = uow.execute("SELECT coalesce(max(seq), 0) FROM events").scalar_one()
    set_sync_state(store, pushed_seq=last)


class Rounds:
    """Stands in for ``run_round``: records each round and the thread it ran on; a round
    can be held until the test lets it go, and can act on the store (as a pull would)."""

    def __init__(self):
        self.calls: list[str] = []
        self.hold = threading.Event()
        self.hold.set()
        self.then = None  # store -> RoundResult

    def __call__(self, store, client=None, clock=None):
        self.calls.append(threading.current_thread().name)
        self.hold.wait(10)
        return self.then(store) if self.then else RoundResult(in_step=True)


@pytest.fixture
def rounds(monkeypatch):
    recorder = Rounds()
    monkeypatch.setattr("windowdesk.sync.engine.run_round", recorder)
    monkeypatch.setattr("windowdesk.ui.sync_runner.AFTER_START_MS", 600_000)  # only the rounds a test asks for
    return recorder


def receive(run, person=PERSON):
    return run(intake.receive_case, MZ, item_code=ITEM, applicant=person, materials=[]).case


def local(hour: int, minute: int, day: datetime | None = None) -> datetime:
    day = day or datetime.now().astimezone()
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


# the status bar -----------------------------------------------------------------------


def test_a_desk_working_alone_says_so_and_offers_no_sync(make_desk, qtbot, tmp_path, rounds, feedback):
    main = window(make_desk, qtbot, tmp_path)
    assert main.status_sync.text() == "单机使用（未登记到县级）"
    assert "未登记" in main.status_sync.toolTip()
    assert not main.actions["sync"].isVisible(), "no 同步 button on a desk that cannot sync"
    assert "enroll" not in main.actions, "enrolling is for an administrator"
    main.act_sync()  # F9 all the same: told why nothing happens
    assert "无需同步" in main.statusBar().currentMessage() and rounds.calls == []


STATES = [  # what rounds recorded → the status bar's words, and how they are shown
    ({"last_ok_at": "10:42 today"}, "已同步 10:42", ""),
    ({"offline_since": "12-05 09:10", "last_error": "无法连接县级平台：ConnectError"}, "离线（自 12-05 09:10）", "background"),
    ({"clock_offset_ms": 7 * 60_000 + 1234, "last_ok_at": "10:42 today"}, "本机时钟偏差 7 分钟", "background"),
    ({"clock_offset_ms": -7 * 60_000}, "本机时钟偏差 7 分钟", "background"),
    ({"clock_offset_ms": 4 * 60_000, "last_ok_at": "10:42 today"}, "已同步 10:42", ""),
    ({"standing": "revoked", "last_error": "本机已被停用"}, "本机已被县级停用", "#c62828"),
    ({"standing": "upgrade"}, "需要升级后才能办件", "#c62828"),
    ({"standing": "copied"}, "数据库为复制或恢复件，需重新登记", "#c62828"),
    ({}, "尚未同步", ""),
]


def test_the_status_bar_says_how_the_desk_stands_with_the_county(make_desk, desk_store, qtbot, tmp_path, rounds):
    set_sync_state(desk_store)
    main = window(make_desk, qtbot, tmp_path)
    label = main.status_sync
    assert main.actions["sync"].isVisible()
    for values, text, level in STATES:
        recorded = {"last_ok_at": "", "offline_since": "", "last_error": "", "clock_offset_ms": 0, "standing": "",
                    **values}
        if values.get("last_ok_at"):
            recorded["last_ok_at"] = local(10, 42).astimezone(timezone.utc).isoformat()
        if values.get("offline_since"):
            when = datetime(datetime.now().year, 12, 5, 9, 10).astimezone()
            recorded["offline_since"] = when.astimezone(timezone.utc).isoformat()
        set_sync_state(desk_store, **recorded)
        main.sync.show_status(main.sync.runner.read_status())
        assert label.text() == text, values
        style = label.styleSheet()
        assert (level in style) if level else not any(mark in style for mark in ("background", "#c62828")), values
        tip = label.toolTip()
        assert "https://county.example:8650" in tip and "QS01" in tip, values
        if values.get("last_error"):
            assert values["last_error"] in tip


def test_events_not_yet_sent_are_counted(make_desk, desk_store, run, qtbot, tmp_path, rounds):
    pushed_everything(desk_store)
    for person in (PERSON, PERSON2, PERSON):
        receive(run, person)
    set_sync_state(desk_store, last_ok_at=datetime.now(timezone.utc).isoformat())
    main = window(make_desk, qtbot, tmp_path)
    assert main.status_sync.text() == "3 条待发送"
    assert "待发送：3 条记录" in main.status_sync.toolTip()


def test_in_step_on_another_day_names_the_day(make_desk, desk_store, qtbot, tmp_path, rounds):
    earlier = local(16, 5, datetime.now().astimezone() - timedelta(days=3))
    set_sync_state(desk_store, last_ok_at=earlier.astimezone(timezone.utc).isoformat())
    main = window(make_desk, qtbot, tmp_path)
    assert main.status_sync.text() == "已同步 " + earlier.strftime("%m-%d 16:05")


# rounds in the background ---------------------------------------------------------------


def test_f9_runs_a_round_off_the_ui_thread_and_rounds_never_overlap(make_desk, desk_store, qtbot, tmp_path, rounds):
    set_sync_state(desk_store, last_ok_at=datetime.now(timezone.utc).isoformat())
    main = window(make_desk, qtbot, tmp_path)
    runner = main.sync.runner
    assert main.actions["sync"].shortcut().toString() == "F9" and main.actions["sync"].text() == "同步"
    rounds.hold.clear()
    main.activateWindow()  # a shortcut reaches the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
    qtbot.keyClick(main, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: len(rounds.calls) == 1)
    assert rounds.calls[0] != threading.current_thread().name, "the round runs on the sync thread"
    assert runner.running and "正在与县级同步" in main.statusBar().currentMessage()
    for _ in range(3):  # asked again while it runs: one more round afterwards, not three
        qtbot.keyClick(main, Qt.Key.Key_F9)
    assert len(rounds.calls) == 1
    rounds.hold.set()
    qtbot.waitUntil(lambda: runner.rounds == 2 and not runner.running)
    qtbot.wait(100)
    assert len(rounds.calls) == 2
    assert "已发送 0 条记录" in main.statusBar().currentMessage()


def test_a_decision_is_followed_by_a_round_and_a_mere_reading_is_not(make_desk, desk_store, qtbot, tmp_path, rounds):
    set_sync_state(desk_store, last_ok_at=datetime.now(timezone.utc).isoformat())
    main = window(make_desk, qtbot, tmp_path)
    desk, runner = main.desk, main.sync.runner
    desk.read(accounts.signed_in, "zhangmin")
    desk.call(lambda uow: uow.execute("SELECT count(*) FROM cases").all())  # a writing unit of work that wrote nothing
    qtbot.wait(700)
    assert rounds.calls == []
    desk.call(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON, materials=[])
    qtbot.waitUntil(lambda: runner.rounds == 1, timeout=3000)
    assert len(rounds.calls) == 1


def test_an_enrolled_desk_syncs_when_it_opens_and_every_minute(make_desk, desk_store, qtbot, tmp_path, rounds,
                                                                monkeypatch):
    alone = window(make_desk, qtbot, tmp_path)
    assert not alone.sync.runner.timer.isActive()
    alone.close()
    set_sync_state(desk_store)
    monkeypatch.setattr("windowdesk.ui.sync_runner.AFTER_START_MS", 50)
    main = window(make_desk, qtbot, tmp_path)
    runner = main.sync.runner
    assert runner.timer.isActive() and runner.timer.interval() == 60_000
    qtbot.waitUntil(lambda: runner.rounds == 1)
    runner.timer.setInterval(100)  # a minute, shortened
    qtbot.waitUntil(lambda: runner.rounds >= 3)


def test_a_round_that_brings_cases_refreshes_the_lists_keeping_the_selection_and_the_scroll(
        make_desk, desk_store, run, qtbot, tmp_path, rounds):
    set_sync_state(desk_store, last_ok_at=datetime.now(timezone.utc).isoformat())
    for i in range(30):
        receive(run, PERSON if i % 2 else PERSON2)
    main = window(make_desk, qtbot, tmp_path)
    main.resize(1000, 500)
    table, model = main.queue.table, main.queue.table.case_model
    qtbot.waitUntil(lambda: main.detail.state is not None)
    row = 20
    chosen = model.summary(row).case_id
    table.selectRow(row)
    table.scrollTo(model.index(row, 0))
    qtbot.waitUntil(lambda: main.detail.state.case_id == chosen)
    position = table.verticalScrollBar().value()
    assert position > 0
    shown = []
    real = main.detail.show_case
    main.detail.show_case = lambda case_id: (shown.append(case_id), real(case_id))

    # a round that changes nothing the clerk sees reads nothing again
    rounds.then = lambda store: RoundResult(in_step=True, changed={"no-such-case"})
    main.act_sync()
    qtbot.waitUntil(lambda: main.sync.runner.rounds == 1)

    def pulled(store):  # as if another desk's case arrived
        with UnitOfWork(store) as uow:
            case = intake.receive_case(uow, MZ, item_code=ITEM, applicant=PERSON, materials=[]).case
        return RoundResult(received=1, in_step=True, changed={case.case_id})

    rounds.then = pulled
    main.act_sync()
    qtbot.waitUntil(lambda: model.rowCount() == 31)
    qtbot.wait(100)
    assert table.current_case() == chosen and table.selectionModel().isRowSelected(model.row_of(chosen))
    assert table.verticalScrollBar().value() == position
    assert shown == [] and main.detail.state.case_id == chosen, "the detail stays on the clerk's case"


def test_the_open_case_is_read_again_when_a_round_changed_it(make_desk, desk_store, run, qtbot, tmp_path, rounds):
    set_sync_state(desk_store)
    case = receive(run)
    main = window(make_desk, qtbot, tmp_path)
    main.detail.show_case(case.case_id)
    assert main.detail.state.status.value == "received"

    def pulled(store):  # the case was accepted elsewhere and that came down
        with UnitOfWork(store) as uow:
            intake.accept_case(uow, MZ, case.case_id)
        return RoundResult(received=1, in_step=True, changed={case.case_id})

    rounds.then = pulled
    main.act_sync()
    qtbot.waitUntil(lambda: main.detail.state.status.value == "in_progress")
    assert [line.title for line in main.detail.history][-1] == "受理"


# enrolling and the status dialog -----------------------------------------------------------


def test_enrolling_is_offered_to_an_administrator_of_a_new_desk_and_says_what_went_wrong(
        make_desk, desk_store, qtbot, tmp_path, rounds, monkeypatch, feedback):
    main = window(make_desk, qtbot, tmp_path, "admin")
    assert main.actions["enroll"].text() == "登记到县级…"
    dialog = main.act_enroll()
    dialog.submit()
    assert "县级平台地址" in dialog.error.text()
    dialog.server.setText("https://county.example:8650")
    dialog.submit()
    assert "登记码" in dialog.error.text()

    seen = []

    def refused(store, server, code, clock=None):
        seen.append((server, code, threading.current_thread().name))
        raise RuleViolation("登记码已失效或已使用。")

    monkeypatch.setattr("windowdesk.sync.engine.enroll_desk", refused)
    dialog.code.setText("ABCD-EFGH")
    dialog.submit()
    assert not dialog.code.isEnabled(), "nothing typed again while it enrolls"
    qtbot.waitUntil(lambda: "未能登记" in dialog.error.text())
    assert "登记码已失效" in dialog.error.text() and dialog.isVisible() and dialog.code.isEnabled()
    assert seen[0][:2] == ("https://county.example:8650", "ABCD-EFGH")
    assert seen[0][2] != threading.current_thread().name

    def enrolled(store, server, code, clock=None):
        set_sync_state(store, server=server, node="QS07")
        with UnitOfWork(store, write=False) as uow:
            return sync.status(uow)

    monkeypatch.setattr("windowdesk.sync.engine.enroll_desk", enrolled)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog not in main.dialogs)  # closed and deleted
    assert "QS07" in feedback.texts("tell")[-1] and "已登记到县级" in feedback.texts("tell")[-1]
    assert "enroll" not in main.actions and main.actions["sync"].isVisible()
    assert main.status_sync.text() == "尚未同步" or main.status_sync.text().startswith("已同步")
    qtbot.waitUntil(lambda: len(rounds.calls) == 1), "the township's cases are fetched at once"


def test_enrolling_is_not_offered_to_a_clerk_nor_on_a_desk_that_holds_cases(make_desk, run, qtbot, tmp_path, rounds):
    assert "enroll" not in window(make_desk, qtbot, tmp_path, "huangjun").actions
    receive(run)
    assert "enroll" not in window(make_desk, qtbot, tmp_path, "admin").actions


def test_the_sync_status_dialog_lists_the_state_and_syncs_now(make_desk, desk_store, run, qtbot, tmp_path, rounds):
    receive(run)
    case_events = 1
    set_sync_state(desk_store, last_ok_at=datetime.now(timezone.utc).isoformat(), last_error="")
    with UnitOfWork(desk_store) as uow:
        event = uow.execute("SELECT event_id FROM events LIMIT 1").scalar_one()
        uow.execute("INSERT INTO sync_held (event_id, reason, held_at) VALUES (?, 'future', ?)",
                    (event, datetime.now(timezone.utc).isoformat()))
        uow.commit()
    main = window(make_desk, qtbot, tmp_path)
    dialog = main.act_sync_status()
    text = dialog.lines.text()
    assert "https://county.example:8650" in text and "QS01" in text
    assert f"待发送：{case_events} 条记录" in text and "暂扣" in text and "1 条" in text
    assert "QS01" in dialog.windowTitle()
    dialog.sync_button.click()
    qtbot.waitUntil(lambda: main.sync.runner.rounds == 1)
    assert "已发送 0 条记录" in dialog.outcome.text() and dialog.sync_button.isEnabled()


def test_a_copied_database_is_offered_to_enroll_again(make_desk, desk_store, run, qtbot, tmp_path, rounds):
    receive(run)
    set_sync_state(desk_store, standing="copied")
    main = window(make_desk, qtbot, tmp_path, "admin")
    assert main.status_sync.text() == "数据库为复制或恢复件，需重新登记"
    dialog = main.act_enroll()
    assert "QS01" in dialog.findChild(type(dialog.error), "enroll_again").text()


def test_the_sync_status_dialog_of_a_desk_working_alone(make_desk, qtbot, tmp_path, rounds):
    main = window(make_desk, qtbot, tmp_path)
    dialog = main.act_sync_status()
    assert dialog.headline.text() == "单机使用（未登记到县级）" and not dialog.sync_button.isEnabled()


# with a real county server ------------------------------------------------------------------


@pytest.fixture
def county_desks(county_server, tmp_path):
    """Two window desks of township QS, enrolled with a real county server."""
    from windowdesk.db.store import open_store
    from windowdesk.sync.engine import enroll_desk

    stores = []
    for name in ("a", "b"):
        store = open_store(tmp_path / f"{name}.sqlite")
        enroll_desk(store, county_server.url, county_server.code("window"))
        stores.append(store)
    yield stores
    for store in stores:
        store.close()


def county_item(store, window: str) -> str:
    with UnitOfWork(store, write=False) as uow:
        return uow.execute("SELECT s.code FROM service_items s JOIN catalogue_versions v ON v.version = s.version "
                           "AND v.current = 1 WHERE s.window_code = ? ORDER BY s.code LIMIT 1", (window,)).scalar_one()


def receive_at(store, clerk: str, window: str, person, item: str):
    from windowdesk.services.common import Actor

    with UnitOfWork(store) as uow:
        return intake.receive_case(uow, Actor(clerk, window), item_code=item, applicant=person, materials=[]).case


def synced(store):
    from windowdesk.sync.engine import run_round

    result = run_round(store)
    assert not result.error and result.in_step, result.error
    return result


def county_window(store, code: str, qtbot, tmp_path) -> MainWindow:
    """The desk's window as the launcher opens it (the real clock: the county checks it)."""
    from windowdesk.services.uow import SystemClock
    from windowdesk.ui.background import Background
    from windowdesk.ui.context import Desk

    with UnitOfWork(store, write=False) as uow:
        user = accounts.signed_in(uow, code)
    desk = Desk(store, user, user.windows, SystemClock(), Background())
    main = MainWindow(desk, QSettings(str(tmp_path / f"{code}.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    return main


def close(main: MainWindow) -> None:
    main.close()  # waits for the helpers, before the stores close
    main.desk.background.wait()


@pytest.mark.slow
def test_f9_brings_a_case_made_at_another_desk_into_the_list_and_the_selection_stays(
        county_desks, qtbot, tmp_path, feedback):
    a, b = county_desks
    item = county_item(a, "MZ")
    mine = [receive_at(a, "zhangmin", "MZ", person, item) for person in (PERSON, PERSON2)]
    synced(a)
    main = county_window(a, "zhangmin", qtbot, tmp_path)
    try:
        table, model = main.queue.table, main.queue.table.case_model
        assert main.status_sync.text().startswith("已同步"), main.status_sync.text()
        table.selectRow(model.row_of(mine[1].case_id))
        qtbot.waitUntil(lambda: main.detail.state is not None and main.detail.state.case_id == mine[1].case_id)

        theirs = receive_at(b, "zhangmin", "MZ", PERSON, item)  # at the other PC of the hall
        synced(b)
        main.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is main)
        qtbot.keyClick(main, Qt.Key.Key_F9)
        qtbot.waitUntil(lambda: model.row_of(theirs.case_id) is not None, timeout=20_000)
        assert table.current_case() == mine[1].case_id
        assert table.selectionModel().isRowSelected(model.row_of(mine[1].case_id))
        assert main.detail.state.case_id == mine[1].case_id
        assert main.status_sync.text().startswith("已同步") and "已发送" in main.statusBar().currentMessage()
        # the case from the other desk is shown, held there
        main.detail.show_case(theirs.case_id)
        assert b.node_code in main.detail.fields["holder"].text()
    finally:
        close(main)


@pytest.mark.slow
def test_a_conflict_between_two_desks_is_shown_and_the_supervisors_ruling_reaches_the_other_desk(
        county_desks, qtbot, tmp_path, feedback):
    from PySide6.QtWidgets import QPushButton

    from windowdesk.core.lifecycle import Status
    from windowdesk.services.common import Actor, load_case

    a, b = county_desks
    case = receive_at(a, "zhangmin", "MZ", PERSON, county_item(a, "SB"))
    with UnitOfWork(a) as uow:
        referrals.refer_case(uow, Actor("zhangmin", "MZ"), case.case_id, to_window="SB", reason="社保事项")
    synced(a)
    synced(b)
    with UnitOfWork(a) as uow:
        referrals.accept_referral(uow, Actor("wangfang", "SB"), case.case_id)
    with UnitOfWork(b) as uow:
        referrals.accept_referral(uow, Actor("chenjie", "SB"), case.case_id)
    synced(a)
    synced(b)
    synced(a)

    clerk = county_window(a, "wangfang", qtbot, tmp_path)
    try:
        clerk.detail.show_case(case.case_id)
        text = clerk.detail.conflict_banner.text()
        assert clerk.detail.conflict_banner.isVisible() and "待监督人员裁决" in text
        assert "王芳" in text and "陈杰" in text and a.node_code in text and b.node_code in text
        assert clerk.detail.findChild(QPushButton, "do_resolve_conflict") is None
    finally:
        close(clerk)

    main = county_window(a, "huangjun", qtbot, tmp_path)
    try:
        main.detail.show_case(case.case_id)
        main.detail.findChild(QPushButton, "do_resolve_conflict").click()
        dialog = main.detail.current_dialog
        keep = next(c.event_id for c in dialog.options if c.actor == "chenjie")
        dialog.choices[keep].setChecked(True)
        dialog.reason.setPlainText("以B号台为准")
        dialog.save()
        assert main.detail.state.status is Status.RECEIVED
        runner = main.sync.runner
        qtbot.waitUntil(lambda: runner.rounds >= 1 and not runner.running and runner.status.waiting == 0,
                        timeout=20_000)  # the ruling is sent on its own, just after it was made
        synced(b)
        with UnitOfWork(b, write=False) as uow:
            there = load_case(uow, case.case_id)
        assert there.status is Status.RECEIVED and there.holder_clerk == "chenjie" and there.holder_node == b.node_code
    finally:
        close(main)


def test_the_open_case_read_again_stays_scrolled_where_the_clerk_was(make_desk, run, qtbot, tmp_path):
    from windowdesk.services import printing
    from windowdesk.printing.sheets import FormKind

    from conftest import full_materials
    from windowdesk.services.common import current_item

    item = run(lambda uow: current_item(uow, ITEM)[0])
    case = run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON, materials=full_materials(item)).case
    run(intake.accept_case, MZ, case.case_id)
    for _ in range(25):  # a long history
        run(printing.record_print, MZ, case.case_number, FormKind.ACCEPTANCE)
    main = window(make_desk, qtbot, tmp_path)
    main.resize(1000, 560)
    main.detail.show_case(case.case_id)
    qtbot.wait(50)
    bar = main.detail.timeline.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)
    kept = bar.value()
    main.detail.refresh_if({case.case_id})
    qtbot.waitUntil(lambda: bar.value() == kept)
