"""The county server's security, request by request, against a real server process over a
real PostgreSQL (the demo county; the server speaks Chinese, as in a county).

Every request is authenticated by the desk's credential; a desk reads and writes only
its own scope; a window desk cannot write events for a case it does not hold; a village
point cannot read another point's cases; bodies have size limits and requests rate
limits; the server's output carries no ID number and no phone number.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.county.api_support import (
    CHINESE, ID_NUMBER, PHONE, accepted, demo_county_server, event, pull_all, push, pushed, received,
)
from windowdesk.core.events import EventType
from windowdesk.county import enrollment
from windowdesk.county.app import MAX_BODY_BYTES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(pg_cluster):
    """One county server for the module (starting one costs seconds); each test enrolls
    desks of its own."""
    with demo_county_server(pg_cluster) as server:
        yield server


@pytest.fixture
def client(server) -> httpx.Client:
    return server.client


def _refusal(answer: httpx.Response, status: int, error: str) -> str:
    assert answer.status_code == status, (answer.status_code, answer.text)
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["error"] == error, body
    assert CHINESE.search(body["message"]), body
    return body["message"]


def _statuses(results: list[dict]) -> list[tuple[str, str]]:
    return [(r["status"], r["reason"]) for r in results]


# authentication --------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer " + "x" * 43, "Basic dXNlcjpwdw==",
                                           "bearer\tabc", "Token abc"])
def test_requests_without_a_valid_credential_are_refused_in_chinese(server, client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    desk = server.desk()
    case = received(desk.node)
    body = {"protocol": 1, "store_id": desk.store_id, "events": [case]}
    for answer in (client.post("/v1/push", headers=headers, json=body),
                   client.get("/v1/pull", headers=headers),
                   client.get("/v1/reference", headers=headers)):
        _refusal(answer, 401, "unauthorized")
    # nothing of it was taken
    assert server.scalar("SELECT count(*) FROM events WHERE event_id = :e", e=case["event_id"]) == 0


def test_a_revoked_desk_is_refused_with_a_clear_message(server, client):
    desk = server.desk()
    assert client.get("/v1/pull", headers=desk.auth).status_code == 200
    with Session(server.engine) as session, session.begin():
        enrollment.revoke(session, desk.node, datetime.now(timezone.utc))
    answers = (push(client, desk, [received(desk.node)]), client.get("/v1/pull", headers=desk.auth),
               client.get("/v1/reference", headers=desk.auth))
    for answer in answers:
        message = _refusal(answer, 403, "revoked")
        assert desk.node in message
    assert server.scalar("SELECT count(*) FROM events WHERE node = :n", n=desk.node) == 0


# size and rate limits --------------------------------------------------------------------

def test_a_body_over_the_size_limit_is_refused(server, client):
    desk = server.desk()
    padding = "x" * (MAX_BODY_BYTES + 1)
    body = json.dumps({"protocol": 1, "store_id": desk.store_id, "events": [], "padding": padding}).encode()
    for headers in (desk.auth, {}):  # refused before anything else, credential or not
        answer = client.post("/v1/push", content=body, headers={**headers, "Content-Type": "application/json"})
        _refusal(answer, 413, "too_large")
    answer = client.post("/v1/enroll", content=body, headers={"Content-Type": "application/json"})
    _refusal(answer, 413, "too_large")
    # a body just within the limit is read (and refused for what it says, not for its size)
    within = json.dumps({"protocol": 1, "store_id": desk.store_id, "events": [], "padding": ""}).encode()
    within = within.replace(b'"padding": ""', b'"padding": "' + b"x" * (MAX_BODY_BYTES - len(within) - 1) + b'"')
    assert len(within) <= MAX_BODY_BYTES
    answer = client.post("/v1/push", content=within, headers={**desk.auth, "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


def test_a_chunked_body_over_the_size_limit_is_refused_too(server, client):
    desk = server.desk()
    piece = json.dumps(received(desk.node)).encode()

    def chunks():
        yield b'{"protocol": 1, "store_id": "' + desk.store_id.encode() + b'", "events": ['
        sent = 0
        while sent <= MAX_BODY_BYTES:
            yield piece + b","
            sent += len(piece) + 1
        yield piece + b"]}"

    answer = client.post("/v1/push", content=chunks(), headers={**desk.auth, "Content-Type": "application/json"})
    _refusal(answer, 413, "too_large")


def test_a_desk_over_its_request_rate_is_told_to_slow_down(server, client):
    desk, other = server.desk(), server.desk()
    answers = []
    for _i in range(400):
        answers.append(client.get("/v1/pull", headers=desk.auth, params={"limit": 1}))
        if answers[-1].status_code == 429:
            break
    assert {a.status_code for a in answers[:-1]} == {200}
    _refusal(answers[-1], 429, "rate_limited")
    assert len(answers) > 20  # a burst is allowed
    # the limit is the desk's own: another desk is served meanwhile
    assert client.get("/v1/pull", headers=other.auth, params={"limit": 1}).status_code == 200


def test_requests_with_made_up_credentials_are_rate_limited_too(server, client):
    statuses = [client.get("/v1/pull", headers={"Authorization": f"Bearer made-up-{i}"}).status_code
                for i in range(300)]
    assert set(statuses) <= {401, 429}
    assert 429 in statuses


# scope: what a desk may read -------------------------------------------------------------

def test_a_window_desk_reads_only_its_own_townships_events(server, client):
    qs, hx, hx_other = server.desk("window", "QS"), server.desk("window", "HX"), server.desk("window", "HX")
    case = received(hx.node)
    assert _statuses(pushed(client, hx, [case, accepted(hx.node, case)])) == [("stored", "")] * 2
    assert {e["case_id"] for e in pull_all(client, hx_other)} >= {case["case_id"]}
    seen_in_qs = pull_all(client, qs)
    assert case["case_id"] not in {e["case_id"] for e in seen_in_qs}
    assert all(e["node"].startswith("QS") for e in seen_in_qs)
    # nor may it write to that case
    step = event(qs.node, case["case_id"], EventType.PRINTED, {"form": "receipt"}, parents=(case["event_id"],),
                 counter=5)
    assert _statuses(pushed(client, qs, [step])) == [("quarantined", "other_township")]
    assert step["event_id"] not in {e["event_id"] for e in pull_all(client, hx_other)}


def test_a_village_point_reads_only_the_cases_it_created(server, client):
    village, other_village, window = (server.desk("village"), server.desk("village"), server.desk("window"))
    own = received(village.node, channel="proxy")
    others = received(other_village.node, channel="proxy")
    hall = received(window.node)
    assert pushed(client, village, [own])[0]["status"] == "stored"
    assert pushed(client, other_village, [others])[0]["status"] == "stored"
    assert pushed(client, window, [hall, accepted(window.node, hall)])[0]["status"] == "stored"

    assert {e["case_id"] for e in pull_all(client, village)} == {own["case_id"]}
    assert {e["case_id"] for e in pull_all(client, other_village)} == {others["case_id"]}
    assert {e["case_id"] for e in pull_all(client, window)} >= {own["case_id"], others["case_id"], hall["case_id"]}
    # nor may it write to another point's case or the hall's
    for case in (others, hall):
        step = event(village.node, case["case_id"], EventType.PRINTED, {"form": "receipt"},
                     parents=(case["event_id"],), counter=5)
        assert _statuses(pushed(client, village, [step])) == [("quarantined", "no_access")]
    assert {e["case_id"] for e in pull_all(client, village)} == {own["case_id"]}


# what a desk may write -------------------------------------------------------------------

def test_a_transition_by_a_desk_that_does_not_hold_the_case_is_quarantined_not_applied(server, client):
    holder, other = server.desk(), server.desk()
    case = received(holder.node)
    assert pushed(client, holder, [case])[0]["status"] == "stored"
    taken = accepted(other.node, case)
    assert _statuses(pushed(client, other, [taken])) == [("quarantined", "not_holder")]
    assert taken["event_id"] not in {e["event_id"] for e in pull_all(client, holder)}
    assert server.scalar("SELECT count(*) FROM events WHERE event_id = :e", e=taken["event_id"]) == 0
    assert server.scalar("SELECT reason FROM quarantine WHERE event_id = :e", e=taken["event_id"]) == "not_holder"
    assert server.scalar("SELECT status FROM cases WHERE case_id = :c", c=case["case_id"]) == "received"
    assert server.scalar("SELECT holder_node FROM cases WHERE case_id = :c", c=case["case_id"]) == holder.node
    # the holder's own acceptance still goes through
    assert _statuses(pushed(client, holder, [accepted(holder.node, case)])) == [("stored", "")]


def test_an_event_written_by_another_desk_is_rejected(server, client):
    desk, other, elsewhere = server.desk(), server.desk(), server.desk("window", "HX")
    for node in (other.node, elsewhere.node, "QS99"):
        forged = received(node)
        [result] = pushed(client, desk, [forged])
        assert result["status"] == "rejected", result
        assert server.scalar("SELECT count(*) FROM events WHERE event_id = :e", e=forged["event_id"]) == 0
    assert server.scalar("SELECT count(*) FROM audit WHERE actor = :n AND action = 'foreign_event' AND alert",
                         n=desk.node) == 3


def test_the_same_event_twice_is_a_duplicate(server, client):
    desk = server.desk()
    case = received(desk.node)
    step = accepted(desk.node, case)
    assert _statuses(pushed(client, desk, [case, step])) == [("stored", "")] * 2
    assert _statuses(pushed(client, desk, [case, step])) == [("duplicate", "")] * 2
    assert _statuses(pushed(client, desk, [step])) == [("duplicate", "")]
    assert server.scalar("SELECT count(*) FROM events WHERE case_id = :c", c=case["case_id"]) == 2
    assert [e["event_id"] for e in pull_all(client, desk) if e["case_id"] == case["case_id"]] == [
        case["event_id"], step["event_id"]]


def test_an_event_id_reused_with_other_content_is_quarantined_and_raises_an_alert(server, client):
    desk = server.desk()
    case = received(desk.node)
    assert pushed(client, desk, [case])[0]["status"] == "stored"
    forged = event(desk.node, case["case_id"], EventType.CASE_RECEIVED,
                   {**case["payload"], "case_number": "QS-FORGED-0001"}, event_id=case["event_id"])
    assert forged["hash"] != case["hash"]
    assert _statuses(pushed(client, desk, [forged])) == [("quarantined", "id_reused")]
    # the event as first received stands
    assert server.scalar("SELECT hash FROM events WHERE event_id = :e", e=case["event_id"]) == case["hash"]
    assert server.scalar("SELECT label FROM cases WHERE case_id = :c", c=case["case_id"]) == \
        case["payload"]["case_number"]
    alerts = server.scalar(
        "SELECT count(*) FROM audit WHERE actor = :n AND action = 'quarantined' AND alert "
        "AND detail::jsonb ->> 'event' = :e AND detail::jsonb ->> 'reason' = 'id_reused'",
        n=desk.node, e=case["event_id"])
    assert alerts == 1


def test_a_sync_file_is_applied_only_when_signed_by_a_desk_of_the_township(server, client):
    village, window, hx_village, hx_window = (server.desk("village"), server.desk("window"),
                                              server.desk("village", "HX"), server.desk("window", "HX"))
    case = received(village.node, channel="proxy")
    file = village.sync_file([case])
    # any window desk of the township carries it in
    answer = client.post("/v1/forward", headers=window.auth, json={"protocol": 1, "file": file})
    assert answer.status_code == 200, answer.text
    assert _statuses(answer.json()["results"]) == [("stored", "")]
    assert {e["case_id"] for e in pull_all(client, village)} == {case["case_id"]}
    # changed after signing, signed by another desk than it names, or from another township
    other = received(village.node, channel="proxy")
    changed = dict(village.sync_file([other]), events=[received(village.node, channel="proxy")])
    misnamed = dict(hx_village.sync_file([other]), node=village.node, township=village.township)
    for forged, carrier in ((changed, window), (misnamed, window), (hx_village.sync_file([other]), window),
                            (village.sync_file([other]), hx_window)):
        answer = client.post("/v1/forward", headers=carrier.auth, json={"protocol": 1, "file": forged})
        _refusal(answer, 400, "bad_signature")
    assert server.scalar("SELECT count(*) FROM events WHERE case_id = :c", c=other["case_id"]) == 0
    assert server.scalar("SELECT count(*) FROM audit WHERE action = 'forged_file' AND alert "
                         "AND actor IN (:w, :h)", w=window.node, h=hx_window.node) == 4
    # and nobody forwards without a credential of its own
    _refusal(client.post("/v1/forward", json={"protocol": 1, "file": file}), 401, "unauthorized")


# the server's log ------------------------------------------------------------------------

def test_the_servers_output_never_carries_an_id_number_or_a_phone_number(server, client):
    """Every test before it pushed cases of the same applicant; the failures are made here.
    Each request here goes on a connection of its own: after a failure (a 500) the
    server drops the connection it answered on."""
    url = server.url
    desk, other = server.desk(), server.desk()
    case = received(desk.node)
    pushed(client, desk, [case, accepted(desk.node, case)])

    def send(method: str, path: str, **kwargs) -> None:
        httpx.request(method, url + path, timeout=30, **kwargs)

    def push_events(events: list[dict], **extra) -> None:
        send("POST", "/v1/push", headers=desk.auth,
             json={"protocol": 1, "store_id": desk.store_id, "events": events, **extra})

    # everything that goes wrong, with the applicant's data in it
    reused = event(desk.node, case["case_id"], EventType.CASE_RECEIVED,
                   {**case["payload"], "note": PHONE}, event_id=case["event_id"])
    tampered = dict(received(desk.node), payload={**case["payload"], "phone": PHONE + "1"})
    too_long = event(desk.node, str(uuid.uuid4()), EventType.CASE_RECEIVED,
                     {**case["payload"], "case_number": ID_NUMBER * 4})  # a county server failure today
    for events in ([reused], [tampered], [received(other.node)], [accepted(other.node, case)], [too_long],
                   [{"event_id": ID_NUMBER, "phone": PHONE}]):
        push_events(events)
    push_events([case], local_seqs=[int(PHONE) * 10**9])  # beyond a bigint: a county server failure today
    send("POST", "/v1/push", headers={**desk.auth, "Content-Type": "application/json"},
         content=f'{{"protocol": 1, "store_id": "{ID_NUMBER}", "events": [{{"id": "{PHONE}"'.encode())
    send("POST", "/v1/push", headers=desk.auth, json={"protocol": ID_NUMBER, "store_id": PHONE, "events": []})
    send("POST", "/v1/enroll", json={"code": ID_NUMBER, "store_id": PHONE})
    send("POST", "/v1/enroll", json={"code": server.code(), "store_id": PHONE + "\x00" + ID_NUMBER})
    send("GET", "/v1/pull", headers={"Authorization": f"Bearer {ID_NUMBER}"}, params={"cursor": PHONE})
    send("GET", f"/v1/{ID_NUMBER}", headers=desk.auth, params={"phone": PHONE})
    send("POST", "/v1/push", headers={**desk.auth, "Content-Type": "application/json"},
         content=(ID_NUMBER + PHONE).encode() * (MAX_BODY_BYTES // 29 + 1))
    assert httpx.get(url + "/v1/health", timeout=30).status_code == 200  # the server got through all of it

    assert server.output.reading  # the server's output is being read (today it logs the failures' tracebacks)
    output = server.output.text()
    assert ID_NUMBER not in output and ID_NUMBER[:17] not in output, output[-3000:]
    assert PHONE not in output, output[-3000:]


# found by the fuzzing (test_api_fuzz.py leaves these requests out while they fail) ------------

def _answer(server, method: str, path: str, **kwargs) -> httpx.Response:
    # a connection of its own: after a failure the server drops the connection it answered on
    return httpx.request(method, server.url + path, timeout=30, **kwargs)


def _refused_not_failed(answer: httpx.Response) -> None:
    assert answer.status_code < 500, (answer.status_code, answer.text)
    if answer.status_code >= 400:
        assert CHINESE.search(answer.json()["message"]), answer.text


@pytest.mark.parametrize("path", ["/v1/push", "/v1/forward"])
def test_local_sequence_numbers_beyond_a_bigint_are_refused_not_a_failure(server, path):
    desk, carrier = server.desk("village"), server.desk()
    if path == "/v1/push":
        answer = _answer(server, "POST", path, headers=desk.auth,
                         json={"protocol": 1, "store_id": desk.store_id, "events": [], "local_seqs": [2**63]})
    else:
        file = desk.sync_file([received(desk.node, channel="proxy")], [2**63])
        answer = _answer(server, "POST", path, headers=carrier.auth, json={"protocol": 1, "file": file})
    _refused_not_failed(answer)


@pytest.mark.parametrize("field", ["store_id", "public_key", "replaces"])
def test_a_nul_character_in_an_enrollment_is_refused_not_a_failure(server, field):
    body = {"code": server.code(), "store_id": uuid.uuid4().hex, field: "ab\x00cd"}
    _refused_not_failed(_answer(server, "POST", "/v1/enroll", json=body))


def test_a_nul_character_in_an_event_id_is_refused_not_a_failure(server):
    """It was a 500 while the copy check read the raw ids before they were validated."""
    desk = server.desk()
    answer = _answer(server, "POST", "/v1/push", headers=desk.auth,
                     json={"protocol": 1, "store_id": desk.store_id, "events": [{"event_id": "\x00"}],
                           "local_seqs": [0]})
    _refused_not_failed(answer)


def test_a_nul_character_in_a_sync_files_desk_is_refused_not_a_failure(server):
    desk, village = server.desk(), server.desk("village")
    file = dict(village.sync_file([received(village.node, channel="proxy")]), node="QS\x00")
    _refused_not_failed(_answer(server, "POST", "/v1/forward", headers=desk.auth, json={"protocol": 1, "file": file}))


@pytest.mark.parametrize("number", ["Q" * 41, "QS01\x00", {"n": 1}], ids=["long", "nul", "object"])
def test_a_case_number_the_label_column_cannot_take_is_refused_not_a_failure(server, number):
    desk = server.desk()
    case = received(desk.node)
    forged = event(desk.node, case["case_id"], EventType.CASE_RECEIVED, {**case["payload"], "case_number": number})
    answer = _answer(server, "POST", "/v1/push", headers=desk.auth,
                     json={"protocol": 1, "store_id": desk.store_id, "events": [forged]})
    _refused_not_failed(answer)
