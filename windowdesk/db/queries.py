"""Read queries over the projection: lookups that a desk makes all day."""

from __future__ import annotations

import re

from sqlalchemy import text

from windowdesk.core.projection import CaseState
from windowdesk.db.codec import SELECT_CASE_SQL, row_to_state

_CASE_NUMBER = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,7}-\d{8}-Z?\d{4,}$")
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
    return [row_to_state(r) for r in db.execute(text(sql), params).all()]


def _states(db, where: str, params: dict, limit: int) -> list[CaseState]:
    sql = f"{SELECT_CASE_SQL} WHERE {where} ORDER BY received_on DESC, case_id LIMIT :limit"
    return [row_to_state(r) for r in db.execute(text(sql), {**params, "limit": limit}).all()]


def case_by_number(db, number: str) -> CaseState | None:
    number = number.strip().upper()
    found = _states(db, "case_number = :n OR inquiry_number = :n", {"n": number}, 1)
    return found[0] if found else None


def cases_by_id_number(db, id_number: str, limit: int = 50) -> list[CaseState]:
    return _states(db, "applicant_id_number = :n", {"n": id_number.strip().upper()}, limit)


def cases_by_name(db, name: str, limit: int = 50) -> list[CaseState]:
    return _states(db, "applicant_name = :n", {"n": name.strip()}, limit)


def cases_by_phone(db, phone: str, limit: int = 50) -> list[CaseState]:
    return _states(db, "applicant_phone = :n", {"n": phone.strip().replace(" ", "")}, limit)


def search_cases(db, query: str, limit: int = 50) -> list[CaseState]:
    """One search box: a case number, an ID number, a phone number, or a name."""
    q = query.strip()
    if not q:
        return []
    if _CASE_NUMBER.match(q):
        found = case_by_number(db, q)
        return [found] if found else []
    if _ID_NUMBER.match(q):
        return cases_by_id_number(db, q, limit)
    if _PHONE.match(q):
        return cases_by_phone(db, q, limit)
    return cases_by_name(db, q, limit)
