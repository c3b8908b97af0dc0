"""The lists a desk shows all day, as queries read a page at a time.

A ``ListQuery`` is a WHERE clause, its parameters and an ORDER BY over the projection;
``fetch_page`` reads ``limit`` rows from ``offset`` (the Qt models ask for the next
page only when the view scrolls to it). Every list is served by an index of ``cases``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from windowdesk.core.casenumber import INQUIRY
from windowdesk.core.lifecycle import Status
from windowdesk.db.queries import (
    _ID_NUMBER,
    _PHONE,
    SELECT_SUMMARY_SQL,
    CaseSummary,
    WARNING_LEVEL_SQL,
    _parsed_number,
    dbapi,
    row_to_summary,
)

# What a clerk still has to do something about (an inquiry lives in the inquiry log).
QUEUE_STATUSES = (
    Status.RECEIVED, Status.AWAITING_SUPPLEMENT, Status.IN_PROGRESS, Status.SUSPENDED,
    Status.REFERRED, Status.HANDED_OVER, Status.COMPLETED, Status.CONFLICT,
)
SORTS = {
    # running clocks first, soonest due first; then what waits on something else
    "due": "status != 'in_progress', due_date IS NULL, due_date, received_on, case_id",
    "received": "received_on DESC, case_id DESC",
    "number": "case_number, case_id",
    "applicant": "applicant_name, received_on DESC, case_id",
    "item": "item_name, due_date, case_id",
    "status": "status, due_date, case_id",
}


@dataclass(frozen=True)
class ListQuery:
    where: str
    params: dict = field(default_factory=dict)
    order: str = SORTS["due"]
    index: str | None = None  # named when the planner must not be left to guess

    def filtered(self, *, status: str | None = None, item_code: str | None = None,
                 warning: str | None = None, today: date | None = None) -> "ListQuery":
        where, params = [self.where], dict(self.params)
        if status:
            where.append("status = :f_status")
            params["f_status"] = status
        if item_code:
            where.append("item_code = :f_item")
            params["f_item"] = item_code
        if warning:
            where.append(f"{WARNING_LEVEL_SQL} = :f_level")
            params.update(f_level=warning, today=(today or date.today()).isoformat())
        return replace(self, where=" AND ".join(f"({w})" for w in where), params=params)

    def sorted_by(self, key: str) -> "ListQuery":
        return replace(self, order=SORTS[key])

    def sql(self) -> str:
        indexed = f" INDEXED BY {self.index}" if self.index else ""
        return f"{SELECT_SUMMARY_SQL}{indexed} WHERE {self.where} ORDER BY {self.order} LIMIT :limit OFFSET :offset"


def fetch_page(db, query: ListQuery, offset: int, limit: int) -> list[CaseSummary]:
    params = {**query.params, "limit": limit, "offset": offset}
    return [row_to_summary(r) for r in dbapi(db).execute(query.sql(), params)]


def count(db, query: ListQuery) -> int:
    sql = f"SELECT count(*) FROM cases WHERE {query.where}"
    return dbapi(db).execute(sql, query.params).fetchone()[0]


def _in(prefix: str, values, params: dict) -> str:
    names = []
    for i, value in enumerate(values):
        params[f"{prefix}{i}"] = str(value)
        names.append(f":{prefix}{i}")
    return f"({', '.join(names) or 'NULL'})"


# A 即办 case completed on the spot was handed its result there: nothing left to do.
_STILL_TO_DO = "NOT (status = 'completed' AND immediate = 1)"


def queue(clerk: str, windows, covered: dict[str, str] | None = None, *, agent: bool = False) -> ListQuery:
    """My queue: the cases I hold at my windows on duty, and — AB岗 — those held by the
    A clerk of each window I cover as B while they are away (``covered``: window → A clerk).
    A village agent also keeps the cases she collected after the township took them
    over, to tell the villager how they stand."""
    params: dict = {"me": clerk}
    statuses = _in("s", QUEUE_STATUSES, params)
    held = [f"(holder_clerk = :me AND holder_window IN {_in('w', windows, params)})"]
    for i, (window, a_clerk) in enumerate(sorted((covered or {}).items())):
        params[f"cw{i}"], params[f"ca{i}"] = window, a_clerk
        held.append(f"(holder_window = :cw{i} AND holder_clerk = :ca{i})")
    if agent:
        held.append("(first_clerk = :me AND channel = 'proxy')")
    return ListQuery(f"kind = 'case' AND status IN {statuses} AND {_STILL_TO_DO} AND ({' OR '.join(held)})", params)


def open_cases(windows) -> ListQuery:
    """Every open case at these windows, whoever holds it (a supervisor's view), running
    clocks first, the most urgent on top."""
    params: dict = {}
    statuses = _in("s", QUEUE_STATUSES, params)
    where = f"kind = 'case' AND status IN {statuses} AND {_STILL_TO_DO} AND holder_window IN {_in('w', windows, params)}"
    return ListQuery(where, params)


def incoming(windows) -> ListQuery:
    """Referrals offered to my windows and cases handed over from village points."""
    params: dict = {}
    where = (f"status IN ('{Status.REFERRED}', '{Status.HANDED_OVER}') "
             f"AND referral_to_window IN {_in('w', windows, params)}")
    return ListQuery(where, params, "referral_offered_at, case_id", "ix_cases_referral")


def inquiries(windows) -> ListQuery:
    """The inquiry log (咨询登记) of my windows, newest first, with what became of each."""
    params: dict = {}
    where = f"inquiry_number IS NOT NULL AND first_window IN {_in('w', windows, params)}"
    return ListQuery(where, params, "inquiry_number DESC")


_MOBILE_START = re.compile(r"^1[3-9]")
_LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}$")
_NUMBER_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9]{1,7}-[\dZz-]*$")


def search(text: str) -> ListQuery | None:
    """As the clerk types: a case or inquiry number, an ID number, a phone number or a
    name. Whole values match exactly (newest first); a beginning matches by prefix, in
    index order, so every keystroke is an index range scan."""
    q = text.strip()
    if not q:
        return None
    parsed = _parsed_number(q)
    if parsed is not None:
        column = "inquiry_number" if parsed.scope == INQUIRY else "case_number"
        return ListQuery(f"{column} = :q", {"q": str(parsed)}, "case_id")
    if _NUMBER_PREFIX.match(q):
        upper = q.upper()
        column = "inquiry_number" if "-Z" in upper else "case_number"
        return ListQuery(f"{column} >= :lo AND {column} < :hi", {"lo": upper, "hi": upper + "\uffff"}, column)
    if _ID_NUMBER.match(q):
        return ListQuery("applicant_id_number = :q", {"q": q.upper()}, "received_on DESC",
                         "ix_cases_applicant_id_number")
    if q.isdigit() and (len(q) > 11 or len(q) >= 6 and not _MOBILE_START.match(q)):
        # ID numbers begin with a province code (11–65), mobile numbers with 13–19; a
        # number longer than a mobile one is an ID number (河北 13…, 山西 14…, 内蒙古 15…).
        return _prefix("applicant_id_number", q, "ix_cases_applicant_id_number")
    phone = q.replace(" ", "")  # as written on a form: 138 0013 8000
    if _PHONE.match(phone) and len(phone) >= 11 and "-" not in phone or _LANDLINE.match(phone):
        return ListQuery("applicant_phone = :q", {"q": phone}, "received_on DESC", "ix_cases_applicant_phone")
    if re.fullmatch(r"[\d-]{3,}", phone) and (_MOBILE_START.match(phone) or phone.startswith("0")):
        return _prefix("applicant_phone", phone, "ix_cases_applicant_phone")
    if q.isdigit():
        return None  # too short to mean anything yet
    return _prefix("applicant_name", q, "ix_cases_applicant_name")


def _prefix(column: str, value: str, index: str) -> ListQuery:
    # The upper bound sorts after every character (SQLite compares UTF-8 bytes): U+FFFF
    # would stop before the rare characters of CJK extension B and later (生僻字 in names).
    return ListQuery(f"{column} >= :lo AND {column} < :hi", {"lo": value, "hi": value + "\U0010ffff"},
                     f"{column}, received_on DESC", index)
