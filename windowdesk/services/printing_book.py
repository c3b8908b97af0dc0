"""The registration book (《窗口服务事项受理登记册》) of a window or the whole center for a
period, and the service guide (办事指南) of an item. Neither is a case's paper, so neither
is recorded in a case's log.

A window's book lists the cases the window *holds* (``holder_window``), received in the
period: the cases it received and kept, those it took over from another window or from a
village point (marked 由…转来 / 代办), and those it offered to another window that has
not taken them yet (转办中) — the first-inquiry window stays answerable until then. A
case another window has taken over is in that window's book. It is the window the desk's
queues and the statistics by window count a case under, so the book's totals agree with
``windowdesk stats --by window`` for cases received in the period.

The book is one SQL query over the projection (through the (holder_window, received_on …)
or (received_on …) index of migration 0003), never a replay of cases one by one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Callable

from windowdesk.core.calendar import CalendarGapError
from windowdesk.core.errors import ValidationError
from windowdesk.core.lifecycle import OPEN_STATUSES, Status
from windowdesk.db.codec import decode_time
from windowdesk.i18n import _
from windowdesk.printing.sheets import BookLine, BookTotals, FormKind, RegistrationBook, ServiceGuide
from windowdesk.services.center import require
from windowdesk.services.common import check_window, current_item, window_names
from windowdesk.services.printing_parts import (
    CENTER_NEEDS,
    asked_line,
    form_title,
    local_time,
    result_text,
)
from windowdesk.services.uow import UnitOfWork

MAX_BOOK_DAYS = 366
ProgressFn = Callable[[int, int], None]  # (lines done, lines in all)

# The time a case was received: its first event, unless it began as an inquiry (then
# the case_received event, found through the log's (case_id, hlc) index).
_RECEIVED_AT = (
    "CASE WHEN c.inquiry_number IS NULL THEN c.created_at ELSE (SELECT e.recorded_at FROM events e "
    "WHERE e.case_id = c.case_id AND e.type = 'case_received' ORDER BY e.hlc DESC LIMIT 1) END"
)
_COLUMNS = (
    "case_number", "received_at", "applicant_name", "applicant_phone", "item_name", "immediate", "limit_days",
    "due_date", "status", "result", "completed_on", "refused_on", "withdrawn_on", "on_time", "holder_clerk",
    "channel", "deemed_accepted", "extension_days", "suspended_ever", "first_window", "holder_window",
    "referral_to_window", "notice_count",
)
_BOOK_SQL = (
    f"SELECT c.case_number, {_RECEIVED_AT} AS received_at, c.applicant_name, c.applicant_phone, c.item_name, "
    "c.immediate, c.limit_days, c.due_date, c.status, c.result, c.completed_on, c.refused_on, c.withdrawn_on, "
    "c.on_time, c.holder_clerk, c.channel, c.deemed_accepted, c.extension_days, c.suspensions != '[]', "
    "c.first_window, c.holder_window, c.referral_to_window, c.notice_count FROM cases c "
    "WHERE c.kind = 'case' AND c.received_on BETWEEN :first AND :last{window} "
    "ORDER BY received_at, c.case_number"
)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def check_period(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ValidationError(
            _("The period runs backwards: {first} is after {last}.").format(first=first_day, last=last_day)
        )
    days = (last_day - first_day).days + 1
    if days > MAX_BOOK_DAYS:
        raise ValidationError(
            _("A registration book covers at most {limit} days; {first} to {last} is {days} days. Print it in parts, a year or a month at a time.").format(
                limit=MAX_BOOK_DAYS, first=first_day, last=last_day, days=days
            )
        )


class _Remarks:
    """The remarks column: lateness in working days, extension, special procedure,
    deemed acceptance, village proxy, referral — what a reader of the ledger must know."""

    def __init__(self, uow: UnitOfWork, today: date, windows: dict[str, str]):
        self.uow, self.today, self.windows = uow, today, windows

    def _late(self, due: date, until: date) -> str:
        try:
            days = int(self.uow.calendar.workdays_between(due, until))
        except CalendarGapError:
            return _("Overdue")
        return _("{days} working days overdue").format(days=days)

    def __call__(self, r: dict) -> str:
        out = []
        due, status = _day(r["due_date"]), r["status"]
        completed = _day(r["completed_on"])
        if completed and due and completed > due:
            out.append(self._late(due, completed))
        elif status == Status.IN_PROGRESS and due and due < self.today:
            out.append(self._late(due, self.today))
        if r["extension_days"]:
            out.append(_("Extended by {days} working days").format(days=r["extension_days"]))
        if r["suspended_ever"] and status != Status.SUSPENDED:
            out.append(_("Special procedure (not counted)"))
        if r["notice_count"]:
            out.append(_("One-time notice given"))
        if r["deemed_accepted"]:
            out.append(_("Deemed accepted"))
        if r["channel"] == "proxy":
            out.append(_("Village proxy"))
        if r["first_window"] and r["first_window"] != r["holder_window"]:
            out.append(_("Referred from {window}").format(window=self.windows.get(r["first_window"], r["first_window"])))
        if status == Status.REFERRED and r["referral_to_window"]:
            window = self.windows.get(r["referral_to_window"], r["referral_to_window"])
            out.append(_("Offered to {window}").format(window=window))
        return "；".join(out)


def _with_window(remarks: str, window: str | None) -> str:
    """In the whole center's book the remarks start with the window that holds the case."""
    return "；".join(x for x in (window, remarks) if x)


