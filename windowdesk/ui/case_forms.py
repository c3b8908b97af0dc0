"""The fields of the case actions taken before and around the decision: answering an
inquiry, supplements, acceptance, the one-time notice, refusal, referral and hand-over
(offers and the replies to them), withdrawal.

Each form calls exactly one service in ``submit`` and keeps no rules of its own: what
is required, and what is allowed, the service says (its message is shown as it is).
The clock actions (special procedure, extension, completion, delivery, rating) are in
``case_clock_forms``.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from windowdesk.core.catalogue import ServiceItem
from windowdesk.core.codes import Role
from windowdesk.core.errors import DomainError, RuleViolation
from windowdesk.core.lifecycle import Action
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services import accounts, cover, handling, intake, referrals
from windowdesk.services.common import Actor, clerk_info, item_version
from windowdesk.ui.context import Desk
from windowdesk.ui.intake_decisions import proxy_missing_text

RED = "#c62828"


def text_box(name: str, lines: int = 2) -> QPlainTextEdit:
    box = QPlainTextEdit(objectName=name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


def note_label(text: str, name: str = "") -> QLabel:
    label = QLabel(text, objectName=name)
    label.setWordWrap(True)
    return label


class Form(QWidget):
    """The fields one action needs and the one service call that carries it out."""

    def __init__(self, desk: Desk, state: CaseState, action: Action, parent=None):
        super().__init__(parent)
        self.desk, self.state, self.action = desk, state, action
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.build()

    # building -------------------------------------------------------------------

    def build(self) -> None:
        """Add the action's fields (none by default)."""

    def add(self, label: str, widget: QWidget) -> QWidget:
        text = QLabel(label)
        text.setBuddy(widget)
        text.setWordWrap(True)
        self.rows.addRow(text, widget)
        return widget

    def note(self, text: str, name: str = "") -> QLabel:
        label = note_label(text, name)
        self.rows.addRow(label)
        return label

    def item(self) -> ServiceItem | None:
        if not self.state.item_code or not self.state.item_version:
            return None
        try:
            return self.desk.read(item_version, self.state.item_code, self.state.item_version)
        except DomainError:
            return None

    def material_name(self, code: str) -> str:
        item = self.item()
        try:
            return item.material(code).name if item else code
        except DomainError:
            return code

    def clerk_name(self, code: str | None) -> str:
        try:
            return self.desk.read(clerk_info, code).name if code else ""
        except DomainError:
            return code or ""

    # acting --------------------------------------------------------------------------

    def effect(self) -> str:
        """What this action does to the due date, for the clerk to read before saving."""
        if self.state.accepted_on is None:
            return _("No due date yet: the clock starts when the case is accepted.")
        return _("This does not change the due date.")

    def submit(self, actor: Actor) -> CaseState:
        raise NotImplementedError

    def refused(self, exc: DomainError) -> None:
        """The service refused (its message is shown by the dialog); adjust if needed."""


class AnswerForm(Form):
    def build(self) -> None:
        self.note(_("Question: {question}").format(question=self.state.question or "—"), "question")
        self.answer = self.add(_("&Answer given"), text_box("answer", 3))

    def effect(self) -> str:
        return _("An inquiry has no due date; answering it closes it.")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(intake.answer_inquiry, actor, self.state.case_id, self.answer.toPlainText())


class SupplementForm(Form):
    """补正: tick what the applicant brought of what is still missing."""

    def build(self) -> None:
        item = self.item()
        grid_box = QWidget()
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for col, title in enumerate((_("Brought"), _("Original seen"), _("Copies"))):
            grid.addWidget(QLabel(f"<b>{title}</b>"), 0, col)
        self.material_rows: list[tuple[str, QCheckBox, QCheckBox, QSpinBox]] = []
        for row, code in enumerate(self.state.missing_materials, start=1):
            material = item.material(code) if item else None
            brought = QCheckBox(material.name if material else code, objectName=f"brought_{code}")
            original = QCheckBox(_("original"), objectName=f"original_{code}")
            original.setChecked(bool(material and material.original))
            copies = QSpinBox(objectName=f"copies_{code}")
            copies.setRange(0, 20)
            copies.setSuffix(_(" copies"))
            copies.setValue(material.copies if material and material.copy else 0)
            for col, widget in enumerate((brought, original, copies)):
                grid.addWidget(widget, row, col)
            self.material_rows.append((code, brought, original, copies))
        grid.setColumnStretch(0, 1)
        if self.material_rows:
            self.rows.addRow(note_label(_("Materials still missing — tick each one the applicant brought now:")))
            self.rows.addRow(grid_box)
        else:
            grid_box.deleteLater()
        self.resolved: list[tuple[str, QCheckBox]] = []
        if self.state.outstanding_additions:
            self.note(_("Other points of the notice — tick each one now settled:"))
            for i, text in enumerate(self.state.outstanding_additions):
                box = QCheckBox(text, objectName=f"resolved_{i}")
                self.rows.addRow(box)
                self.resolved.append((text, box))

    def effect(self) -> str:
        return _("No due date yet. When nothing is missing any more, the case returns to you for acceptance, "
                 "dated the day the last supplement arrived.")

    def submit(self, actor: Actor) -> CaseState:
        materials = [ReceivedMaterial(code, original.isChecked(), copies.value())
                     for code, brought, original, copies in self.material_rows if brought.isChecked()]
        resolved = [text for text, box in self.resolved if box.isChecked()]
        return self.desk.call(intake.record_supplement, actor, self.state.case_id,
                              materials=materials, additions_resolved=resolved)


