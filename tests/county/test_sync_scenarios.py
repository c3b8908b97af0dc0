"""ODK-style scenarios through a real county server: an update arriving before its create,
a later batch received first, an interrupted batch resent, an event type and a payload
version of a newer WindowDesk."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, text

from windowdesk.core.events import Event
from windowdesk.core.wire import event_to_wire
from windowdesk.services import referrals, sync
from windowdesk.services.common import Actor
from windowdesk.services.history import case_history
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.engine import client_for

from .test_sync_e2e import _case, _item_of, _receive, _round

pytestmark = pytest.mark.slow


@pytest.fixture
def two(hall):
    return hall["a"], hall["b"]


def _outbox(store):
    with UnitOfWork(store, write=False) as uow:
        return sync.outbox(uow)


def _push(store, events, seqs):
    with client_for(store) as client:
        return {r["event_id"]: r["status"] for r in client.push(store.store_id, events, seqs)["results"]}


def _county_count(county_server, sql: str) -> int:
    engine = create_engine(county_server.database)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def _case_with_referral(a):
    case = _receive(a, "zhangmin", "MZ", _item_of(a, "SB"), 11)
    with UnitOfWork(a) as uow:
        referrals.refer_case(uow, Actor("zhangmin", "MZ"), case.case_id, to_window="SB", reason="社保事项")
    return case


def test_an_update_arriving_before_its_create_waits_for_it(two, county_server):
    a, b = two
    case = _case_with_referral(a)
    (create, update), seqs = _outbox(a)
    assert _push(a, [update], seqs[1:]) == {update["event_id"]: "pending"}
    assert _push(a, [create], seqs[:1]) == {create["event_id"]: "stored"}
    assert _county_count(county_server, "SELECT count(*) FROM pending") == 0
    assert _county_count(county_server, f"SELECT count(*) FROM events WHERE case_id = '{case.case_id}'") == 2
    assert _round(a).in_step  # resending both is harmless
    assert _round(b).in_step and _case(b, case.case_id).status.value == "referred"


def test_a_later_batch_received_first_and_an_interrupted_batch_resent(two, county_server):
    a, b = two
    for n in range(3):
        _case_with_referral(a)
    events, seqs = _outbox(a)
    first, later = (events[:1], seqs[:1]), (events[1:], seqs[1:])
    statuses = _push(a, *later)
    assert set(statuses.values()) == {"stored", "pending"}  # cases 2 and 3 start in it; case 1's referral waits
    _push(a, *first)
    again = _push(a, events, seqs)  # the whole batch resent after a lost answer
    assert set(again.values()) == {"duplicate"}
    assert _county_count(county_server, "SELECT count(*) FROM events") == 6
    assert _round(a).in_step and _round(b).in_step


def _newer_event(a, case, type_: str, payload_version: int) -> dict:
    state = _case(a, case.case_id)
    now = datetime.now(timezone.utc)
    wall = max(int(now.timestamp() * 1000), int(state.last_hlc.split("-")[0]) + 1)
    event = Event(str(uuid.uuid4()), case.case_id, type_, {"what": "新版本的记录"}, "zhangmin", "MZ", a.node_code,
                  now, f"{wall:013d}-00000-{a.node_code}", state.heads, payload_version)
    return event_to_wire(event)


@pytest.mark.parametrize("type_, version", [("future_thing", 1), ("printed", 2)])
def test_an_event_of_a_newer_windowdesk_is_stored_and_flagged_never_dropped(two, type_, version):
    a, b = two
    case = _receive(a, "zhangmin", "MZ", _item_of(a, "MZ"), 12)
    _round(a)
    newer = _newer_event(a, case, type_, version)  # as a newer desk would send it: not in this desk's log
    assert _push(a, [newer], []) == {newer["event_id"]: "stored"}
    assert _round(b).in_step
    there = _case(b, case.case_id)
    assert there.unknown_events == 1 and there.event_count == 2 and there.status.value == "received"
    with UnitOfWork(b, write=False) as uow:
        titles = [line.title for line in case_history(uow, case.case_id)]
    assert any("较新版本" in t for t in titles)
    assert _round(a).in_step  # the desk that sent it by hand takes it back like any other


def test_a_desk_too_old_for_the_county_is_told_to_upgrade_and_writes_nothing(two, monkeypatch):
    from windowdesk.core.errors import RuleViolation
    from windowdesk.sync.client import CountyClient
    from windowdesk.sync.engine import run_round

    a, _b = two
    monkeypatch.setattr(CountyClient, "protocol", 0)  # older than the county's oldest accepted
    result = run_round(a)
    assert result.standing == "upgrade" and "升级" in result.error
    with pytest.raises(RuleViolation, match="升级"):
        _receive(a, "zhangmin", "MZ", _item_of(a, "MZ"), 13)


def test_next_years_holiday_schedule_from_the_county_reaches_every_desk(two, county_server, tmp_path):
    import json
    import subprocess
    import sys

    from windowdesk.core.calendar import CalendarGapError
    from windowdesk.services import intake

    a, b = two
    case = _receive(a, "zhangmin", "MZ", _item_of(a, "MZ"), 14)
    schedule = {"year": 2027, "source": "测试用2027年安排", "holidays": [
        {"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}], "weekend_workdays": []}
    path = tmp_path / "cn-2027.json"
    path.write_text(json.dumps(schedule, ensure_ascii=False), encoding="utf-8")
    with UnitOfWork(a) as uow, pytest.raises(CalendarGapError):
        intake.accept_case(uow, Actor("zhangmin", "MZ"), case.case_id)  # the December problem

    done = subprocess.run([sys.executable, "-m", "windowdesk.cli", "county", "calendar-add", str(path),
                           "--database", county_server.database], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for store in (a, b):
        assert _round(store).in_step
        with UnitOfWork(store, write=False) as uow:
            assert 2027 in uow.calendar.schedules
    with UnitOfWork(a) as uow:
        accepted = intake.accept_case(uow, Actor("zhangmin", "MZ"), case.case_id)
    assert accepted.due_date is not None
