"""Printing from the desk: the preview (QtPdf), printing through Qt's print system into a
real PDF, saving, the record in the case's history, the book and the guide, and the
center settings. The system print and file dialogs are the only parts replaced."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QSettings, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialog, QPushButton

from conftest import MZ, PERSON, full_materials
from .test_ui_intake import choose_item, open_intake, tick_required, type_applicant
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.printing.sheets import FormKind
from windowdesk.services import intake
from windowdesk.services.history import case_history
from windowdesk.ui import print_preview
from windowdesk.ui.mainwindow import MainWindow
from windowdesk.ui.print_preview import PrintPreview, load_pdf, page_image

DIBAO = Catalogue.bundled().item("MZ-GF-0001")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


class PrintDialogToFile:
    """Stands in for the system print dialog: the clerk presses 打印, and the printer is
    Qt's own PDF printer writing to ``target``."""

    target = None
    shown = 0

    def __init__(self, printer: QPrinter, parent=None):
        self.printer = printer

    def setWindowTitle(self, _title):
        pass

    def exec(self):
        type(self).shown += 1
        if self.target is None:
            return QDialog.DialogCode.Rejected.value
        self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.printer.setOutputFileName(str(self.target))
        return QDialog.DialogCode.Accepted.value


@pytest.fixture
def printer(monkeypatch, tmp_path):
    PrintDialogToFile.target, PrintDialogToFile.shown = tmp_path / "printed.pdf", 0
    monkeypatch.setattr(print_preview, "QPrintDialog", PrintDialogToFile)
    return PrintDialogToFile


