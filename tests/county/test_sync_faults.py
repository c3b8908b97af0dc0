"""Sync over a bad network: two window desks and a village point of one township talk to a
real county server process through a seeded fault-injecting proxy (dropped requests,
responses dropped after the server committed, truncated bodies, duplicated and reordered
requests, delays, resets, 502/503). After the network heals, everything converges within
a bounded number of rounds, with no event lost or duplicated anywhere."""

from __future__ import annotations

import contextlib
import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.county.faultproxy import FAULTS, FaultProxy
from tests.county.sync_support import (
    Recording,
    ScriptedProxy,
    Workload,
    check_hall,
    converge,
    county_count,
    demo_county,
    desk_events,
    fill_log,
    item_of,
    open_hall,
    receive,
    refetches,
    sync_state,
    waiting,
)
from windowdesk.sync.engine import run_round

pytestmark = pytest.mark.slow

FAULT_RATE = 0.40
ALL_FAULTS = {name: FAULT_RATE / len(FAULTS) for name in FAULTS}
ROUNDS = 14
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def county(pg_cluster):
    with demo_county(pg_cluster) as county:
        yield county


@pytest.fixture
def hall(county, tmp_path):
    hall = open_hall(county, tmp_path, "F")
    yield hall
    hall.close()


@pytest.fixture
def pair(county, tmp_path):
    """Two window desks of a township of their own."""
    hall = open_hall(county, tmp_path, "G", names=(("a", "window"), ("b", "window")))
    yield hall
    hall.close()


@contextlib.contextmanager
def clients(hall, url: str):
    made = {name: desk.client(url) for name, desk in hall.desks.items()}
    try:
        yield made
    finally:
        for client in made.values():
            client.close()


def _cursor(desk) -> int:
    return int(sync_state(desk.store).get("pull_cursor", "0"))


@pytest.mark.parametrize("seed", [7, 1009, 31337])
def test_a_hall_converges_after_a_bad_network_with_nothing_lost_or_duplicated(hall, seed):
    """The three desks write between rounds and sync at the same time (so that reordered,
    delayed and duplicated requests of different desks interleave at the county)."""
    work = Workload(hall, seed)
    failed = 0
    with FaultProxy(hall.county.url, seed=seed, faults=ALL_FAULTS, max_delay=0.05) as proxy, \
            clients(hall, proxy.url) as via_proxy, ThreadPoolExecutor(len(hall.desks)) as pool:
        cursors = {name: 0 for name in hall.desks}
        for _round in range(ROUNDS):
            work.step()
            results = dict(zip(hall.desks, pool.map(
                lambda name: run_round(hall[name].store, via_proxy[name]), hall.desks)))
            for name, result in results.items():
                failed += bool(result.error)
                assert result.held == 0, result
                now = _cursor(hall[name])
                assert now >= cursors[name], f"{name}: the pull cursor moved backwards"
                cursors[name] = now
        work.step()  # written while the network was bad, sent once it is healed
        proxy.set_faults({})
        passes = converge(hall, via_proxy)
        seen = proxy.faults_seen()
    assert passes <= 3
    counts = check_hall(hall)
    assert set(refetches(hall).values()) == {0}, refetches(hall)
    # the run was really faulty, and the workload really did something
    assert failed >= ROUNDS and len(seen) >= 7, (failed, seen)
    assert counts["events"] >= 40 and counts["village_cases"] >= 3, counts
    assert work.actions["accept_referral"] + work.actions["accept_handover"], work.actions  # offers taken across PCs