class AcceptForm(Form):
    def build(self) -> None:
        if self.state.supplements_completed_on:
            self.note(_("The last supplement arrived on {day}.").format(
                day=self.state.supplements_completed_on.isoformat()), "last_supplement")

    def effect(self) -> str:
        return _("The clock starts: the case is to be completed within {days} working days of acceptance; "
                 "the due date is set when you save.").format(days=self.state.limit_days)

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(intake.accept_case, actor, self.state.case_id)


class NoticeForm(Form):
    """一次性告知: everything still missing is listed by the service; the clerk adds
    received materials found defective and any other points."""

    def build(self) -> None:
        missing = "、".join(self.material_name(c) for c in self.state.missing_materials) or _("none")
        self.note(_("Listed in the notice because still missing: {materials}").format(materials=missing), "missing")
        self.defective: list[tuple[str, QCheckBox]] = []
        for code, _original, _copies in self.state.received_materials:
            if code in self.state.missing_materials:
                continue
            box = QCheckBox(_("{name} — received; tick if it is defective").format(name=self.material_name(code)),
                            objectName=f"defective_{code}")
            self.rows.addRow(box)
            self.defective.append((code, box))
        self.additions = self.add(_("Other &points"), text_box("additions", 3))
        self.additions.setPlaceholderText(_("one point a line"))
        self.additions.setPlainText("\n".join(self.state.outstanding_additions))
        self.override_box = QWidget()
        box = QFormLayout(self.override_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addRow(note_label(_("As supervisor you may override the one-time notice rule. "
                                "The override and its reason are recorded and counted as a violation.")))
        self.override_reason = text_box("override_reason", 2)
        label = QLabel(_("Reason for the &override"))
        label.setBuddy(self.override_reason)
        box.addRow(label, self.override_reason)
        self.rows.addRow(self.override_box)
        self.override_box.hide()
        self.overriding = False

    def effect(self) -> str:
        return _("No due date yet: the clock starts when the case is accepted after the supplements.")

    def refused(self, exc: DomainError) -> None:
        if (isinstance(exc, RuleViolation) and self.state.notice_count
                and self.desk.user.role is Role.SUPERVISOR):
            self.overriding = True
            self.override_box.show()
            self.override_reason.setFocus()

    def submit(self, actor: Actor) -> CaseState:
        kwargs = {}
        if self.overriding:
            kwargs = {"override_by": self.desk.user.code, "override_reason": self.override_reason.toPlainText()}
        return self.desk.call(
            intake.issue_notice, actor, self.state.case_id,
            defective=[code for code, box in self.defective if box.isChecked()],
            additions=self.additions.toPlainText().splitlines(), **kwargs)


class RefuseForm(Form):
    def build(self) -> None:
        self.reason = self.add(_("&Reason for refusal"), text_box("reason", 2))
        self.basis = self.add(_("Legal or policy &basis"), QLineEdit(objectName="basis"))
        self.redirect = self.add(_("Where to apply &instead"), QLineEdit(objectName="redirect"))
        self.redirect.setPlaceholderText(_("only when the matter belongs to another office"))

    def effect(self) -> str:
        return _("The case ends here, without a due date; the refusal notice states the reasons.")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(intake.refuse_case, actor, self.state.case_id, reason=self.reason.toPlainText(),
                              basis=self.basis.text(), redirect=self.redirect.text())


class ReferForm(Form):
    def build(self) -> None:
        self.target = QComboBox(objectName="target")
        for code, name in sorted(self.desk.window_names().items()):
            if code != self.state.holder_window:
                self.target.addItem(name, code)
        self.add(_("Refer to &window"), self.target)
        self.reason = self.add(_("&Reason for the referral"), text_box("reason", 2))
        self.note(_("The case stays with your window, and you stay answerable for it, until that window takes it."))

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(referrals.refer_case, actor, self.state.case_id,
                              to_window=self.target.currentData() or "", reason=self.reason.toPlainText())


OFFER_SERVICES = {
    Action.ACCEPT_REFERRAL: referrals.accept_referral,
    Action.DECLINE_REFERRAL: referrals.decline_referral,
    Action.ACCEPT_HANDOVER: referrals.accept_handover,
    Action.DECLINE_HANDOVER: referrals.decline_handover,
}


class OfferForm(Form):
    """Taking over, or declining, a case another window referred or an agent handed over."""

    def build(self) -> None:
        names = self.desk.window_names()
        handover = self.action in (Action.ACCEPT_HANDOVER, Action.DECLINE_HANDOVER)
        text = (_("Handed over by village agent {clerk}. Note: {note}") if handover
                else _("Referred by {window} ({clerk}). Reason: {note}"))
        self.note(text.format(window=names.get(self.state.referral_from_window or "", ""),
                              clerk=self.clerk_name(self.state.referral_from_clerk), note=self.state.referral_reason or "—"),
                  "offer")
        self.reason = None
        if self.action in (Action.DECLINE_REFERRAL, Action.DECLINE_HANDOVER):
            label = _("&Why you return it") if handover else _("&Why you decline it")
            self.reason = self.add(label, text_box("reason", 2))

    def effect(self) -> str:
        due = super().effect() if self.state.accepted_on is None else _("Its due date does not change.")
        if self.action in (Action.ACCEPT_REFERRAL, Action.ACCEPT_HANDOVER):
            return _("Responsibility for the case passes to your window. {due}").format(due=due)
        return _("The case goes back to whoever offered it. {due}").format(due=due)

    def submit(self, actor: Actor) -> CaseState:
        service = OFFER_SERVICES[self.action]
        if self.reason is None:
            return self.desk.call(service, actor, self.state.case_id)
        return self.desk.call(service, actor, self.state.case_id, reason=self.reason.toPlainText())


class HandOverForm(Form):
    def build(self) -> None:
        item = self.item()
        warning = proxy_missing_text(item, self.state.missing_materials)
        if warning:
            self.note(warning, "handover_missing").setStyleSheet("color: #c62828;")
        self.note_edit = self.add(_("&Note for the township window"), QLineEdit(objectName="note"))
        self.note_edit.setPlaceholderText(_("optional"))

    def effect(self) -> str:
        return _("No due date yet: the township window decides on the case and starts the clock.")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(referrals.hand_over_case, actor, self.state.case_id, note=self.note_edit.text())


class WithdrawForm(Form):
    def build(self) -> None:
        self.reason = self.add(_("&Reason for withdrawal"), text_box("reason", 2))

    def effect(self) -> str:
        return _("The case ends and its clock stops; it counts as withdrawn, not as completed.")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(handling.withdraw_case, actor, self.state.case_id, reason=self.reason.toPlainText())


class CoverForm(Form):
    """AB岗 across PCs: the B clerk takes over, onto this desk, a case the absent A clerk
    holds at hers (``cover.take_over``)."""

    def build(self) -> None:
        names = self.desk.window_names()
        window = names.get(self.state.holder_window, self.state.holder_window)
        away = next((c.presence.label for c in self.desk.read(accounts.covering, self.desk.user.code)
                     if c.window == self.state.holder_window), "")
        who = (_("{clerk}, the A clerk of {window}, is away ({presence}); the case is held at desk {node}.") if away
               else _("{clerk}, the A clerk of {window}, is away; the case is held at desk {node}."))
        self.note(who.format(clerk=self.clerk_name(self.state.holder_clerk), window=window,
                             node=self.state.holder_node, presence=away), "cover_who")
        self.note(_("Taking it over moves the case to this desk, in your name: from now on it is carried on here, "
                    "and desk {node} can no longer carry it on.").format(node=self.state.holder_node), "cover_what")

    def effect(self) -> str:
        return super().effect() if self.state.accepted_on is None else _("Its due date does not change.")

    def submit(self, actor: Actor) -> CaseState:
        return self.desk.call(cover.take_over, actor, self.state.case_id)
