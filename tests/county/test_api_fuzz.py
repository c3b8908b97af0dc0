"""The county server's whole HTTP API fuzzed from its own OpenAPI schema (schemathesis),
against a real server process over a real PostgreSQL (the demo county).

Every operation gets generated requests, valid and invalid by the schema. Most carry the
credential of an enrolled desk (window PCs of both townships and a village point), the
rest none, a garbage one, or whatever the schema's ``authorization`` header generates.
So that the fuzzing reaches past the door: an enrollment often types a fresh code, and a
push by an enrolled desk often names its own store id and carries events hashed as desks
hash them (real cases' receipts and acceptances, and generated events of every type with
generated payloads, parents and clocks). Every answer must be: no 5xx, JSON, no traceback
nor the database layer's words, and of the declared shape where the schema declares one.

Failures the fuzzing found are shown one by one by ``xfail`` tests in
``test_api_security.py`` (section "found by the fuzzing"), each with the request that
fails; the fuzzing leaves those requests out (``known_bug``) so that it keeps watching
everything else. When a bug is fixed its test passes, and being strict, fails: remove
its mark there and its entry in ``known_bug`` here.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.county.api_support import Desk, ServerOutput, accepted, enroll, issue_code, received
from windowdesk.core.events import Event, EventType
from windowdesk.core.wire import event_to_wire
from windowdesk.county.db import open_county

pytestmark = pytest.mark.slow

# what must never reach a desk: a Python traceback, the driver's or the ORM's own words
LEAKS = ("Traceback", 'File "', "sqlalchemy", "psycopg")
# the enrolled desks the fuzzing speaks for: (kind, township)
DESKS = (("window", "QS"), ("window", "QS"), ("village", "QS"), ("window", "HX"))
NO_CREDENTIAL, GARBAGE, GENERATED = "none", "garbage", "generated"
FRESH_CODES = 12  # enrollment codes the fuzzing may redeem
# per operation and generation mode: the whole test stays well within a minute, and draws
# the same requests every run (derandomized: a failure is reproducible, never flaky). For
# a longer hunt with fresh requests each run: WINDOWDESK_FUZZ_EXAMPLES=500
HUNT = "WINDOWDESK_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("WINDOWDESK_FUZZ_EXAMPLES", "30"))
BIGINT = (-(2**63), 2**63 - 1)
# operations the fuzzing answers with success now and then (with a desk's own store id,
# fresh enrollment codes, signed sync files); any other is fuzzed all the same
REACHED = {"/v1/health", "/v1/enroll", "/v1/push", "/v1/forward", "/v1/pull", "/v1/reference"}
LABEL_MAX = 40  # cases.label in the county's schema


# requests that hit a bug an xfail test of test_api_security.py shows -------------------------------------------

def _has_nul(value: Any) -> bool:
    return isinstance(value, str) and "\x00" in value


def _bad_label(item: Any) -> bool:
    """A receipt or an inquiry whose number is not a short plain text: the county's case
    label column cannot take it (test_a_case_number_the_label_column_cannot_take_…)."""
    if not isinstance(item, dict) or item.get("type") not in ("case_received", "inquiry_logged"):
        return False
    payload = item.get("payload")
    if not isinstance(payload, dict):
        return False
    for key in ("case_number", "inquiry_number"):
        value = payload.get(key)
        if value and not isinstance(value, (int, float)) and not (
            isinstance(value, str) and len(value) <= LABEL_MAX and "\x00" not in value
        ):
            return True
    return False


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def known_bug(path: str, body: Any) -> bool:
    """Whether the request hits a bug that a strict xfail of test_api_security.py shows (none today)."""
    return False


# generated events, hashed as a desk hashes them -----------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(*BIGINT) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=60),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=8,
)
_DAY = st.dates(date(2000, 1, 1), date(2100, 12, 31)).map(date.isoformat)
# what the reducers read; each may come with a plausible value or anything at all
_DAY_KEYS = ("accepted_on", "completed_on", "delivered_on", "due_date", "end", "issued_on", "notice_deadline",
             "rated_on", "received_on", "refused_on", "start", "warn_date", "withdrawn_on")
_OTHER_KEYS = ("additions", "additions_resolved", "answer", "applicant", "basis", "case_number", "channel",
               "comment", "days", "deemed", "first_clerk", "first_window", "handed_at", "holder_clerk",
               "holder_window", "immediate", "inquiry_number", "item_code", "item_name", "item_version", "keep",
               "level", "limit_days", "materials", "missing", "note", "offered_at", "override", "question",
               "reason", "redirect", "result", "satisfied", "statutory_days", "to_window", "void",
               "workdays_taken")
_PAYLOAD = st.fixed_dictionaries({}, optional={
    **{k: _DAY | _JSON for k in _DAY_KEYS},
    **{k: _JSON for k in _OTHER_KEYS},
})
_SEQ = st.integers(0, 10**6) | st.integers(-(2**70), 2**70)  # a desk's local sequence number, or anything
_CODE = st.from_regex(r"[A-Za-z0-9_.\-]{1,32}", fullmatch=True)
_TYPE = st.sampled_from([str(t) for t in EventType]) | _CODE


@dataclass
class County:
    """What the fuzzing knows of the county: its desks, their real cases, fresh codes."""

    desks: list[Desk]
    seeds: list[dict]  # real events of the desks (a case received and accepted at each)
    codes: list[str]

    @property
    def village(self) -> Desk:
        return next(d for d in self.desks if d.kind == "village")


@st.composite
def hashed_events(draw, county: County, desk: Desk) -> dict:
    """An event of any type, mostly by ``desk``, on a known case or a new one, with a
    valid hash over generated content."""
    node = draw(st.sampled_from([desk.node] * 4 + [d.node for d in county.desks]), label="node")
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    wall = now_ms + draw(st.sampled_from([0, 1, -86_400_000, 10 * 60_000, -(10**12)]) | st.integers(-(10**11), 10**7),
                         label="clock")
    known_ids = [e["event_id"] for e in county.seeds]
    parents = draw(st.lists(st.sampled_from(known_ids) | st.uuids().map(str), max_size=3, unique=True),
                   label="parents")
    return event_to_wire(Event(
        event_id=draw(st.uuids().map(str) | st.sampled_from(known_ids), label="event_id"),
        case_id=draw(st.sampled_from([e["case_id"] for e in county.seeds]) | st.uuids().map(str), label="case_id"),
        type=draw(_TYPE, label="type"),
        payload=draw(_PAYLOAD, label="payload"),
        actor=draw(st.sampled_from(["zhangmin", "system"]) | _CODE, label="actor"),
        window=draw(st.sampled_from(["MZ", "SB", ""]) | _CODE, label="window"),
        node=node,
        recorded_at=datetime.now(timezone.utc) + timedelta(seconds=draw(st.integers(-(10**9), 10**9))),
        hlc=f"{max(0, min(wall, 10**13 - 1)):013d}-{draw(st.integers(0, 99_999)):05d}-{node}",
        parents=tuple(parents),
        payload_version=draw(st.sampled_from([1, 2, 1000]), label="payload_version"),
    ))


@st.composite
def sync_files(draw, county: County) -> dict:
    """A sync file of the village point, signed with its key: its real case or generated
    events, and any local sequence numbers; now and then changed after signing."""
    village = county.village
    events = draw(st.lists(st.sampled_from(county.seeds) | hashed_events(county, village), min_size=1, max_size=4),
                  label="file events")
    # a file is written with orjson: its numbers fit in 64 bits
    seqs = draw(st.none() | st.lists(st.integers(0, 10**6) | st.integers(-(2**63), 2**64 - 1), min_size=len(events),
                                     max_size=len(events)), label="file seqs")
    file = village.sync_file(events, seqs)
    if draw(st.integers(0, 3), label="tampered") == 0:
        file[draw(st.sampled_from(["node", "township", "signature", "version"]))] = draw(_JSON, label="tampering")
    return file


# the county server and its desks ---------------------------------------------------------------

@pytest.fixture
def server_output(county_server) -> ServerOutput:
    """Keeps reading the server's output (a pipe), so that its failures' tracebacks never
    fill the pipe and stop the server."""
    return county_server.output


@pytest.fixture
def county_db(county_server):
    engine = open_county(county_server.database)
    yield engine
    engine.dispose()


@pytest.fixture
def county(county_server, server_output, county_db) -> County:
    desks, seeds = [], []
    with httpx.Client(base_url=county_server.url, timeout=30) as client:
        for kind, township in DESKS:
            desk = enroll(client, issue_code(county_db, kind, township))
            case = received(desk.node)
            desks.append(desk)
            seeds += [case, accepted(desk.node, case)]
    codes = [issue_code(county_db, kind, township) for kind, township in DESKS[1:] * (FRESH_CODES // 3)]
    return County(desks, seeds, codes)


@pytest.fixture
def county_schema(county_server, county):
    schema = schemathesis.openapi.from_url(county_server.url + "/openapi.json", timeout=30)
    schema.config.generation.update(database="none")
    return schema


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


# the checks ----------------------------------------------------------------------------------

def json_without_traceback(ctx, response, case) -> None:
    """Every answer is JSON, and none carries a traceback or the database layer's words."""
    text = response.content.decode("utf-8", errors="replace")
    for leak in LEAKS:
        if leak in text:
            raise AssertionError(f"the answer ({response.status_code}) carries {leak!r}: {text[:500]}")
    content_type = ";".join(response.headers.get("content-type", []))
    if not content_type.startswith("application/json"):
        raise AssertionError(f"the answer ({response.status_code}) is not JSON but {content_type!r}: {text[:200]}")
    try:
        response.json()
    except ValueError as exc:
        raise AssertionError(f"the answer ({response.status_code}) does not parse as JSON: {text[:200]}") from exc


CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, json_without_traceback]


def _authorize(case, value: str | None) -> None:
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    if value is not None:
        headers["Authorization"] = value
    case.headers = headers


def _fuzz(operation, mode, county: County, http, seen: dict[str, set]) -> None:
    """Run ``operation`` with generated requests (``mode``: valid or invalid by the schema)."""

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.explicit, Phase.generate, Phase.shrink], derandomize=not HUNT)
    def run(case, data):
        desks = county.desks
        # mostly an enrolled desk (in turn: each desk has its own rate limit), sometimes not
        who = data.draw(st.sampled_from([*range(len(desks))] * 2 + [NO_CREDENTIAL, GARBAGE, GENERATED]),
                        label="who")
        if who == NO_CREDENTIAL:
            _authorize(case, None)
        elif who == GARBAGE:
            _authorize(case, data.draw(st.sampled_from(
                ["Bearer " + uuid.uuid4().hex, "Bearer", "Basic dXNlcjpwdw==", "bearer  x", "Bearer ' OR 1=1 --"]),
                label="garbage"))
        elif who != GENERATED:
            _authorize(case, f"Bearer {desks[who].credential}")
        body = case.body
        if operation.path == "/v1/enroll" and isinstance(body, dict) and county.codes and data.draw(
                st.booleans(), label="fresh code"):
            body["code"] = county.codes.pop()
        if operation.path == "/v1/push" and isinstance(who, int) and isinstance(body, dict):
            desk = desks[who]
            if data.draw(st.booleans(), label="own store id"):
                body["store_id"] = desk.store_id
            if data.draw(st.booleans(), label="local seqs"):
                body["local_seqs"] = data.draw(st.lists(_SEQ, max_size=4), label="local_seqs")
            if isinstance(body.get("events"), list) and data.draw(st.booleans(), label="desk events"):
                body["events"] = body["events"] + data.draw(
                    st.lists(st.sampled_from(county.seeds) | hashed_events(county, desk), max_size=4),
                    label="events")
        if operation.path == "/v1/forward" and isinstance(who, int) and isinstance(body, dict) and data.draw(
                st.booleans(), label="signed file"):
            body["file"] = data.draw(sync_files(county), label="file")
            if data.draw(st.booleans(), label="carried in by a desk of its township"):
                who = data.draw(st.sampled_from(
                    [i for i, d in enumerate(desks) if d.township == county.village.township]), label="carrier")
                _authorize(case, f"Bearer {desks[who].credential}")
                body["protocol"] = 1
        assume(not known_bug(operation.path, body))
        response = case.call(session=http, timeout=30)
        seen[operation.label].add(("desk" if isinstance(who, int) else who, response.status_code))
        case.validate_response(response, checks=CHECKS)

    run()


