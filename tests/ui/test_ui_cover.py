"""AB岗 across PCs at the desk: while the A clerk of a window is away (her presence set at
her own desk and carried by sync), the B clerk's desk lists her cases and offers
替A岗接手 on them; taking one over moves it onto the B clerk's desk, where every usual
action is then offered.

The first tests exchange events in-process, through the services a sync round uses
(``sync.apply_pulled``, ``sync_presence.apply_presence``); the last one has two desks
enrolled with a real county server."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QPushButton

from conftest import MZ, PERSON, PERSON2, STAFF
from windowdesk.core.lifecycle import Action, Status
from windowdesk.db.store import open_store
from windowdesk.services import accounts, intake, setup, sync, sync_presence
from windowdesk.services.common import Actor, load_case
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.engine import RoundResult
from windowdesk.ui.case_actions import ActionDialog, available_actions
from windowdesk.ui.mainwindow import MainWindow

ITEM = "MZ-GF-0003"
COVER = Action.TAKE_OVER_COVER
USUAL = ("do_issue_notice", "do_accept", "do_refuse", "do_refer", "do_withdraw")


def ship(source, target, clock) -> None:
    """Everything ``source`` wrote, applied at ``target`` as a pull would."""
    with UnitOfWork(source, clock, write=False) as uow:
        events, _last = sync.outbox(uow, limit=100_000)
    with UnitOfWork(target, clock) as uow:
        sync.apply_pulled(uow, events, 0)


def presence_arrives(store, clerk: str, presence: str, since: datetime) -> bool:
    """Where a clerk is, as the last page of a pull hands it over."""
    with UnitOfWork(store) as uow:
        return sync_presence.apply_presence(uow, {clerk: [presence, since.isoformat()]})


@pytest.fixture
def a_desk(tmp_path, clock):
    """张敏's own desk (LJ04); the conftest desk (LJ03) is 李华's, where the tests look."""
    store = open_store(tmp_path / "a.sqlite", node_code="LJ04")
    with UnitOfWork(store, clock) as uow:
        setup.install_bundled_reference_data(uow)
        for code, name, role, windows in STAFF:
            setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
    yield store
    store.close()


@pytest.fixture
def held_at_a(desk_store, a_desk, clock):
    """A case 张敏 received at her desk, seen at 李华's after a round."""
    with UnitOfWork(a_desk, clock) as uow:
        case = intake.receive_case(uow, MZ, item_code=ITEM, applicant=PERSON, materials=[]).case
    ship(a_desk, desk_store, clock)
    with UnitOfWork(desk_store, clock, write=False) as uow:
        return load_case(uow, case.case_id)