def registration_book(
    uow: UnitOfWork,
    *,
    window: str | None,
    first_day: date,
    last_day: date,
    now: datetime | None = None,
    progress: ProgressFn | None = None,
) -> RegistrationBook:
    """One line per case received from ``first_day`` to ``last_day`` (local dates) that
    ``window`` holds (every window's with ``None``), by the time received, then number."""
    check_period(first_day, last_day)
    if window is not None:
        check_window(uow, window)
    center = require(uow, form_title(FormKind.BOOK), CENTER_NEEDS[FormKind.BOOK])
    now = now or uow.now()
    printed_at = local_time(now)
    windows = window_names(uow)
    clerks = dict(uow.execute("SELECT code, name FROM clerks").all())
    sql = _BOOK_SQL.format(window=" AND c.holder_window = :window" if window is not None else "")
    params = {"first": first_day.isoformat(), "last": last_day.isoformat(), "window": window}
    rows = uow.execute(sql, params).all()
    remarks = _Remarks(uow, printed_at.date(), windows)
    committed_text: dict[int, str] = {}
    lines: list[BookLine] = []
    immediate = completed = on_time = refused = still_open = withdrawn = overdue_open = 0
    today = printed_at.date().isoformat()
    for no, values in enumerate(rows, start=1):
        r = dict(zip(_COLUMNS, values))
        status = Status(r["status"])
        if r["immediate"]:
            immediate += 1
            limit = _("Immediate")
        else:
            days = r["limit_days"]
            limit = committed_text.get(days) or committed_text.setdefault(
                days, _("{days} working days").format(days=days))
        if r["completed_on"]:
            completed += 1
            on_time += bool(r["on_time"])
        refused += status is Status.REFUSED
        still_open += status in OPEN_STATUSES
        withdrawn += status is Status.WITHDRAWN
        overdue_open += status is Status.IN_PROGRESS and bool(r["due_date"]) and r["due_date"] < today
        lines.append(BookLine(
            no=no, case_number=r["case_number"], received_at=local_time(decode_time(r["received_at"])),
            applicant=r["applicant_name"], phone=r["applicant_phone"], item_name=r["item_name"], limit=limit,
            due_date=_day(r["due_date"]), result=result_text(status, r["result"]),
            # the day the case ended: 办结, or 不予受理 / 撤回, which end it too
            completed_on=_day(r["completed_on"] or r["refused_on"] or r["withdrawn_on"]),
            clerk=clerks.get(r["holder_clerk"], r["holder_clerk"]),
            remarks=_with_window(remarks(r), None if window is not None else windows.get(r["holder_window"])),
        ))
        if progress and no % 1000 == 0:
            progress(no, len(rows))
    if progress:
        progress(len(rows), len(rows))
    totals = BookTotals(
        cases=len(lines), immediate=immediate, committed=len(lines) - immediate, completed=completed,
        on_time=on_time, late=completed - on_time, refused=refused, open=still_open, withdrawn=withdrawn,
        overdue_open=overdue_open,
    )
    return RegistrationBook(
        center=center, window_name=windows[window] if window is not None else _("All windows"),
        first_day=first_day, last_day=last_day, lines=tuple(lines), totals=totals, printed_at=printed_at,
    )


def service_guide(uow: UnitOfWork, item_code: str) -> ServiceGuide:
    """办事指南 of an item as the current catalogue publishes it; where the item gives no
    place, phone or hours, the center's."""
    code = (item_code or "").strip()
    if not code:
        raise ValidationError(_("Give the service item's code."))
    item, version = current_item(uow, code)
    center = require(uow, form_title(FormKind.GUIDE), CENTER_NEEDS[FormKind.GUIDE])
    special = tuple(
        _("{procedure} {days} working days (not counted in the time limit)").format(procedure=p.name, days=p.limit)
        for p in item.special_procedures
    )
    return ServiceGuide(
        center=center, item_code=item.code, item_name=item.name, item_type=item.type.label,
        department=item.department, window_name=window_names(uow).get(item.window, item.window),
        kind=item.kind.label, conditions=item.conditions, materials=tuple(asked_line(m) for m in item.materials),
        procedure=item.procedure, statutory_days=item.statutory_limit, committed_days=item.committed_limit,
        special_procedures=special, fees=item.fees or _("Free of charge (no fee)"), legal_basis=item.legal_basis,
        location=item.location or center.address, hours=center.hours, phone=item.phone or center.phone,
        supervision_phone=item.supervision_phone or center.supervision_phone, proxy_allowed=item.proxy_allowed,
        catalogue_version=version,
    )
