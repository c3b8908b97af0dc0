"""The case detail: what the case is, where it stands, its whole history as a timeline,
why its due date is what it is, and the actions it allows now."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from windowdesk.core.codes import Channel
from windowdesk.core.deadlines import WarningLevel
from windowdesk.core.errors import DomainError
from windowdesk.core.identity import mask_id_number
from windowdesk.core.lifecycle import Status
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services.common import load_case
from windowdesk.services.history import case_history
from windowdesk.ui.conflicts import ConflictDialog, held_elsewhere, make_banner, place_conflict
from windowdesk.ui.context import Desk
from windowdesk.ui.models import WARNING_COLOURS


#: how long the selection must rest on a row before the detail shows its case
SETTLE_MS = 40


def _day(value) -> str:
    return value.isoformat() if value else "—"


class CaseDetail(QWidget):
    def __init__(self, desk: Desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.state: CaseState | None = None
        self.setObjectName("case_detail")
        self.title = QLabel(objectName="detail_title")
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setWordWrap(True)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, label in (("status", _("Status")), ("applicant", _("Applicant")), ("item", _("Item")),
                           ("holder", _("Held by")), ("first", _("First-inquiry clerk")),
                           ("dates", _("Received / accepted")), ("due", _("Due date")),
                           ("missing", _("Still missing"))):
            value = QLabel(objectName=f"detail_{key}")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[key] = value
            form.addRow(label, value)
        self.conflict_banner = make_banner()
        self.actions_bar = QGridLayout()
        self.actions_bar.setContentsMargins(0, 0, 0, 0)
        self.actions_bar.setColumnStretch(3, 1)  # buttons keep their size; the row ends in space
        self.actions_box = QWidget(objectName="detail_actions")
        self.actions_box.setLayout(self.actions_bar)
        self.print_bar = QHBoxLayout()
        self.print_bar.setContentsMargins(0, 0, 0, 0)
        self.print_box = QWidget(objectName="detail_print")
        self.print_box.setLayout(self.print_bar)
        self.print_jobs: list = []  # the preview jobs started here (kept alive, and for tests)
        # The history reads top to bottom, each step with its details wrapped under it.
        self.timeline = QTextBrowser(objectName="timeline")
        self.timeline.setOpenLinks(False)
        self.history: tuple = ()
        self.why = QPlainTextEdit(objectName="why_this_date")
        self.why.setReadOnly(True)
        why_box = QGroupBox(_("Why this due date"))
        QVBoxLayout(why_box).addWidget(self.why)
        history_box = QGroupBox(_("History"))
        QVBoxLayout(history_box).addWidget(self.timeline)

        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.conflict_banner)
        layout.addWidget(self.actions_box)
        layout.addWidget(self.print_box)
        layout.addWidget(history_box, 2)
        layout.addWidget(why_box, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.placeholder = QLabel(_("Choose a case in a list to see it here."), objectName="detail_empty")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.placeholder)
        scroll.hide()
        self._scroll = scroll
        desk.signals.case_changed.connect(self._changed)
        # Moving through a list shows the case the clerk stops on: rows passed over while
        # an arrow key repeats (every ~33 ms) are not each read and laid out, and the
        # first case of the queue fills in just after the window appears, not before.
        self._pending: str | None = None
        self._soon = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._soon.timeout.connect(self._show_pending)

    def show_case_soon(self, case_id: str) -> None:
        self._pending = case_id
        self._soon.start()

    def _show_pending(self) -> None:
        if self._pending is not None:
            case_id, self._pending = self._pending, None
            self.show_case(case_id)

    # showing a case ------------------------------------------------------------

    def show_case(self, case_id: str) -> None:
        self._soon.stop()  # a case opened now wins over a selection still settling
        self._pending = None
        try:
            state = self.desk.read(load_case, case_id)
            history = self.desk.read(case_history, case_id)
        except DomainError as exc:
            self.placeholder.setText(str(exc))
            return
        same = self.state is not None and self.state.case_id == case_id  # read again: stay where the clerk was
        scrolled = (self._scroll.verticalScrollBar().value(), self.timeline.verticalScrollBar().value())
        self.state = state
        self.placeholder.hide()
        self._scroll.show()
        names = self.desk.window_names()
        channel = Channel(state.channel).label if state.channel in Channel._value2member_map_ else state.channel
        self.title.setText(f"{state.label}　{state.item_name or state.question[:30]}")
        self.fields["status"].setText(f"{state.status.label}（{channel}）")
        self.fields["applicant"].setText("　".join(x for x in (
            state.applicant_name, mask_id_number(state.applicant_id_number), state.applicant_phone,
            state.applicant_address) if x))
        self.fields["item"].setText(state.item_name or "—")
        holder = f"{names.get(state.holder_window, state.holder_window)} · {self._clerk(state.holder_clerk)}"
        if held_elsewhere(self.desk, state):
            from windowdesk.ui.case_actions import cover_offered

            holder += (_(" (at desk {node}; its A clerk is away: you may take it over here)") if cover_offered(
                self.desk, state) else _(" (at desk {node}: carried on there)")).format(node=state.holder_node)
        self.fields["holder"].setText(holder)
        self.fields["first"].setText(f"{self._clerk(state.first_clerk)}（{names.get(state.first_window, state.first_window)}）")
        self.fields["dates"].setText(f"{_day(state.received_on)} / {_day(state.accepted_on)}")
        level = state.warning_level(self.desk.today())
        self.fields["due"].setText(_due_text(state, level))
        colour = WARNING_COLOURS.get(level)
        self.fields["due"].setStyleSheet(f"color: {colour.name()};" if colour else "")
        names = self._material_names(state)
        missing = [names.get(code, code) for code in state.missing_materials] + list(state.outstanding_additions)
        self.fields["missing"].setText("、".join(missing) or "—")
        if state.status in (Status.RECEIVED, Status.AWAITING_SUPPLEMENT) and state.notice_deadline:
            self.fields["dates"].setText(self.fields["dates"].text() + "　" + _(
                "one-time notice due by {day} (otherwise deemed accepted)").format(day=state.notice_deadline))
        self._fill_timeline(history)
        self._fill_why(case_id)
        self._fill_actions(state)
        place_conflict(self, state)
        self._fill_print(state)
        if same:  # once the new contents are laid out
            QTimer.singleShot(0, self, lambda: self._scroll_back(case_id, scrolled))

    def _scroll_back(self, case_id: str, scrolled: tuple[int, int]) -> None:
        if self.state is not None and self.state.case_id == case_id:
            self._scroll.verticalScrollBar().setValue(scrolled[0])
            self.timeline.verticalScrollBar().setValue(scrolled[1])

    def refresh_if(self, changed) -> bool:
        """Read the case shown again if ``changed`` (case ids, after a sync round) names it."""
        if self.state is not None and self.state.case_id in changed:
            self.show_case(self.state.case_id)
            return True
        return False

    def _material_names(self, state: CaseState) -> dict[str, str]:
        from windowdesk.services.common import item_version

        if not (state.item_code and state.item_version):
            return {}
        try:
            item = self.desk.read(item_version, state.item_code, state.item_version)
        except DomainError:
            return {}
        return {m.code: m.name for m in item.materials}

    def _clerk(self, code: str) -> str:
        from windowdesk.services.common import clerk_info

        try:
            return self.desk.read(clerk_info, code).name
        except DomainError:
            return code

    def _fill_timeline(self, history) -> None:
        self.history = history
        parts = []
        for line in history:
            when = line.recorded_at.astimezone().strftime("%Y-%m-%d %H:%M")
            who = f"{line.actor}（{line.window}）"
            detail = f"<br><span style='color:#555'>{escape(line.detail)}</span>" if line.detail else ""
            parts.append(f"<p style='margin:0 0 6px 0'><span style='color:#1565c0'>{when}</span>　"
                         f"<b>{escape(line.title)}</b>　{escape(who)}{detail}</p>")
        self.timeline.setHtml("".join(parts))

    def _fill_why(self, case_id: str) -> None:
        from windowdesk.ui.case_actions import why_this_date_text

        self.why.setPlainText(why_this_date_text(self.desk, case_id))

    def _fill_actions(self, state: CaseState) -> None:
        from windowdesk.ui.case_actions import available_actions

        while self.actions_bar.count():  # the previous case's buttons
            widget = self.actions_bar.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        for i, action in enumerate(available_actions(self.desk, state)):
            button = QPushButton(action.label, objectName=f"do_{action.value}")
            button.clicked.connect(lambda _checked=False, a=action: self.start(a))
            self.actions_bar.addWidget(button, i // 3, i % 3)

    def _fill_print(self, state: CaseState) -> None:
        from windowdesk.services.printing import forms_for
        from windowdesk.services.printing_parts import form_title

        while self.print_bar.count():
            widget = self.print_bar.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        forms = forms_for(state)
        self.print_box.setVisible(bool(forms) or bool(state.item_code))
        label = QLabel(_("Print:"))
        self.print_bar.addWidget(label)
        for form in forms:
            button = QPushButton(form_title(form), objectName=f"print_{form.value}")
            button.clicked.connect(lambda _checked=False, f=form: self.print_form(f))
            self.print_bar.addWidget(button)
        if state.item_code:
            guide = QPushButton(_("Service guide"), objectName="print_guide")
            guide.clicked.connect(self.print_guide)
            self.print_bar.addWidget(guide)
        self.print_bar.addStretch(1)

    def print_form(self, form):
        from windowdesk.ui.printing import print_case_form

        if self.state is None:
            return None
        job = print_case_form(self.desk, self.window(), self.state, form)
        self.print_jobs.append(job)
        return job

    def print_guide(self):
        from windowdesk.ui.printing import print_guide

        if self.state is None or not self.state.item_code:
            return None
        job = print_guide(self.desk, self.window(), self.state.item_code, self.state.item_name)
        self.print_jobs.append(job)
        return job

    def print_menu(self) -> QMenu:
        return self._menu_of(self.print_box, "case_print_menu")

    def actions_menu(self) -> QMenu:
        return self._menu_of(self.actions_box, "case_actions_menu")

    def _menu_of(self, box: QWidget, name: str) -> QMenu:
        """The buttons of ``box`` as a keyboard menu (F6, Ctrl+P)."""
        menu = QMenu(self)
        menu.setObjectName(name)
        for button in box.findChildren(QPushButton):
            menu.addAction(button.text(), button.click)
        return menu

    def start(self, action) -> None:
        from windowdesk.ui.case_actions import ActionDialog

        if self.state is None:
            return
        dialog = ActionDialog(self.desk, self.state, action, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.current_dialog = dialog

    def rule_on_conflict(self) -> None:
        if self.state is None:
            return
        dialog = ConflictDialog(self.desk, self.state, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.current_dialog = dialog

    def _changed(self, case_id: str) -> None:
        if self.state is not None and self.state.case_id == case_id:
            self.show_case(case_id)


def _due_text(state: CaseState, level) -> str:
    """The due date and how the case stands against it: running (green/yellow/red),
    stopped for a special procedure, or finished on time or late."""
    if state.status is Status.SUSPENDED:
        return _("clock stopped for a special procedure")
    if not state.due_date:
        if state.immediate and state.completed_on:
            return _("immediate item, completed on the spot on {day}").format(day=_day(state.completed_on))
        return _day(state.due_date)
    text = _day(state.due_date)
    if state.on_time is not None:
        taken = state.workdays_taken
        text += "　" + (_("completed on time") if state.on_time else _("completed late"))
        if taken is not None:
            text += _(" ({days} working days used)").format(days=taken)
    elif level is not WarningLevel.NONE:
        text += f"　{level.label}"
    if state.due_assumed:
        text += _(" (counted with plain weekends: no holiday schedule)")
    return text
