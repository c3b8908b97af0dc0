"""Read queries over the projection: lookups that a desk makes all day."""

from __future__ import annotations

import re
import sqlite3

from dataclasses import dataclass
from datetime import date

from windowdesk.core.casenumber import INQUIRY, CaseNumber, parse_number
from windowdesk.core.deadlines import WarningLevel, warning_level
from windowdesk.core.errors import ValidationError
from windowdesk.core.lifecycle import Status
from windowdesk.core.projection import CaseState
from windowdesk.db.codec import SELECT_CASE_SQL, row_to_state

_ID_NUMBER = re.compile(r"^(\d{17}[\dXx]|\d{15})$")
_PHONE = re.compile(r"^[\d\-]{7,16}$")


# The warning level as SQL, for filtering and sorting lists by it (:today bound).
WARNING_LEVEL_SQL = (
    "CASE WHEN status != 'in_progress' OR due_date IS NULL THEN 'none' "
    "WHEN due_date < :today THEN 'red' "
    "WHEN warn_date <= :today THEN 'yellow' ELSE 'green' END"
)


def cases_with_warning(db, level: str, today, window: str | None = None, limit: int = 200) -> list[CaseState]:
    """Open cases showing ``level`` (green / yellow / red) today, soonest due first."""
    where = f"{WARNING_LEVEL_SQL} = :level" + (" AND holder_window = :w" if window else "")
    sql = f"{SELECT_CASE_SQL} WHERE status = 'in_progress' AND {where} ORDER BY due_date, case_id LIMIT :limit"
    params = {"today": today.isoformat(), "level": level, "w": window, "limit": limit}
    return [row_to_state(r) for r in dbapi(db).execute(sql, params)]


def dbapi(db) -> sqlite3.Connection:
    """The sqlite3 connection itself (``Store.reader()``), or the one under a
    SQLAlchemy session or connection."""
    if isinstance(db, sqlite3.Connection):
        return db
    conn = db.connection() if callable(getattr(db, "connection", None)) else db  # a session
    return conn.connection.driver_connection


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """One line of a case list: what a clerk scans before opening the case."""

    case_id: str
    case_number: str | None
    inquiry_number: str | None
    status: Status
    applicant_name: str
    applicant_id_number: str
    applicant_phone: str
    item_name: str
    holder_window: str
    holder_clerk: str
    received_on: date | None
    due_date: date | None
    warn_date: date | None
    question: str = ""  # an inquiry's question ("" for a case registered directly)

    @property
    def label(self) -> str:
        return self.case_number or self.inquiry_number or self.case_id

    def warning_level(self, today: date) -> WarningLevel:
        return warning_level(self.status is Status.IN_PROGRESS, self.due_date, self.warn_date, today)


SUMMARY_COLUMNS = tuple(CaseSummary.__dataclass_fields__)
SELECT_SUMMARY_SQL = f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM cases"


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def row_to_summary(r) -> CaseSummary:
    return CaseSummary(r[0], r[1], r[2], Status(r[3]), r[4], r[5], r[6], r[7], r[8], r[9],
                       _day(r[10]), _day(r[11]), _day(r[12]), r[13])


def _summaries(db, index: str, column: str, value: str, limit: int) -> list[CaseSummary]:
    # The index is named: with statistics gathered, the planner could otherwise be
    # tempted to walk a date index for the ORDER BY instead of seeking the value.
    sql = (
        f"{SELECT_SUMMARY_SQL} INDEXED BY {index} WHERE {column} = ? "
        f"ORDER BY received_on DESC LIMIT ?"
    )
    return [row_to_summary(r) for r in dbapi(db).execute(sql, (value, limit))]


def _parsed_number(text: str) -> CaseNumber | None:
    try:
        return parse_number(text)
    except ValidationError:
        return None


def case_by_number(db, number: str) -> CaseState | None:
    parsed = _parsed_number(number)
    if parsed is None:
        return None
    column = "inquiry_number" if parsed.scope == INQUIRY else "case_number"
    row = dbapi(db).execute(f"{SELECT_CASE_SQL} WHERE {column} = ?", (str(parsed),)).fetchone()
    return row_to_state(row) if row else None


def cases_by_id_number(db, id_number: str, limit: int = 50) -> list[CaseSummary]:
    value = id_number.strip().upper()
    return _summaries(db, "ix_cases_applicant_id_number", "applicant_id_number", value, limit)


def cases_by_name(db, name: str, limit: int = 50) -> list[CaseSummary]:
    return _summaries(db, "ix_cases_applicant_name", "applicant_name", name.strip(), limit)


def cases_by_phone(db, phone: str, limit: int = 50) -> list[CaseSummary]:
    value = phone.strip().replace(" ", "")
    return _summaries(db, "ix_cases_applicant_phone", "applicant_phone", value, limit)


def search_cases(db, query: str, limit: int = 50) -> list[CaseSummary]:
    """One search box: a case number, an ID number, a phone number, or a name (newest first)."""
    q = query.strip()
    if not q:
        return []
    if _parsed_number(q) is not None:
        found = case_by_number(db, q)
        if found is None:
            return []
        row = dbapi(db).execute(f"{SELECT_SUMMARY_SQL} WHERE case_id = ?", (found.case_id,)).fetchone()
        return [row_to_summary(row)]
    if _ID_NUMBER.match(q):
        return cases_by_id_number(db, q, limit)
    if _PHONE.match(q):
        return cases_by_phone(db, q, limit)
    return cases_by_name(db, q, limit)
