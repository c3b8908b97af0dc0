"""Shared parts of the county API's fuzz and security tests: desks enrolled over HTTP,
events written and hashed as a desk writes them, and a county server's output read
while it runs.

A county server process writes to a pipe (``start_county``); nobody reading it, a server
that logs a few tracebacks fills it and then blocks on its next log line, and with it
every request. ``ServerOutput`` keeps reading it, and keeps what was read for tests that
look at the server's log.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.county_support import County, ServerOutput, start_county, stop_county  # noqa: F401 - re-exported
from windowdesk.core.events import Event, EventType
from windowdesk.core.wire import MAX_BATCH, event_to_wire
from windowdesk.county.db import open_county
from windowdesk.county.demo import build_demo_county
from windowdesk.county.enrollment import issue_enroll_code
from windowdesk.sync import files

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# the applicant of every case these tests push: what must never reach the server's log
ID_NUMBER = "11010519491231002X"
PHONE = "13800138000"


@dataclass
class Desk:
    node: str
    township: str
    kind: str
    credential: str
    store_id: str
    signing_key: str  # the private half of the key the county holds for its sync files

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"}

    def sync_file(self, events: list[dict[str, Any]], local_seqs: list[int] | None = None) -> dict[str, Any]:
        """A sync file of this desk's ``events`` (at least one, at most one push's worth),
        signed as the desk signs it: its one part, as a forward carries it."""
        assert 1 <= len(events) <= MAX_BATCH
        seqs = list(range(1, len(events) + 1)) if local_seqs is None else local_seqs
        [part] = orjson.loads(files.write({"node": self.node, "township": self.township}, events, seqs,
                                          self.signing_key))["parts"]
        return part


def enroll(client: httpx.Client, code: str) -> Desk:
    """A desk enrolled as a desk enrolls: its code, a store id and a signing key of its own."""
    store_id = uuid.uuid4().hex
    private_key, public_key = files.new_key()
    answer = client.post("/v1/enroll", json={"code": code, "store_id": store_id, "public_key": public_key})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    return Desk(body["node"], body["township"], body["kind"], body["credential"], store_id, private_key)


def issue_code(engine, kind: str = "window", township: str = "QS") -> str:
    with Session(engine) as session, session.begin():
        return issue_enroll_code(session, township=township, kind=kind, now=datetime.now(timezone.utc))


class Server:
    """A county server process with the demo county, its output read as it comes, its
    database at hand, and a client."""

    def __init__(self, county: County, output: ServerOutput, engine):
        self.county, self.output, self.engine = county, output, engine
        self.url = county.url
        self.client = httpx.Client(base_url=county.url, timeout=30)

    def code(self, kind: str = "window", township: str = "QS") -> str:
        return issue_code(self.engine, kind, township)

    def desk(self, kind: str = "window", township: str = "QS") -> Desk:
        return enroll(self.client, self.code(kind, township))

    def scalar(self, sql: str, **params):
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()


@contextlib.contextmanager
def demo_county_server(pg_cluster, language: str = "zh_CN"):
    """A county server of its own (a database in the session's cluster, the demo county),
    speaking ``language`` whatever the tests run in; for a module's tests to share."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    pg_cluster.create_database(name)
    url = pg_cluster.url(name)
    engine = open_county(url)
    try:
        with Session(engine) as session, session.begin():
            build_demo_county(session)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("WINDOWDESK_LANG", language)
            county = start_county(url)
        server = Server(county, county.output, engine)
        try:
            yield server
        finally:
            server.client.close()
            county.process.terminate()
            county.process.wait(timeout=10)
            server.output.join()
            stop_county(county)
    finally:
        engine.dispose()
        pg_cluster.drop_database(name)


def push(client: httpx.Client, desk: Desk, events: list[dict[str, Any]], **extra) -> httpx.Response:
    return client.post("/v1/push", headers=desk.auth,
                       json={"protocol": 1, "store_id": desk.store_id, "events": events, **extra})


def pushed(client: httpx.Client, desk: Desk, events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The county's outcome for each event."""
    answer = push(client, desk, events)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def pull_all(client: httpx.Client, desk: Desk) -> list[dict[str, Any]]:
    """Every event of the desk's scope, page after page."""
    events, cursor = [], 0
    for _page in range(1000):
        answer = client.get("/v1/pull", headers=desk.auth, params={"cursor": cursor})
        assert answer.status_code == 200, answer.text
        page = answer.json()
        events += page["events"]
        cursor = page["cursor"]
        if not page["more"]:
            return events
    raise AssertionError("the pull never ended")


def _stamp(node: str, counter: int = 0) -> tuple[datetime, str]:
    now = datetime.now(timezone.utc)
    return now, f"{int(now.timestamp() * 1000):013d}-{counter:05d}-{node}"


def event(node: str, case_id: str, type_: EventType | str, payload: dict[str, Any], *,
          parents: tuple[str, ...] = (), counter: int = 0, event_id: str | None = None,
          actor: str = "zhangmin", window: str = "MZ") -> dict[str, Any]:
    """One event as desk ``node`` writes it and sends it (with its hash)."""
    now, hlc = _stamp(node, counter)
    return event_to_wire(Event(
        event_id=event_id or str(uuid.uuid4()), case_id=case_id, type=type_, payload=payload, actor=actor,
        window=window, node=node, recorded_at=now, hlc=hlc, parents=tuple(sorted(parents))))


def received(node: str, *, number: int = 1, channel: str = "window", case_id: str | None = None) -> dict[str, Any]:
    """A case received at desk ``node``: the first event of a new case."""
    return event(node, case_id or str(uuid.uuid4()), EventType.CASE_RECEIVED, {
        "case_number": f"{node}-{date.today():%Y%m%d}-{number:04d}",
        "channel": channel,
        "item_code": "MZ001",
        "item_version": 1,
        "item_name": "最低生活保障申请",
        "received_on": date.today().isoformat(),
        "limit_days": 20,
        "applicant": {"name": "李秀兰", "id_type": "resident", "id_number": ID_NUMBER, "phone": PHONE,
                      "address": "石门村"},
        "materials": {},
        "missing": [],
    })


def accepted(node: str, after: dict[str, Any], *, counter: int = 1) -> dict[str, Any]:
    """The acceptance of ``after``'s case, written at desk ``node`` as the next event."""
    return event(node, after["case_id"], EventType.ACCEPTED, {"accepted_on": date.today().isoformat()},
                 parents=(after["event_id"],), counter=counter)
