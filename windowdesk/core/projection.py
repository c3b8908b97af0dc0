"""Replay: a case's current state derived from its events.

The reducer is pure and depends on nothing but the events (due dates are computed by the
services and recorded in the events that change them): the same log always gives the same
state, on any desk, today or in ten years."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Callable, Iterable

from windowdesk.core.deadlines import Clock, Suspension, WarningLevel, warning_level
from windowdesk.core.events import Event, EventType
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import ReceivedMaterial

KIND_INQUIRY = "inquiry"
KIND_CASE = "case"


@dataclass(frozen=True, slots=True)
class CaseState:
    case_id: str
    kind: str = KIND_CASE
    status: Status = Status.RECEIVED
    case_number: str | None = None
    inquiry_number: str | None = None
    channel: str = "window"
    # the item, as registered (catalogue version kept)
    item_code: str | None = None
    item_version: str | None = None
    item_name: str = ""
    immediate: bool = False
    limit_days: int = 0
    statutory_days: int = 0
    # the applicant, as given at the desk
    applicant_name: str = ""
    applicant_id_type: str = ""
    applicant_id_number: str = ""
    applicant_phone: str = ""
    applicant_address: str = ""
    question: str = ""
    answer: str = ""
    # first-inquiry responsibility and who holds the case now
    first_clerk: str = ""
    first_window: str = ""
    holder_window: str = ""
    holder_clerk: str = ""
    # receipt and the one-time notice
    received_on: date | None = None
    decision_base_on: date | None = None  # receipt, or the day the last supplement came
    notice_deadline: date | None = None
    received_materials: tuple[tuple[str, bool, int], ...] = ()  # (code, original, copies)
    missing_materials: tuple[str, ...] = ()
    outstanding_additions: tuple[str, ...] = ()
    notice_materials: tuple[str, ...] = ()
    notice_additions: tuple[str, ...] = ()
    notice_issued_on: date | None = None
    notice_count: int = 0
    notice_overrides: int = 0
    supplements_completed_on: date | None = None
    # acceptance and the clock
    accepted_on: date | None = None
    deemed_accepted: bool = False
    due_date: date | None = None
    warn_date: date | None = None
    due_assumed: bool = False  # counted with plain weekends for a year with no schedule
    extension_days: int = 0
    suspensions: tuple[tuple[date, date | None], ...] = ()
    # endings
    refused_on: date | None = None
    refusal_reason: str = ""
    refusal_basis: str = ""
    refusal_redirect: str = ""
    completed_on: date | None = None
    result: str | None = None  # "granted" | "denied"
    result_reason: str = ""
    on_time: bool | None = None
    workdays_taken: int | None = None
    delivered_on: date | None = None
    rating: int | None = None  # 5 非常满意 … 1 非常不满意
    rating_comment: str = ""
    rated_on: date | None = None
    withdrawn_on: date | None = None
    withdrawal_reason: str = ""
    # referral (转办)
    referral_to_window: str | None = None
    referral_reason: str = ""
    referral_offered_at: datetime | None = None
    referral_from_window: str | None = None
    referral_from_clerk: str | None = None
    status_before_referral: Status | None = None
    referral_count: int = 0
    # the log
    created_at: datetime | None = None
    updated_at: datetime | None = None
    event_count: int = 0
    heads: tuple[str, ...] = ()
    last_hlc: str = ""

    @property
    def label(self) -> str:
        return self.case_number or self.inquiry_number or self.case_id

    @property
    def clock(self) -> Clock | None:
        if self.accepted_on is None:
            return None
        return Clock(
            self.accepted_on,
            self.limit_days,
            self.extension_days,
            tuple(Suspension(s, e) for s, e in self.suspensions),
        )

    def warning_level(self, today: date) -> WarningLevel:
        """Green, yellow or red on ``today`` (stored as due and warning dates, since it
        changes with the calendar day, not with events)."""
        running = self.status is Status.IN_PROGRESS
        return warning_level(running, self.due_date, self.warn_date, today)

    @property
    def received(self) -> dict[str, ReceivedMaterial]:
        return {c: ReceivedMaterial(c, o, n) for c, o, n in self.received_materials}


FIELD_NAMES = tuple(f.name for f in fields(CaseState))


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _applicant(s: dict, a: dict) -> None:
    s["applicant_name"] = a.get("name", "")
    s["applicant_id_type"] = a.get("id_type", "")
    s["applicant_id_number"] = a.get("id_number", "")
    s["applicant_phone"] = a.get("phone", "")
    s["applicant_address"] = a.get("address", "")


def _materials(existing: tuple, new: dict) -> tuple:
    merged = {c: (o, n) for c, o, n in existing}
    for code, rec in new.items():
        o, n = merged.get(code, (False, 0))
        merged[code] = (o or bool(rec.get("original")), max(n, int(rec.get("copies", 0))))
    return tuple((c, o, n) for c, (o, n) in sorted(merged.items()))


def _inquiry_logged(s: dict, p: dict, e: Event) -> None:
    s["kind"] = KIND_INQUIRY
    s["status"] = Status.INQUIRY
    s["inquiry_number"] = p["inquiry_number"]
    s["channel"] = p.get("channel", "window")
    s["question"] = p.get("question", "")
    s["item_code"] = p.get("item_code")
    s["item_name"] = p.get("item_name", "")
    _applicant(s, p.get("applicant", {}))
    s["first_clerk"] = s["holder_clerk"] = e.actor
    s["first_window"] = s["holder_window"] = e.window


def _inquiry_answered(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.ANSWERED
    s["answer"] = p.get("answer", "")


def _case_received(s: dict, p: dict, e: Event) -> None:
    was_inquiry = s["kind"] == KIND_INQUIRY
    s["kind"] = KIND_CASE
    s["status"] = Status.RECEIVED
    s["case_number"] = p["case_number"]
    s["channel"] = p.get("channel", "window")
    s["item_code"] = p["item_code"]
    s["item_version"] = p["item_version"]
    s["item_name"] = p.get("item_name", "")
    s["immediate"] = bool(p.get("immediate"))
    s["limit_days"] = int(p.get("limit_days", 0))
    s["statutory_days"] = int(p.get("statutory_days", 0))
    _applicant(s, p.get("applicant", {}))
    if not was_inquiry:  # an inquiry keeps its first-inquiry clerk
        s["first_clerk"] = p.get("first_clerk") or e.actor
        s["first_window"] = p.get("first_window") or e.window
    s["holder_clerk"] = p.get("holder_clerk") or e.actor
    s["holder_window"] = p.get("holder_window") or e.window
    s["received_on"] = s["decision_base_on"] = _d(p["received_on"])
    s["notice_deadline"] = _d(p.get("notice_deadline"))
    s["received_materials"] = _materials((), p.get("materials", {}))
    s["missing_materials"] = tuple(p.get("missing", ()))


def _notice_issued(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.AWAITING_SUPPLEMENT
    s["notice_count"] += 1
    if p.get("override"):
        s["notice_overrides"] += 1
    materials, additions = tuple(p.get("materials", ())), tuple(p.get("additions", ()))
    if s["notice_count"] == 1:
        s["notice_materials"], s["notice_additions"] = materials, additions
        s["notice_issued_on"] = _d(p["issued_on"])
    else:  # an overridden later notice widens what is asked for
        s["notice_materials"] += tuple(c for c in materials if c not in s["notice_materials"])
        s["notice_additions"] += tuple(t for t in additions if t not in s["notice_additions"])
    s["missing_materials"] = tuple(dict.fromkeys(s["missing_materials"] + materials))
    s["outstanding_additions"] = tuple(dict.fromkeys(s["outstanding_additions"] + additions))
    s["supplements_completed_on"] = None


def _supplement_received(s: dict, p: dict, e: Event) -> None:
    supplied = p.get("materials", {})
    satisfied = set(p.get("satisfied", supplied))
    s["received_materials"] = _materials(s["received_materials"], supplied)
    s["missing_materials"] = tuple(c for c in s["missing_materials"] if c not in satisfied)
    resolved = set(p.get("additions_resolved", ()))
    s["outstanding_additions"] = tuple(t for t in s["outstanding_additions"] if t not in resolved)
    if not s["missing_materials"] and not s["outstanding_additions"]:
        day = _d(p["received_on"])
        s["status"] = Status.RECEIVED
        s["supplements_completed_on"] = s["decision_base_on"] = day
        s["notice_deadline"] = _d(p.get("notice_deadline"))


def _accepted(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.IN_PROGRESS
    s["accepted_on"] = _d(p["accepted_on"])
    s["deemed_accepted"] = bool(p.get("deemed"))
    s["limit_days"] = int(p.get("limit_days", s["limit_days"]))
    s["due_date"] = _d(p.get("due_date"))
    s["warn_date"] = _d(p.get("warn_date"))
    s["due_assumed"] = bool(p.get("due_assumed"))
    s["missing_materials"] = ()
    s["outstanding_additions"] = ()


def _refused(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.REFUSED
    s["refused_on"] = _d(p["refused_on"])
    s["refusal_reason"] = p.get("reason", "")
    s["refusal_basis"] = p.get("basis", "")
    s["refusal_redirect"] = p.get("redirect", "")


def _referral_offered(s: dict, p: dict, e: Event) -> None:
    s["status_before_referral"] = s["status"]
    s["status"] = Status.REFERRED
    s["referral_to_window"] = p["to_window"]
    s["referral_reason"] = p.get("reason", "")
    s["referral_offered_at"] = datetime.fromisoformat(p["offered_at"])
    s["referral_from_window"] = e.window
    s["referral_from_clerk"] = e.actor
    s["referral_count"] += 1


def _referral_closed(s: dict) -> None:
    s["status"] = s["status_before_referral"] or Status.RECEIVED
    s["status_before_referral"] = None
    s["referral_to_window"] = None
    s["referral_offered_at"] = None


def _referral_accepted(s: dict, p: dict, e: Event) -> None:
    s["holder_window"] = s["referral_to_window"]
    s["holder_clerk"] = e.actor
    _referral_closed(s)


def _referral_declined(s: dict, p: dict, e: Event) -> None:
    _referral_closed(s)


def _handed_over(s: dict, p: dict, e: Event) -> None:  # an offer to the holding window, in the referral columns
    s["status_before_referral"] = s["status"]
    s["status"] = Status.HANDED_OVER
    s["referral_to_window"] = s["holder_window"]
    s["referral_reason"] = p.get("note", "")
    s["referral_offered_at"] = datetime.fromisoformat(p["handed_at"])
    s["referral_from_window"] = e.window
    s["referral_from_clerk"] = e.actor


def _handover_accepted(s: dict, p: dict, e: Event) -> None:
    s["holder_clerk"] = e.actor
    _referral_closed(s)


def _suspended(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.SUSPENDED
    s["suspensions"] += ((_d(p["start"]), None),)
    s["due_date"] = None
    s["warn_date"] = None


def _resumed(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.IN_PROGRESS
    start, _ = s["suspensions"][-1]
    s["suspensions"] = s["suspensions"][:-1] + ((start, _d(p["end"])),)
    s["due_date"] = _d(p.get("due_date"))
    s["warn_date"] = _d(p.get("warn_date"))
    s["due_assumed"] = bool(p.get("due_assumed"))


def _extended(s: dict, p: dict, e: Event) -> None:
    s["extension_days"] += int(p["days"])
    if s["status"] is not Status.SUSPENDED:
        s["due_date"] = _d(p.get("due_date"))
        s["warn_date"] = _d(p.get("warn_date"))
        s["due_assumed"] = bool(p.get("due_assumed"))


def _completed(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.COMPLETED
    s["completed_on"] = day = _d(p["completed_on"])
    s["result"] = p["result"]
    s["result_reason"] = p.get("reason", "")
    s["workdays_taken"] = p.get("workdays_taken")
    s["on_time"] = s["due_date"] is not None and day <= s["due_date"]


def _delivered(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.DELIVERED
    s["delivered_on"] = _d(p["delivered_on"])


def _evaluated(s: dict, p: dict, e: Event) -> None:
    if s["status"] in (Status.COMPLETED, Status.DELIVERED):
        s["status"] = Status.EVALUATED
    s["rating"] = int(p["level"])
    s["rating_comment"] = p.get("comment", "")
    s["rated_on"] = _d(p["rated_on"])


def _withdrawn(s: dict, p: dict, e: Event) -> None:
    s["status"] = Status.WITHDRAWN
    s["withdrawn_on"] = _d(p["withdrawn_on"])
    s["withdrawal_reason"] = p.get("reason", "")
    s["referral_to_window"] = s["status_before_referral"] = None


_REDUCERS: dict[EventType, Callable[[dict, dict, Event], None]] = {
    EventType.INQUIRY_LOGGED: _inquiry_logged,
    EventType.INQUIRY_ANSWERED: _inquiry_answered,
    EventType.CASE_RECEIVED: _case_received,
    EventType.NOTICE_ISSUED: _notice_issued,
    EventType.SUPPLEMENT_RECEIVED: _supplement_received,
    EventType.ACCEPTED: _accepted,
    EventType.REFUSED: _refused,
    EventType.REFERRAL_OFFERED: _referral_offered,
    EventType.REFERRAL_ACCEPTED: _referral_accepted,
    EventType.REFERRAL_DECLINED: _referral_declined,
    EventType.SUSPENDED: _suspended,
    EventType.RESUMED: _resumed,
    EventType.EXTENDED: _extended,
    EventType.COMPLETED: _completed,
    EventType.DELIVERED: _delivered,
    EventType.EVALUATED: _evaluated,
    EventType.WITHDRAWN: _withdrawn,
    EventType.HANDED_OVER: _handed_over,
    EventType.HANDOVER_ACCEPTED: _handover_accepted,
    EventType.HANDOVER_DECLINED: _referral_declined,  # back to the agent
    EventType.PRINTED: lambda s, p, e: None,  # a record, not a change: only the log's own columns move
}

_DEFAULTS = {f.name: f.default for f in fields(CaseState)}


def replay_fields(events: Iterable[Event], start: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state's fields after ``events`` (one case's, in log order), as a dict."""
    s, e, count, reducers = start, None, 0, _REDUCERS
    for e in events:
        if s is None:
            s = dict(_DEFAULTS)
            s["case_id"] = e.case_id
            s["created_at"] = e.recorded_at
        reducers[e.type](s, e.payload, e)
        count += 1
    if s is None:
        raise ValueError("no events to replay")
    if e is not None:
        # the log's own columns, from the last event (no reducer reads them): set once
        s["updated_at"] = e.recorded_at
        s["event_count"] += count
        s["heads"] = (e.event_id,)
        s["last_hlc"] = e.hlc
    return s


def apply_all(state: CaseState | None, events: Iterable[Event]) -> CaseState:
    """Apply ``events`` (one case's, in log order) to ``state`` (or to nothing)."""
    start = None if state is None else {n: getattr(state, n) for n in FIELD_NAMES}
    return CaseState(**replay_fields(events, start))


def replay(events: Iterable[Event]) -> CaseState:
    """The state of one case from its whole log (events in log order)."""
    return apply_all(None, events)


def apply(state: CaseState | None, event: Event) -> CaseState:
    return apply_all(state, (event,))
