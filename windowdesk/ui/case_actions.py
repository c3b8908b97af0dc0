"""Carrying a case from its detail view: which actions to offer, the dialog that takes
one action (its fields are in ``case_forms`` and ``case_clock_forms``), and the "why
this date" text.

The dialog shows the case's due date as it stands and what the action does to it;
it calls exactly one service, shows a refusal (``DomainError``) in red and stays open
with everything typed kept. On success it emits ``done(new_state)`` and the desk's
``case_changed`` and closes; ``outcome`` then says how the due date moved.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout

from windowdesk.core.deadlines import DayRole, ExplainedDay
from windowdesk.core.errors import DomainError
from windowdesk.core.lifecycle import AGENT_ACTIONS, Action, Status, allowed_actions
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services import cover, handling
from windowdesk.services.common import SYSTEM, Actor, clerk_info, load_case
from windowdesk.ui.case_clock_forms import (
    CompleteForm,
    DeliverForm,
    EvaluateForm,
    ExtendForm,
    ResumeForm,
    SuspendForm,
)
from windowdesk.ui.case_forms import (
    RED,
    AcceptForm,
    AnswerForm,
    CoverForm,
    Form,
    HandOverForm,
    NoticeForm,
    OfferForm,
    ReferForm,
    RefuseForm,
    SupplementForm,
    WithdrawForm,
    note_label,
)
from windowdesk.ui.conflicts import held_elsewhere
from windowdesk.ui.context import Desk

# Replies to an offer: made by the window the case is offered to, not the one holding it.
OFFER_REPLIES = frozenset({Action.ACCEPT_REFERRAL, Action.DECLINE_REFERRAL,
                           Action.ACCEPT_HANDOVER, Action.DECLINE_HANDOVER})

FORMS: dict[Action, type[Form]] = {
    Action.ANSWER_INQUIRY: AnswerForm,
    Action.RECORD_SUPPLEMENT: SupplementForm,
    Action.ACCEPT: AcceptForm,
    Action.ISSUE_NOTICE: NoticeForm,
    Action.REFUSE: RefuseForm,
    Action.REFER: ReferForm,
    Action.ACCEPT_REFERRAL: OfferForm,
    Action.DECLINE_REFERRAL: OfferForm,
    Action.ACCEPT_HANDOVER: OfferForm,
    Action.DECLINE_HANDOVER: OfferForm,
    Action.HAND_OVER: HandOverForm,
    Action.SUSPEND: SuspendForm,
    Action.RESUME: ResumeForm,
    Action.EXTEND: ExtendForm,
    Action.COMPLETE: CompleteForm,
    Action.DELIVER: DeliverForm,
    Action.EVALUATE: EvaluateForm,
    Action.WITHDRAW: WithdrawForm,
    Action.TAKE_OVER_COVER: CoverForm,
}
# What a desk may write on a case another desk holds (one writer per case): a reply to
# an offer made to it, and a rating. The services refuse the rest with a message.
ANY_DESK = OFFER_REPLIES | {Action.EVALUATE}
# Registering an inquiry as a case (Action.RECEIVE) needs the item and the materials
# checklist: that is the intake form's work, not a dialog here.
DIALOG_ACTIONS = frozenset(FORMS)


def acting_window(desk: Desk, state: CaseState, action: Action) -> str:
    """The window the action is taken for: the one offered the case for a reply to an
    offer, otherwise the one holding it."""
    return (state.referral_to_window or "") if action in OFFER_REPLIES else state.holder_window


def cover_offered(desk: Desk, state: CaseState) -> bool:
    """AB岗 across PCs: the case is held at another desk by its window's A clerk, who is
    away, and this clerk (the window's B clerk, or a supervisor) may take it over here."""
    if desk.is_agent or state.holder_window not in desk.windows or not held_elsewhere(desk, state):
        return False
    if Action.TAKE_OVER_COVER not in allowed_actions(state.status):
        return False
    return bool(desk.read(cover.can_take_over, desk.actor(state.holder_window), state))


def available_actions(desk: Desk, state: CaseState) -> list[Action]:
    """The actions to offer this clerk on this case now (presentation only: the
    services enforce the rules)."""
    offered = []
    for action in allowed_actions(state.status):
        if action not in DIALOG_ACTIONS:
            continue
        if action is Action.TAKE_OVER_COVER:  # the one transition taken on another desk's case
            if cover_offered(desk, state):
                offered.append(action)
            continue
        if desk.is_agent and action not in AGENT_ACTIONS:
            continue
        if not desk.is_agent and action is Action.HAND_OVER:
            continue
        if acting_window(desk, state, action) not in desk.windows:
            continue
        if held_elsewhere(desk, state) and action not in ANY_DESK:
            continue
        if action is Action.WITHDRAW and state.holder_window not in desk.windows:
            continue  # offered to us, not ours yet: only its holder records a withdrawal
        offered.append(action)
    return offered


def due_text(desk: Desk, state: CaseState) -> str:
    """The case's due date as it stands, in words when there is none."""
    if state.due_date is not None:
        text = state.due_date.isoformat()
        if state.status is Status.IN_PROGRESS:
            text += f"（{state.warning_level(desk.today()).label}）"
        if state.due_assumed:
            text += _(" — counted with plain weekends: that year has no holiday schedule")
        return text
    if state.status is Status.SUSPENDED:
        return _("none while the clock is stopped by the special procedure")
    if state.accepted_on is None:
        return _("not set yet: the clock starts when the case is accepted")
    return "—"


def due_change(before: CaseState, after: CaseState) -> str:
    """How an action moved the due date, in one sentence (empty when there was none)."""
    old, new = before.due_date, after.due_date
    if new is None:
        if after.status is Status.SUSPENDED:
            return _("The clock is stopped; the due date is set again when the special procedure ends.")
        return ""
    if old is None:
        return _("The due date is now {due}.").format(due=new.isoformat())
    if old == new:
        return _("The due date stays {due}.").format(due=new.isoformat())
    return _("The due date moved from {old} to {new}.").format(old=old.isoformat(), new=new.isoformat())


class ActionDialog(QDialog):
    """One action on one case. Open it with ``open()``."""

    done = Signal(object)  # the new CaseState, after the service succeeded

    def __init__(self, desk: Desk, state: CaseState, action: Action, parent=None):
        super().__init__(parent)
        self.desk, self.state, self.action = desk, state, action
        self.result_state: CaseState | None = None
        self.outcome = ""
        self.setObjectName(f"action_{action.value}")
        self.setWindowTitle(_("{action} — case {case}").format(action=action.label, case=state.label))
        self.setMinimumWidth(560)

        head = QFormLayout()
        head.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        who = "　".join(x for x in (state.applicant_name, state.item_name or state.question[:30]) if x)
        head.addRow(_("Case"), note_label(f"{state.label}　{who}", "case"))
        head.addRow(_("Status"), note_label(state.status.label, "status"))
        self.due = note_label(due_text(desk, state), "due")
        head.addRow(_("Due date now"), self.due)
        self.form = FORMS[action](desk, state, action, self)
        self.effect = note_label(_("Effect on the due date: {effect}").format(effect=self.form.effect()), "effect")
        self.effect.setStyleSheet("color: #455a64;")
        self.error = note_label("", "error")
        self.error.setStyleSheet(f"color: {RED}; font-weight: bold;")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()

        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(action.label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.effect)
        layout.addSpacing(6)
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    def actor(self) -> Actor:
        window = acting_window(self.desk, self.state, self.action)
        return self.desk.actor(window if window in self.desk.windows else None)

    def save(self) -> None:
        self.error.hide()
        try:
            new = self.form.submit(self.actor())
        except DomainError as exc:
            self.show_error(str(exc))
            self.form.refused(exc)
            self._announce_if_changed()
            return
        except Exception as exc:  # noqa: BLE001 - reported, the dialog keeps what was typed
            from windowdesk.ui.errors import show_exception

            show_exception(self, exc)
            return
        self.result_state = new
        self.outcome = due_change(self.state, new)
        self.due.setText(due_text(self.desk, new))
        self.done.emit(new)
        self.desk.signals.case_changed.emit(new.case_id)
        self.accept()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _announce_if_changed(self) -> None:
        """A refused action may still have written a legal fact first (deemed acceptance
        after five working days without a notice): let the lists and detail catch up."""
        try:
            now = self.desk.read(load_case, self.state.case_id)
        except DomainError:
            return
        if now.event_count != self.state.event_count:
            self.state = now
            self.due.setText(due_text(self.desk, now))
            self.desk.signals.case_changed.emit(now.case_id)


# why this date ------------------------------------------------------------------------


def _spans(days: tuple[ExplainedDay, ...]) -> list[str]:
    """Holidays and special-procedure days, as runs of consecutive days."""
    runs: list[list[ExplainedDay]] = []
    for d in days:
        if d.role not in (DayRole.HOLIDAY, DayRole.SUSPENDED):
            continue
        last = runs[-1][-1] if runs else None
        if last and last.role is d.role and last.note == d.note and (d.day - last.day).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    lines = []
    for run in runs:
        first, last = run[0], run[-1]
        what = (_("public holiday {name}, not counted").format(name=first.note) if first.role is DayRole.HOLIDAY
                else _("special procedure, clock stopped"))
        if first.day == last.day:
            lines.append(f"{first.day.isoformat()} {what}")
        else:
            lines.append(_("{first} to {last}: {what}").format(
                first=first.day.isoformat(), last=last.day.isoformat(), what=what))
    return lines


def _who(desk: Desk, code: str) -> str:
    if code == SYSTEM:
        return _("the desk (rule applied automatically)")
    try:
        return desk.read(clerk_info, code).name
    except DomainError:
        return code


def why_this_date_text(desk: Desk, case_id: str) -> str:
    """The due date explained for the detail view: the summary, the events that set or
    moved it, the days not counted, and the weekend days worked that were counted."""
    try:
        why = desk.read(handling.why_this_date, case_id)
    except DomainError as exc:
        return str(exc)
    if why is None:
        return _("No due date yet: the clock starts when the case is accepted.")
    explanation = why.explanation
    lines = [explanation.summary()]
    if why.events:
        lines += ["", _("What set the date:")]
        for e in why.events:
            when = e.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M")
            lines.append(f"{when}　{_who(desk, e.actor)}：{e.text}")
    spans = _spans(explanation.days)
    if spans:
        lines += ["", _("Days not counted besides weekends:")] + spans
    worked = [d.day for d in explanation.days if d.role is DayRole.COUNTED and d.note]
    if worked:
        lines += ["", _("Weekend days worked in lieu of a holiday, counted as working days: {days}").format(
            days="、".join(_iso(d) for d in worked))]
    last = explanation.days[-1] if explanation.days else None
    if explanation.due is not None and last is not None and last.number:
        lines += ["", _("Working day {n} of the limit is {due}: that is the due date.").format(
            n=last.number, due=_iso(explanation.due))]
    return "\n".join(lines)


def _iso(day: date) -> str:
    return day.isoformat()

