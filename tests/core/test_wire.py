"""Events on the wire: canonical bytes, hashes, validation of what arrives, and digests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from windowdesk.core.errors import ValidationError
from windowdesk.core.events import PAYLOAD_VERSION, Event, EventType, canonical_bytes, content_hash, event_type
from windowdesk.core.hlc import HLCStamp
from windowdesk.core.wire import MAX_PARENTS, MAX_PAYLOAD_BYTES, Digest, event_from_wire, event_to_wire, readable, wall_ms

CASE = "5b0e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4"
PARENT = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
EVENT_ID = "16fd2706-8baf-433b-82eb-8c7fada847da"
T0 = datetime(2026, 3, 2, 1, 30, 0, 123456, tzinfo=timezone.utc)
BEIJING = timezone(timedelta(hours=8))
HLC = str(HLCStamp(1772415000123, 2, "LJV07"))
ACCEPTED = {"accepted_on": "2026-03-02", "deemed": False, "limit_days": 20, "due_date": "2026-03-30",
            "warn_date": "2026-03-24", "due_assumed": False, "note": "材料齐全，予以受理"}


def make(**changes) -> Event:
    base = Event(EVENT_ID, CASE, EventType.ACCEPTED, dict(ACCEPTED), "daiban01", "MZ", "LJV07", T0, HLC,
                 (PARENT,))
    return base._replace(**changes)


def wire(**changes) -> dict:
    """A valid wire dict, changed (the hash is recomputed whenever the change still makes an event,
    so the change itself, not the hash, is what must be refused)."""
    data = orjson.loads(orjson.dumps(event_to_wire(make())))
    data.update(changes)
    try:
        data["hash"] = content_hash(Event.from_dict(data))
    except Exception:  # noqa: BLE001 - not an event any more: keep the old hash
        pass
    return data


def without(key: str) -> dict:
    data = wire()
    del data[key]
    return data


def ids(n: int) -> list[str]:
    return sorted(str(uuid.UUID(int=i + 1)) for i in range(n))


# ---------------------------------------------------------------------------- round trip, canonical form

@pytest.mark.parametrize("event", [
    make(),
    make(parents=()),
    make(parents=tuple(ids(MAX_PARENTS)), window="", actor="system"),
    make(type=event_type("future_thing"), payload={"嵌套": {"列表": [1, 2.5, None, True]}}),
    make(type=EventType.PRINTED, payload={"form": "receipt", "reprint": True, "copies": 2}, payload_version=2),
], ids=["accepted", "first", "many-parents", "unknown-type", "newer-payload"])
def test_round_trip_gives_an_equal_event_and_the_same_hash(event):
    data = orjson.loads(orjson.dumps(event_to_wire(event)))  # as it travels: JSON text
    back, hash_ = event_from_wire(data)
    assert back == event
    assert hash_ == data["hash"] == content_hash(event) == content_hash(back)
    assert back.recorded_at.tzinfo is not None and back.recorded_at.utcoffset() == timedelta(0)


def test_canonical_bytes_ignore_payload_key_order():
    reordered = dict(reversed(list(ACCEPTED.items())))
    assert list(reordered) != list(ACCEPTED)
    assert canonical_bytes(make(payload=reordered)) == canonical_bytes(make())
    assert content_hash(make(payload=reordered)) == content_hash(make())


def test_canonical_bytes_ignore_how_the_time_zone_is_written():
    local = T0.astimezone(BEIJING)
    assert local.utcoffset() == timedelta(hours=8)
    assert canonical_bytes(make(recorded_at=local)) == canonical_bytes(make())
    data = wire()
    data["recorded_at"] = local.isoformat()  # same instant, stated in Beijing time, hash unchanged
    event, _ = event_from_wire(data)
    assert event == make() and event.recorded_at.utcoffset() == timedelta(0)


def test_time_text_always_has_microseconds_and_utc():
    whole = make(recorded_at=T0.replace(microsecond=0))
    assert whole.to_dict()["recorded_at"] == "2026-03-02T01:30:00.000000+00:00"
    assert make().to_dict()["recorded_at"] == "2026-03-02T01:30:00.123456+00:00"


def test_canonical_bytes_change_with_any_field():
    base = canonical_bytes(make())
    for change in [dict(actor="zhangmin"), dict(payload={**ACCEPTED, "limit_days": 21}), dict(parents=()),
                   dict(recorded_at=T0 + timedelta(microseconds=1)), dict(payload_version=2)]:
        assert canonical_bytes(make(**change)) != base, change


def test_readable_says_whether_this_desk_can_read_the_event():
    assert readable(make())
    assert not readable(make(payload_version=PAYLOAD_VERSION + 1))
    assert not readable(make(type=event_type("future_thing")))
    assert readable(make(payload_version=1))


def test_wall_ms_reads_the_clock_stamp():
    assert wall_ms(HLC) == 1772415000123
    with pytest.raises(ValidationError):
        wall_ms("yesterday")


# ---------------------------------------------------------------------------- validation

TOO_BIG = {"text": "字" * 70_000}
MALFORMED = {
    **{f"missing-{k}": without(k) for k in ["event_id", "case_id", "type", "payload", "payload_version",
                                            "actor", "window", "node", "recorded_at", "hlc", "parents", "hash"]},
    "event_id-int": wire(event_id=5),
    "event_id-not-uuid": wire(event_id="not-a-uuid"),
    "event_id-upper": wire(event_id=EVENT_ID.upper()),
    "event_id-braces": wire(event_id="{" + EVENT_ID + "}"),
    "event_id-no-hyphens": wire(event_id=EVENT_ID.replace("-", "")),
    "case_id-none": wire(case_id=None),
    "case_id-urn": wire(case_id="urn:uuid:" + CASE),
    "type-int": wire(type=3),
    "type-spaces": wire(type="bad type!"),
    "payload-list": wire(payload=[1, 2]),
    "payload-text": wire(payload="{}"),
    "payload_version-text": wire(payload_version="1"),
    "payload_version-bool": wire(payload_version=True),
    "payload_version-zero": wire(payload_version=0),
    "payload_version-float": wire(payload_version=1.0),
    "actor-int": wire(actor=7),
    "actor-empty": wire(actor=""),
    "actor-long": wire(actor="a" * 33),
    "window-none": wire(window=None),
    "window-space": wire(window="M Z"),
    "node-list": wire(node=["LJ03"]),
    "node-slash": wire(node="LJ03/V07", hlc=str(HLCStamp(1, 0, "LJ03/V07"))),
    "recorded_at-int": wire(recorded_at=1772415000),
    "recorded_at-words": wire(recorded_at="yesterday"),
    "recorded_at-naive": wire(recorded_at="2026-03-02T01:30:00.123456"),
    "hlc-int": wire(hlc=5),
    "hlc-empty": wire(hlc=""),
    "hlc-words": wire(hlc="not-a-stamp"),
    "hlc-two-parts": wire(hlc="1772415000123-00002"),
    "hlc-other-node": wire(hlc=str(HLCStamp(1772415000123, 2, "LJ03"))),
    "parents-text": wire(parents=PARENT),
    "parents-dict": wire(parents={PARENT: True}),
    "parents-none": wire(parents=None),
    "parents-int-item": wire(parents=[1]),
    "parents-bad-uuid": wire(parents=["parent"]),
    "parents-duplicate": wire(parents=[PARENT, PARENT]),
    "parents-self": wire(parents=sorted([PARENT, EVENT_ID])),
    "parents-too-many": wire(parents=ids(MAX_PARENTS + 1)),
    "hash-int": {**wire(), "hash": 5},
    "hash-upper": {**wire(), "hash": wire()["hash"].upper()},
    "hash-short": {**wire(), "hash": wire()["hash"][:-1]},
    "tampered-payload": {**wire(), "payload": {**ACCEPTED, "due_date": "2026-04-30"}},
    "tampered-actor": {**wire(), "actor": "zhangmin"},
    "tampered-time": {**wire(), "recorded_at": "2026-03-02T01:31:00.123456+00:00"},
    "tampered-version": {**wire(), "payload_version": 2},
    "too-large": wire(payload=TOO_BIG),
    "none": None,
    "list": [("event_id", EVENT_ID)],
    "text": orjson.dumps(event_to_wire(make())).decode(),
    "number": 42,
}


def test_the_valid_wire_dict_used_below_is_accepted():
    assert event_from_wire(wire())[0] == make()
    assert event_from_wire(wire(window="", payload={}))[0] == make(window="", payload={})


@pytest.mark.parametrize("data", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_input_raises_validation_error(data):
    with pytest.raises(ValidationError):
        event_from_wire(data)


def test_parents_arrive_sorted_whatever_order_they_were_sent_in():
    parents = ids(3)
    data = wire(parents=parents)
    data["parents"] = list(reversed(parents))
    assert event_from_wire(data)[0].parents == tuple(parents)


_scalars = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=20)
            | st.sampled_from([EVENT_ID, CASE, HLC, "LJV07", "accepted", "2026-03-02T01:30:00+00:00"]))
json_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
FIELDS = list(wire())


def _only_validation_errors(data) -> None:
    try:
        event_from_wire(data)
    except ValidationError:
        pass


@settings(deadline=None, max_examples=200)
@given(json_values)
def test_arbitrary_json_never_raises_anything_but_validation_error(data):
    _only_validation_errors(data)


@settings(deadline=None, max_examples=200)
@given(st.sampled_from(FIELDS), json_values, st.booleans())
def test_one_corrupted_field_never_raises_anything_but_validation_error(field, value, drop):
    data = wire()
    if drop:
        del data[field]
    else:
        data[field] = value
    _only_validation_errors(data)


@settings(deadline=None, max_examples=200)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_any_json_payload_with_its_own_hash_round_trips(payload):
    data = wire(payload=payload)
    event, hash_ = event_from_wire(orjson.loads(orjson.dumps(data)))
    assert hash_ == data["hash"] and event.payload == orjson.loads(orjson.dumps(payload))


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("changes", [
    {"payload": {"amount": 2**64}},  # what stdlib json.loads gives for a 20-digit number
    {"payload_version": 2**64},
    {"payload": {"note": "\ud800"}},  # a lone surrogate, which stdlib json.loads accepts
    {"payload": _nested(300)},  # orjson.loads reads 300 levels, orjson.dumps stops at 255
], ids=["big-int-payload", "big-payload_version", "lone-surrogate", "deep-nesting"])
def test_content_orjson_cannot_encode_raises_validation_error(changes):
    with pytest.raises(ValidationError):
        event_from_wire({**wire(), **changes})


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-08:00"])
def test_a_time_outside_the_calendar_in_utc_raises_validation_error(when):
    with pytest.raises(ValidationError):
        event_from_wire(wire(recorded_at=when))


@pytest.mark.parametrize("field", ["actor", "window", "type"])
def test_a_code_with_a_trailing_newline_is_refused(field):
    with pytest.raises(ValidationError):
        event_from_wire(wire(**{field: make().to_dict()[field] + "\n"}))


@pytest.mark.parametrize("hlc", ["1772415000123-2-LJV07", "1772415000123-00002 -LJV07",
                                 "+1772415000123-00002-LJV07", "1_772_415_000_123-00002-LJV07"])
def test_a_clock_stamp_not_spelt_canonically_is_refused(hlc):
    with pytest.raises(ValidationError):
        event_from_wire(wire(hlc=hlc))


def test_a_payload_over_the_byte_limit_is_refused():
    payload = {"text": "字" * 30_000}
    assert len(orjson.dumps(payload)) > MAX_PAYLOAD_BYTES
    with pytest.raises(ValidationError):
        event_from_wire(wire(payload=payload))


def test_a_payload_changed_to_nan_does_not_keep_its_hash():
    data = wire(payload={"x": None})
    with pytest.raises(ValidationError):
        event_from_wire({**data, "payload": {"x": float("nan")}})

# ---------------------------------------------------------------------------- digests

entries = st.lists(st.tuples(st.uuids().map(str), st.binary(min_size=32, max_size=32).map(bytes.hex)),
                   max_size=12, unique_by=lambda e: e[0])


def digest_of(items) -> Digest:
    d = Digest()
    for event_id, hash_ in items:
        d = d.add(event_id, hash_)
    return d


@settings(deadline=None, max_examples=100)
@given(st.data())
def test_a_digest_does_not_depend_on_the_order_events_are_added(data):
    items = data.draw(entries)
    assert digest_of(data.draw(st.permutations(items))) == digest_of(items)
    assert digest_of(items).count == len(items)


@settings(deadline=None, max_examples=100)
@given(entries, entries)
def test_removing_an_event_undoes_adding_it(base, extra):
    d = digest_of(base)
    grown = digest_of([*base, *extra])
    for event_id, hash_ in reversed(extra):
        grown = grown.remove(event_id, hash_)
    assert grown == d
    if base:
        assert digest_of(base[1:]) == d.remove(*base[0])


@settings(deadline=None, max_examples=100)
@given(entries)
def test_a_digest_round_trips_through_text(items):
    d = digest_of(items)
    assert Digest.from_text(d.to_text()) == d
    assert len(d.to_text().split(":")[1]) == 64


def test_an_empty_digest_and_a_different_event():
    assert Digest.from_text(None) == Digest.from_text("") == Digest() == digest_of([])
    event = make()
    one = Digest().add(event.event_id, content_hash(event))
    other = make(payload={**ACCEPTED, "limit_days": 21})
    assert one != Digest().add(other.event_id, content_hash(other))
    assert one.remove(event.event_id, content_hash(event)) == Digest()
