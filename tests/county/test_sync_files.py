"""A village point with no network carries its events on a USB stick to a desk of the
township, which forwards them; a forged file applies nothing."""

from __future__ import annotations

import orjson
import pytest

from windowdesk.core.errors import NotFoundError, RuleViolation
from windowdesk.core.events import Event
from windowdesk.core.lifecycle import Status
from windowdesk.core.wire import event_from_wire, event_to_wire
from windowdesk.db.store import open_store
from windowdesk.services import referrals, sync_files
from windowdesk.services.common import Actor, load_case
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.engine import enroll_desk, run_round

from .test_sync_e2e import _case, _item_of, _receive, _round

pytestmark = pytest.mark.slow


@pytest.fixture
def desks(county_server, tmp_path):
    stores = {}
    for name, kind, township in (("a", "window", "QS"), ("v", "village", "QS"), ("h", "window", "HX")):
        stores[name] = open_store(tmp_path / f"{name}.sqlite")
        enroll_desk(stores[name], county_server.url, county_server.code(kind, township))
    yield stores
    for store in stores.values():
        store.close()


def _hand_over_offline(v):
    case = _receive(v, "daiban01", "MZ", _item_of(v, "MZ", proxy=True), 1, channel="proxy")
    with UnitOfWork(v) as uow:
        referrals.hand_over_case(uow, Actor("daiban01", "MZ"), case.case_id, note="村里无网络，U盘带到镇上")
    with UnitOfWork(v, write=False) as uow:
        return case, sync_files.export_outbox(uow)


def test_a_hand_over_carried_on_a_usb_stick_reaches_the_township_and_the_county(desks):
    a, v = desks["a"], desks["v"]
    case, exported = _hand_over_offline(v)
    assert exported.events == 2
    with UnitOfWork(a) as uow:
        imported = sync_files.import_file(uow, exported.data)
    assert imported.new and imported.node == v.node_code
    with UnitOfWork(a) as uow:
        assert not sync_files.import_file(uow, exported.data).new  # the same file twice: kept once
    result = _round(a)
    assert result.forwarded == 2 and result.in_step
    assert _case(a, case.case_id).status is Status.HANDED_OVER
    # when the laptop is online at last, what it sends is already there
    later = _round(v)
    assert later.sent == 2 and later.in_step


def test_a_forged_file_applies_nothing(desks):
    a, v = desks["a"], desks["v"]
    case, exported = _hand_over_offline(v)
    doc = orjson.loads(exported.data)
    event, _hash = event_from_wire(doc["parts"][0]["events"][0])
    forged = Event(*event)._replace(payload={**event.payload, "item_name": "伪造的事项"})
    doc["parts"][0]["events"][0] = event_to_wire(forged)  # a well-formed event, but not what the desk signed
    with UnitOfWork(a) as uow:
        sync_files.import_file(uow, orjson.dumps(doc))
    result = run_round(a)
    assert result.in_step and result.forwarded == 0  # refused at the county; sync goes on
    with UnitOfWork(a, write=False) as uow:
        alerts = uow.execute("SELECT detail FROM sync_alerts WHERE kind = 'file_refused'").all()
        assert len(alerts) == 1 and "签名" in alerts[0][0]
        with pytest.raises(NotFoundError):
            load_case(uow, case.case_id)


def test_a_file_of_another_township_is_refused_at_the_desk(desks):
    h, v = desks["h"], desks["v"]
    _case_, exported = _hand_over_offline(v)
    with UnitOfWork(h) as uow, pytest.raises(RuleViolation):
        sync_files.import_file(uow, exported.data)


def test_a_long_outbox_travels_in_signed_parts_of_one_push(desks, monkeypatch):
    from windowdesk.sync import files

    a, v = desks["a"], desks["v"]
    monkeypatch.setattr(files, "MAX_BATCH", 3)  # parts of three events, so five events make two parts
    for n in range(2):
        _hand_over_offline_again(v, 20 + n)
    with UnitOfWork(v, write=False) as uow:
        exported = sync_files.export_outbox(uow)
    doc = orjson.loads(exported.data)
    assert exported.events == 4 and [len(p["events"]) for p in doc["parts"]] == [3, 1]
    with UnitOfWork(a) as uow:
        sync_files.import_file(uow, exported.data)
    assert _round(a).forwarded == 4


def _hand_over_offline_again(v, n):
    case = _receive(v, "daiban01", "MZ", _item_of(v, "MZ", proxy=True), n, channel="proxy")
    with UnitOfWork(v) as uow:
        referrals.hand_over_case(uow, Actor("daiban01", "MZ"), case.case_id, note="")
