"""Crash points with real processes: the desk's ``windowdesk sync`` process killed (SIGKILL)
in the middle of a push and at random moments of a long pull, and the county server
killed after it committed a push and before its answer reached the desk. Afterwards the
desk's file is sound, its cursor never went back, and a round converges with nothing lost
or duplicated. Also: two rounds of one desk overlapping (a push answered late)."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.county.sync_support import (
    Hall,
    Recording,
    ScriptedProxy,
    check_hall,
    converge,
    county_count,
    county_db,
    demo_county,
    desk_events,
    desk_state,
    fill_log,
    item_of,
    open_hall,
    receive_many,
    refetches,
    waiting,
)
from tests.county_support import start_county, stop_county
from windowdesk.county.feeds import scope_digest
from windowdesk.county.ingest import NodeInfo
from windowdesk.sync.engine import run_round

pytestmark = pytest.mark.slow

ENV = {**os.environ, "WINDOWDESK_LANG": "en"}


@pytest.fixture(scope="module")
def county(pg_cluster):
    with demo_county(pg_cluster) as county:
        yield county


def point_at(path: Path, url: str) -> None:
    """The desk's sync_state says which server it talks to: the test routes it (test setup)."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE sync_state SET value = ? WHERE key = 'server'", (url,))


def start_sync(path: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "windowdesk.cli", "sync", "--db", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=ENV)


def kill(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "windowdesk.cli", *args], capture_output=True, text=True,
                          env=ENV, timeout=120)


def check_file(path: Path) -> None:
    done = run_cli("check", "--db", str(path))
    assert done.returncode == 0, done.stdout + done.stderr


class HoldingProxy(ScriptedProxy):
    """After the county has answered a request to ``path``, signal ``answered`` and, before
    passing the answer on, call ``hook`` and hold it until ``release`` (bounded)."""

    def __init__(self, upstream: str, path: str, hook=None, **kwargs):
        super().__init__(upstream, **kwargs)
        self.path, self.hook = path, hook
        self.answered, self.release = threading.Event(), threading.Event()

    def _forward(self, method, target, headers, body):
        response = super()._forward(method, target, headers, body)
        if target.partition("?")[0] == self.path and not self.answered.is_set():
            self.answered.set()
            if self.hook is not None:
                self.hook()
            self.release.wait(timeout=15)
        return response


def test_a_desk_killed_in_the_middle_of_a_push_loses_and_repeats_nothing(county, tmp_path):
    hall = open_hall(county, tmp_path, "K", names=(("a", "window"), ("b", "window")))
    try:
        a = hall["a"]
        assert fill_log(a.store, hall.actor("zhangmin", "MZ"), item_of(a.store, "MZ"), 104) == 520  # two batches
        with HoldingProxy(county.url, "/v1/push") as proxy:
            point_at(a.path, proxy.url)
            process = start_sync(a.path)
            try:
                assert proxy.answered.wait(timeout=30), "the push never reached the county"
            finally:
                kill(process)
                proxy.release.set()
        assert process.returncode == -signal.SIGKILL
        # the first batch is in the county, the desk never heard of it
        assert county_count(county, hall.township) == 500
        assert waiting(a.store).waiting == 520
        check_file(a.path)
        with contextlib.closing(Recording.of(a, county.url)) as client:
            resumed = run_round(a.store, client)
        assert not resumed.error and resumed.in_step and resumed.sent == 520
        assert [r["status"] for r in client.pushes[0]["results"]] == ["duplicate"] * 500
        assert [r["status"] for r in client.pushes[1]["results"]] == ["stored"] * 20
        assert county_count(county, hall.township) == 520
        point_at(a.path, county.url)
        assert converge(hall, {}) <= 2
        check_hall(hall)
        assert set(refetches(hall).values()) == {0}, refetches(hall)
    finally:
        hall.close()


def _consistent(conn, desk_path: Path, node: NodeInfo) -> int:
    """The desk's pulled events are exactly the county's scope up to the desk's cursor,
    and its digest is the county's digest of that scope: they were saved together."""
    state = desk_state(desk_path)
    cursor = int(state.get("pull_cursor", "0"))
    expected = {e for (e,) in conn.execute(
        text("SELECT event_id FROM events WHERE township = :t AND seq <= :c"), {"t": node.township, "c": cursor})}
    got = [e for e, _c, _p in desk_events(desk_path)]
    assert len(got) == len(set(got)) and set(got) == expected, (cursor, len(got), len(expected))
    if cursor:
        assert state["digest"] == scope_digest(conn, node, cursor).to_text()
    return cursor


