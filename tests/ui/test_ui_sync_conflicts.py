"""冲突 at the desk: two desks took the same referral at the same time. Every clerk sees the
banner naming both; only a supervisor is offered the ruling, which keeps one of them.

The two desks exchange their events here in-process, through the same services a sync
round uses to apply what it pulled (``sync.apply_pulled``); ``test_ui_sync`` has the real
county server."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from conftest import MZ, PERSON, STAFF, full_materials
from windowdesk.core.lifecycle import Status
from windowdesk.db.store import open_store
from windowdesk.services import intake, referrals, setup, sync
from windowdesk.services.common import Actor, current_item, load_case
from windowdesk.services.uow import UnitOfWork
from windowdesk.ui.mainwindow import MainWindow

ITEM = "MZ-GF-0003"
CHENJIE = ("chenjie", "陈杰", "clerk", ["SB"])


def ship(source, target, clock) -> None:
    """Everything ``source`` wrote, applied at ``target`` as a pull would."""
    with UnitOfWork(source, clock, write=False) as uow:
        events, _last = sync.outbox(uow, limit=100_000)
    with UnitOfWork(target, clock) as uow:
        sync.apply_pulled(uow, events, 0)


@pytest.fixture
def other_desk(tmp_path, clock):
    store = open_store(tmp_path / "other.sqlite", node_code="LJ04")
    with UnitOfWork(store, clock) as uow:
        setup.install_bundled_reference_data(uow)
        for code, name, role, windows in (*STAFF, CHENJIE):
            setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
    yield store
    store.close()


@pytest.fixture
def conflict(desk_store, other_desk, run, clock):
    """A case referred by 民政 to 社保 and taken over there twice: by 王芳 on this desk
    and by 陈杰 on the other, before either heard of the other."""
    code, name, role, windows = CHENJIE
    run(setup.add_clerk, code=code, name=name, role=role, windows=windows)
    item = run(lambda uow: current_item(uow, ITEM)[0])
    case = run(intake.receive_case, MZ, item_code=ITEM, applicant=PERSON, materials=full_materials(item)).case
    run(referrals.refer_case, MZ, case.case_id, to_window="SB", reason="属社保事项")
    ship(desk_store, other_desk, clock)
    run(referrals.accept_referral, Actor("wangfang", "SB"), case.case_id)
    with UnitOfWork(other_desk, clock) as uow:
        referrals.accept_referral(uow, Actor("chenjie", "SB"), case.case_id)
    ship(desk_store, other_desk, clock)
    ship(other_desk, desk_store, clock)
    state = run(load_case, case.case_id)
    assert state.status is Status.CONFLICT
    return state


def window(make_desk, qtbot, tmp_path, code, windows=None) -> MainWindow:
    main = MainWindow(make_desk(code, windows), QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    return main


def test_a_clerk_sees_the_conflict_and_both_decisions_but_cannot_rule(make_desk, qtbot, tmp_path, conflict):
    main = window(make_desk, qtbot, tmp_path, "wangfang")
    main.detail.show_case(conflict.case_id)
    banner = main.detail.conflict_banner
    assert banner.isVisible()
    text = banner.text()
    assert "冲突：两台办件台同时作出了互相排斥的处理，待监督人员裁决" in text
    assert "接收转办——王芳，办件台 LJ03" in text and "接收转办——陈杰，办件台 LJ04" in text
    assert "监督人员裁决之前" in text
    assert main.detail.findChild(type(main.detail.title), "do_resolve_conflict") is None
    assert main.act_case_action() is None, "nothing to do on it for a clerk"
    assert "冲突" in main.detail.fields["status"].text()


def test_a_supervisor_rules_from_the_button_or_f6_and_the_case_goes_on(make_desk, qtbot, tmp_path, conflict, run,
                                                                     other_desk, clock):
    main = window(make_desk, qtbot, tmp_path, "huangjun")
    main.detail.show_case(conflict.case_id)
    assert main.detail.conflict_banner.isVisible() and "监督人员裁决之前" not in main.detail.conflict_banner.text()
    menu = main.act_case_action()
    assert [a.text() for a in menu.actions()] == ["裁决冲突"]
    menu.close()
    from PySide6.QtWidgets import QPushButton

    main.detail.findChild(QPushButton, "do_resolve_conflict").click()
    dialog = main.detail.current_dialog
    assert dialog.isVisible() and "裁决冲突" in dialog.windowTitle()
    assert len(dialog.choices) == 2
    dialog.save()  # nothing chosen, no reason: refused, the dialog stays
    assert dialog.error.isVisible() and dialog.isVisible()
    keep = next(c.event_id for c in dialog.options if c.actor == "chenjie")
    dialog.choices[keep].setChecked(True)
    dialog.save()
    assert "理由" in dialog.error.text() and run(load_case, conflict.case_id).status is Status.CONFLICT
    dialog.reason.setPlainText("以社保B号台受理为准")
    dialog.save()
    state = run(load_case, conflict.case_id)
    assert state.status is Status.RECEIVED and state.holder_clerk == "chenjie" and state.holder_node == "LJ04"
    assert dialog.result_state == state
    assert main.detail.state.status is Status.RECEIVED and not main.detail.conflict_banner.isVisible()
    # the case is carried on at the desk that holds it: nothing of it is offered here
    assert "LJ04" in main.detail.fields["holder"].text()
    assert main.detail.findChild(QPushButton, "do_accept") is None
    # the other desk agrees once it has the ruling
    ship(main.desk.store, other_desk, clock)
    with UnitOfWork(other_desk, clock, write=False) as uow:
        assert load_case(uow, conflict.case_id) == state


def test_the_supervisors_list_shows_the_cases_in_conflict(make_desk, qtbot, tmp_path, conflict):
    main = window(make_desk, qtbot, tmp_path, "huangjun")
    assert main.queue.table.case_model.row_of(conflict.case_id) is not None
