"""The decision part of the intake dialog: one button per decision, and the few fields
a decision needs (the one-time notice, the refusal, the referral, the hand-over note).

Each decision calls its service in the same unit of work as the receipt
(``receive_case(..., commit=False)``), so a decision the rules refuse leaves nothing
half-written: the receipt is rolled back with it (only the case number is used up).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from windowdesk.core.catalogue import ServiceItem
from windowdesk.core.projection import CaseState
from windowdesk.i18n import _
from windowdesk.services import intake, referrals

COMPLETE, ACCEPT, NOTICE, REFUSE, REFER, HANDOVER, REGISTER = (
    "complete", "accept", "notice", "refuse", "refer", "handover", "register")
NEEDS_PAGE = (NOTICE, REFUSE, REFER)


def _text_box(name: str, lines: int = 2) -> QPlainTextEdit:
    box = QPlainTextEdit(objectName=name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


def _page(*rows: tuple[str, QWidget], confirm: QPushButton | None = None, top: QWidget | None = None) -> QWidget:
    page = QWidget()
    outer = QVBoxLayout(page)
    outer.setContentsMargins(0, 4, 0, 0)
    form = QFormLayout()
    outer.addLayout(form)
    outer.addStretch(1)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    if top is not None:
        form.addRow(top)
    for label, widget in rows:
        text = QLabel(label)
        text.setBuddy(widget)
        form.addRow(text, widget)
    if confirm is not None:
        line = QHBoxLayout()
        line.addStretch(1)
        line.addWidget(confirm)
        form.addRow(line)
    return page


class DecisionPanel(QGroupBox):
    """Emits ``decide(kind)``; the dialog runs it with ``run_decision``."""

    decide = Signal(str)
    changed = Signal()

    def __init__(self, windows: dict[str, str], proxy: bool, parent=None):
        super().__init__(_("Decision"), parent)
        self.proxy = proxy
        self.buttons: dict[str, QPushButton] = {}
        specs = ((HANDOVER, _("Register and &hand over to the township")), (REGISTER, _("Register &only"))) if proxy \
            else ((COMPLETE, _("&Complete on the spot")), (ACCEPT, _("&Accept")), (NOTICE, _("One-time &notice…")),
                  (REFUSE, _("&Refuse…")), (REFER, _("Re&fer…")))
        row = QHBoxLayout()
        for kind, text in specs:
            button = QPushButton(text, objectName=f"decide_{kind}")
            button.setAutoDefault(True)  # Enter on a focused button presses it
            button.clicked.connect(lambda _c=False, k=kind: self._pressed(k))
            self.buttons[kind] = button
            row.addWidget(button)
        row.addStretch(1)

        self.missing = QListWidget(objectName="notice_materials")
        self.missing.setMaximumHeight(110)
        self.additions = _text_box("notice_additions", 2)
        self.give_notice = QPushButton(_("&Give the notice"), objectName="confirm_notice")
        self.reason = _text_box("refuse_reason", 2)
        self.basis = QLineEdit(objectName="refuse_basis")
        self.basis.setPlaceholderText(_("e.g. the article of the regulation the application does not meet"))
        self.redirect = QLineEdit(objectName="refuse_redirect")
        self.redirect.setPlaceholderText(_("only when the matter belongs to another office"))
        self.confirm_refusal = QPushButton(_("Confirm ref&usal"), objectName="confirm_refuse")
        self.target = QComboBox(objectName="refer_window")
        for code, name in sorted(windows.items()):
            self.target.addItem(name, code)
        self.refer_reason = _text_box("refer_reason", 2)
        self.confirm_referral = QPushButton(_("&Offer the case to that window"), objectName="confirm_refer")
        self.note = QLineEdit(objectName="handover_note")
        self.note.setPlaceholderText(_("what the township window should know (optional)"))

        self.hint = QLabel(objectName="decision_hint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.hint)
        self.page_of: dict[str, QWidget] = {}
        self.proxy_missing = QLabel(objectName="proxy_missing")
        self.proxy_missing.setWordWrap(True)
        self.proxy_missing.setStyleSheet("color: #c62828;")
        self.proxy_missing.hide()
        if proxy:
            self.pages.addWidget(_page((_("Hand-over &note"), self.note), top=self.proxy_missing))
        else:
            self.page_of[NOTICE] = _page((_("Other re&quirements"), self.additions), confirm=self.give_notice,
                                         top=self.missing)
            self.page_of[REFUSE] = _page((_("Reason for refusa&l"), self.reason), (_("Legal or policy &basis"), self.basis),
                                         (_("Where to apply &elsewhere"), self.redirect), confirm=self.confirm_refusal)
            self.page_of[REFER] = _page((_("Refer to &window"), self.target), (_("Reason for the referra&l"), self.refer_reason),
                                        confirm=self.confirm_referral)
            for page in self.page_of.values():
                self.pages.addWidget(page)
        for kind, button in ((NOTICE, self.give_notice), (REFUSE, self.confirm_refusal), (REFER, self.confirm_referral)):
            button.setAutoDefault(True)
            button.clicked.connect(lambda _c=False, k=kind: self.decide.emit(k))
        for box in (self.additions, self.reason, self.refer_reason):
            box.textChanged.connect(self.changed)
        for edit in (self.basis, self.redirect, self.note):
            edit.textChanged.connect(self.changed)
        self.target.currentIndexChanged.connect(self.changed)
        self.missing.itemChanged.connect(self.changed)

        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.pages)
        if proxy:
            self.pages.setCurrentIndex(1)
        self.set_item(None, "")

    # state shown -------------------------------------------------------------------

    def set_item(self, item: ServiceItem | None, own_window: str, complete: bool = False) -> None:
        if COMPLETE in self.buttons:
            self.buttons[COMPLETE].setEnabled(bool(item and item.is_immediate and complete))
            self.buttons[COMPLETE].setToolTip("" if item is None or item.is_immediate
                                              else _("Only an immediate item is completed on the spot."))
        if ACCEPT in self.buttons:
            self.buttons[ACCEPT].setEnabled(item is None or complete)
            self.buttons[ACCEPT].setToolTip("" if complete else
                                            _("Required materials are missing: give a one-time notice instead."))
        elsewhere = item is not None and item.window != own_window and not self.proxy
        if item is not None and item.window != own_window and self.target.findData(item.window) >= 0:
            self.target.setCurrentIndex(self.target.findData(item.window))
        if elsewhere:  # first-inquiry responsibility: receive and refer; the item's window decides
            window = self.target.itemText(self.target.findData(item.window)) or item.window
            for kind in (COMPLETE, ACCEPT, NOTICE, REFUSE):
                if kind in self.buttons:
                    self.buttons[kind].setEnabled(False)
                    self.buttons[kind].setToolTip(_("{item} is decided by {window}: refer it there.").format(
                        item=item.name, window=window))
            self.hint.setText(_("{item} is decided by {window}: refer it there.").format(item=item.name, window=window))
            return
        for kind in (NOTICE, REFUSE):
            if kind in self.buttons:
                self.buttons[kind].setEnabled(True)
                self.buttons[kind].setToolTip("")
        if self.proxy:
            return
        if item is None:
            self.hint.setText(_("Choose the item and tick the materials received, then decide."))
        elif complete:
            self.hint.setText(_("Every required material is here: accept the application"
                                " (or complete it on the spot if it is an immediate item)."))
        else:
            self.hint.setText(_("Required materials are missing: give the applicant a one-time notice"
                                " of everything still needed."))

    def set_materials(self, item: ServiceItem | None, missing: tuple[str, ...], received: set[str]) -> None:
        """The notice lists every missing material (fixed) and lets the clerk add any
        received one that is defective."""
        if self.proxy:
            self.proxy_missing.setText(proxy_missing_text(item, missing))
            self.proxy_missing.setVisible(bool(self.proxy_missing.text()))
        defective = set(self.defective())
        self.missing.blockSignals(True)
        self.missing.clear()
        for m in item.materials if item else ():
            if m.code in missing:
                entry = QListWidgetItem(_("{name} — missing").format(name=m.name))
                entry.setFlags(Qt.ItemFlag.ItemIsEnabled)
                entry.setCheckState(Qt.CheckState.Checked)
            elif m.code in received:
                entry = QListWidgetItem(_("{name} — received; tick if it is defective").format(name=m.name))
                entry.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                entry.setCheckState(Qt.CheckState.Checked if m.code in defective else Qt.CheckState.Unchecked)
            else:
                continue
            entry.setData(Qt.ItemDataRole.UserRole, m.code)
            entry.setData(Qt.ItemDataRole.UserRole + 1, m.code in missing)
            self.missing.addItem(entry)
        self.missing.blockSignals(False)

    def defective(self) -> list[str]:
        return [e.data(Qt.ItemDataRole.UserRole) for e in map(self.missing.item, range(self.missing.count()))
                if not e.data(Qt.ItemDataRole.UserRole + 1) and e.checkState() == Qt.CheckState.Checked]

    def notice_list(self) -> list[str]:
        return [e.text() for e in map(self.missing.item, range(self.missing.count()))
                if e.checkState() == Qt.CheckState.Checked]

    def _pressed(self, kind: str) -> None:
        if kind in self.page_of:
            self.pages.setCurrentWidget(self.page_of[kind])
            first = {NOTICE: self.additions, REFUSE: self.reason, REFER: self.target}[kind]
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.decide.emit(kind)

    def show_page(self, kind: str) -> None:
        if kind in self.page_of:
            self.pages.setCurrentWidget(self.page_of[kind])

    def field_for(self, message: str) -> QWidget | None:
        """The field a service's message is about, when it names one."""
        for what, widget in ((_("The reason for refusal"), self.reason), (_("The legal or policy basis"), self.basis),
                             (_("The reason for the referral"), self.refer_reason)):
            if message.startswith(what):
                return widget
        return None

    # drafts ------------------------------------------------------------------------

    def state(self) -> dict:
        page = next((k for k, p in self.page_of.items() if p is self.pages.currentWidget()), "")
        return {"page": page, "additions": self.additions.toPlainText(), "reason": self.reason.toPlainText(),
                "basis": self.basis.text(), "redirect": self.redirect.text(), "target": self.target.currentData(),
                "refer_reason": self.refer_reason.toPlainText(), "note": self.note.text(),
                "defective": self.defective()}

    def restore(self, data: dict) -> None:
        self.additions.setPlainText(data.get("additions", ""))
        self.reason.setPlainText(data.get("reason", ""))
        self.basis.setText(data.get("basis", ""))
        self.redirect.setText(data.get("redirect", ""))
        if self.target.findData(data.get("target")) >= 0:
            self.target.setCurrentIndex(self.target.findData(data.get("target")))
        self.refer_reason.setPlainText(data.get("refer_reason", ""))
        self.note.setText(data.get("note", ""))
        defective = set(data.get("defective") or ())
        for entry in map(self.missing.item, range(self.missing.count())):
            if entry.flags() & Qt.ItemFlag.ItemIsUserCheckable and entry.data(Qt.ItemDataRole.UserRole) in defective:
                entry.setCheckState(Qt.CheckState.Checked)
        self.show_page(data.get("page", ""))