def test_a_desk_killed_at_random_moments_of_a_long_pull_keeps_a_sound_file(county, tmp_path):
    hall = open_hall(county, tmp_path, "P", names=(("a", "window"), ("b", "window")))
    rng = random.Random(20260302)
    try:
        a, b = hall["a"], hall["b"]
        assert fill_log(a.store, hall.actor("zhangmin", "MZ"), item_of(a.store, "MZ"), 300) == 1500  # 3 pages
        assert run_round(a.store).in_step
        node = NodeInfo(b.node, hall.township, "window")
        cursors, kills = [0], 0
        # every page is held 0.2 s at the proxy, so that a kill lands at known points
        # whatever the machine's speed: 0.35 s after a page is asked for, the page before
        # it is in, the one after it is not
        with ScriptedProxy(county.url, script={"/v1/pull": ["delay"] * 50}, max_delay=0.2) as proxy, \
                county_db(county) as conn:
            end = conn.execute(text("SELECT max(seq) FROM events WHERE township = :t"),
                               {"t": hall.township}).scalar_one()
            point_at(b.path, proxy.url)
            for attempt in range(4):
                started = len(proxy.faults_at("/v1/pull"))
                process = start_sync(b.path)
                try:
                    # wait for the first or the second page of this run to be asked for, then
                    # kill the desk a random moment later
                    wanted = started + 1 + attempt % 2
                    deadline = time.monotonic() + 30
                    while len(proxy.faults_at("/v1/pull")) < wanted and process.poll() is None:
                        assert time.monotonic() < deadline, "the desk never pulled"
                        time.sleep(0.002)
                    time.sleep(rng.uniform(0.0, 0.35))
                    kills += process.poll() is None
                finally:
                    kill(process)
                cursor = _consistent(conn, b.path, node)
                assert cursor >= cursors[-1], f"the cursor went back from {cursors[-1]} to {cursor}"
                cursors.append(cursor)
                check_file(b.path)
                if cursor == end:
                    break
        assert kills >= 2, cursors
        assert any(0 < c < end for c in cursors), f"no kill between two pages: {cursors}"
        point_at(b.path, county.url)
        assert converge(hall, {}) <= 2
        check_hall(hall)
        assert set(refetches(hall).values()) == {0}, refetches(hall)
    finally:
        hall.close()


@pytest.fixture
def own_server(county):
    """A second county server process over the module's county database, to be killed
    (several servers over one database are fine: the county keeps no state of its own)."""
    servers = [start_county(county.database)]
    yield servers
    for server in servers:
        if server.process.poll() is None:
            stop_county(server)
        else:
            server.process.communicate()


def test_a_county_killed_after_it_committed_and_before_it_answered_takes_the_resend_as_a_duplicate(
        own_server, tmp_path):
    county = own_server[0]
    hall = open_hall(county, tmp_path, "S", names=(("a", "window"), ("b", "window"), ("v", "village")))
    try:
        a, v = hall["a"], hall["v"]
        receive_many(a.store, hall.actor("zhangmin", "MZ"), item_of(a.store, "MZ"), 30)
        receive_many(v.store, hall.actor("daiban01", "MZ"), item_of(v.store, "MZ", proxy=True), 5,
                     start=100, channel="proxy")

        def kill_county():
            county.process.send_signal(signal.SIGKILL)
            county.process.wait(timeout=30)

        with HoldingProxy(county.url, "/v1/push", hook=kill_county,
                          script={"/v1/push": ["drop_response"]}) as proxy, \
                contextlib.closing(a.client(proxy.url)) as client:
            proxy.release.set()  # kill, then drop the answer at once
            lost = run_round(a.store, client)
            assert lost.error and county.process.returncode == -signal.SIGKILL
            again = run_round(a.store, client)  # the county is down
            assert again.error and waiting(a.store).offline_since is not None
        assert county_count(county, hall.township) == 30  # committed before the kill
        assert waiting(a.store).waiting == 30
        restarted = start_county(county.database)
        own_server.append(restarted)
        with contextlib.closing(Recording.of(a, restarted.url)) as client:
            resent = run_round(a.store, client)
        assert not resent.error and resent.in_step
        assert [r["status"] for r in client.pushes[0]["results"]] == ["duplicate"] * 30
        assert county_count(county, hall.township) == 30  # the village has not sent yet
        for desk in hall.desks.values():
            point_at(desk.path, restarted.url)
        hall.county = restarted
        assert converge(hall, {}) <= 3
        counts = check_hall(hall)
        assert counts["events"] == 35 and counts["village_cases"] == 5
        assert set(refetches(hall).values()) == {0}, refetches(hall)
    finally:
        hall.close()


def _overlapping_rounds(hall: Hall):
    """Two rounds of desk a at once (the desk's background round and ``windowdesk sync``
    started by hand, say): the second sends the batch the first is still waiting for an
    answer to, and records it; then the first gets its answer. The first round's pull
    requests are counted by the proxy it goes through."""
    a = hall["a"]
    fill_log(a.store, hall.actor("zhangmin", "MZ"), item_of(a.store, "MZ"), 2)
    with HoldingProxy(hall.county.url, "/v1/push") as proxy, \
            contextlib.closing(a.client(proxy.url)) as slow, ThreadPoolExecutor(1) as pool:
        late = pool.submit(run_round, a.store, slow)
        try:
            assert proxy.answered.wait(timeout=30), "the push never reached the county"
            first = run_round(a.store)  # the same batch again, directly: recorded at once
        finally:
            proxy.release.set()
        late = late.result(timeout=60)
    return first, late, len(proxy.faults_at("/v1/pull"))


def test_two_overlapping_rounds_on_one_desk_lose_and_duplicate_nothing(county, tmp_path):
    hall = open_hall(county, tmp_path, "D", names=(("a", "window"), ("b", "window")))
    try:
        first, late, _pulls = _overlapping_rounds(hall)
        assert not first.error and first.in_step and not late.error and late.in_step
        assert county_count(county, hall.township) == 10
        assert converge(hall, {}) == 1
        check_hall(hall)
    finally:
        hall.close()


def test_a_late_answer_to_a_batch_already_recorded_changes_nothing(county, tmp_path):
    hall = open_hall(county, tmp_path, "L", names=(("a", "window"),))
    try:
        _first, late, pulls = _overlapping_rounds(hall)
        assert late.in_step
        assert pulls == 1, "the late round found the digests different and fetched its scope again"
    finally:
        hall.close()
