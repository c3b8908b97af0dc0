"""The fields of the case actions while the clock runs: special procedure (特别程序)
and its end, extension (延期), completion (办结), delivery (送达) and the rating (好差评).

As in ``case_forms``, each form calls exactly one service; the extension's new due
date is only previewed here with the desk calendar — the service decides it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QLineEdit, QRadioButton, QSpinBox, QWidget

from windowdesk.core.calendar import CalendarGapError
from windowdesk.core.codes import Delivery, Rating, Result
from windowdesk.core.lifecycle import Status
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services import handling
from windowdesk.services.common import Actor
from windowdesk.ui.case_forms import Form, note_label, text_box


def days_box(name: str) -> QSpinBox:
    """Working days; 0 shows as blank, so an empty box reaches the service as "missing"."""
    box = QSpinBox(objectName=name)
    box.setRange(0, 365)
    box.setSpecialValueText(" ")
    box.setSuffix(_(" working days"))
    return box


class SuspendForm(Form):
    """特别程序: hearing, testing, inspection, expert review, public notice (公示) …"""

    def build(self) -> None:
        self.procedure = QComboBox(objectName="procedure")
        self.procedure.setEditable(True)
        item = self.item()
        for special in item.special_procedures if item else ():
            self.procedure.addItem(special.name, special.limit)
        self.add(_("Special &procedure"), self.procedure)
        self.reason = self.add(_("&Reason"), text_box("reason", 2))
        self.expected = self.add(_("&Expected length"), days_box("expected_days"))
        self.procedure.currentIndexChanged.connect(self._procedure_chosen)
        self._procedure_chosen()

    def _procedure_chosen(self) -> None:
        limit = self.procedure.currentData()
        if isinstance(limit, int):
            self.expected.setValue(limit)

    def effect(self) -> str:
        due = self.state.due_date.isoformat() if self.state.due_date else "—"
        return _("The clock stops at the end of today and stays stopped until the special procedure ends. "
                 "The due date ({due}) no longer applies meanwhile; it is set again, without the days of "
                 "the procedure, when the procedure ends.").format(due=due)

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(handling.suspend_case, actor, self.state.case_id,
                              procedure=self.procedure.currentText(), reason=self.reason.toPlainText(),
                              expected_days=self.expected.value())


class ResumeForm(Form):
    def build(self) -> None:
        if self.state.suspensions:
            start = self.state.suspensions[-1][0]
            self.note(_("Special procedure under way since {day}.").format(day=start.isoformat()), "since")

    def effect(self) -> str:
        return _("The clock restarts from the next working day; the days of the special procedure are not "
                 "counted. The new due date is worked out when you save.")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(handling.resume_case, actor, self.state.case_id)


class ExtendForm(Form):
    """延期: more working days, approved by a named person, with a reason told to the applicant."""

    def build(self) -> None:
        self.days = self.add(_("Extend &by"), days_box("days"))
        self.approver = self.add(_("&Approved by"), QLineEdit(objectName="approver"))
        self.approver.setPlaceholderText(_("name and post of the person who approved it"))
        self.reason = self.add(_("&Reason (told to the applicant)"), text_box("reason", 2))
        self.preview = self.note("", "preview")
        self.days.valueChanged.connect(self._preview)
        self._preview()

    def preview_text(self) -> str:
        days = self.days.value()
        if not days:
            return _("Enter the number of working days to see the new due date.")
        if self.state.status is Status.SUSPENDED or self.state.due_date is None:
            return _("The clock is stopped: the {days} working days are added, and the new due date is set "
                     "when the special procedure ends.").format(days=days)
        try:
            new = self.desk.calendar().add_workdays(self.state.due_date, days)
        except CalendarGapError as exc:
            return str(exc)
        text = _("New due date (preview): {due}").format(due=new.isoformat())
        warning = getattr(new, "warning", None)
        return text + (f"（{warning}）" if warning else "")

    def _preview(self) -> None:
        self.preview.setText(self.preview_text())

    def effect(self) -> str:
        return _("The due date moves by the working days of the extension.")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(handling.extend_case, actor, self.state.case_id, days=self.days.value(),
                              approver=self.approver.text(), reason=self.reason.toPlainText())


def radio_row(choices, prefix: str) -> tuple[QWidget, QButtonGroup, dict[str, QRadioButton]]:
    """A row of radio buttons, one per ``(value, label)``."""
    row = QWidget()
    line = QHBoxLayout(row)
    line.setContentsMargins(0, 0, 0, 0)
    group = QButtonGroup(row)
    buttons = {}
    for value, label in choices:
        button = QRadioButton(label, objectName=f"{prefix}_{value}")
        group.addButton(button)
        line.addWidget(button)
        buttons[value] = button
    line.addStretch(1)
    return row, group, buttons


class CompleteForm(Form):
    """办结: granted, or denied with the reason."""

    def build(self) -> None:
        row, self.group, self.results = radio_row(((r.value, r.label) for r in Result), "result")
        self.results[Result.GRANTED.value].setChecked(True)
        self.add(_("Result"), row)
        self.reason = self.add(_("&Reason (when denied)"), text_box("reason", 2))

    def chosen(self) -> str:
        return next((value for value, button in self.results.items() if button.isChecked()), "")

    def effect(self) -> str:
        due = self.state.due_date.isoformat() if self.state.due_date else "—"
        return _("The clock stops today ({today}); the due date was {due}.").format(
            today=self.desk.today().isoformat(), due=due)

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(handling.complete_case, actor, self.state.case_id, result=self.chosen(),
                              reason=self.reason.toPlainText())


class DeliverForm(Form):
    def build(self) -> None:
        self.method = QComboBox(objectName="method")
        for method in Delivery:
            self.method.addItem(method.label, method.value)
        self.add(_("&Delivered by"), self.method)

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(handling.deliver_case, actor, self.state.case_id, method=self.method.currentData())


class EvaluateForm(Form):
    """好差评: the applicant's own choice of five levels; nothing is chosen in advance."""

    def build(self) -> None:
        row, self.group, self.levels = radio_row(((r.value, r.label) for r in Rating), "rating")
        self.add(_("The applicant's rating"), row)
        self.comment = self.add(_("&Comment"), QLineEdit(objectName="comment"))
        self.comment.setPlaceholderText(_("optional"))
        self.rows.addRow(note_label(_("A rating of dissatisfied or very dissatisfied is flagged for a call-back.")))

    def chosen(self) -> str:
        return next((value for value, button in self.levels.items() if button.isChecked()), "")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(handling.evaluate_case, actor, self.state.case_id, level=self.chosen(),
                              comment=self.comment.text())

