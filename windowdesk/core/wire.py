"""Events as they travel between desks and the county (protocol version 1).

An event on the wire is ``Event.to_dict()`` plus ``hash``, the SHA-256 of its canonical
content (``events.canonical_bytes``). Both ends check it, so an event that changed on
the way, or a second event reusing an id with other content, is caught and never applied.

A scope (a township, or a village point's own cases) is summed up by a ``Digest``: the
number of events and the sum, modulo 2**256, of a hash of each event's id and content.
A sum can be kept up to date event by event on both ends, in any order, and an event
can be taken out again; equal digests mean equal sets of events, hence equal projections.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping

import orjson

from windowdesk.core.errors import ValidationError
from windowdesk.core.events import PAYLOAD_VERSION, Event, content_hash, event_type
from windowdesk.core.hlc import HLCStamp
from windowdesk.i18n import _

PROTOCOL_VERSION = 1
MAX_BATCH = 500  # events in one push or one page of a pull
MAX_PARENTS = 32
MAX_PAYLOAD_BYTES = 64 * 1024
_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
_HASH = re.compile(r"[0-9a-f]{64}")
_HLC = re.compile(r"\d{13}-\d{5}-[A-Z][A-Z0-9]{1,7}")
_MOD = 1 << 256


def event_to_wire(event: Event) -> dict[str, Any]:
    data = event.to_dict()
    data["hash"] = content_hash(event)
    return data


def _uuid(value: Any, what: str) -> str:
    try:
        if not isinstance(value, str) or str(uuid.UUID(value)) != value:
            raise ValueError(value)
    except ValueError as exc:
        raise ValidationError(_("{what} is not a valid id.").format(what=what)) from exc
    return value


def _text(data: Mapping[str, Any], key: str, pattern: re.Pattern | None = None, *, empty: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not value and not empty) or len(value) > 64 or (
        pattern is not None and value and not pattern.fullmatch(value)
    ):
        raise ValidationError(_("The event's field {field} is missing or malformed.").format(field=key))
    return value


def event_from_wire(data: Any) -> tuple[Event, str]:
    """The event and its stated hash, from what arrived; ``ValidationError`` for anything
    malformed, including a hash that does not match the content."""
    if not isinstance(data, Mapping):
        raise ValidationError(_("An event must be a JSON object."))
    event_id = _uuid(data.get("event_id"), "event_id")
    case_id = _uuid(data.get("case_id"), "case_id")
    parents = data.get("parents")
    if not isinstance(parents, list) or len(parents) > MAX_PARENTS:
        raise ValidationError(_("The event's field {field} is missing or malformed.").format(field="parents"))
    parents = tuple(sorted(_uuid(p, "parent") for p in parents))
    if event_id in parents or len(set(parents)) != len(parents):
        raise ValidationError(_("The event's field {field} is missing or malformed.").format(field="parents"))
    payload = data.get("payload")
    version = data.get("payload_version")
    if not isinstance(payload, dict) or not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 1000:
        raise ValidationError(_("The event's field {field} is missing or malformed.").format(field="payload"))
    hlc = _text(data, "hlc", _HLC)
    try:
        stamp = HLCStamp.parse(hlc)
        recorded_at = datetime.fromisoformat(_text(data, "recorded_at"))
        if recorded_at.tzinfo is None:
            raise ValueError("no time zone")
        recorded_at = recorded_at.astimezone(timezone.utc)
    except (ValueError, OverflowError) as exc:
        raise ValidationError(_("The event's time or clock stamp is malformed.")) from exc
    node = _text(data, "node", _CODE)
    if stamp.node != node:
        raise ValidationError(_("The event's clock stamp names another desk than the event."))
    event = Event(
        event_id=event_id,
        case_id=case_id,
        type=event_type(_text(data, "type", _CODE)),
        payload=payload,
        actor=_text(data, "actor", _CODE),
        window=_text(data, "window", _CODE, empty=True),
        node=node,
        recorded_at=recorded_at,
        hlc=hlc,
        parents=parents,
        payload_version=version,
    )
    stated = data.get("hash")
    if not isinstance(stated, str) or not _HASH.fullmatch(stated):
        raise ValidationError(_("The event's field {field} is missing or malformed.").format(field="hash"))
    try:
        encoded = orjson.dumps(payload)
        # JSON cannot carry NaN or infinities (orjson writes them as null): refuse them
        # rather than let two payloads share a hash
        if orjson.loads(encoded) != payload:
            raise ValueError("payload does not survive JSON")
        actual = content_hash(event)
    except (TypeError, ValueError, orjson.JSONEncodeError) as exc:
        raise ValidationError(_("The event's field {field} is missing or malformed.").format(field="payload")) from exc
    if actual != stated:
        raise ValidationError(_("Event {event} does not match its hash: it was changed on the way.").format(
            event=event_id))
    if len(encoded) > MAX_PAYLOAD_BYTES:
        raise ValidationError(_("Event {event} is too large.").format(event=event_id))
    return event, actual


def readable(event: Event) -> bool:
    """Whether this WindowDesk can read the event (type and payload shape); others are
    stored and flagged, never dropped."""
    return event.known and event.payload_version <= PAYLOAD_VERSION


def wall_ms(hlc: str) -> int:
    return HLCStamp.parse(hlc).wall_ms


@dataclass(frozen=True)
class Digest:
    count: int = 0
    total: int = 0

    @staticmethod
    def term(event_id: str, hash_: str) -> int:
        return int.from_bytes(hashlib.sha256(f"{event_id}:{hash_}".encode()).digest(), "big")

    def add(self, event_id: str, hash_: str) -> "Digest":
        return Digest(self.count + 1, (self.total + self.term(event_id, hash_)) % _MOD)

    def remove(self, event_id: str, hash_: str) -> "Digest":
        return Digest(self.count - 1, (self.total - self.term(event_id, hash_)) % _MOD)

    def to_text(self) -> str:
        return f"{self.count}:{self.total:064x}"

    @classmethod
    def from_text(cls, text: str | None) -> "Digest":
        if not text:
            return cls()
        count, total = text.split(":")
        return cls(int(count), int(total, 16))
