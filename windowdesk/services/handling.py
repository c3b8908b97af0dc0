"""Use cases while a case is carried: special procedures, extensions, completion,
delivery, rating and withdrawal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from windowdesk.core.codes import Delivery, Rating, Result, parse_code
from windowdesk.core.deadlines import Clock, DueExplanation, Suspension, explain, workdays_used
from windowdesk.core.errors import ValidationError
from windowdesk.core.events import EventType
from windowdesk.core.lifecycle import Action
from windowdesk.core.projection import CaseState
from windowdesk.db.codec import SELECT_EVENT_SQL, row_to_event
from windowdesk.i18n import N_, _
from windowdesk.services.common import (
    Actor,
    commit_event,
    begin_action,
    deadline_fields,
    load_case,
    required_text,
)
from windowdesk.services.uow import UnitOfWork


def _positive_days(value, what: str) -> int:
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if days < 1 or days > 365:
        raise ValidationError(
            _("{what} must be a whole number of working days between 1 and 365.").format(what=what)
        )
    return days


def suspend_case(
    uow: UnitOfWork, actor: Actor, case_id: str, *, procedure: str, reason: str, expected_days: int
) -> CaseState:
    """特别程序: hearing, testing, inspection, expert review, public notice … (Art. 45).

    The clock stops from the end of today until the procedure ends."""
    state = begin_action(uow, actor, case_id, Action.SUSPEND)
    payload = {
        "start": uow.today().isoformat(),
        "procedure": required_text(procedure, _("The special procedure")),
        "reason": required_text(reason, _("The reason for the special procedure")),
        "expected_days": _positive_days(expected_days, _("The expected length")),
    }
    return commit_event(uow, state, case_id, EventType.SUSPENDED, payload, actor)


def _clock_after(state: CaseState, *, end: date | None = None, extra_days: int = 0) -> Clock:
    clock = state.clock
    assert clock is not None
    suspensions = clock.suspensions
    if end is not None:
        suspensions = suspensions[:-1] + (Suspension(suspensions[-1].start, end),)
    return Clock(clock.accepted_on, clock.limit_days, clock.extension_days + extra_days, suspensions)


def resume_case(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseState:
    """End the special procedure; the clock counts on from tomorrow's working day."""
    state = begin_action(uow, actor, case_id, Action.RESUME)
    clock = _clock_after(state, end=uow.today())
    payload = {"end": uow.today().isoformat(), **deadline_fields(uow, clock)}
    return commit_event(uow, state, case_id, EventType.RESUMED, payload, actor)


def extend_case(
    uow: UnitOfWork, actor: Actor, case_id: str, *, days: int, approver: str, reason: str
) -> CaseState:
    """延期 (Art. 42): more working days, approved by a named person, with a reason
    that is told to the applicant."""
    state = begin_action(uow, actor, case_id, Action.EXTEND)
    days = _positive_days(days, _("The extension"))
    clock = _clock_after(state, extra_days=days)
    payload = {
        "days": days,
        "approver": required_text(approver, _("The approver of the extension")),
        "reason": required_text(reason, _("The reason for the extension")),
        **deadline_fields(uow, clock),
    }
    return commit_event(uow, state, case_id, EventType.EXTENDED, payload, actor)


def complete_case(
    uow: UnitOfWork, actor: Actor, case_id: str, *, result: str, reason: str = ""
) -> CaseState:
    """办结: granted, or denied with the reason."""
    state = begin_action(uow, actor, case_id, Action.COMPLETE)
    result = parse_code(Result, result, _("Result"))
    if result is Result.DENIED:
        reason = required_text(reason, _("The reason for denial"))
    today = uow.today()
    clock = state.clock
    assert clock is not None
    payload = {
        "completed_on": today.isoformat(),
        "result": str(result),
        "reason": (reason or "").strip(),
        "workdays_taken": int(workdays_used(uow.calendar, clock, today)),
    }
    return commit_event(uow, state, case_id, EventType.COMPLETED, payload, actor)


