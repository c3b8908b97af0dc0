"""The case log: immutable events, the only record of what happened to a case.

Events are what a desk stores, what replay turns into the case's current state, and
what travels between desks and the county. ``payload`` is plain JSON (ISO dates as
strings); ``payload_version`` says which shape it has, so a newer desk can read an
older event and an older desk can refuse a newer one clearly.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from enum import StrEnum
from typing import Any, Mapping, NamedTuple

import orjson

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
    CONFLICT_RESOLVED = "conflict_resolved"  # a supervisor's ruling on concurrent transitions (keep, void)
    COVER_TAKEN = "cover_taken"  # AB岗: the B clerk's desk takes over a case of the A clerk, who is away


# Events that record something beside the case's course and commute with everything
# (two desks may write them at the same time and both stand); every other type is a
# transition, and two concurrent transitions of one case are a conflict.
ANNOTATIONS = frozenset({EventType.PRINTED, EventType.EVALUATED, EventType.SUPPLEMENT_RECEIVED})
# Never contested either: a supervisor's ruling. Two rulings made at once both stand, and
# whatever either voids is void (then neither side stands, and the case is carried on again).
NOT_EXCLUSIVE = ANNOTATIONS | {EventType.CONFLICT_RESOLVED}

_DEEMED_NAMESPACE = uuid.UUID("6f1c9a52-5b7e-4c0b-9d57-8a3e2f1b7c40")


def deemed_acceptance_id(case_id: str, accepted_on: str, heads: tuple[str, ...] = ()) -> str:
    """The id of a case's deemed acceptance (Art. 32), derived from the case and the state it
    follows: written twice from the same state, it is one event, not two acceptances; two
    desks that each took the case over (a conflict already) write two, as their rivals."""
    return str(uuid.uuid5(_DEEMED_NAMESPACE, f"{case_id}/deemed/{accepted_on}/{','.join(sorted(heads))}"))


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

    @property
    def known(self) -> bool:
        """Whether this WindowDesk knows the event's type (a newer desk's are kept, not read)."""
        return isinstance(self.type, EventType)

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
            "recorded_at": time_text(self.recorded_at),
            "hlc": self.hlc,
            "parents": sorted(self.parents),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Event":
        return cls(
            event_id=data["event_id"],
            case_id=data["case_id"],
            type=event_type(data["type"]),
            payload=data["payload"],
            payload_version=int(data.get("payload_version", PAYLOAD_VERSION)),
            actor=data["actor"],
            window=data["window"],
            node=data["node"],
            recorded_at=datetime.fromisoformat(data["recorded_at"]),
            hlc=data["hlc"],
            parents=tuple(data.get("parents", ())),
        )


_TYPES = {t.value: t for t in EventType}


def event_type(text: str) -> EventType | str:
    """The type named ``text``; a type this WindowDesk does not know stays a plain string."""
    return _TYPES.get(text, text)


def time_text(value: datetime) -> str:
    """A time as the log stores it: UTC, with microseconds, always the same length."""
    value = value.astimezone(timezone.utc)
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00" % (
        value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
    )


def canonical_bytes(event: Event) -> bytes:
    """The event's content in one canonical spelling (UTF-8 JSON, keys sorted): what its
    hash covers, identical on every desk and on the county server."""
    return orjson.dumps(event.to_dict(), option=orjson.OPT_SORT_KEYS)


def content_hash(event: Event) -> str:
    return hashlib.sha256(canonical_bytes(event)).hexdigest()
