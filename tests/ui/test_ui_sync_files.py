"""Sync files at the desk (工具 → 导出同步文件 / 导入同步文件): a village point with no
network writes its waiting records to a file on a USB stick; a window desk of the township
takes it in and forwards it at once. The status bar reminds a village point long offline
that it can carry its records so, and fits 1366×768.

The first tests write the desk's ``sync_state`` rows directly (as enrollment and rounds
leave them, with a real signing key) and replace ``run_round`` with a recorder; the last
ones run against a real county server with enrolled desks."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from conftest import MZ, PERSON, PERSON2, STAFF
from .test_ui_sync import pushed_everything, set_sync_state as sync_state
from windowdesk.db.store import open_store
from windowdesk.services import accounts, intake, referrals, setup, sync
from windowdesk.services.common import Actor
from windowdesk.services.uow import SystemClock, UnitOfWork
from windowdesk.sync import files
from windowdesk.sync.engine import RoundResult
from windowdesk.ui import sync_carry
from windowdesk.ui.background import Background
from windowdesk.ui.context import Desk
from windowdesk.ui.mainwindow import MainWindow

ITEM = "MZ-GF-0003"


def set_sync_state(store, **values) -> None:
    """As test_ui_sync's, with the signing key a desk has for its sync files."""
    sync_state(store, signing_key=files.new_key()[0], **values)


class Rounds:
    """Stands in for ``run_round``: records each round."""

    def __init__(self):
        self.calls: list[str] = []

    def __call__(self, store, client=None, clock=None):
        self.calls.append(threading.current_thread().name)
        return RoundResult(in_step=True)


@pytest.fixture
def rounds(monkeypatch):
    recorder = Rounds()
    monkeypatch.setattr("windowdesk.sync.engine.run_round", recorder)
    monkeypatch.setattr("windowdesk.ui.sync_runner.AFTER_START_MS", 600_000)  # only the rounds a test asks for
    return recorder


class FileDialogs:
    """Stands in for QFileDialog's save and open dialogs: records what they were shown and
    answers with ``path`` ('' is the clerk's Cancel)."""

    def __init__(self):
        self.path = ""
        self.asked: list[tuple[str, str, str]] = []  # (which, title, proposed path or folder)

    def save(self, parent, title, proposed, filters=""):
        self.asked.append(("save", title, proposed))
        return str(self.path), ""

    def open(self, parent, title, folder, filters=""):
        self.asked.append(("open", title, folder))
        return str(self.path), ""


@pytest.fixture
def dialogs(monkeypatch):
    recorder = FileDialogs()
    monkeypatch.setattr(sync_carry.QFileDialog, "getSaveFileName", recorder.save)
    monkeypatch.setattr(sync_carry.QFileDialog, "getOpenFileName", recorder.open)
    return recorder