def deliver_case(uow: UnitOfWork, actor: Actor, case_id: str, *, method: str = Delivery.PICKUP) -> CaseState:
    """送达 / 领取: the result reached the applicant."""
    state = begin_action(uow, actor, case_id, Action.DELIVER)
    method = parse_code(Delivery, method, _("Delivery method"))
    payload = {"delivered_on": uow.today().isoformat(), "method": str(method)}
    return commit_event(uow, state, case_id, EventType.DELIVERED, payload, actor)


def evaluate_case(
    uow: UnitOfWork, actor: Actor, case_id: str, *, level: int | str, comment: str = "", channel: str = "window"
) -> CaseState:
    """好差评: one rating per visit, five levels; a 差评 is flagged for call-back."""
    state = begin_action(uow, actor, case_id, Action.EVALUATE, holder=False)
    if state.rating is not None:
        raise ValidationError(
            _("Case {case} has already been rated; each visit is rated once.").format(case=state.label)
        )
    if level is None or str(level).strip() == "":
        raise ValidationError(_("Choose the applicant's rating (one of the five levels)."))
    rating = parse_code(Rating, str(level), _("Rating"))
    payload = {
        "level": rating.level,
        "comment": (comment or "").strip(),
        "rated_on": uow.today().isoformat(),
        "channel": channel,
        "bad": rating.is_bad,
    }
    return commit_event(uow, state, case_id, EventType.EVALUATED, payload, actor)


def withdraw_case(uow: UnitOfWork, actor: Actor, case_id: str, *, reason: str) -> CaseState:
    """撤回 / 终止 at the applicant's request or because the matter lapsed."""
    state = begin_action(uow, actor, case_id, Action.WITHDRAW)
    payload = {
        "withdrawn_on": uow.today().isoformat(),
        "reason": required_text(reason, _("The reason for withdrawal")),
    }
    return commit_event(uow, state, case_id, EventType.WITHDRAWN, payload, actor)


@dataclass(frozen=True)
class DeadlineEvent:
    """An event that set or moved the due date, as a line a person can read."""

    recorded_at: datetime
    actor: str
    type: str
    text: str


@dataclass(frozen=True)
class WhyThisDate:
    explanation: DueExplanation
    events: tuple[DeadlineEvent, ...]


def _describe_deadline_event(e) -> str:
    p = e.payload
    if e.type == EventType.ACCEPTED:
        key = (N_("Deemed accepted on {day} (no notice within five working days)") if p.get("deemed")
               else N_("Accepted on {day}"))
        return _(key).format(day=p["accepted_on"]) + _(", limit {days} working days").format(days=p["limit_days"])
    if e.type == EventType.SUSPENDED:
        return _("Special procedure from {day}: {procedure} ({reason})").format(
            day=p["start"], procedure=p["procedure"], reason=p["reason"])
    if e.type == EventType.RESUMED:
        return _("Special procedure ended on {day}").format(day=p["end"])
    return _("Extended by {days} working days, approved by {approver}: {reason}").format(
        days=p["days"], approver=p["approver"], reason=p["reason"])


def why_this_date(uow: UnitOfWork, case_id: str) -> WhyThisDate | None:
    """The due date explained: the events that set it, and every day counted, skipped
    or suspended (``None`` before acceptance)."""
    state = load_case(uow, case_id)
    clock = state.clock
    if clock is None:
        return None
    kinds = (EventType.ACCEPTED, EventType.SUSPENDED, EventType.RESUMED, EventType.EXTENDED)
    rows = uow.execute(
        SELECT_EVENT_SQL + " WHERE case_id = ? AND type IN (?, ?, ?, ?) ORDER BY hlc",
        (case_id, *map(str, kinds)),
    ).all()
    events = tuple(
        DeadlineEvent(e.recorded_at, e.actor, str(e.type), _describe_deadline_event(e))
        for e in map(row_to_event, rows)
    )
    return WhyThisDate(explain(uow.calendar, clock, until=uow.today()), events)