def window(make_desk, qtbot, tmp_path, code) -> MainWindow:
    main = MainWindow(make_desk(code), QSettings(str(tmp_path / f"{code}.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    return main


def buttons(main: MainWindow) -> set[str]:
    """The actions the detail offers now (the previous case's buttons are deleted later)."""
    bar = main.detail.actions_bar
    return {bar.itemAt(i).widget().objectName() for i in range(bar.count())}


def test_the_take_over_is_offered_to_the_b_clerk_only_while_the_a_clerk_is_away(
        make_desk, desk_store, run, clock, held_at_a):
    lihua, zhangmin, wangfang, huangjun = (make_desk(c) for c in ("lihua", "zhangmin", "wangfang", "huangjun"))
    assert available_actions(lihua, held_at_a) == [], "张敏 is at her desk: the case is carried on there"
    run(accounts.set_presence, "zhangmin", "leave")  # as a round would have brought it
    assert available_actions(lihua, held_at_a) == [COVER]
    assert available_actions(huangjun, held_at_a) == [COVER], "a supervisor may cover too"
    assert available_actions(wangfang, held_at_a) == [], "not her window"
    assert available_actions(zhangmin, held_at_a) == [], "the A clerk is not her own cover"
    mine = run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON2, materials=[]).case
    assert COVER not in available_actions(lihua, mine), "held at this desk: nothing to take over"
    run(accounts.set_presence, "zhangmin", "on_duty")
    assert available_actions(lihua, held_at_a) == []


def test_the_b_clerk_takes_the_case_over_onto_this_desk_from_the_detail(
        make_desk, desk_store, run, qtbot, tmp_path, held_at_a):
    case_id = held_at_a.case_id
    main = window(make_desk, qtbot, tmp_path, "lihua")
    main.detail.show_case(case_id)
    assert buttons(main) == set()
    assert "只能在该台继续办理" in main.detail.fields["holder"].text()

    run(accounts.set_presence, "zhangmin", "leave")
    main.act_refresh()
    model = main.queue.table.case_model
    assert model.row_of(case_id) is not None, "the A clerk's case is in the B clerk's queue"
    main.detail.show_case(case_id)
    assert buttons(main) == {"do_take_over_cover"}
    holder = main.detail.fields["holder"].text()
    assert "LJ04" in holder and "替A岗接手" in holder
    menu = main.act_case_action()  # F6
    assert [a.text() for a in menu.actions()] == ["替A岗接手办理（AB岗）"]
    menu.close()

    main.detail.findChild(QPushButton, "do_take_over_cover").click()
    dialog = main.detail.current_dialog
    assert isinstance(dialog, ActionDialog) and dialog.isVisible()
    label = type(dialog.due)
    who = dialog.form.findChild(label, "cover_who").text()
    assert "张敏" in who and "请假" in who and "LJ04" in who
    what = dialog.form.findChild(label, "cover_what").text()
    assert "转到本台" in what and "办件台 LJ04 不能再继续办理" in what
    dialog.save_button.click()

    state = run(load_case, case_id)
    assert state.holder_node == "LJ03" and state.holder_clerk == "lihua" and state.holder_window == "MZ"
    assert state.status is Status.RECEIVED
    assert main.detail.state.holder_node == "LJ03"
    assert set(USUAL) <= buttons(main) and "do_take_over_cover" not in buttons(main)
    assert "办件台" not in main.detail.fields["holder"].text()
    assert model.row_of(case_id) is not None
    assert main.detail.history[-1].title == "A岗不在岗，由B岗接手（AB岗）"


def test_a_take_over_refused_says_why_and_keeps_the_dialog_open(
        make_desk, desk_store, run, qtbot, tmp_path, held_at_a):
    run(accounts.set_presence, "zhangmin", "meeting")
    main = window(make_desk, qtbot, tmp_path, "lihua")
    main.detail.show_case(held_at_a.case_id)
    main.detail.start(COVER)
    dialog = main.detail.current_dialog
    assert "会议" in dialog.form.findChild(type(dialog.due), "cover_who").text()
    run(accounts.set_presence, "zhangmin", "on_duty")  # back before the B clerk confirmed
    dialog.save()
    assert dialog.isVisible() and dialog.error.isVisible() and "B岗" in dialog.error.text()
    assert run(load_case, held_at_a.case_id).holder_node == "LJ04"


class Rounds:
    """Stands in for ``run_round`` (on the sync thread): ``then(store)`` makes its result."""

    def __init__(self):
        self.then = lambda store: RoundResult(in_step=True)

    def __call__(self, store, client=None, clock=None):
        return self.then(store)


def test_a_round_that_brings_a_presence_change_refreshes_the_queue_and_the_open_case(
        make_desk, desk_store, qtbot, tmp_path, monkeypatch, held_at_a):
    rounds = Rounds()
    monkeypatch.setattr("windowdesk.sync.engine.run_round", rounds)
    monkeypatch.setattr("windowdesk.ui.sync_runner.AFTER_START_MS", 600_000)
    with UnitOfWork(desk_store) as uow:  # enrolled, as far as the desk can tell
        for key, value in (("server", "https://county.example:8650"), ("node", "QS01"), ("township", "QS"),
                           ("kind", "window"), ("credential", "secret"), ("pushed_seq", "0")):
            uow.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                        "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
        uow.commit()
    main = window(make_desk, qtbot, tmp_path, "lihua")
    model, runner = main.queue.table.case_model, main.sync.runner
    main.detail.show_case(held_at_a.case_id)
    assert model.row_of(held_at_a.case_id) is None and not main.queue.cover_note.isVisible()
    assert buttons(main) == set()

    since = datetime.now(timezone.utc)
    rounds.then = lambda store: RoundResult(in_step=True, presence_changed=presence_arrives(
        store, "zhangmin", "leave", since))
    main.act_sync()
    qtbot.waitUntil(lambda: model.row_of(held_at_a.case_id) is not None)
    note = main.queue.cover_note
    assert note.isVisible() and "张敏" in note.text() and "请假" in note.text()
    assert buttons(main) == {"do_take_over_cover"}, "the open case offers the take-over at once"

    rounds.then = lambda store: RoundResult(in_step=True, presence_changed=presence_arrives(
        store, "lihua", "out", since + timedelta(seconds=1)))  # 李华 herself, set at another desk
    main.act_sync()
    qtbot.waitUntil(lambda: "外出" in main.status_user.text())
    assert main.desk.user.presence.value == "out" and runner.rounds == 2

    rounds.then = lambda store: RoundResult(in_step=True, presence_changed=presence_arrives(
        store, "zhangmin", "on_duty", since + timedelta(seconds=2)))
    main.act_sync()
    qtbot.waitUntil(lambda: model.row_of(held_at_a.case_id) is None)
    assert not main.queue.cover_note.isVisible() and buttons(main) == set()


# with a real county server ------------------------------------------------------------------


@pytest.fixture
def hall(county_server, tmp_path):
    """Two window desks of township QS enrolled with a real county: 张敏's and 李华's."""
    from windowdesk.sync.engine import enroll_desk

    stores = []
    for name in ("a", "b"):
        store = open_store(tmp_path / f"{name}.sqlite")
        enroll_desk(store, county_server.url, county_server.code("window"))
        stores.append(store)
    yield stores
    for store in stores:
        store.close()


def synced(store) -> RoundResult:
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


@pytest.mark.slow
def test_ab_cover_across_pcs_the_b_clerk_takes_over_at_her_desk_while_the_a_clerk_is_away(hall, qtbot, tmp_path):
    a, b = hall
    with UnitOfWork(a, write=False) as uow:
        item = uow.execute("SELECT s.code FROM service_items s JOIN catalogue_versions v ON v.version = s.version "
                           "AND v.current = 1 WHERE s.window_code = 'MZ' ORDER BY s.code LIMIT 1").scalar_one()
    with UnitOfWork(a) as uow:
        case = intake.receive_case(uow, Actor("zhangmin", "MZ"), item_code=item, applicant=PERSON, materials=[]).case
    synced(a)
    synced(b)

    main = county_window(b, "lihua", qtbot, tmp_path)
    try:
        model, detail = main.queue.table.case_model, main.detail
        assert model.row_of(case.case_id) is None, "张敏 is at her desk: her cases stay in her queue"
        detail.show_case(case.case_id)
        assert buttons(main) == set() and a.node_code in detail.fields["holder"].text()

        with UnitOfWork(a) as uow:
            accounts.set_presence(uow, "zhangmin", "leave")  # at her own desk
        synced(a)
        main.act_sync()  # F9 at 李华's desk: the round brings where 张敏 is
        qtbot.waitUntil(lambda: model.row_of(case.case_id) is not None, timeout=20_000)
        assert "请假" in main.queue.cover_note.text()
        main.queue.table.selectRow(model.row_of(case.case_id))
        qtbot.waitUntil(lambda: detail.state is not None and detail.state.case_id == case.case_id)
        qtbot.waitUntil(lambda: buttons(main) == {"do_take_over_cover"})
        detail.findChild(QPushButton, "do_take_over_cover").click()
        dialog = detail.current_dialog
        assert a.node_code in dialog.form.findChild(type(dialog.due), "cover_what").text()
        dialog.save_button.click()

        with UnitOfWork(b, write=False) as uow:
            taken = load_case(uow, case.case_id)
        assert taken.holder_node == b.node_code and taken.holder_clerk == "lihua"
        assert set(USUAL) <= buttons(main) and "do_take_over_cover" not in buttons(main)
        assert model.row_of(case.case_id) is not None
    finally:
        main.close()  # waits for the helpers, before the stores close
        main.desk.background.wait()
    synced(b)
    synced(a)
    with UnitOfWork(a, write=False) as uow:
        assert load_case(uow, case.case_id).holder_node == b.node_code  # 张敏's desk can no longer carry it on
