"""Conversion between core dataclasses and rows of ``events`` and ``cases``.

This is the hot path of replay and intake, so it works on plain tuples through the
DB-API rather than through ORM objects.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from operator import attrgetter, itemgetter
from typing import Any, Sequence

import orjson

from windowdesk.core.events import Event, event_type
from windowdesk.core.lifecycle import Status
from windowdesk.core.projection import FIELD_NAMES, CaseState

EVENT_COLUMNS = (
    "event_id", "case_id", "type", "payload_version", "payload", "actor", "window",
    "node", "recorded_at", "hlc", "parents",
)
INSERT_EVENT_SQL = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)})"
)
# An event received from elsewhere: ``origin`` says from where ('county' or 'file').
INSERT_RECEIVED_EVENT_SQL = (
    f"INSERT INTO events ({', '.join(EVENT_COLUMNS)}, origin) "
    f"VALUES ({', '.join('?' for _ in EVENT_COLUMNS)}, ?)"
)
SELECT_EVENT_SQL = f"SELECT {', '.join(EVENT_COLUMNS)} FROM events"
# What replay reads of each event (see ``row_to_fold_event``): the payload as the UTF-8
# bytes SQLite stores, which orjson parses without a str in between. Only for a UTF-8
# file (SQLite's default; WindowDesk creates no other), otherwise
# ``SELECT_FOLD_EVENT_TEXT_SQL``.
FOLD_EVENT_COLUMNS = EVENT_COLUMNS
SELECT_FOLD_EVENT_SQL = "SELECT {} FROM events".format(
    ", ".join("CAST(payload AS BLOB)" if c == "payload" else c for c in FOLD_EVENT_COLUMNS)
)
SELECT_FOLD_EVENT_TEXT_SQL = f"SELECT {', '.join(FOLD_EVENT_COLUMNS)} FROM events"

CASE_COLUMNS = FIELD_NAMES
INSERT_CASE_SQL = (
    f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in CASE_COLUMNS)})"
)
# A clash on another unique column (a duplicated case number) raises instead of
# silently replacing the other case's row, as INSERT OR REPLACE would.
UPSERT_CASE_SQL = INSERT_CASE_SQL + " ON CONFLICT(case_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in CASE_COLUMNS if c != "case_id"
)
SELECT_CASE_SQL = f"SELECT {', '.join(CASE_COLUMNS)} FROM cases"

_UTC = timezone.utc


def encode_time(value: datetime) -> str:
    if value.tzinfo is _UTC:
        # What the general line below gives for a time already in UTC (as the log's
        # times are read back), spelled out: isoformat's arguments and offset lookup cost
        # more than everything else in writing a projection row.
        return "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00" % (
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond
        )
    return value.astimezone(_UTC).isoformat(timespec="microseconds")


def decode_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def event_to_row(e: Event) -> tuple:
    return (
        e.event_id, e.case_id, str(e.type), e.payload_version, dumps(e.payload), e.actor,
        e.window, e.node, encode_time(e.recorded_at), e.hlc, dumps(list(e.parents)),
    )


def row_to_event(row: Sequence) -> Event:
    return Event(
        row[0], row[1], event_type(row[2]), orjson.loads(row[4]), row[5], row[6], row[7],
        datetime.fromisoformat(row[8]), row[9], tuple(orjson.loads(row[10])), row[3],
    )


_NO_PARENTS = "[]"


def row_to_fold_event(
    row: Sequence, _new=tuple.__new__, _type=event_type, _loads=orjson.loads, _time=datetime.fromisoformat
) -> Event:
    """An event for folding into a state, from a row of ``SELECT_FOLD_EVENT_SQL``. Built
    as ``Event._make`` does, without its checks: this runs for every event of a rebuild."""
    parents = row[10]
    return _new(Event, (
        row[0], row[1], _type(row[2]), _loads(row[4]), row[5], row[6], row[7], _time(row[8]), row[9],
        () if parents == _NO_PARENTS else tuple(_loads(parents)), row[3],
    ))


def _encode_materials(value) -> str:
    return dumps([list(m) for m in value])


def _decode_materials(value: str) -> tuple:
    return tuple((c, bool(o), int(n)) for c, o, n in orjson.loads(value))


def _encode_suspensions(value) -> str:
    if not value:
        return "[]"  # as dumps([]); most cases were never suspended
    return dumps([[s.isoformat(), e.isoformat() if e else None] for s, e in value])


def _encode_list(value) -> str:
    return dumps(list(value)) if value else "[]"  # as dumps([]); most such columns are empty


def _decode_suspensions(value: str) -> tuple:
    return tuple(
        (date.fromisoformat(s), date.fromisoformat(e) if e else None) for s, e in orjson.loads(value)
    )


_DATE_TEXT: dict[date, str] = {}


def _encode_date(value: date) -> str:
    # A projection row holds about eight dates, and a county's cases share a few
    # thousand days: remembering their text is several times cheaper than formatting.
    text = _DATE_TEXT.get(value)
    if text is None:
        text = date.isoformat(value)  # as before: a datetime here would still give only its date
        if len(_DATE_TEXT) < 20_000:
            _DATE_TEXT[value] = text
    return text


# How each kind of column is stored: (encode, decode). Columns not listed pass through.
_DATE = (_encode_date, date.fromisoformat)
_TIME = (encode_time, decode_time)
_BOOL = (int, bool)
_STATUS = (str, Status)
_LIST = (_encode_list, lambda value: tuple(orjson.loads(value)))
_CONVERSIONS = {
    **dict.fromkeys(
        ("received_on", "decision_base_on", "notice_deadline", "notice_issued_on",
         "supplements_completed_on", "accepted_on", "due_date", "warn_date", "refused_on",
         "completed_on", "delivered_on", "rated_on", "withdrawn_on"), _DATE),
    **dict.fromkeys(("referral_offered_at", "created_at", "updated_at"), _TIME),
    **dict.fromkeys(("immediate", "deemed_accepted", "on_time", "due_assumed"), _BOOL),
    **dict.fromkeys(("status", "status_before_referral", "status_before_conflict"), _STATUS),
    **dict.fromkeys(
        ("missing_materials", "outstanding_additions", "notice_materials", "notice_additions", "heads",
         "contested"), _LIST),
    "received_materials": (_encode_materials, _decode_materials),
    "suspensions": (_encode_suspensions, _decode_suspensions),
}
# (position, function) for the columns that need converting.
_ENCODERS = [(i, _CONVERSIONS[n][0]) for i, n in enumerate(CASE_COLUMNS) if n in _CONVERSIONS]
_DECODERS = [(i, _CONVERSIONS[n][1]) for i, n in enumerate(CASE_COLUMNS) if n in _CONVERSIONS]
_state_values = attrgetter(*CASE_COLUMNS)
_field_values = itemgetter(*CASE_COLUMNS)


def _convert(values, functions) -> list:
    values = list(values)
    for i, convert in functions:
        if values[i] is not None:
            values[i] = convert(values[i])
    return values


def state_to_row(state: CaseState) -> tuple:
    return tuple(_convert(_state_values(state), _ENCODERS))


def fields_to_row(fields: dict) -> tuple:
    """The row of a state still in dict form (see ``projection.replay_fields``)."""
    return tuple(_convert(_field_values(fields), _ENCODERS))


def row_to_state(row: Sequence) -> CaseState:
    return CaseState(*_convert(row, _DECODERS))