def test_no_operation_answers_a_server_error_or_a_traceback(county_schema, county, http):
    operations = [result.ok() for result in county_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/health", "/v1/enroll", "/v1/push", "/v1/pull", "/v1/reference"}
    failures, seen = [], defaultdict(set)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode, county, http, seen)
            except Unsatisfiable:
                # nothing to break: no body and no parameter but a free-form header
                assert mode is GenerationMode.NEGATIVE and operation.method == "get", operation.label
            except Exception as exc:  # noqa: BLE001 - every operation runs; all failures are listed at the end
                failures.append(f"{operation.label} ({mode.value}): {type(exc).__name__}: {exc}")
    assert not failures, "\n\n".join(failures)
    # the fuzzing got through the door of every operation it knows how to ...
    for operation in operations:
        statuses = seen[operation.label]
        if operation.path in REACHED:
            assert any(200 <= status < 300 for _who, status in statuses), (operation.label, sorted(statuses))
        # ... and the door held: nothing without a valid credential got further than its reading
        if operation.path not in ("/v1/health", "/v1/enroll"):
            refused = {status for who, status in statuses if who in (NO_CREDENTIAL, GARBAGE)}
            assert 401 in refused and refused <= {400, 401, 413, 422, 429}, (operation.label, sorted(statuses))
