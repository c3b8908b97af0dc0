"""The case log: immutable events, the only record of what happened to a case.

Events are what a desk stores, what replay turns into the case's current state, and
what travels between desks and the county. ``payload`` is plain JSON (ISO dates as
strings); ``payload_version`` says which shape it has, so a newer desk can read an
older event and an older desk can refuse a newer one clearly.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Mapping, NamedTuple

PAYLOAD_VERSION = 1


class EventType(StrEnum):
    INQUIRY_LOGGED = "inquiry_logged"
    INQUIRY_ANSWERED = "inquiry_answered"
    CASE_RECEIVED = "case_received"
    NOTICE_ISSUED = "notice_issued"
    SUPPLEMENT_RECEIVED = "supplement_received"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    REFERRAL_OFFERED = "referral_offered"
    REFERRAL_ACCEPTED = "referral_accepted"
    REFERRAL_DECLINED = "referral_declined"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    EXTENDED = "extended"
    COMPLETED = "completed"
    DELIVERED = "delivered"
    EVALUATED = "evaluated"
    WITHDRAWN = "withdrawn"
    HANDED_OVER = "handed_over"  # a village agent hands a proxy case to the township window
    HANDOVER_ACCEPTED = "handover_accepted"
    HANDOVER_DECLINED = "handover_declined"
    PRINTED = "printed"  # a form printed from the case (payload: form, reprint, copies); no change of state


class Event(NamedTuple):
    """One immutable event (a named tuple: replay builds millions of them)."""

    event_id: str
    case_id: str
    type: EventType
    payload: Mapping[str, Any]
    actor: str  # clerk code, or "system" for rules applied by the desk itself
    window: str  # window code the actor acted for
    node: str  # desk that wrote the event
    recorded_at: datetime  # UTC
    hlc: str  # hybrid-logical-clock stamp (sortable string)
    parents: tuple[str, ...] = ()  # the case's head event(s) before this one
    payload_version: int = PAYLOAD_VERSION

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "case_id": self.case_id,
            "type": str(self.type),
            "payload": dict(self.payload),
            "payload_version": self.payload_version,
            "actor": self.actor,
            "window": self.window,
            "node": self.node,
            "recorded_at": self.recorded_at.isoformat(),
            "hlc": self.hlc,
            "parents": list(self.parents),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Event":
        return cls(
            event_id=data["event_id"],
            case_id=data["case_id"],
            type=EventType(data["type"]),
            payload=data["payload"],
            payload_version=int(data.get("payload_version", PAYLOAD_VERSION)),
            actor=data["actor"],
            window=data["window"],
            node=data["node"],
            recorded_at=datetime.fromisoformat(data["recorded_at"]),
            hlc=data["hlc"],
            parents=tuple(data.get("parents", ())),
        )
