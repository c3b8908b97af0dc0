"""冲突 in the case detail: the banner every clerk sees on a case two desks decided at the
same time (which actions, by whom, at which desk), and the supervisor's ruling dialog
(keep one, give the reason: ``conflicts.resolve_conflict``)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from windowdesk.core.codes import Role
from windowdesk.core.errors import DomainError
from windowdesk.core.events import EventType
from windowdesk.core.lifecycle import Action, Status
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services import conflicts
from windowdesk.services.common import clerk_info
from windowdesk.services.history import TITLES
from windowdesk.ui.context import Desk

BANNER_STYLE = "background: #fde0dc; color: #7f1d1d; border: 1px solid #e57373; padding: 6px;"


def may_rule(desk: Desk) -> bool:
    """Who is offered the ruling (the service checks it again)."""
    return desk.user.role in (Role.SUPERVISOR, Role.ADMIN)


def _own_nodes(uow) -> frozenset[str]:
    # this desk's code, and those of the desks whose database it continues (re-enrolled)
    return getattr(uow, "own_nodes", None) or frozenset({uow.node})


def held_elsewhere(desk: Desk, state: CaseState) -> bool:
    """The case is carried at another desk of the township (seen here after sync)."""
    return bool(state.holder_node) and state.holder_node not in desk.read(_own_nodes)


def action_label(kind: str) -> str:
    try:
        title = TITLES.get(EventType(kind))
    except ValueError:
        title = None
    return _(title) if title else kind


def contender_text(desk: Desk, contender: conflicts.Contender) -> str:
    """受理 — 王芳，办件台 QS02（目前按此显示）"""
    try:
        name = desk.read(clerk_info, contender.actor).name
    except DomainError:
        name = contender.actor
    text = _("{action} — {clerk}, desk {node}").format(
        action=action_label(contender.type), clerk=name, node=contender.node)
    if contender.applied:
        text += _(" (shown for now)")
    return text


def banner_html(desk: Desk, state: CaseState, options) -> str:
    head = _("Conflict: two desks made decisions on this case at the same time that exclude each other; "
             "a supervisor rules on which one stands.")
    lines = "".join(f"<li>{escape(contender_text(desk, c))}</li>" for c in options)
    tail = "" if may_rule(desk) else "<br>" + escape(_(
        "Nothing can be done on the case until the supervisor has ruled."))
    return f"<b>{escape(head)}</b><ul style='margin:4px 0 0 0'>{lines}</ul>{tail}"


class ConflictDialog(QDialog):
    """Choose the action that stands and say why. Open it with ``open()``."""

    done = Signal(object)  # the CaseState after the ruling

    def __init__(self, desk: Desk, state: CaseState, parent=None):
        super().__init__(parent)
        self.desk, self.state = desk, state
        self.setObjectName("conflict_dialog")
        self.setWindowTitle(_("{action} — case {case}").format(action=Action.RESOLVE_CONFLICT.label, case=state.label))
        self.setMinimumWidth(560)
        self.options = desk.read(conflicts.contenders, state.case_id)
        intro = QLabel(_("Keep one of the actions below; the others are voided. Nothing is deleted: every one "
                         "stays in the case's history, with your ruling and its reason."))
        intro.setWordWrap(True)
        self.group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        for i, option in enumerate(self.options):
            button = QRadioButton(contender_text(desk, option), objectName=f"keep_{i}")
            self.group.addButton(button)
            self.choices[option.event_id] = button
            layout.addWidget(button)
        layout.addWidget(QLabel(_("Reason for the ruling")))
        self.reason = QPlainTextEdit(objectName="ruling_reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        layout.addWidget(self.reason)
        self.error = QLabel(objectName="ruling_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(_("Rule"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save")
        cancel = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setObjectName("cancel")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.result_state: CaseState | None = None

    def chosen(self) -> str:
        return next((event_id for event_id, b in self.choices.items() if b.isChecked()), "")

    def save(self) -> None:
        self.error.hide()
        window = self.state.holder_window if self.state.holder_window in self.desk.windows else None
        try:
            new = self.desk.call(conflicts.resolve_conflict, self.desk.actor(window), self.state.case_id,
                                 keep=self.chosen(), reason=self.reason.toPlainText())
        except DomainError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.result_state = new
        self.done.emit(new)
        self.desk.signals.case_changed.emit(new.case_id)
        self.accept()


def place_conflict(detail, state: CaseState) -> None:
    """Show or hide the banner of ``detail`` (a CaseDetail) and offer the ruling."""
    if state.status is not Status.CONFLICT:
        detail.conflict_banner.hide()
        return
    options = detail.desk.read(conflicts.contenders, state.case_id)
    detail.conflict_banner.setText(banner_html(detail.desk, state, options))
    detail.conflict_banner.show()
    if may_rule(detail.desk):
        button = QPushButton(Action.RESOLVE_CONFLICT.label, objectName=f"do_{Action.RESOLVE_CONFLICT.value}")
        button.clicked.connect(detail.rule_on_conflict)
        detail.actions_bar.addWidget(button, detail.actions_bar.count() // 3, detail.actions_bar.count() % 3)


def make_banner() -> QLabel:
    banner = QLabel(objectName="detail_conflict")
    banner.setWordWrap(True)
    banner.setTextFormat(Qt.TextFormat.RichText)
    banner.setStyleSheet(BANNER_STYLE)
    banner.hide()
    return banner
