"""Causal order and replay of one case written on several desks (county sync groundwork)."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from windowdesk.core.causal import ancestors, causal_order, heads_of
from windowdesk.core.events import Event, EventType, deemed_acceptance_id, event_type
from windowdesk.core.hlc import HLCStamp
from windowdesk.core.lifecycle import Status
from windowdesk.core.projection import FIELD_NAMES, apply, extends, replay

ET = EventType
CASE = "5b0e1d2c-3f4a-4b5c-8d6e-7f8091a2b3c4"
OTHER_CASE = "a8d2f0c4-19b7-4e62-9c35-0f6e7d8a9b10"
NS = uuid.UUID("0d7d5a64-0a43-4b39-9f7e-2f3a6c1d8e90")
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=timezone.utc)  # Monday 09:30 in Beijing
T0_MS = 1772415000000
TOWNSHIP, VILLAGE, TOWNSHIP_B = "LJ03", "LJV07", "LJ03B"
LOG_COLUMNS = {"event_count", "heads", "last_hlc", "updated_at"}
fast = settings(deadline=None, max_examples=60)


def eid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def ev(name, type_, payload, *, parents=(), at=0, node=TOWNSHIP, counter=0, actor="zhangmin", window="MZ",
       hlc=None) -> Event:
    """Event ``name`` written ``at`` minutes after T0 on ``node``; parents are names."""
    return Event(eid(name), CASE, type_, payload, actor, window, node, T0 + timedelta(minutes=at),
                 hlc or str(HLCStamp(T0_MS + at * 60_000, counter, node)), tuple(eid(p) for p in parents))


def received(missing=(), channel="window"):
    return {
        "case_number": "LJ03-20260302-0001", "channel": channel, "item_code": "MZ-GF-0001",
        "item_version": "2025.1", "item_name": "特困人员救助供养", "immediate": False, "limit_days": 20,
        "statutory_days": 20, "received_on": "2026-03-02", "notice_deadline": "2026-03-09",
        "applicant": {"name": "李秀兰", "id_type": "resident_id", "id_number": "11010519491231002X",
                      "phone": "13800138000", "address": "石门村"},
        "materials": {"M01": {"original": True, "copies": 1}}, "missing": list(missing),
    }


ACCEPTED = {"accepted_on": "2026-03-02", "deemed": False, "limit_days": 20, "due_date": "2026-03-30",
            "warn_date": "2026-03-24", "due_assumed": False}
REFUSED = {"refused_on": "2026-03-02", "reason": "不属于本中心受理范围", "basis": "《行政许可法》第三十二条",
           "redirect": "县民政局"}
PRINTED = {"form": "acceptance_notice", "reprint": False, "copies": 1}
EVALUATED = {"level": 5, "comment": "非常满意", "rated_on": "2026-03-12"}
SUSPENDED = {"start": "2026-03-05", "procedure": "hearing", "reason": "听证"}
COMPLETED = {"completed_on": "2026-03-11", "result": "granted", "reason": "", "workdays_taken": 7}
DELIVERED = {"delivered_on": "2026-03-12", "method": "window"}
NOTICE = {"issued_on": "2026-03-02", "materials": ["M02"], "additions": [], "override": None}
SUPPLEMENT = {"received_on": "2026-03-04", "materials": {"M02": {"original": True, "copies": 1}},
              "satisfied": ["M02"], "additions_resolved": [], "notice_deadline": "2026-03-11"}
WITHDRAWN = {"withdrawn_on": "2026-03-03", "reason": "申请人撤回"}
HANDED_OVER = {"note": "代办材料齐全", "handed_at": "2026-03-02T02:00:00+00:00"}
REFERRAL = {"to_window": "SB", "reason": "属社保窗口事项", "offered_at": "2026-03-02T02:00:00+00:00"}


def R(**kw) -> Event:
    return ev("R", ET.CASE_RECEIVED, received(), **kw)


def without_log_columns(state) -> dict:
    return {n: getattr(state, n) for n in FIELD_NAMES if n not in LOG_COLUMNS}


def two_transitions(a_at=10, b_at=12):
    """Received on the township desk; then the township accepts and the village refuses."""
    r = R()
    a = ev("A", ET.ACCEPTED, ACCEPTED, parents=["R"], at=a_at)
    b = ev("B", ET.REFUSED, REFUSED, parents=["R"], at=b_at, node=VILLAGE, actor="daiban01")
    return r, a, b


def linear_log() -> list[Event]:
    steps = [(ET.NOTICE_ISSUED, NOTICE), (ET.SUPPLEMENT_RECEIVED, SUPPLEMENT), (ET.ACCEPTED, ACCEPTED),
             (ET.PRINTED, PRINTED), (ET.SUSPENDED, SUSPENDED), (ET.RESUMED, {"end": "2026-03-06",
             "due_date": "2026-03-31", "warn_date": "2026-03-25"}), (ET.COMPLETED, COMPLETED),
             (ET.DELIVERED, DELIVERED), (ET.EVALUATED, EVALUATED)]
    log = [ev("L0", ET.CASE_RECEIVED, received(missing=["M02"]))]
    for i, (type_, payload) in enumerate(steps, 1):
        log.append(ev(f"L{i}", type_, payload, parents=[f"L{i - 1}"], at=i))
    return log


# ---------------------------------------------------------------------------- causal order

def test_causal_order_returns_an_already_sorted_log_as_is():
    log = linear_log()
    ordered = causal_order(iter(log))
    assert ordered == log and all(a is b for a, b in zip(ordered, log))


@fast
@given(st.permutations(list(two_transitions()) + [ev("P", ET.PRINTED, PRINTED, parents=["A"], at=11),
                                                  ev("Q", ET.EVALUATED, EVALUATED, parents=["B"], at=9,
                                                     node=VILLAGE)]))
def test_shuffled_input_gives_the_same_order_as_sorted(shuffled):
    expected = causal_order(sorted(shuffled, key=lambda e: (e.hlc, e.node, e.event_id)))
    assert causal_order(shuffled) == expected


def test_children_come_after_parents_even_with_a_forged_smaller_clock():
    r = R(at=30)
    child = ev("C", ET.ACCEPTED, ACCEPTED, parents=["R"], at=5)
    grandchild = ev("G", ET.PRINTED, PRINTED, parents=["C"], at=1, node=VILLAGE)
    other = ev("O", ET.PRINTED, PRINTED, at=20)  # parentless and earlier than R: may come first
    for perm in itertools.permutations([r, child, grandchild, other]):
        assert [e.event_id for e in causal_order(perm)] == [eid("O"), eid("R"), eid("C"), eid("G")]


def test_concurrent_events_are_ordered_by_clock_then_node_then_id():
    def at(name, hlc, node):
        return ev(name, ET.PRINTED, PRINTED, parents=["R"], node=node, hlc=hlc)

    root = R(hlc="0")
    x1, x2, x3, w = at("x1", "X", "A"), at("x2", "X", "A"), at("x3", "X", "B"), at("w", "W", "Z")
    expected = [root, w, *sorted([x1, x2], key=lambda e: e.event_id), x3]
    for perm in itertools.permutations([x3, x1, root, x2, w]):
        assert causal_order(perm) == expected


def test_missing_parents_are_ignored():
    orphan = ev("late", ET.ACCEPTED, ACCEPTED, parents=["not-received-yet"], at=1)
    root = R(at=2)
    assert causal_order([root, orphan]) == [orphan, root]
    assert replay([root, orphan]).event_count == 2


def test_a_cycle_does_not_hang_and_keeps_every_event():
    a = ev("a", ET.PRINTED, PRINTED, parents=["b"], at=2)
    b = ev("b", ET.PRINTED, PRINTED, parents=["a"], at=1)
    selfish = ev("s", ET.PRINTED, PRINTED, parents=["s"], at=3)
    ordered = causal_order([a, R(), selfish, b])
    assert ordered == [R(), selfish, b, a]  # R and s are free (a self-parent is ignored); a, b by clock
    assert replay([a, R(), selfish, b]).event_count == 4


def test_ancestors_and_heads_of_a_diamond():
    r, a, b = two_transitions()
    m = ev("M", ET.CONFLICT_RESOLVED, {"keep": a.event_id, "void": [b.event_id]},
           parents=sorted(["A", "B"], key=eid), at=20)
    parents_of = {e.event_id: e.parents for e in (r, a, b, m)}
    assert ancestors(m.event_id, parents_of) == {r.event_id, a.event_id, b.event_id}
    assert ancestors(r.event_id, parents_of) == set()
    assert heads_of([b, r, a]) == tuple(sorted([a.event_id, b.event_id]))
    assert heads_of([r, a, b, m]) == (m.event_id,)


# ---------------------------------------------------------------------------- linear replay

def test_a_linear_log_replays_as_before():
    log = linear_log()
    state = replay(log)
    assert state.status is Status.EVALUATED
    assert state.heads == (log[-1].event_id,)
    assert (state.event_count, state.last_hlc) == (len(log), log[-1].hlc)
    assert (state.created_at, state.updated_at) == (log[0].recorded_at, log[-1].recorded_at)
    assert state.accepted_on.isoformat() == "2026-03-02" and state.rating == 5
    assert state.contested == () and state.unknown_events == 0 and state.status_before_conflict is None


def test_applying_each_next_event_equals_replaying_the_whole_log():
    log = linear_log()
    state = None
    for i, event in enumerate(log):
        assert state is None or extends(state, event)
        state = apply(state, event)
        assert state == replay(log[: i + 1])


# ---------------------------------------------------------------------------- two desks

@st.composite
def two_desk_logs(draw, garbage=False):
    """A common prefix on the township desk, then a township and a village branch."""
    transitions = [(ET.ACCEPTED, ACCEPTED), (ET.REFUSED, REFUSED), (ET.SUSPENDED, SUSPENDED),
                   (ET.COMPLETED, COMPLETED), (ET.WITHDRAWN, WITHDRAWN), (ET.NOTICE_ISSUED, NOTICE),
                   (ET.HANDED_OVER, HANDED_OVER), (ET.REFERRAL_OFFERED, REFERRAL)]
    annotations = [(ET.PRINTED, PRINTED), (ET.EVALUATED, EVALUATED), (ET.SUPPLEMENT_RECEIVED, SUPPLEMENT)]
    kinds = st.sampled_from(transitions + annotations)
    if garbage:
        types = [*EventType, "future_thing"]
        kinds = st.tuples(st.sampled_from(types).map(event_type), garbage_payloads)
    log = [R()]
    for i, (type_, payload) in enumerate(draw(st.lists(kinds, max_size=2)), 1):
        log.append(ev(f"p{i}", type_, payload, parents=["R" if i == 1 else f"p{i - 1}"], at=i))
    fork = log[-1]
    for desk, node in (("t", TOWNSHIP), ("v", VILLAGE)):
        parent = fork
        for i, (type_, payload) in enumerate(draw(st.lists(kinds, max_size=3))):
            at = draw(st.integers(3, 40))  # clocks may even run backwards: causality still holds
            e = Event(eid(f"{desk}{i}"), CASE, type_, payload, "clerk", "MZ", node, T0 + timedelta(minutes=at),
                      str(HLCStamp(T0_MS + at * 60_000, draw(st.integers(0, 2)), node)), (parent.event_id,))
            log.append(e)
            parent = e
    return log


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | st.text(max_size=12)
    | st.sampled_from(["2026-03-05", "2026-02-30", "SB", "granted", "2026-03-02T02:00:00+00:00"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_KEYS = ["case_number", "item_code", "item_version", "received_on", "accepted_on", "due_date", "limit_days",
         "refused_on", "to_window", "offered_at", "handed_at", "start", "end", "days", "completed_on",
         "result", "delivered_on", "level", "rated_on", "withdrawn_on", "materials", "satisfied",
         "additions_resolved", "missing", "applicant", "issued_on", "override", "additions", "keep"]
garbage_payloads = st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=6), _json, max_size=6)


@settings(deadline=None, max_examples=150)
@given(st.data())
def test_every_permutation_of_a_two_desk_log_replays_identically(data):
    log = data.draw(two_desk_logs())
    expected = replay(log)
    assert expected.heads == heads_of(log)
    assert expected.event_count == len(log)
    for _ in range(3):
        assert replay(data.draw(st.permutations(log))) == expected


@settings(deadline=None, max_examples=150)
@given(st.data())
def test_replay_never_raises_on_garbage_payloads_and_stays_deterministic(data):
    log = data.draw(two_desk_logs(garbage=True))
    expected = replay(log)
    assert expected.event_count == len(log)
    assert replay(data.draw(st.permutations(log))) == expected


def test_every_permutation_of_a_small_dag_gives_one_state():
    r, a, b = two_transitions()
    log = [r, a, b, ev("P", ET.PRINTED, PRINTED, parents=["B"], at=13, node=VILLAGE),
           ev("S", ET.SUSPENDED, SUSPENDED, parents=["A"], at=11)]
    states = {replay(perm) for perm in itertools.permutations(log)}
    assert len(states) == 1


@pytest.mark.parametrize("a_at, b_at", [(10, 12), (12, 10)])
def test_two_concurrent_transitions_put_the_case_in_conflict(a_at, b_at):
    r, a, b = two_transitions(a_at, b_at)
    first, later = (a, b) if a_at < b_at else (b, a)
    state = replay([r, a, b])
    assert state.status is Status.CONFLICT
    assert state.contested == (later.event_id,)
    assert state.status_before_conflict is (Status.IN_PROGRESS if first is a else Status.REFUSED)
    assert state.heads == tuple(sorted([a.event_id, b.event_id]))
    assert (state.accepted_on is None) == (first is b) and (state.refused_on is None) == (first is a)


def test_equal_clocks_on_two_desks_are_broken_by_node():
    r = R()
    a = ev("A", ET.ACCEPTED, ACCEPTED, parents=["R"], at=10)
    b = ev("B", ET.REFUSED, REFUSED, parents=["R"], at=10, node=VILLAGE)  # "...-LJ03" < "...-LJV07"
    assert replay([r, b, a]).contested == (b.event_id,)


@pytest.mark.parametrize("at", [5, 15])
def test_a_print_concurrent_with_an_acceptance_applies_without_conflict(at):
    r, a, _b = two_transitions()
    p = ev("P", ET.PRINTED, PRINTED, parents=["R"], at=at, node=VILLAGE)
    state = replay([r, a, p])
    assert state.status is Status.IN_PROGRESS and state.contested == ()
    assert state.heads == tuple(sorted([a.event_id, p.event_id]))


@pytest.mark.parametrize("evaluated_at", [25, 35])
def test_a_rating_concurrent_with_delivery_both_apply_without_conflict(evaluated_at):
    base = [R(), ev("A", ET.ACCEPTED, ACCEPTED, parents=["R"], at=1),
            ev("C", ET.COMPLETED, COMPLETED, parents=["A"], at=2)]
    d = ev("D", ET.DELIVERED, DELIVERED, parents=["C"], at=30)
    e = ev("E", ET.EVALUATED, EVALUATED, parents=["C"], at=evaluated_at, node=VILLAGE)
    state = replay([*base, d, e])
    assert state.contested == () and state.rating == 5 and state.delivered_on.isoformat() == "2026-03-12"


def test_a_rating_and_a_delivery_commute():
    base = [R(), ev("A", ET.ACCEPTED, ACCEPTED, parents=["R"], at=1),
            ev("C", ET.COMPLETED, COMPLETED, parents=["A"], at=2)]
    d = ev("D", ET.DELIVERED, DELIVERED, parents=["C"], at=30)
    statuses = {replay([*base, d, ev("E", ET.EVALUATED, EVALUATED, parents=["C"], at=at, node=VILLAGE)]).status
                for at in (25, 35)}
    assert statuses == {Status.EVALUATED}


@pytest.mark.parametrize("decision, payload", [(ET.REFUSED, REFUSED), (ET.ACCEPTED, ACCEPTED)])
def test_a_supplement_concurrent_with_a_decision_does_not_undo_it(decision, payload):
    r = ev("R", ET.CASE_RECEIVED, received(missing=["M02"]))
    n = ev("N", ET.NOTICE_ISSUED, NOTICE, parents=["R"], at=1)
    d = ev("D", decision, payload, parents=["N"], at=10)
    s = ev("S", ET.SUPPLEMENT_RECEIVED, SUPPLEMENT, parents=["N"], at=11, node=VILLAGE, actor="daiban01")
    expected = Status.REFUSED if decision is ET.REFUSED else Status.IN_PROGRESS
    assert replay([r, n, d, s]).status is expected


def test_descendants_follow_their_branch():
    r, a, _ = two_transitions()
    a2 = ev("A2", ET.SUSPENDED, SUSPENDED, parents=["A"], at=20)
    b = ev("B", ET.HANDED_OVER, HANDED_OVER, parents=["R"], at=12, node=VILLAGE, actor="daiban01")
    b2 = ev("B2", ET.WITHDRAWN, WITHDRAWN, parents=["B"], at=25, node=VILLAGE, actor="daiban01")
    bp = ev("BP", ET.PRINTED, PRINTED, parents=["B2"], at=26, node=VILLAGE)
    state = replay([b2, r, a2, bp, b, a])
    assert state.contested == (b.event_id, b2.event_id)
    assert state.status is Status.CONFLICT and state.status_before_conflict is Status.SUSPENDED
    assert state.withdrawn_on is None and state.referral_to_window is None
    assert state.heads == tuple(sorted([a2.event_id, bp.event_id]))


@pytest.mark.parametrize("keep", ["A", "B"])
def test_a_ruling_voids_the_other_branch(keep):
    r, a, b = two_transitions()
    kept, voided = (a, b) if keep == "A" else (b, a)
    ruling = Event(eid("X"), CASE, ET.CONFLICT_RESOLVED, {"keep": kept.event_id, "void": [voided.event_id],
                   "reason": "以乡镇窗口为准"}, "huangjun", "", TOWNSHIP, T0 + timedelta(minutes=30),
                   str(HLCStamp(T0_MS + 30 * 60_000, 0, TOWNSHIP)), tuple(sorted([a.event_id, b.event_id])))
    log = [r, a, b, ruling]
    state = replay(log)
    assert state.contested == () and state.status_before_conflict is None
    assert state.heads == (ruling.event_id,) and state.event_count == 4
    assert without_log_columns(state) == without_log_columns(replay([r, kept]))
    assert {replay(p) for p in itertools.permutations(log)} == {state}


@pytest.mark.parametrize("void", [5, [["nested"]], None])
def test_a_malformed_ruling_does_not_make_replay_raise(void):
    r, a, b = two_transitions()
    ruling = ev("X", ET.CONFLICT_RESOLVED, {"keep": a.event_id, "void": void}, parents=sorted("AB", key=eid),
                at=30, actor="huangjun")
    assert replay([r, a, b, ruling]).event_count == 4


def test_a_failing_reducer_contests_the_event_instead_of_raising():
    r = R()
    broken = ev("A", ET.ACCEPTED, {"accepted_on": "2026-02-30"}, parents=["R"], at=1)
    later = ev("P", ET.PRINTED, PRINTED, parents=["A"], at=2)
    state = replay([r, broken, later])
    assert state.contested == (broken.event_id,) and state.status is Status.CONFLICT
    assert state.status_before_conflict is Status.RECEIVED and state.accepted_on is None
    first_broken = replay([ev("R", ET.CASE_RECEIVED, {"case_number": 7})])
    assert first_broken.contested == (eid("R"),) and first_broken.case_id == CASE


# ---------------------------------------------------------------------------- unknown types, holder, extends

def test_an_unknown_event_type_is_counted_and_changes_nothing_else():
    r, a, _ = two_transitions()
    future = ev("U", event_type("future_thing"), {"anything": [1, 2]}, parents=["A"], at=20, node=VILLAGE)
    assert not future.known
    after = ev("P", ET.PRINTED, PRINTED, parents=["U"], at=21)
    state = replay([r, a, future, after])
    assert state.unknown_events == 1 and state.contested == ()
    assert without_log_columns(state) == {**without_log_columns(replay([r, a, after])), "unknown_events": 1}
    assert state.heads == (after.event_id,)


def test_case_received_sets_the_holder_node_and_a_handover_moves_it():
    r = ev("R", ET.CASE_RECEIVED, received(channel="proxy"), node=VILLAGE, actor="daiban01")
    h = ev("H", ET.HANDED_OVER, HANDED_OVER, parents=["R"], at=1, node=VILLAGE, actor="daiban01")
    t = ev("T", ET.HANDOVER_ACCEPTED, {}, parents=["H"], at=2, node=TOWNSHIP, actor="zhangmin")
    assert replay([r]).holder_node == VILLAGE
    assert replay([r, h]).holder_node == VILLAGE
    state = replay([r, h, t])
    assert (state.holder_node, state.holder_clerk, state.status) == (TOWNSHIP, "zhangmin", Status.RECEIVED)


def test_an_accepted_referral_moves_the_holder_node():
    r = R()
    o = ev("O", ET.REFERRAL_OFFERED, REFERRAL, parents=["R"], at=1)
    t = ev("T", ET.REFERRAL_ACCEPTED, {}, parents=["O"], at=2, node=TOWNSHIP_B, actor="wangfang", window="SB")
    state = replay([r, o, t])
    assert (state.holder_node, state.holder_window, state.holder_clerk) == (TOWNSHIP_B, "SB", "wangfang")
    declined = replay([r, o, ev("D", ET.REFERRAL_DECLINED, {}, parents=["O"], at=2, node=TOWNSHIP_B)])
    assert declined.holder_node == TOWNSHIP


def test_extends_only_a_plain_next_event_on_a_case_not_in_conflict():
    r, a, b = two_transitions()
    state = replay([r])
    assert extends(state, a)
    assert not extends(state, ev("N", ET.PRINTED, PRINTED, at=1))  # names no parent
    assert not extends(replay([r, a]), b)  # concurrent with a
    contested = replay([r, a, b])
    assert not extends(contested, ev("P", ET.PRINTED, PRINTED, parents=sorted("AB", key=eid), at=20))
    assert not extends(state, ev("U", event_type("future_thing"), {}, parents=["R"], at=1))
    assert not extends(state, ev("X", ET.CONFLICT_RESOLVED, {"void": []}, parents=["R"], at=1))


def test_deemed_acceptance_id_is_derived_from_case_day_and_the_state_it_follows():
    one = deemed_acceptance_id(CASE, "2026-03-09", ("h1",))
    assert one == deemed_acceptance_id(CASE, "2026-03-09", ("h1",)) and str(uuid.UUID(one)) == one
    others = {deemed_acceptance_id(OTHER_CASE, "2026-03-09", ("h1",)), deemed_acceptance_id(CASE, "2026-03-10", ("h1",)),
              deemed_acceptance_id(CASE, "2026-03-09", ("h2",))}
    assert len({one, *others}) == 4