def run_decision(uow, kind: str, actor, receipt: dict, panel: DecisionPanel,
                 seen: dict | None = None) -> tuple[CaseState, tuple[str, ...]]:
    """Receive and decide in one unit of work; returns the case and the receipt's warnings.
    ``seen`` gets the received case, so the caller can name it if the decision fails."""
    if kind == COMPLETE:
        done = intake.complete_on_the_spot(uow, actor, **receipt)
        return done.case, done.warnings
    got = intake.receive_case(uow, actor, **receipt, commit=False)
    case_id = got.case.case_id
    if seen is not None:
        seen["case"] = got.case
    if kind == ACCEPT:
        state = intake.accept_case(uow, actor, case_id)
    elif kind == NOTICE:
        additions = [line for line in panel.additions.toPlainText().splitlines() if line.strip()]
        state = intake.issue_notice(uow, actor, case_id, defective=panel.defective(), additions=additions)
    elif kind == REFUSE:
        state = intake.refuse_case(uow, actor, case_id, reason=panel.reason.toPlainText(),
                                   basis=panel.basis.text(), redirect=panel.redirect.text())
    elif kind == REFER:
        state = referrals.refer_case(uow, actor, case_id, to_window=panel.target.currentData() or "",
                                     reason=panel.refer_reason.toPlainText())
    elif kind == HANDOVER:
        state = referrals.hand_over_case(uow, actor, case_id, note=panel.note.text())
    else:  # REGISTER: the receipt alone
        uow.commit()
        state = got.case
    return state, got.warnings