@pytest.fixture
def main(make_desk, qtbot, tmp_path):
    window = MainWindow(make_desk("zhangmin"), QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    return window


def wait_preview(qtbot, desk, start) -> PrintPreview:
    with qtbot.waitSignal(desk.signals.preview_opened, timeout=20_000) as opened:
        start()
    preview = opened.args[0]
    assert preview.isVisible()
    return preview


def printed_titles(desk, case_id) -> list[str]:
    return [line.title for line in desk.read(case_history, case_id) if line.type == "printed"]


def ink(image) -> int:
    """How many sampled pixels are not white."""
    return sum(image.pixelColor(x, y).lightness() < 200
               for x in range(0, image.width(), 4) for y in range(0, image.height(), 4))


def test_accepting_at_intake_opens_the_notice_and_only_a_real_print_is_recorded(
        qtbot, main, run, printer, feedback):
    desk = main.desk
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=full_materials(DIBAO)).case
    case = run(intake.accept_case, MZ, case.case_id)
    main.detail.show_case(case.case_id)
    buttons = {b.objectName() for b in main.detail.print_box.findChildren(QPushButton)}
    assert buttons == {"print_acceptance", "print_satisfaction", "print_guide"}

    preview = wait_preview(qtbot, desk, lambda: main.detail.print_form(FormKind.ACCEPTANCE))
    text = pdf_text(preview.pdf)
    assert "事项受理通知单" in text and case.case_number in text and "李秀兰" in text
    assert "2026-04-07" in text or "2026年4月7日" in text or "2026年04月07日" in text
    assert "补打" not in text
    assert printed_titles(desk, case.case_id) == [], "a preview records nothing"
    # the preview shows white pages with the form on them
    page = page_image(preview.document, 0, 50)
    assert page.pixelColor(2, 2).name() == "#ffffff" and ink(page) > 50

    with qtbot.waitSignal(preview.output_done, timeout=20_000) as done:  # pages print on the helper thread
        qtbot.keyClick(preview, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # Ctrl+P
    assert done.args == ["print"] and preview.print_button.isEnabled()
    assert printer.shown == 1 and printer.target.exists()
    printed = PdfReader(str(printer.target))
    assert len(printed.pages) == preview.document.pageCount()
    got, _buffer = load_pdf(printer.target.read_bytes())
    assert ink(page_image(got, 0, 50)) > 50, "the printed page carries the form"
    assert printed_titles(desk, case.case_id) == ["打印了《事项受理通知单》"]
    preview.close()

    again = wait_preview(qtbot, desk, lambda: main.detail.print_box.findChild(QPushButton, "print_acceptance").click())
    assert "补打" in pdf_text(again.pdf), "the second print is marked as a reprint"
    printer.target = None  # the clerk cancels the print dialog: nothing is recorded
    assert not again.print_pages()
    assert printed_titles(desk, case.case_id) == ["打印了《事项受理通知单》"]


def test_saving_the_pdf_records_it_and_writes_the_file(qtbot, main, run, monkeypatch, tmp_path):
    desk = main.desk
    case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
               materials=[ReceivedMaterial("M01", True, 0)]).case
    case = run(intake.issue_notice, MZ, case.case_id, additions=["村委会出具的家庭情况说明"])
    main.detail.show_case(case.case_id)
    assert {b.objectName() for b in main.detail.print_box.findChildren(QPushButton)} == {
        "print_one-time-notice", "print_guide"}
    preview = wait_preview(qtbot, desk, lambda: main.detail.print_box.findChild(QPushButton, "print_one-time-notice").click())
    text = pdf_text(preview.pdf)
    assert "一次性告知书" in text and DIBAO.material("M02").name in text and "村委会出具的家庭情况说明" in text
    target = tmp_path / "告知书"
    monkeypatch.setattr(print_preview.QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.keyClick(preview, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S
    saved = target.with_suffix(".pdf")
    assert saved.read_bytes() == preview.pdf
    assert printed_titles(desk, case.case_id) == ["打印了《一次性告知书》"]
    monkeypatch.setattr(print_preview.QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert not preview.save_pdf(), "a cancelled save writes and records nothing"
    assert printed_titles(desk, case.case_id) == ["打印了《一次性告知书》"]


def test_refusing_at_intake_opens_the_refusal_notice(qtbot, make_desk, feedback):
    desk = make_desk("zhangmin")
    dialog = open_intake(qtbot, desk)
    type_applicant(qtbot, dialog)
    choose_item(qtbot, dialog, "dbsq")
    tick_required(qtbot, dialog)
    qtbot.mouseClick(dialog.panel.buttons["refuse"], Qt.MouseButton.LeftButton)
    dialog.panel.reason.setPlainText("申请人家庭人均收入明显高于当地低保标准")
    dialog.panel.basis.setText("《社会救助暂行办法》第九条")
    with qtbot.waitSignal(desk.signals.preview_opened, timeout=20_000) as opened:
        qtbot.mouseClick(dialog.panel.confirm_refusal, Qt.MouseButton.LeftButton)
    preview = opened.args[0]
    text = pdf_text(preview.pdf)
    assert "不予受理告知书" in text and "社会救助暂行办法" in text and "示范县人民政府" in text
    assert "行政复议" in text and "行政诉讼" in text


def test_the_book_for_a_period_with_its_checks(qtbot, main, run, feedback, printer):
    from windowdesk.ui.printing import BookDialog

    for _i in range(3):
        run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON, materials=full_materials(DIBAO))
    dialog = main.act_print_book()
    assert isinstance(dialog, BookDialog)
    names = [dialog.window_box.itemText(i) for i in range(dialog.window_box.count())]
    assert names and all("全部" not in n for n in names), "a clerk prints the books of their own windows"
    dialog.first.setDate(date(2026, 3, 31))
    dialog.last.setDate(date(2026, 3, 1))
    dialog.submit()
    assert dialog.isVisible() and dialog.error.isVisible() and dialog.error.text()
    dialog.first.setDate(date(2026, 3, 1))
    dialog.last.setDate(date(2026, 3, 31))
    with qtbot.waitSignal(main.desk.signals.preview_opened, timeout=20_000) as opened:
        dialog.submit()
    preview = opened.args[0]
    text = pdf_text(preview.pdf)
    assert "受理登记册" in text and text.count("LJ03-20260302-") >= 3 and "第 1 页" in text.replace("第1页", "第 1 页")
    with qtbot.waitSignal(preview.output_done, timeout=30_000):
        assert preview.print_pages()
    printed = PdfReader(str(printer.target))
    assert len(printed.pages) == preview.document.pageCount() >= 2
    assert printed.pages[0].mediabox.width > printed.pages[0].mediabox.height, "the book prints landscape"


def test_supervisors_print_the_whole_centers_book_and_a_guide(qtbot, make_desk, tmp_path):
    main = MainWindow(make_desk("huangjun"), QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(main)
    book = main.act_print_book()
    assert book.window_box.itemText(0) == "中心全部窗口" and book.window_box.currentData() is None
    book.reject()
    guide = main.act_print_guide()
    guide.item_box.setCurrentIndex(guide.item_box.findData(DIBAO.code))
    with qtbot.waitSignal(main.desk.signals.preview_opened, timeout=20_000) as opened:
        guide.submit()
    preview = opened.args[0]
    text = pdf_text(preview.pdf)
    assert "办事指南" in text and DIBAO.name in text and "25" in text


def test_center_settings_are_for_administrators(qtbot, make_desk, tmp_path, desk_store):
    clerk = MainWindow(make_desk("zhangmin"), QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(clerk)
    assert "center_settings" not in clerk.actions
    admin = MainWindow(make_desk("admin"), QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(admin)
    dialog = admin.act_center_settings()
    assert dialog.fields["office_name"].text() == "青石镇便民服务中心"
    dialog.fields["office_name"].setText("")
    assert not dialog.save() and dialog.isVisible() and "中心名称不能为空" in dialog.error.text()
    dialog.fields["office_name"].setText("青石镇政务服务中心")
    dialog.fields["reconsideration_days"].setValue(90)
    assert dialog.save() and not dialog.isVisible()
    from windowdesk.services.center import center_info

    info = admin.desk.read(center_info)
    assert info.office_name == "青石镇政务服务中心" and info.reconsideration_days == 90