def test_a_push_whose_answer_is_lost_after_the_county_committed_is_resent_and_stored_once(pair):
    hall = pair
    a = hall["a"]
    mz = hall.actor("zhangmin", "MZ")
    cases = [receive(a.store, mz, item_of(a.store, "MZ"), n) for n in range(3)]
    with ScriptedProxy(hall.county.url, script={"/v1/push": ["drop_response"]}) as proxy, \
            contextlib.closing(Recording.of(a, proxy.url)) as client:
        lost = run_round(a.store, client)
        assert lost.error and not lost.in_step, (lost, proxy.log)
        assert client.pushes == []
        # the county has them (it committed), the desk does not know it
        assert county_count(hall.county, hall.township) == 3, (lost, proxy.log)
        assert waiting(a.store).waiting == 3
        again = run_round(a.store, client)
    assert not again.error and again.in_step and again.sent == 3
    assert [r["status"] for r in client.pushes[0]["results"]] == ["duplicate"] * 3
    assert county_count(hall.county, hall.township) == 3
    assert waiting(a.store).waiting == 0
    assert proxy.faults_at("/v1/push") == ["drop_response", None]
    assert {c.case_id for c in cases} <= {c for _e, c, _p in desk_events(a.path)}


def test_a_truncated_pull_page_changes_nothing_and_the_next_round_takes_it(pair):
    hall = pair
    a, b = hall["a"], hall["b"]
    mz = hall.actor("zhangmin", "MZ")
    assert fill_log(a.store, mz, item_of(a.store, "MZ"), 120) == 600  # two pages
    assert not run_round(a.store).error
    # desk b has nothing to send: the first page, then the second, are cut short
    for script in (["truncate"], [None, "truncate"]):
        before_events, before_state = desk_events(b.path), sync_state(b.store)
        with ScriptedProxy(hall.county.url, script={"/v1/pull": script}) as proxy, \
                contextlib.closing(b.client(proxy.url)) as client:
            cut = run_round(b.store, client)
            assert proxy.faults_at("/v1/pull") == script
        assert cut.error and not cut.in_step
        after_state = sync_state(b.store)
        got = desk_events(b.path)
        if script == ["truncate"]:
            assert got == before_events
            assert after_state["pull_cursor"] == before_state["pull_cursor"]
            assert after_state["digest"] == before_state["digest"]
        else:  # the first page was applied with its cursor, the truncated second not at all
            assert len(got) == 500
            assert int(after_state["pull_cursor"]) > int(before_state["pull_cursor"])
    with ScriptedProxy(hall.county.url) as proxy, contextlib.closing(b.client(proxy.url)) as client:
        whole = run_round(b.store, client)
    assert not whole.error and whole.in_step and whole.received == 100
    assert len(desk_events(b.path)) == 600


def test_a_county_answering_502_or_503_leaves_the_desk_offline_with_nothing_half_written(pair):
    hall = pair
    a, b = hall["a"], hall["b"]
    mz = hall.actor("zhangmin", "MZ")
    # each fault at the push (with an event to send), then at the pull (after a good push)
    for n, fault in enumerate(["status_502", "status_503"]):
        receive(b.store, hall.actor("wangfang", "SB"), item_of(b.store, "SB"), 10 + n)
        assert not run_round(b.store).error
        receive(a.store, mz, item_of(a.store, "MZ"), 20 + n)
        for script in ({"/v1/push": [fault]}, {"/v1/pull": [fault]}):
            before_events, before_state = desk_events(a.path), sync_state(a.store)
            with ScriptedProxy(hall.county.url, script=script) as proxy, \
                    contextlib.closing(a.client(proxy.url)) as client:
                result = run_round(a.store, client)
            assert [f for f in proxy.faults_at(next(iter(script))) if f] == [fault]
            assert result.error and not result.in_step
            assert CJK.search(result.error) and fault[-3:] in result.error, result.error
            status = waiting(a.store)
            assert status.offline_since is not None and status.last_error == result.error
            after = sync_state(a.store)
            assert desk_events(a.path) == before_events
            assert after["pull_cursor"] == before_state["pull_cursor"]
            if "/v1/push" in script:
                assert after["pushed_seq"] == before_state["pushed_seq"] and status.waiting == 1
                assert after["digest"] == before_state["digest"]
            else:
                assert status.waiting == 0
        healed = run_round(a.store)
        assert not healed.error and healed.in_step and healed.received >= 1
        assert waiting(a.store).offline_since is None
    assert converge(hall, {}) == 1
    check_hall(hall)
