"""Replay: a case's current state derived from its events.

The reducer is pure and depends on nothing but the events (due dates are computed by the
services and recorded in the events that change them): the same log always gives the same
state, on any desk, today or in ten years."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, Iterable

from windowdesk.core.causal import ancestors, causal_order
from windowdesk.core.deadlines import Clock, Suspension, WarningLevel, warning_level
from windowdesk.core.events import NOT_EXCLUSIVE, PAYLOAD_VERSION, Event, EventType
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.core.reducers import KIND_CASE, KIND_INQUIRY, REDUCERS  # noqa: F401 - re-exported



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
    holder_node: str = ""  # the desk that holds the case: the only one that writes its transitions
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
    # concurrent transitions written on different desks (冲突), awaiting a supervisor's ruling
    contested: tuple[str, ...] = ()  # the transitions replay could not apply
    status_before_conflict: Status | None = None
    unknown_events: int = 0  # events of types a newer WindowDesk wrote: kept, not read
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


_DEFAULTS = {f.name: f.default for f in fields(CaseState)}


class _ReducerFailed(Exception):
    def __init__(self, event_id: str):
        self.event_id = event_id


def replay_fields(events: Iterable[Event], start: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state's fields after ``events``, as a dict.

    Without ``start``: the whole log of one case, in any order; it is walked in causal
    order (``causal.causal_order``). A transition concurrent with a transition already
    applied is not applied but listed in ``contested`` (the case is then in conflict);
    annotations always apply; what a supervisor's ruling voids is not applied at all; an
    event of an unknown type is counted and kept out. A merged log never makes replay
    raise: an event the reducers cannot apply is contested too.

    With ``start`` (a state's fields): ``events`` extend it one after another (each names
    the state's heads as its parents, see ``extends``): the desk's own writes.
    """
    if start is not None:
        return _extend(start, events)
    ordered = causal_order(events)
    if not ordered:
        raise ValueError("no events to replay")
    refused: set[str] = set()
    while True:
        try:
            return _replay(ordered, refused)
        except _ReducerFailed as failed:
            refused.add(failed.event_id)


def _extend(s: dict[str, Any], events: Iterable[Event]) -> dict[str, Any]:
    e, count, reducers = None, 0, REDUCERS
    for e in events:
        reducers[e.type](s, e.payload, e)
        count += 1
    if e is not None:
        s["updated_at"] = e.recorded_at
        s["event_count"] += count
        s["heads"] = (e.event_id,)
        s["last_hlc"] = max(s["last_hlc"], e.hlc)
    return s


def _voided(events: list[Event]) -> set[str]:
    """What the rulings in the log void (a malformed ruling voids nothing)."""
    voided: set[str] = set()
    for e in events:
        if e.type is EventType.CONFLICT_RESOLVED:
            listed = e.payload.get("void")
            if isinstance(listed, list):
                voided.update(v for v in listed if isinstance(v, str))
    return voided


def _replay(events: list[Event], refused: set[str]) -> dict[str, Any]:
    first = events[0]
    s = dict(_DEFAULTS)
    s["case_id"] = first.case_id
    s["created_at"] = first.recorded_at
    voided = _voided(events)
    reducers, free = REDUCERS, NOT_EXCLUSIVE
    heads: tuple[str, ...] = ()
    parents_of: dict[str, tuple[str, ...]] = {}
    applied: set[str] = set()  # the transitions applied so far
    contested: list[str] = []
    unknown = 0
    last_hlc = ""
    for e in events:
        event_id = e.event_id
        parents_of[event_id] = e.parents
        linear = e.parents == heads
        reducer = reducers.get(e.type) if e.payload_version <= PAYLOAD_VERSION else None
        if reducer is None:  # a type or payload shape of a newer WindowDesk: kept, counted, not read
            unknown += 1
        elif event_id in voided:
            pass
        elif event_id in refused or (
            not linear and e.type not in free and applied - ancestors(event_id, parents_of)
        ):
            contested.append(event_id)
        else:
            try:
                reducer(s, e.payload, e)
            except Exception as exc:  # noqa: BLE001 - a merged or forged log: replay again without it
                raise _ReducerFailed(event_id) from exc
            if e.type not in free:
                applied.add(event_id)
        heads = (event_id,) if linear else tuple(sorted({*(h for h in heads if h not in e.parents), event_id}))
        if e.hlc > last_hlc:
            last_hlc = e.hlc
    last = events[-1]
    s["updated_at"] = last.recorded_at
    s["event_count"] = len(events)
    s["heads"] = heads
    s["last_hlc"] = last_hlc
    s["unknown_events"] = unknown
    if contested:
        s["contested"] = tuple(contested)
        s["status_before_conflict"] = s["status"]
        s["status"] = Status.CONFLICT
    return s


def extends(state: CaseState, event: Event) -> bool:
    """Whether ``event`` follows ``state`` directly, so that applying it alone gives what a
    replay of the whole log would: the desk's own next event on a case not in conflict."""
    return (
        event.parents == state.heads
        and not state.contested
        and event.known
        and event.payload_version <= PAYLOAD_VERSION
        and event.type is not EventType.CONFLICT_RESOLVED
    )


def apply_all(state: CaseState | None, events: Iterable[Event]) -> CaseState:
    """Apply ``events`` (one case's, in log order) to ``state`` (or to nothing)."""
    start = None if state is None else {n: getattr(state, n) for n in FIELD_NAMES}
    return CaseState(**replay_fields(events, start))


def replay(events: Iterable[Event]) -> CaseState:
    """The state of one case from its whole log (events in log order)."""
    return apply_all(None, events)


def apply(state: CaseState | None, event: Event) -> CaseState:
    return apply_all(state, (event,))
