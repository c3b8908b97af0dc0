"""收件登记: the intake dialog a window clerk registers an application with, keyboard only.

Top to bottom (Enter or Tab moves on): the applicant (checked as the ID number is
typed; a returning applicant is filled in), the service item (found by code, name or
pinyin initials), the materials received (Space ticks one), and the decision — each
decision is one service call, run in the same unit of work as the receipt so a decision
the rules refuse leaves nothing behind. What is typed is kept in a draft file until the
case is saved.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from windowdesk.core.catalogue import ServiceItem
from windowdesk.core.codes import Channel
from windowdesk.core.errors import DomainError
from windowdesk.core.identity import (
    CreditCodeError,
    IdNumberError,
    PersonNameError,
    PhoneError,
    mask_id_number,
)
from windowdesk.core.projection import CaseState
from windowdesk.db import queries
from windowdesk.i18n import _
from windowdesk.printing.sheets import FormKind
from windowdesk.services.applicants import duplicate_warning, open_cases_of
from windowdesk.services.catalogue_read import current_items
from windowdesk.ui import feedback
from windowdesk.ui.context import Desk
from windowdesk.ui.intake_decisions import DecisionPanel, run_decision, success_message
from windowdesk.ui.intake_parts import (
    RED,
    MaterialsModel,
    buddy_label,
    draft_path,
    drop_draft,
    notice_label,
    read_draft,
    write_draft,
)
from windowdesk.ui.intake_sections import ENTER, ID_TYPES, ApplicantSection, ItemSection

DRAFT_DELAY_MS = 500
#: the form each decision hands the applicant (opened in the print preview)
DECISION_FORMS = {"accept": FormKind.ACCEPTANCE, "notice": FormKind.ONE_TIME_NOTICE, "refuse": FormKind.REFUSAL}


class IntakeDialog(QDialog):
    case_saved = Signal(str)  # case id, after a successful decision

    def __init__(self, desk: Desk, parent=None, *, inquiry: CaseState | None = None, proxy: bool = False):
        super().__init__(parent)
        self.desk, self.inquiry = desk, inquiry
        self.proxy = proxy or desk.is_agent
        self.windows = desk.window_names()
        self.items = self._offered_items()
        self._loading = True
        self._finished = False
        self._duplicate_key: tuple[str, str] = ("", "")
        self.draft_file = draft_path(desk.store.path, desk.user.code)
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self.setObjectName("intake")
        self.setWindowTitle(_("Village proxy intake") if self.proxy else _("New case (intake)"))
        self._build()
        self._connect()
        if inquiry is not None:
            self._fill(self._inquiry_values(inquiry))
        self._offer_draft()
        self._loading = False
        self._refresh_materials()
        (self.search if self.id_number.text() else self.id_number).setFocus()

    # building ------------------------------------------------------------------------

    def _offered_items(self) -> tuple[ServiceItem, ...]:
        items = self.desk.read(current_items)
        if self.proxy:
            items = tuple(i for i in items if i.proxy_allowed)
        if self.desk.is_agent:
            items = tuple(i for i in items if i.window in self.desk.windows)
        return items

    def _build(self) -> None:
        self.applicant = ApplicantSection(self.desk)
        self.items_box = ItemSection(self.items, self.windows, self.desk.windows)
        self.id_number, self.search = self.applicant.id_number, self.items_box.search

        self.materials = MaterialsModel(self)
        self.table = QTableView(objectName="materials")
        self.table.setModel(self.materials)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)  # Tab moves on to the decision
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        header = self.table.horizontalHeader()
        for column in range(self.materials.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive if column == 1
                                        else QHeaderView.ResizeMode.ResizeToContents)
        header.resizeSection(1, 230)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.summary = QLabel(objectName="materials_summary")
        self.summary.setWordWrap(True)
        materials_box = QGroupBox(_("Materials"))
        materials_layout = QVBoxLayout(materials_box)
        materials_layout.addWidget(buddy_label(_("Ma&terials received (Space ticks the selected one)"), self.table))
        materials_layout.addWidget(self.table, 1)
        materials_layout.addWidget(self.summary)

        self.panel = DecisionPanel({c: n for c, n in self.windows.items() if c not in self.desk.windows}, self.proxy)
        self.error = notice_label("intake_error", f"color: {RED}; font-weight: bold;")
        self.close_button = QPushButton(_("Close (Esc)"), objectName="intake_close")
        self.close_button.setAutoDefault(True)  # Enter on it closes; never presses a decision

        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.applicant)
        left.addWidget(self.items_box, 1)
        right.addWidget(materials_box, 3)
        right.addWidget(self.panel, 2)
        columns = QHBoxLayout()
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        bottom = QHBoxLayout()
        bottom.addWidget(self.error, 1)
        bottom.addStretch(0)
        bottom.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight)
        layout = QVBoxLayout(self)
        self.banner = notice_label("intake_banner", "background: #fff3cd; color: #5d4200; padding: 6px;")
        if self.proxy:
            self.banner.setText(_("Village proxy service: you register this application on the villager's behalf."
                                  " The case reaches the township window at the next sync; the township decides on it.")
                                if self.desk.enrolled() else
                                _("Village proxy service: you register this application on the villager's behalf."
                                  " Once you hand it over, the township window decides on it."))
            self.banner.show()
        elif self.inquiry is not None:
            self.banner.setText(_("Turning inquiry {number} into a case: “{question}”. The applicant and item are"
                                  " filled in from it.").format(number=self.inquiry.label, question=self.inquiry.question))
            self.banner.show()
        layout.addWidget(self.banner)
        self.duplicate = notice_label("intake_duplicate", "background: #fde0dc; color: #7f1d1d; padding: 6px;")
        layout.addWidget(self.duplicate)
        layout.addLayout(columns, 1)
        layout.addLayout(bottom)
        a = self.applicant
        chain = [a.id_type, a.id_number, a.name, a.phone, a.address, self.search, self.items_box.results,
                 self.table, *self.panel.buttons.values()]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.resize(1280, 700)

    def _connect(self) -> None:
        a, p = self.applicant, self.panel
        self.table.installEventFilter(self)
        self.items_box.picked.connect(self._picked)
        self.materials.changed.connect(self._refresh_materials)
        for signal in (a.changed, self.items_box.changed, self.materials.changed, p.changed):
            signal.connect(self._changed)
        p.decide.connect(self.decide)
        self.close_button.clicked.connect(self.reject)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.table and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Space:
            self.materials.toggle(self.table.currentIndex().row())
            return True
        return False

    def setVisible(self, visible: bool) -> None:
        super().setVisible(visible)
        if visible:  # QDialog makes the first button the default: no decision is the default
            for button in self.findChildren(QPushButton):
                if not button.hasFocus():
                    button.setDefault(False)

    def keyPressEvent(self, event) -> None:
        """Enter that no field used moves on: it never presses a decision by surprise
        (QDialog would press its default button); on a focused button it presses it."""
        if event.key() in ENTER and not isinstance(self.focusWidget(), QPushButton):
            self.focusNextChild()
            event.accept()
            return
        super().keyPressEvent(event)

    @property
    def item(self) -> ServiceItem | None:
        return self.items_box.item

    def _picked(self, item: ServiceItem) -> None:
        self.materials.set_item(item)
        self._check_duplicates()
        if not self._loading:
            self.table.setFocus()
            self.table.setCurrentIndex(self.materials.index(0, 0))

    def _refresh_materials(self) -> None:
        item, missing = self.item, self.materials.missing()
        received = {r.code for r in self.materials.received()}
        self.panel.set_item(item, self._actor().window, complete=not missing)
        self.panel.set_materials(item, missing, received)
        if item is None:
            self.summary.setText("")
        elif missing:
            names = "、".join(item.material(c).name for c in missing)
            self.summary.setText(_("Missing ({count}): {names}").format(count=len(missing), names=names))
            self.summary.setStyleSheet(f"color: {RED};")
        else:
            self.summary.setText(_("Every required material has been received as the checklist asks."))
            self.summary.setStyleSheet("color: #2e7d32;")

    # deciding ------------------------------------------------------------------------

    def _actor(self):
        own = self.desk.windows
        if self.inquiry is not None and self.inquiry.holder_window in own:
            return self.desk.actor(self.inquiry.holder_window)
        return self.desk.actor(self.item.window if self.item and self.item.window in own else None)

    def decide(self, kind: str) -> None:
        self.error.hide()
        if self.item is None:
            return self._show_error(_("Choose the service item first."), self.search)
        receipt = {"item_code": self.item.code, "applicant": self.applicant.applicant_input(),
                   "materials": self.materials.received(),
                   "channel": str(Channel.PROXY if self.proxy else Channel.WINDOW)}
        if self.inquiry is not None:
            receipt["inquiry_id"] = self.inquiry.case_id
        seen: dict = {}
        try:
            with self.desk.uow() as uow:
                state, warnings = run_decision(uow, kind, self._actor(), receipt, self.panel, seen)
        except DomainError as exc:
            return self._failed(exc, seen.get("case"))
        self._saved(kind, state, warnings)

    def _failed(self, exc: DomainError, received: CaseState | None) -> None:
        if received is not None and received.case_number and \
                queries.case_by_number(self.desk.store.reader(), received.case_number) is not None:
            # The receipt was committed before the decision failed: the case exists. Name
            # it and hand it to the queue (decided from its detail view), never receive twice.
            self._finished = True
            self._draft_timer.stop()
            drop_draft(self.draft_file)
            feedback.warn(self, _("Case {case} has been registered and is in your queue, but the decision was not"
                                  " recorded: {error}").format(case=received.label, error=exc))
            self.desk.signals.case_changed.emit(received.case_id)
            self.desk.signals.open_case.emit(received.case_id)
            self.accept()
            return
        message = str(exc) + "\n" + _("Nothing was registered: correct this and decide again.")
        self._show_error(message, self._field_for(exc))

    def _field_for(self, exc: DomainError) -> QWidget | None:
        message = str(exc)
        if isinstance(exc, (IdNumberError, CreditCodeError)) or message in (
                _("The applicant's identity card number is required."),
                _("An application needs the applicant's identity document.")):
            return self.applicant.id_number
        if isinstance(exc, PersonNameError) or message == _("The applicant's name is required."):
            return self.applicant.name
        if isinstance(exc, PhoneError):
            return self.applicant.phone
        for row, material in enumerate(self.item.materials if self.item else ()):
            if material.code in message:
                self.table.setCurrentIndex(self.materials.index(row, 0))
                return self.table
        return self.panel.field_for(message)

    def _show_error(self, message: str, field: QWidget | None = None) -> None:
        self.error.setText(message)
        self.error.show()
        if field is not None:
            field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _saved(self, kind: str, state: CaseState, warnings: tuple[str, ...]) -> None:
        self._finished = True
        self._draft_timer.stop()
        drop_draft(self.draft_file)
        feedback.tell(self, "\n".join((success_message(kind, state, self.windows, self.desk.enrolled()), *warnings)))
        self.case_saved.emit(state.case_id)
        self.desk.signals.case_changed.emit(state.case_id)
        self.desk.signals.open_case.emit(state.case_id)
        self.accept()
        form = DECISION_FORMS.get(kind)
        if form is not None:  # the notice the applicant takes away: its preview opens at once
            from windowdesk.ui.printing import print_case_form

            self.print_job = print_case_form(self.desk, self.parentWidget() or self, state, form)

    # drafts --------------------------------------------------------------------------

    def _changed(self, *_args) -> None:
        self._check_duplicates()
        if not self._loading and not self._finished:
            self._draft_timer.start()

    def _check_duplicates(self) -> None:
        """Warn, before any decision, when this applicant already has this item open."""
        key = (self.applicant.checked_number, self.item.code if self.item else "")
        if key == self._duplicate_key:
            return
        self._duplicate_key = key
        text = ""
        if all(key):
            text = duplicate_warning(self.desk.read(open_cases_of, *key), self.item.name)
        self.duplicate.setText(text)
        self.duplicate.setVisible(bool(text))

    def form_state(self) -> dict:
        return {"inquiry_id": self.inquiry.case_id if self.inquiry else None, "proxy": self.proxy,
                "saved_at": datetime.now().strftime("%Y-%m-%d %H:%M"), **self.applicant.state(),
                "search": self.search.text(), "item_code": self.item.code if self.item else None,
                "materials": self.materials.state(), "decision": self.panel.state()}

    def save_draft(self) -> None:
        self._draft_timer.stop()
        state = self.form_state()
        typed = [state[k] for k in ("id_number", "name", "phone", "address", "item_code")]
        if any(typed) or any(row[1] for row in state["materials"]):
            write_draft(self.draft_file, state)
        else:
            drop_draft(self.draft_file)

    def _offer_draft(self) -> None:
        data = read_draft(self.draft_file)
        if not data or data.get("inquiry_id") != (self.inquiry.case_id if self.inquiry else None) \
                or bool(data.get("proxy")) != self.proxy:
            return
        who = data.get("name") or mask_id_number(data.get("id_number")) or _("no name yet")
        if feedback.confirm(self, _("An intake you did not finish ({who}, {time}) was kept. Restore it?").format(
                who=who, time=data.get("saved_at", ""))):
            self._fill(data)
        else:
            drop_draft(self.draft_file)

    def _fill(self, data: dict) -> None:
        self.applicant.restore(data)
        self.search.setText(data.get("search") or "")
        if data.get("item_code"):
            self.items_box.pick(data["item_code"])
            self.materials.restore(data.get("materials"))
        self._refresh_materials()
        self.panel.restore(data.get("decision") or {})

    @staticmethod
    def _inquiry_values(inquiry: CaseState) -> dict:
        id_type = inquiry.applicant_id_type if inquiry.applicant_id_type in {str(t) for t in ID_TYPES} else None
        return {"id_type": id_type, "id_number": inquiry.applicant_id_number, "name": inquiry.applicant_name,
                "phone": inquiry.applicant_phone, "address": inquiry.applicant_address,
                "search": inquiry.item_name, "item_code": inquiry.item_code}

    def done(self, result: int) -> None:
        if not self._finished and self._draft_timer.isActive():
            self.save_draft()  # closed before the timer ran: keep what was typed
        super().done(result)