def success_message(kind: str, state: CaseState, windows: dict[str, str], synced: bool = True) -> str:
    case = state.label
    if kind == COMPLETE:
        return _("Case {case} was completed on the spot.").format(case=case)
    if kind == ACCEPT:
        text = _("Case {case} accepted. Committed completion date: {due} ({days} working days).").format(
            case=case, due=state.due_date.isoformat() if state.due_date else "—", days=state.limit_days)
        if state.due_assumed:
            text += "\n" + _("The holiday schedule for that year is not installed yet: the date was counted"
                             " with plain weekends and may change.")
        return text
    if kind == NOTICE:
        return _("Case {case} registered; one-time notice given ({count} points). Print it for the applicant.").format(
            case=case, count=len(state.notice_materials) + len(state.notice_additions))
    if kind == REFUSE:
        return _("Case {case} registered and refused. Print the refusal notice for the applicant.").format(case=case)
    if kind == REFER:
        return _("Case {case} registered and offered to {window}; it stays yours until that window takes it.").format(
            case=case, window=windows.get(state.referral_to_window or "", ""))
    if kind == HANDOVER:
        if not synced:  # a desk working alone: the township takes it over on this same desk
            return _("Case {case} registered and handed over. This desk does not sync with the county: the township"
                     " window takes it over from the incoming list on this same desk.").format(case=case)
        return _("Case {case} registered and handed over; it reaches the township window at the next sync.").format(
            case=case)
    return _("Case {case} registered. It is in your queue; hand it over to the township when ready.").format(case=case)


def proxy_missing_text(item: ServiceItem | None, missing) -> str:
    """What a village agent is told before handing over an application that lacks materials."""
    if item is None or not missing:
        return ""
    names = "、".join(item.material(code).name for code in missing)
    return _("Still missing: {names}. The township window will have to give a one-time notice and the villager"
             " may have to come again: collect them first if you can.").format(names=names)
