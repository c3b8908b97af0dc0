"""Printing from the desk: a case's forms, a window's registration book, an item's guide.

The sheet is read and rendered on the background helper (a long book shows its
progress); the preview then opens (``print_preview``). Only a form that really leaves
the desk — printed, or saved as a PDF — is recorded in the case's history, through
the printing service; a preview alone records nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Callable

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from windowdesk.core.codes import Role
from windowdesk.core.errors import DomainError
from windowdesk.i18n import _
from windowdesk.printing.sheets import FormKind
from windowdesk.services import printing
from windowdesk.services.catalogue_read import current_item_names
from windowdesk.services.printing_book import check_period, registration_book, service_guide
from windowdesk.services.printing_parts import form_title
from windowdesk.ui import feedback
from windowdesk.ui.context import Desk

def rendered(desk: Desk, build: Callable, *, write: bool = False) -> Callable:
    """The helper's work: read the sheet with ``build(uow)`` and render it to PDF bytes
    (reportlab is imported there, on the helper thread, not by the desk's start)."""

    def work(progress):
        from windowdesk.printing.render import render

        with desk.uow(write=write) as uow:
            sheet = build(uow)
        return render(sheet, progress=progress)

    return work


class FormJob:
    """Read and render on the background helper, with progress; then open the preview."""

    def __init__(self, desk: Desk, parent: QWidget, title: str, file_name: str):
        self.desk, self.parent, self.title, self.file_name = desk, parent, title, file_name
        self.preview = None
        self.progress = QProgressDialog(_("Preparing {title}…").format(title=title), "", 0, 0, parent)
        self.progress.setObjectName("print_progress")
        self.progress.setWindowTitle(_("WindowDesk"))
        self.progress.setCancelButton(None)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(400)  # a notice is quicker than that: no flash

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(done, total))

    def start(self, work: Callable, recorded: Callable[[str], None] | None = None) -> "FormJob":
        """``work(progress)`` returns the PDF bytes; ``recorded(kind)`` runs once the form
        was printed or saved."""

        def done(pdf: bytes) -> None:
            self.progress.close()
            from windowdesk.ui.print_preview import PrintPreview

            preview = PrintPreview(self.title, pdf, self.file_name, self.desk.background, self.parent)
            preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            if recorded is not None:
                preview.output_done.connect(recorded)
            preview.open()
            self.preview = preview
            self.desk.signals.preview_opened.emit(preview)

        def failed(exc: BaseException) -> None:
            self.progress.close()
            if isinstance(exc, DomainError):
                feedback.warn(self.parent, str(exc))
            else:
                from windowdesk.ui.errors import show_exception

                show_exception(self.parent, exc)

        self.desk.background.run(work, done=done, failed=failed, progress=self._progressed)
        return self


def print_case_form(desk: Desk, parent: QWidget, state, form: FormKind) -> FormJob:
    actor = desk.actor(state.holder_window if state.holder_window in desk.windows else None)
    number = state.case_number
    service = printing.CASE_FORMS[form]
    # a write unit of work: an Art. 32 deemed acceptance falling due is recorded first
    work = rendered(desk, lambda uow: service(uow, actor, number, record=False), write=True)

    def recorded(_kind: str) -> None:
        try:
            desk.call(printing.record_print, actor, number, form)
        except DomainError as exc:
            feedback.warn(parent, str(exc))
        desk.signals.case_changed.emit(state.case_id)

    title = form_title(form)
    return FormJob(desk, parent, title, f"{title}-{number}.pdf").start(work, recorded)


def print_guide(desk: Desk, parent: QWidget, item_code: str, item_name: str = "") -> FormJob:
    work = rendered(desk, lambda uow: service_guide(uow, item_code))
    title = form_title(FormKind.GUIDE)
    return FormJob(desk, parent, title, f"{title}-{item_name or item_code}.pdf").start(work)


def print_book(desk: Desk, parent: QWidget, window: str | None, first: date, last: date) -> FormJob:
    work = rendered(desk, lambda uow: registration_book(uow, window=window, first_day=first, last_day=last))
    title = form_title(FormKind.BOOK)
    name = desk.window_names().get(window or "", _("all windows"))
    return FormJob(desk, parent, title, f"{title}-{name}-{first:%Y%m%d}-{last:%Y%m%d}.pdf").start(work)


class BookDialog(QDialog):
    """Which window's book, for which days (this month so far, by default)."""

    def __init__(self, desk: Desk, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.setObjectName("book_dialog")
        self.setWindowTitle(_("Print the registration book"))
        names = desk.window_names()
        overseer = desk.user.role in (Role.SUPERVISOR, Role.ADMIN)
        self.window_box = QComboBox(objectName="book_window")
        for code in (sorted(names) if overseer else desk.windows):
            self.window_box.addItem(names.get(code, code), code)
        if overseer:
            self.window_box.insertItem(0, _("All windows of the center"), None)
            self.window_box.setCurrentIndex(0)
        today = desk.today()
        self.first = QDateEdit(QDate(today.year, today.month, 1), objectName="book_first")
        self.last = QDateEdit(QDate(today.year, today.month, today.day), objectName="book_last")
        for edit in (self.first, self.last):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        form = QFormLayout()
        for label, widget in ((_("&Window"), self.window_box), (_("&From"), self.first), (_("&To"), self.last)):
            text = QLabel(label)
            text.setBuddy(widget)
            form.addRow(text, widget)
        self.error = QLabel(objectName="error")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Preview"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.job: FormJob | None = None

    def period(self) -> tuple[date, date]:
        return self.first.date().toPython(), self.last.date().toPython()

    def submit(self) -> None:
        first, last = self.period()
        try:
            check_period(first, last)
        except DomainError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()
        self.job = print_book(self.desk, self.parentWidget() or self, self.window_box.currentData(), first, last)


class GuideDialog(QDialog):
    """Which item's 办事指南 to print (the items of my windows first)."""

    def __init__(self, desk: Desk, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.setObjectName("guide_dialog")
        self.setWindowTitle(_("Print a service guide"))
        items = sorted(desk.read(current_item_names), key=lambda i: (i[2] not in desk.windows, i[0]))
        self.item_box = QComboBox(objectName="guide_item")
        for code, name, _window in items:
            self.item_box.addItem(f"{code}　{name}", code)
        self.item_box.setEditable(True)
        self.item_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.item_box.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.item_box.completer().setCompletionMode(self.item_box.completer().CompletionMode.PopupCompletion)
        self.item_box.setMinimumWidth(420)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Preview"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        label = QLabel(_("&Item"))
        label.setBuddy(self.item_box)
        form.addRow(label, self.item_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.job: FormJob | None = None

    def submit(self) -> None:
        code = self.item_box.currentData()
        if not code:
            return
        self.accept()
        name = self.item_box.currentText().split("　", 1)[-1]
        self.job = print_guide(self.desk, self.parentWidget() or self, code, name)
