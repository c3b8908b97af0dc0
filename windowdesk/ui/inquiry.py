"""咨询登记: a quick entry for a question that does not (yet) become a case — who asked,
about what, and the answer or the window it was referred to. The signed-in clerk is
recorded as the first-inquiry clerk (首问负责)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
)

from windowdesk.core.errors import DomainError
from windowdesk.i18n import _
from windowdesk.services import intake, referrals
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.catalogue_read import current_items
from windowdesk.ui.context import Desk


class InquiryDialog(QDialog):
    def __init__(self, desk: Desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.case_id: str | None = None
        self.setWindowTitle(_("Log an inquiry"))
        self.name = QLineEdit(objectName="inquiry_name")
        self.phone = QLineEdit(objectName="inquiry_phone")
        self.id_number = QLineEdit(objectName="inquiry_id")
        self.id_number.setPlaceholderText(_("optional"))
        self.item = QComboBox(objectName="inquiry_item")
        self.item.addItem(_("(no particular item)"), None)
        for item in desk.read(current_items):
            self.item.addItem(f"{item.name}（{item.code}）", item.code)
        self.question = QPlainTextEdit(objectName="inquiry_question")
        self.question.setTabChangesFocus(True)
        self.answered = QRadioButton(_("Answered here"), objectName="inquiry_answered")
        self.answered.setChecked(True)
        self.referred = QRadioButton(_("Referred to another window"), objectName="inquiry_referred")
        self.open_later = QRadioButton(_("Answer later"), objectName="inquiry_open")
        self.answer = QPlainTextEdit(objectName="inquiry_answer")
        self.answer.setTabChangesFocus(True)
        self.target = QComboBox(objectName="inquiry_target")
        for code, name in sorted(desk.window_names().items()):
            if code not in desk.windows:
                self.target.addItem(name, code)
        self.error = QLabel(objectName="inquiry_error")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow(_("Who asked"), self.name)
        form.addRow(_("Phone"), self.phone)
        form.addRow(_("ID number"), self.id_number)
        form.addRow(_("About"), self.item)
        form.addRow(_("Question"), self.question)
        form.addRow("", self.answered)
        form.addRow(_("Answer / reason"), self.answer)
        form.addRow("", self.referred)
        form.addRow(_("Refer to"), self.target)
        form.addRow("", self.open_later)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("You are recorded as the first-inquiry clerk for this question.")))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 520)

    def save(self) -> None:
        desk = self.desk
        applicant = ApplicantInput(self.name.text(), id_number=self.id_number.text().strip(),
                                   phone=self.phone.text(), address="")
        try:
            if self.case_id is None:  # the question itself is kept even if what follows fails
                logged = desk.call(intake.log_inquiry, desk.actor(), question=self.question.toPlainText(),
                                   applicant=applicant, item_code=self.item.currentData())
                self.case_id = logged.case.case_id
            if self.answered.isChecked():
                desk.call(intake.answer_inquiry, desk.actor(), self.case_id, self.answer.toPlainText())
            elif self.referred.isChecked():
                desk.call(referrals.refer_case, desk.actor(), self.case_id, to_window=self.target.currentData() or "",
                          reason=self.answer.toPlainText())
        except DomainError as exc:
            self.error.setText(str(exc))
            if self.case_id is not None:
                desk.signals.case_changed.emit(self.case_id)
            return
        desk.signals.case_changed.emit(self.case_id)
        desk.signals.open_case.emit(self.case_id)
        self.accept()
