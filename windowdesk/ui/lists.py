"""The list panels of the desk: my queue, incoming, the inquiry log and search."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from windowdesk.core.codes import Role
from windowdesk.core.deadlines import WarningLevel
from windowdesk.db import worklists
from windowdesk.db.worklists import ListQuery
from windowdesk.i18n import _
from windowdesk.ui.context import Desk
from windowdesk.ui.models import CASE_ONLY_HIDDEN, COLUMN_KEYS, INQUIRY_HIDDEN, CaseListModel

# Which header sorts by which order (the others do not sort).
HEADER_SORTS = {"number": "number", "applicant": "applicant", "item": "item", "status": "status",
                "received": "received", "due": "due", "left": "due", "warning": "due"}


class CaseTable(QTableView):
    """A table of cases over a lazy model; Enter or a double click opens the case."""

    case_chosen = Signal(str)  # the selection moved onto a case (the detail follows when it rests)
    case_opened = Signal(str)  # Enter, a double click, a scanned number: show it now

    def __init__(self, desk: Desk, name: str, parent=None, *, hidden: tuple[str, ...] = CASE_ONLY_HIDDEN):
        super().__init__(parent)
        self.desk, self.hidden = desk, hidden
        self.setObjectName(name)
        self.case_model = CaseListModel(desk.store.reader, desk.calendar, desk.today, self)
        self.setModel(self.case_model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionsMovable(True)
        for column, width in zip(COLUMN_KEYS, (150, 62, 160, 120, 84, 84, 72, 70, 300)):
            self.setColumnWidth(COLUMN_KEYS.index(column), width)
        self._hide_columns()
        self._restoring = False
        self.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.selectionModel().currentRowChanged.connect(lambda current, _previous: self._choose(current.row()))

    def _choose(self, row: int) -> None:
        if self._restoring:
            return  # the same case, selected again after the list was read anew
        summary = self.case_model.summary(row)
        if summary is not None:
            self.case_chosen.emit(summary.case_id)

    def open_row(self, row: int) -> None:
        summary = self.case_model.summary(row)
        if summary is not None:
            self.case_opened.emit(summary.case_id)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.open_row(self.currentIndex().row())
            return
        super().keyPressEvent(event)

    def current_case(self) -> str | None:
        summary = self.case_model.summary(self.currentIndex().row())
        return summary.case_id if summary else None

    def show_query(self, query: ListQuery | None) -> None:
        """Show ``query``'s cases, keeping the selected case selected (by id) and, when the
        list is the same list read again (F5, after a decision or a sync round), the
        scroll position and as many rows as were loaded."""
        model = self.case_model
        keep, column = self.current_case(), max(self.currentIndex().column(), 0)
        bar = self.verticalScrollBar()
        position = bar.value()
        same = query is not None and query == model.query
        self._restoring = True
        try:
            model.refresh() if same else model.set_query(query)
            row = model.row_of(keep) if keep else None
            if row is not None:
                index = model.index(row, column)
                flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
                self.selectionModel().setCurrentIndex(index, flags)
            self.executeDelayedItemsLayout()  # the scroll range of the rows read now
            if same:
                bar.setValue(position)
            elif row is not None:
                self.scrollTo(model.index(row, 0))
        finally:
            self._restoring = False

    def touched_by(self, changed) -> bool:
        """Whether cases ``changed`` elsewhere (a sync round) are shown here or now belong here."""
        model = self.case_model
        if not changed or model.query is None:
            return False
        if len(changed) > 200:
            return True  # a catch-up: reading the list again is cheaper than asking
        if any(model.row_of(case_id) is not None for case_id in changed):
            return True
        return worklists.count(self.desk.store.reader(), _only(model.query, changed)) > 0

    def save_state(self, settings: QSettings) -> None:
        settings.setValue(f"columns/{self.objectName()}", self.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        state = settings.value(f"columns/{self.objectName()}")
        if state is not None:
            self.horizontalHeader().restoreState(state)
        self._hide_columns()  # a state saved before a column was added must not show it here

    def _hide_columns(self) -> None:
        for key in COLUMN_KEYS:
            if key in self.hidden:
                self.setColumnHidden(COLUMN_KEYS.index(key), True)


def _only(query: ListQuery, case_ids) -> ListQuery:
    """``query`` narrowed to ``case_ids`` (by the primary key: a few look-ups)."""
    params = dict(query.params)
    names = []
    for i, case_id in enumerate(sorted(case_ids)):
        params[f"only{i}"] = case_id
        names.append(f":only{i}")
    return replace(query, where=f"({query.where}) AND case_id IN ({', '.join(names)})", params=params)


class QueuePanel(QWidget):
    """我的待办: the cases I hold (and, as B clerk, those of an absent A clerk)."""

    def __init__(self, desk: Desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.table = CaseTable(desk, "queue_table")
        self.status = QComboBox(objectName="filter_status")
        self.status.addItem(_("All statuses"), None)
        for status in worklists.QUEUE_STATUSES:
            self.status.addItem(status.label, str(status))
        self.warning = QComboBox(objectName="filter_warning")
        self.warning.addItem(_("All warnings"), None)
        for level in (WarningLevel.RED, WarningLevel.YELLOW, WarningLevel.GREEN):
            self.warning.addItem(level.label, str(level))
        self.item = QComboBox(objectName="filter_item")
        self.item.addItem(_("All items"), None)
        self.cover_note = QLabel(objectName="cover_note")
        self.cover_note.setStyleSheet("color: #8d6e00;")
        self.cover_note.setWordWrap(True)
        self.sort_key = "due"
        bar = QHBoxLayout()
        for label, combo in ((_("Status"), self.status), (_("Warning"), self.warning), (_("Item"), self.item)):
            bar.addWidget(QLabel(label))
            bar.addWidget(combo)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.cover_note)
        layout.addWidget(self.table)
        for combo in (self.status, self.warning, self.item):
            combo.currentIndexChanged.connect(self.reload)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(COLUMN_KEYS.index("due"), Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._sort)
        self._covered: dict[str, str] = {}

    def set_items(self, items: list[tuple[str, str]]) -> None:
        self.item.blockSignals(True)
        for code, name in items:
            self.item.addItem(name, code)
        self.item.blockSignals(False)

    def set_covered(self, covers) -> None:
        self._covered = {c.window: c.clerk for c in covers}
        if covers:
            text = "；".join(_("{name} ({window}) is {presence}: their cases are in your queue").format(
                name=c.clerk_name, window=c.window_name, presence=c.presence.label) for c in covers)
            self.cover_note.setText(text)
            self.cover_note.show()
        else:
            self.cover_note.hide()

    def _sort(self, section: int) -> None:
        key = HEADER_SORTS.get(COLUMN_KEYS[section])
        if key:
            self.sort_key = key
            self.reload()

    def query(self) -> ListQuery:
        desk = self.desk
        if desk.user.role in (Role.SUPERVISOR, Role.ADMIN):
            q = worklists.open_cases(desk.windows)
        else:
            q = worklists.queue(desk.user.code, desk.windows, self._covered, agent=desk.is_agent)
        q = q.filtered(status=self.status.currentData(), item_code=self.item.currentData(),
                       warning=self.warning.currentData(), today=self.desk.today())
        return q.sorted_by(self.sort_key)

    def reload(self) -> None:
        self.table.show_query(self.query())


class IncomingPanel(QWidget):
    """待接收: referrals offered to my windows and cases handed over from village points."""

    def __init__(self, desk: Desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.table = CaseTable(desk, "incoming_table")
        note = QLabel(_("Referrals from other windows and cases handed over by village agents. "
                        "Open one and take it over, or decline it with a reason."))
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(note)
        layout.addWidget(self.table)

    def reload(self) -> None:
        self.table.show_query(worklists.incoming(self.desk.windows))


class InquiryPanel(QWidget):
    """咨询登记: questions logged at my windows, answered, referred or turned into cases."""

    new_inquiry = Signal()
    make_case = Signal(str)

    def __init__(self, desk: Desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.table = CaseTable(desk, "inquiry_table", hidden=INQUIRY_HIDDEN)
        add = QPushButton(_("Log an inquiry (F3)"), objectName="log_inquiry")
        add.clicked.connect(self.new_inquiry)
        convert = QPushButton(_("Turn into a case"), objectName="inquiry_to_case")
        convert.clicked.connect(self._convert)
        bar = QHBoxLayout()
        bar.addWidget(add)
        bar.addWidget(convert)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)

    def _convert(self) -> None:
        case_id = self.table.current_case()
        if case_id:
            self.make_case.emit(case_id)

    def reload(self) -> None:
        self.table.show_query(worklists.inquiries(self.desk.windows))


class SearchPanel(QWidget):
    """查询: a case number, an ID number or a phone number in the first box — where a
    barcode or QR scanner types the case number and ends with Enter, and the case opens —
    or a name in the second, where the clerk's Chinese input method works."""

    def __init__(self, desk: Desk, parent=None):
        super().__init__(parent)
        self.desk = desk
        self.box = QLineEdit(objectName="search_box")
        self.box.setPlaceholderText(_("Case number, ID number or phone (scanner)"))
        self.box.setClearButtonEnabled(True)
        # A keyboard-wedge scanner types Latin characters: an input method must not catch them.
        self.box.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.name_box = QLineEdit(objectName="search_name")
        self.name_box.setPlaceholderText(_("Applicant name"))
        self.name_box.setClearButtonEnabled(True)
        self.hint = QLabel(objectName="search_hint")
        self.table = CaseTable(desk, "search_table")
        boxes = QHBoxLayout()
        boxes.addWidget(self.box, 3)
        boxes.addWidget(self.name_box, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(boxes)
        layout.addWidget(self.hint)
        layout.addWidget(self.table)
        self.box.textChanged.connect(lambda text: self._typed(self.box, self.name_box, text))
        self.name_box.textChanged.connect(lambda text: self._typed(self.name_box, self.box, text))
        self.box.returnPressed.connect(self._enter)
        self.name_box.returnPressed.connect(self._enter)
        self._text = ""

    def _typed(self, box: QLineEdit, other: QLineEdit, text: str) -> None:
        if text and other.text():
            other.blockSignals(True)  # one search at a time: the other box is cleared
            other.clear()
            other.blockSignals(False)
        self.search(text)

    def search(self, text: str | None = None) -> None:
        if text is None:
            text = self.box.text() or self.name_box.text()
        query = worklists.search(text)
        self.table.show_query(query)
        model = self.table.case_model
        if query is None:
            self.hint.setText("")
        elif model.rowCount() == 0:
            self.hint.setText(_("Nothing found."))
        else:
            more = "+" if model.canFetchMore() else ""
            self.hint.setText(_("{count} found").format(count=f"{model.rowCount()}{more}"))

    def _enter(self) -> None:
        self.search()
        if self.table.case_model.rowCount() >= 1:
            self.table.selectRow(0)
            self.table.setFocus()
            self.table.open_row(0)  # a scanned case number opens at once

    def reload(self) -> None:
        if (self.box.text() or self.name_box.text()).strip():
            self.search()

    def focus(self) -> None:
        self.box.setFocus()
        self.box.selectAll()
