"""The upper sections of the intake dialog: the applicant and the service item."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from windowdesk.core.catalogue import ServiceItem
from windowdesk.core.codes import IdType
from windowdesk.core.itemsearch import search_items
from windowdesk.i18n import _
from windowdesk.services.applicants import ApplicantInput, find_applicant
from windowdesk.ui.context import Desk
from windowdesk.ui.intake_parts import (
    RED,
    buddy_label,
    check_id_as_typed,
    notice_label,
)

ID_TYPES = (IdType.RESIDENT_ID, IdType.CREDIT_CODE, IdType.OTHER)
ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
FIELDS = ("id_number", "name", "phone", "address")


class ApplicantSection(QGroupBox):
    """申请人: the ID number is checked as it is typed; a returning applicant is filled in."""

    changed = Signal()

    def __init__(self, desk: Desk, parent=None):
        super().__init__(_("Applicant"), parent)
        self.desk = desk
        self._looked_up = ""
        self.id_type = QComboBox(objectName="id_type")
        for kind in ID_TYPES:
            self.id_type.addItem(kind.label, str(kind))
        self.id_number = QLineEdit(objectName="id_number")
        self.id_number.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.id_number.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers | Qt.InputMethodHint.ImhNoPredictiveText)
        self.id_info = notice_label("id_info", "color: #2e7d32;")
        self.id_error = notice_label("id_error", f"color: {RED};")
        self.returning = notice_label("returning", "color: #1565c0;")
        self.name = QLineEdit(objectName="name")
        self.phone = QLineEdit(objectName="phone")
        self.phone.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        self.address = QLineEdit(objectName="address")
        self.address.setPlaceholderText(_("village (community) and group, or street address"))
        form = QFormLayout(self)
        form.addRow(buddy_label(_("Document t&ype"), self.id_type), self.id_type)
        form.addRow(buddy_label(_("&ID number"), self.id_number), self.id_number)
        form.addRow("", self.id_info)
        form.addRow("", self.id_error)
        form.addRow("", self.returning)
        form.addRow(buddy_label(_("Na&me"), self.name), self.name)
        form.addRow(buddy_label(_("&Phone"), self.phone), self.phone)
        form.addRow(buddy_label(_("Village / a&ddress"), self.address), self.address)

        self.id_type.currentIndexChanged.connect(lambda _i: self.check_id())
        self.id_number.textChanged.connect(lambda _t: self.check_id())
        self.id_number.editingFinished.connect(lambda: self.check_id(final=True))
        self.id_type.currentIndexChanged.connect(self.changed)
        for edit in self.edits():
            edit.textChanged.connect(self.changed)

    def edits(self) -> tuple[QLineEdit, ...]:
        return tuple(getattr(self, key) for key in FIELDS)

    def check_id(self, final: bool = False) -> None:
        check = check_id_as_typed(self.id_number.text(), self.id_type.currentData(), self.desk.today(), final)
        self.id_info.setText(check.info)
        self.id_info.setVisible(bool(check.info))
        self.id_error.setText(check.error)
        self.id_error.setVisible(bool(check.error))
        if not check.number:
            self.returning.hide()
            self._looked_up = ""
            return
        if check.number == self._looked_up:
            return
        self._looked_up = check.number
        found = self.desk.read(find_applicant, check.number)
        if found is None:
            self.returning.hide()
            return
        for edit, value in ((self.name, found.name), (self.phone, found.phone), (self.address, found.address)):
            if not edit.text().strip():  # never overwrite what the clerk typed
                edit.setText(value)
        self.returning.setText(_("Returning applicant: name, phone and address are filled in from the last visit;"
                                 " check them with the applicant."))
        self.returning.show()

    @property
    def checked_number(self) -> str:
        """The ID number once it is complete and valid, else ""."""
        return self._looked_up

    def applicant_input(self) -> ApplicantInput:
        return ApplicantInput(self.name.text(), id_number=self.id_number.text().strip(),
                              id_type=self.id_type.currentData(), phone=self.phone.text(), address=self.address.text())

    def state(self) -> dict:
        return {"id_type": self.id_type.currentData(), **{key: getattr(self, key).text() for key in FIELDS}}

    def restore(self, data: dict) -> None:
        self.id_type.setCurrentIndex(max(self.id_type.findData(data.get("id_type")), 0))
        for key in FIELDS:
            getattr(self, key).setText(data.get(key) or "")


class ItemSection(QGroupBox):
    """事项: a search field over the current catalogue; Up/Down moves, Enter picks."""

    picked = Signal(object)  # ServiceItem
    changed = Signal()

    def __init__(self, items: tuple[ServiceItem, ...], windows: dict[str, str], own: tuple[str, ...], parent=None):
        super().__init__(_("Item"), parent)
        self.items, self.windows, self.own = items, windows, own
        self.item: ServiceItem | None = None
        self.search = QLineEdit(objectName="item_search")
        self.search.setPlaceholderText(_("code, name or pinyin initials (dbsq); Up/Down, Enter picks"))
        self.results = QListWidget(objectName="item_results")
        self.chosen = QLabel(_("No item chosen yet."), objectName="item_chosen")
        self.chosen.setWordWrap(True)
        layout = QVBoxLayout(self)
        line = QHBoxLayout()
        line.addWidget(buddy_label(_("&Search"), self.search))
        line.addWidget(self.search, 1)
        layout.addLayout(line)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.chosen)
        self.search.textChanged.connect(self.find)
        self.search.textChanged.connect(self.changed)
        self.results.itemActivated.connect(lambda _i: self.pick())
        self.search.installEventFilter(self)
        self.results.installEventFilter(self)
        self.find("")

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return False
        key = event.key()
        if obj is self.search and key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.results.count():
            step = -1 if key == Qt.Key.Key_Up else 1
            self.results.setCurrentRow(max(0, min(self.results.count() - 1, self.results.currentRow() + step)))
            return True
        if key in ENTER:
            self.pick()
            return True
        return False

    def find(self, text: str) -> None:
        """Matches of ``text``; with nothing typed, the items of the clerk's own windows."""
        found = search_items(self.items, text) if text.strip() else [i for i in self.items if i.window in self.own]
        self.results.clear()
        for item in found:
            window = self.windows.get(item.window, item.window)
            entry = QListWidgetItem(f"{item.name}　{item.code} · {window} · {item.kind.label}")
            entry.setData(Qt.ItemDataRole.UserRole, item.code)
            self.results.addItem(entry)
        if found:
            self.results.setCurrentRow(0)

    def pick(self, code: str | None = None) -> None:
        if code is None:
            entry = self.results.currentItem()
            if entry is None:
                return
            code = entry.data(Qt.ItemDataRole.UserRole)
        item = next((i for i in self.items if i.code == code), None)
        if item is None:
            return
        self.item = item
        limit = _("completed on the spot") if item.is_immediate else \
            _("{days} working days committed (statutory {statutory})").format(
                days=item.committed_limit, statutory=item.statutory_limit)
        window = self.windows.get(item.window, item.window)
        self.chosen.setText(f"<b>{escape(item.name)}</b>　{item.code}<br>{escape(window)} · {item.kind.label} · {limit}")
        self.picked.emit(item)
