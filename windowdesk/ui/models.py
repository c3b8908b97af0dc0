"""Lazy table models over the projection: a page of rows at a time, id-based.

``CaseListModel`` shows a ``ListQuery`` (``windowdesk.db.worklists``): it reads the
first page when set, and the next page only when the view scrolls to the end
(``canFetchMore`` / ``fetchMore``). Rows are ``CaseSummary`` lines; a selection is kept
by case id across refreshes, never by row number.
"""

from __future__ import annotations

from datetime import date
from typing import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from windowdesk.core.calendar import CalendarGapError, WorkCalendar
from windowdesk.core.deadlines import WarningLevel
from windowdesk.db.queries import CaseSummary
from windowdesk.db.worklists import ListQuery, fetch_page
from windowdesk.i18n import N_, _

PAGE = 100
Index = QModelIndex | QPersistentModelIndex

WARNING_COLOURS = {
    WarningLevel.GREEN: QColor("#2e7d32"),
    WarningLevel.YELLOW: QColor("#f9a825"),
    WarningLevel.RED: QColor("#c62828"),
}
WARNING_MARKS = {WarningLevel.GREEN: "●", WarningLevel.YELLOW: "●", WarningLevel.RED: "●"}


def _number(s: CaseSummary) -> str:
    return s.label


def _due(s: CaseSummary) -> str:
    return s.due_date.isoformat() if s.due_date else ""


COLUMNS: tuple[tuple[str, str, Callable[[CaseSummary], str]], ...] = (
    ("number", N_("Case number"), _number),
    ("applicant", N_("Applicant"), lambda s: s.applicant_name),
    ("item", N_("Item"), lambda s: s.item_name),
    ("status", N_("Status"), lambda s: s.status.label),
    ("received", N_("Received"), lambda s: s.received_on.isoformat() if s.received_on else ""),
    ("due", N_("Due date"), _due),
    ("left", N_("Working days left"), lambda s: ""),  # computed with the calendar, below
    ("warning", N_("Warning"), lambda s: ""),
    ("question", N_("Question"), lambda s: " ".join(s.question.split())),  # shown in the inquiry log
)
#: columns a case list hides, and columns the inquiry log hides (it has no time limit)
CASE_ONLY_HIDDEN = ("question",)
INQUIRY_HIDDEN = ("due", "left", "warning")
COLUMN_KEYS = tuple(c[0] for c in COLUMNS)


class CaseListModel(QAbstractTableModel):
    def __init__(self, reader: Callable, calendar: Callable[[], WorkCalendar], today: Callable[[], date],
                 parent=None, page: int = PAGE):
        super().__init__(parent)
        self._reader = reader  # () -> sqlite3 connection of this thread
        self._calendar = calendar
        self._today = today
        self._page = page
        self._query: ListQuery | None = None
        self._rows: list[CaseSummary] = []
        self._more = False

    # the query ---------------------------------------------------------------

    @property
    def query(self) -> ListQuery | None:
        return self._query

    def set_query(self, query: ListQuery | None) -> None:
        # The first page is read inside the reset: a view reacting to the reset may ask
        # for more at once, and that must not nest in the reset's notification.
        rows = fetch_page(self._reader(), query, 0, self._page) if query is not None else []
        self.beginResetModel()
        self._query = query
        self._rows = rows
        self._more = len(rows) == self._page
        self.endResetModel()

    def refresh(self) -> None:
        """Read again as many rows as are shown now (after a change elsewhere)."""
        if self._query is None:
            return
        wanted = max(len(self._rows), self._page)
        rows = fetch_page(self._reader(), self._query, 0, wanted)
        self.beginResetModel()
        self._rows = rows
        self._more = len(rows) == wanted
        self.endResetModel()

    def summary(self, row: int) -> CaseSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, case_id: str) -> int | None:
        for i, s in enumerate(self._rows):
            if s.case_id == case_id:
                return i
        return None

    # lazy fetching -------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if parent.isValid() or self._query is None or not self._more:
            return
        rows = fetch_page(self._reader(), self._query, len(self._rows), self._page)
        self._more = len(rows) == self._page
        if rows:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    # the table -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return _(COLUMNS[section][1])
        return None

    def _left(self, s: CaseSummary) -> str:
        if s.due_date is None or not s.status.is_open:
            return ""
        today = self._today()
        try:
            cal = self._calendar()
            if s.due_date >= today:
                return str(int(cal.workdays_between(today, s.due_date)))
            return _("{days} overdue").format(days=int(cal.workdays_between(s.due_date, today)))
        except CalendarGapError:
            return "?"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        s = self._rows[index.row()]
        key = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if key == "left":
                return self._left(s)
            if key == "warning":
                level = s.warning_level(self._today())
                return WARNING_MARKS.get(level, "") and f"{WARNING_MARKS[level]} {level.label}"
            return COLUMNS[index.column()][2](s)
        if role == Qt.ItemDataRole.ForegroundRole and key in ("warning", "due", "left"):
            colour = WARNING_COLOURS.get(s.warning_level(self._today()))
            return QBrush(colour) if colour else None
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole text of a cell too narrow for it
            if key == "applicant":
                return f"{s.applicant_name} {s.applicant_phone}"
            return self.data(index, Qt.ItemDataRole.DisplayRole) or None
        if role == Qt.ItemDataRole.UserRole:
            return s.case_id
        return None
