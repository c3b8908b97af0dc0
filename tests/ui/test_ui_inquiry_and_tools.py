"""The inquiry log, the maintenance tools and error reporting, driven through the window."""

from __future__ import annotations

import logging

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QPushButton

from conftest import MZ, PERSON
from windowdesk.core.errors import ValidationError
from windowdesk.core.lifecycle import Status
from windowdesk.db import queries
from windowdesk.services import intake
from windowdesk.ui import errors
from windowdesk.ui.inquiry import InquiryDialog
from windowdesk.ui.mainwindow import MainWindow


def window(make_desk, qtbot, tmp_path, code="zhangmin", windows=None) -> MainWindow:
    main = MainWindow(make_desk(code, windows), QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    main.show()
    return main


def inquiry_rows(main):
    model = main.inquiries.table.case_model
    return [model.summary(r) for r in range(model.rowCount())]


def test_an_inquiry_answered_at_the_window_is_logged_with_its_first_inquiry_clerk(make_desk, qtbot, tmp_path,
                                                                                   desk_store):
    main = window(make_desk, qtbot, tmp_path)
    dialog = main.act_new_inquiry()
    assert isinstance(dialog, InquiryDialog) and dialog.isVisible()
    dialog.name.setText("王大伯")
    dialog.phone.setText("13912345678")
    dialog.item.setCurrentIndex(dialog.item.findData("MZ-GF-0003"))
    dialog.question.setPlainText("八十岁老人的高龄津贴要带什么材料？")
    dialog.answer.setPlainText("带身份证、户口簿，到民政窗口申领。")
    dialog.save()
    assert not dialog.isVisible()
    rows = inquiry_rows(main)
    assert len(rows) == 1 and rows[0].status is Status.ANSWERED and rows[0].applicant_name == "王大伯"
    state = queries.case_by_number(desk_store.reader(), rows[0].inquiry_number)
    assert state.first_clerk == "zhangmin" and state.answer.startswith("带身份证")
    assert main.detail.state.case_id == state.case_id, "the new inquiry opens in the detail view"
    # the log shows what was asked, and no time-limit columns; the queue shows no question column
    table, model = main.inquiries.table, main.inquiries.table.case_model
    shown = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
             if not table.isColumnHidden(c)]
    assert "咨询内容" in shown and "应办结日期" not in shown and "剩余工作日" not in shown
    assert "八十岁老人的高龄津贴要带什么材料？" in [model.index(0, c).data() for c in range(model.columnCount())]
    queue = main.queue.table
    assert all(queue.isColumnHidden(c) == (model.headerData(c, Qt.Orientation.Horizontal) == "咨询内容")
               for c in range(model.columnCount()))


def test_an_inquiry_referred_to_another_window_and_a_missing_question_refused(make_desk, qtbot, tmp_path, desk_store):
    main = window(make_desk, qtbot, tmp_path)
    dialog = main.act_new_inquiry()
    dialog.name.setText("李四")
    dialog.save()
    assert "咨询内容" in dialog.error.text() or "不能为空" in dialog.error.text()
    assert dialog.isVisible() and dialog.case_id is None and inquiry_rows(main) == []

    dialog.question.setPlainText("养老保险怎么续交？")
    dialog.referred.setChecked(True)
    dialog.target.setCurrentIndex(dialog.target.findData("SB"))
    dialog.answer.setPlainText("属社保窗口业务")
    dialog.save()
    rows = inquiry_rows(main)
    assert len(rows) == 1 and rows[0].status is Status.REFERRED
    sb = window(make_desk, qtbot, tmp_path, "wangfang")
    incoming = sb.incoming.table.case_model
    assert incoming.rowCount() == 1 and incoming.summary(0).case_id == rows[0].case_id


def test_an_inquiry_is_turned_into_a_case_from_the_log_without_retyping(make_desk, qtbot, tmp_path, run):
    asked = run(intake.log_inquiry, MZ, question="高龄津贴怎么申领？", item_code="MZ-GF-0003", applicant=PERSON).case
    main = window(make_desk, qtbot, tmp_path)
    main.tabs.setCurrentWidget(main.inquiries)
    main.inquiries.table.selectRow(0)
    main.inquiries.findChild(QPushButton, "inquiry_to_case").click()
    intake_dialog = main.dialogs[-1]
    assert intake_dialog.applicant.name.text() == PERSON.name
    assert intake_dialog.item.code == "MZ-GF-0003" and asked.inquiry_number in intake_dialog.banner.text()


def test_backup_check_and_rebuild_run_on_the_background_helper(make_desk, qtbot, tmp_path, run, feedback, desk_store):
    run(intake.receive_case, MZ, item_code="MZ-GF-0003", applicant=PERSON, materials=[])
    main = window(make_desk, qtbot, tmp_path, "huangjun")  # a supervisor may rebuild
    assert "rebuild" in main.actions
    job = main.act_back_up()
    qtbot.waitUntil(lambda: job.result is not None, timeout=10000)
    assert job.result.exists() and "备份" in feedback.texts("tell")[-1]

    job = main.act_check_file()
    qtbot.waitUntil(lambda: job.result is not None, timeout=10000)
    assert job.result.ok and job.result.cases == 1

    feedback.answer = True
    job = main.act_rebuild()
    qtbot.waitUntil(lambda: job.result is not None, timeout=10000)
    assert job.result.cases == 1 and "1" in feedback.texts("tell")[-1]
    assert not job.progress.isVisible()

    clerk = window(make_desk, qtbot, tmp_path, "zhangmin")
    assert "rebuild" not in clerk.actions, "a window clerk is not offered the rebuild"


def test_an_unexpected_error_is_logged_and_reported_and_a_clerks_mistake_is_only_told(tmp_path, feedback, qtbot):
    log_path = errors.set_up_logging(tmp_path / "logs")
    try:
        raise RuntimeError("disk on fire")
    except RuntimeError as exc:
        errors.show_exception(None, exc)
    for handler in logging.getLogger("windowdesk").handlers:
        handler.flush()
    assert "disk on fire" in log_path.read_text(encoding="utf-8")
    kind, text = feedback.messages[-1]
    assert kind == "error" and "RuntimeError: disk on fire" in text and "Traceback" in text

    errors.show_exception(None, ValidationError("身份证号码长度不对"))
    assert feedback.messages[-1] == ("warn", "身份证号码长度不对")