def open_window(desk: Desk, qtbot, tmp_path, name: str = "ui") -> MainWindow:
    main = MainWindow(desk, QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    return main


def window(make_desk, qtbot, tmp_path, code="zhangmin", windows=None) -> MainWindow:
    return open_window(make_desk(code, windows), qtbot, tmp_path)


def receive(run, person=PERSON):
    return run(intake.receive_case, MZ, item_code=ITEM, applicant=person, materials=[]).case


def wait_outcome(qtbot, signal, act):
    with qtbot.waitSignal(signal, timeout=20_000) as outcome:
        act()
    return outcome.args[0]


# what is offered ---------------------------------------------------------------------------


def test_sync_files_are_offered_to_enrolled_desks_and_import_to_the_hall_only(
        make_desk, desk_store, qtbot, tmp_path, rounds):
    alone = window(make_desk, qtbot, tmp_path)
    assert not alone.actions["export_sync_file"].isVisible() and not alone.actions["import_sync_file"].isVisible()
    alone.close()
    set_sync_state(desk_store, kind="village", node="QSV01")
    village = window(make_desk, qtbot, tmp_path, "daiban01")
    assert village.actions["export_sync_file"].text() == "导出同步文件…"
    assert village.actions["export_sync_file"].isVisible() and not village.actions["import_sync_file"].isVisible()
    village.close()
    set_sync_state(desk_store, kind="window")
    hall = window(make_desk, qtbot, tmp_path)
    assert hall.actions["import_sync_file"].text() == "导入同步文件…"
    assert hall.actions["export_sync_file"].isVisible() and hall.actions["import_sync_file"].isVisible()
    tools = next(a.menu() for a in hall.menuBar().actions() if a.text().startswith("工具"))
    assert {hall.actions["export_sync_file"], hall.actions["import_sync_file"]} <= set(tools.actions())


# exporting and importing (the county stood in for) -------------------------------------------------


def test_export_with_nothing_waiting_says_so_and_writes_no_file(
        make_desk, desk_store, run, qtbot, tmp_path, rounds, dialogs, feedback):
    receive(run)
    set_sync_state(desk_store, kind="village", node="QSV01")
    pushed_everything(desk_store)
    main = window(make_desk, qtbot, tmp_path, "daiban01")
    dialogs.path = tmp_path / "stick" / "x.wdsync"
    assert wait_outcome(qtbot, main.sync.files.exported, main.act_export_sync_file) is None
    assert "没有待发送的记录" in feedback.texts("tell")[-1] and "未写出同步文件" in feedback.texts("tell")[-1]
    assert dialogs.asked == [], "no file to choose when there is nothing to carry"
    assert not (tmp_path / "stick").exists()


@pytest.fixture
def hall_store(tmp_path, clock):
    """A window desk of township QS on another PC (its own file)."""
    store = open_store(tmp_path / "hall.sqlite", node_code="QS02")
    with UnitOfWork(store, clock) as uow:
        setup.install_bundled_reference_data(uow)
        for code, name, role, windows in STAFF:
            setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
    set_sync_state(store, node="QS02")
    yield store
    store.close()


def test_a_village_export_is_written_whole_and_taken_in_at_a_hall_desk_which_syncs_at_once(
        make_desk, desk_store, run, qtbot, tmp_path, clock, rounds, dialogs, feedback, hall_store):
    set_sync_state(desk_store, kind="village", node="QSV01")
    for person in (PERSON, PERSON2):
        receive(run, person)
    village = window(make_desk, qtbot, tmp_path, "daiban01")
    stick = tmp_path / "U盘"
    stick.mkdir()
    dialogs.path = stick / "村里的记录"  # typed without the extension
    exported = wait_outcome(qtbot, village.sync.files.exported, village.act_export_sync_file)
    which, title, proposed = dialogs.asked[0]
    assert which == "save" and title == "导出同步文件"
    assert re.fullmatch(r"同步文件-QSV01-\d{8}-\d{4}\.wdsync", Path(proposed).name), proposed
    written = stick / "村里的记录.wdsync"
    assert exported.events == 2 and written.read_bytes() == exported.data
    assert [p.name for p in stick.iterdir()] == [written.name], "no partial file left beside it"
    told = feedback.texts("tell")[-1]
    assert "已将 2 条记录写入" in told and str(written) in told and "本乡镇任一办件台" in told
    doc = files.read(written.read_bytes())
    assert doc["node"] == "QSV01" and files.count(doc) == 2

    with UnitOfWork(hall_store, clock) as uow:
        user = accounts.signed_in(uow, "zhangmin")
    hall = open_window(Desk(hall_store, user, user.windows, clock, Background()), qtbot, tmp_path, "hall")
    dialogs.path = written
    imported = wait_outcome(qtbot, hall.sync.files.imported, hall.act_import_sync_file)
    assert dialogs.asked[-1][:2] == ("open", "导入同步文件")
    assert imported.new and imported.node == "QSV01" and imported.events == 2
    assert "已导入办件台 QSV01 的 2 条记录" in feedback.texts("tell")[-1]
    qtbot.waitUntil(lambda: hall.sync.runner.rounds == 1)  # forwarded at once, not in a minute
    assert len(rounds.calls) == 1

    imported = wait_outcome(qtbot, hall.sync.files.imported, hall.act_import_sync_file)  # the same file again
    assert not imported.new and "此前已导入过" in feedback.texts("tell")[-1]
    assert dialogs.asked[-1][2] == str(stick), "the open dialog starts where the last file came from"
    with UnitOfWork(hall_store, write=False) as uow:
        assert uow.execute("SELECT count(*) FROM sync_files").scalar_one() == 1
    hall.close()
    hall.desk.background.wait()


def test_a_damaged_file_is_refused_and_nothing_is_taken_in(
        make_desk, desk_store, qtbot, tmp_path, rounds, dialogs, feedback):
    set_sync_state(desk_store)
    main = window(make_desk, qtbot, tmp_path)
    damaged = tmp_path / "damaged.wdsync"
    damaged.write_bytes(b'{"format": "windowdesk-sync-file", "vers')
    dialogs.path = damaged
    assert wait_outcome(qtbot, main.sync.files.imported, main.act_import_sync_file) is None
    warned = feedback.texts("warn")[-1]
    assert warned.startswith("同步文件未导入：") and "损坏" in warned
    dialogs.path = ""  # cancelled: nothing happens
    main.act_import_sync_file()
    assert len(feedback.messages) == 1 and rounds.calls == []
    assert main.actions["import_sync_file"].isEnabled()


# the village point's reminder, and a status bar that fits ---------------------------------------------


def test_a_village_point_offline_for_days_is_reminded_to_carry_its_records(
        make_desk, desk_store, run, qtbot, tmp_path, clock, rounds, dialogs):
    receive(run)
    receive(run, PERSON2)
    offline = (clock.now() - timedelta(days=3, hours=2)).isoformat()
    set_sync_state(desk_store, kind="village", node="QSV01", offline_since=offline, last_error="无法连接县级平台")
    main = window(make_desk, qtbot, tmp_path, "daiban01")
    hint = main.status_carry
    assert hint.isVisible() and "2 条待发送" in hint.text() and "同步文件" in hint.text()
    assert "已离线 3 天" in hint.toolTip() and "导出同步文件" in hint.toolTip()
    assert main.status_sync.text().startswith("离线")
    hint.linkActivated.emit("export")  # the hint is a link to the export
    assert dialogs.asked and dialogs.asked[0][0] == "save"

    dialog = main.act_sync_status()
    assert dialog.carry.isVisible() and "已离线 3 天，有 2 条记录待发送" in dialog.carry.text()
    assert dialog.export_button.isVisible()
    dialog.export_button.click()  # the dialog closes and the export begins
    assert len(dialogs.asked) == 2
    qtbot.waitUntil(lambda: dialog not in main.dialogs)

    # offline for a few hours only, or a window desk of the hall: no reminder
    for values in ({"offline_since": (clock.now() - timedelta(hours=5)).isoformat()},
                   {"offline_since": offline, "kind": "window"}):
        set_sync_state(desk_store, **values)
        main.sync.runner.set_status(main.sync.runner.read_status())  # as after a round
        assert not hint.isVisible(), values
        assert not main.act_sync_status().carry.isVisible(), values


def test_the_status_bar_fits_the_smallest_screen(make_desk, desk_store, run, qtbot, tmp_path, rounds):
    many = ["MZ", "SB", "CL", "GT", "TY", "YB"]
    run(setup.add_clerk, code="zhoutao", name="周涛", role="clerk", windows=many)
    set_sync_state(desk_store, kind="village", node="QSV01", standing="copied")  # the longest sync state
    main = window(make_desk, qtbot, tmp_path, "zhoutao")
    main.resize(1366, 768)
    qtbot.waitUntil(lambda: main.width() == 1366)
    labels = [w for w in (main.status_user, main.status_node, main.status_sync, main.status_carry,
                          main.status_calendar) if w.isVisible()]
    assert sum(w.width() for w in labels) < 1366 * 0.6, "room is left for the passing messages"
    for label in labels:
        assert label.width() >= label.sizeHint().width(), f"{label.objectName()} is cut: {label.text()}"
    names = main.desk.window_names()
    assert main.status_user.text().endswith("…") and main.status_user.text().startswith("周涛 · 在岗")
    assert all(names[w] in main.status_user.toolTip() for w in many), "every window in the tooltip"
    assert main.status_sync.text() == "数据库为复制或恢复件，需重新登记", "the longest sync state is whole"
    if main.status_calendar.isVisible():  # (with the bundled schedules, next year's may be missing)
        assert "节假日安排" in main.status_calendar.text() and "国务院" in main.status_calendar.toolTip()


# with a real county server -------------------------------------------------------------------------


@pytest.fixture
def township(county_server, tmp_path):
    """A village point and a window desk of QS, and a window desk of HX, enrolled with a
    real county server. The village point has no network: its server cannot be reached."""
    from windowdesk.sync.engine import enroll_desk

    stores = {}
    for name, kind, code in (("village", "village", "QS"), ("hall", "window", "QS"), ("other", "window", "HX")):
        stores[name] = open_store(tmp_path / f"{name}.sqlite")
        enroll_desk(stores[name], county_server.url, county_server.code(kind, code))
    with UnitOfWork(stores["village"]) as uow:
        uow.execute("UPDATE sync_state SET value = 'http://127.0.0.1:9' WHERE key = 'server'")  # no network
        uow.commit()
    yield stores
    for store in stores.values():
        store.close()


def proxy_item(store) -> str:
    import json

    with UnitOfWork(store, write=False) as uow:
        rows = uow.execute("SELECT s.code, s.data FROM service_items s JOIN catalogue_versions v "
                           "ON v.version = s.version AND v.current = 1 WHERE s.window_code = 'MZ' ORDER BY s.code").all()
    return next(code for code, data in rows if json.loads(data).get("proxy_allowed", False))


def hand_over_offline(store):
    """A village agent registers a case and hands it over to the township's 民政 window."""
    from windowdesk.core.notices import complete_materials
    from windowdesk.services.common import current_item

    agent = Actor("daiban01", "MZ")
    with UnitOfWork(store) as uow:
        item, _version = current_item(uow, proxy_item(store))
        case = intake.receive_case(uow, agent, item_code=item.code, applicant=PERSON,
                                   materials=complete_materials(item), channel="proxy").case
        referrals.hand_over_case(uow, agent, case.case_id, note="村里无网络，U盘带到镇上")
    return case


def county_window(store, code: str, qtbot, tmp_path) -> MainWindow:
    with UnitOfWork(store, write=False) as uow:
        user = accounts.signed_in(uow, code)
    return open_window(Desk(store, user, user.windows, SystemClock(), Background()), qtbot, tmp_path, code)


def close(main: MainWindow) -> None:
    main.close()  # waits for the helpers, before the stores close
    main.desk.background.wait()


@pytest.mark.slow
def test_a_hand_over_carried_from_a_village_without_network_arrives_in_the_halls_incoming_list(
        township, qtbot, tmp_path, dialogs, feedback, monkeypatch):
    monkeypatch.setattr("windowdesk.ui.sync_runner.AFTER_START_MS", 600_000)  # rounds when asked
    village_store, hall_store = township["village"], township["hall"]
    case = hand_over_offline(village_store)
    village = county_window(village_store, "daiban01", qtbot, tmp_path)
    try:
        stick = tmp_path / "stick"
        stick.mkdir()
        dialogs.path = stick / "交接.wdsync"
        exported = wait_outcome(qtbot, village.sync.files.exported, village.act_export_sync_file)
        assert exported.events == 2 and (stick / "交接.wdsync").exists()
        assert "已将 2 条记录写入" in feedback.texts("tell")[-1]
        assert Path(dialogs.asked[0][2]).name.startswith(f"同步文件-{village_store.node_code}-")
    finally:
        close(village)

    hall = county_window(hall_store, "zhangmin", qtbot, tmp_path)
    try:
        incoming = hall.incoming.table.case_model
        assert incoming.row_of(case.case_id) is None
        dialogs.path = stick / "交接.wdsync"
        imported = wait_outcome(qtbot, hall.sync.files.imported, hall.act_import_sync_file)
        assert imported.new and imported.node == village_store.node_code
        assert f"已导入办件台 {village_store.node_code} 的 2 条记录" in feedback.texts("tell")[-1]
        # the round asked at once forwards the file and brings the hand-over down again
        qtbot.waitUntil(lambda: incoming.row_of(case.case_id) is not None, timeout=30_000)
        assert hall.tabs.tabText(hall.tabs.indexOf(hall.incoming)).startswith("待接收")
        assert incoming.summary(incoming.row_of(case.case_id)).status.value == "handed_over"
        qtbot.waitUntil(lambda: "已转送同步文件中的 2 条记录" in hall.statusBar().currentMessage(), timeout=10_000)
        assert not [m for m in feedback.messages if m[0] in ("warn", "error")]
    finally:
        close(hall)


@pytest.mark.slow
def test_a_file_of_another_township_is_refused_with_the_reason(township, qtbot, tmp_path, dialogs, feedback,
                                                                 monkeypatch):
    from windowdesk.services import sync_files

    monkeypatch.setattr("windowdesk.ui.sync_runner.AFTER_START_MS", 600_000)
    hand_over_offline(township["village"])
    with UnitOfWork(township["village"], write=False) as uow:
        data = sync_files.export_outbox(uow).data
    carried = tmp_path / "qs.wdsync"
    carried.write_bytes(data)
    other = county_window(township["other"], "hx.wanggang", qtbot, tmp_path)  # 红星乡 (HX)
    try:
        dialogs.path = carried
        assert wait_outcome(qtbot, other.sync.files.imported, other.act_import_sync_file) is None
        warned = feedback.texts("warn")[-1]
        assert warned.startswith("同步文件未导入：") and "其他乡镇（QS）" in warned
        assert other.sync.runner.rounds == 0 and not other.sync.runner.running
        with UnitOfWork(township["other"], write=False) as uow:
            assert uow.execute("SELECT count(*) FROM sync_files").scalar_one() == 0
            assert sync.status(uow).waiting == 0
    finally:
        close(other)
