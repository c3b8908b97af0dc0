"""The order of a case's events when several desks wrote them.

Events name their parents (the case's heads when they were written), so the log of a case
is a graph: two events are concurrent when neither is an ancestor of the other, whatever
their clocks say. Replay walks that graph in one deterministic topological order — among
the events whose parents have all been walked, the least by (clock stamp, node, event id)
— so every desk and the county derive the same state from the same set of events.

Clock stamps respect causality (a desk stamps an event after every stamp it has seen, and
ingest refuses an event stamped before a parent), so the log's own clock order is already
that topological order and the fast path below only checks it.
"""

from __future__ import annotations

import heapq
from typing import Iterable, Sequence

from windowdesk.core.events import Event


def _key(e: Event) -> tuple[str, str, str]:
    return (e.hlc, e.node, e.event_id)


def causal_order(events: Iterable[Event]) -> list[Event]:
    """``events`` (one case's, any order) in replay order. Parents that are not among
    them (not received yet) are ignored, so a partial log still replays."""
    events = list(events)
    seen: set[str] = set()
    previous = None
    for e in events:  # the common case: already in clock order, every parent before its child
        key = _key(e)
        if (previous is not None and key <= previous) or any(p not in seen for p in e.parents):
            break
        seen.add(e.event_id)
        previous = key
    else:
        return events
    return _topological(events)


def _topological(events: Sequence[Event]) -> list[Event]:
    by_id = {e.event_id: e for e in events}
    waiting: dict[str, int] = {}
    children: dict[str, list[str]] = {}
    for e in by_id.values():
        present = {p for p in e.parents if p in by_id and p != e.event_id}
        waiting[e.event_id] = len(present)
        for p in present:
            children.setdefault(p, []).append(e.event_id)
    ready = [(_key(e), e.event_id) for e in by_id.values() if waiting[e.event_id] == 0]
    heapq.heapify(ready)
    ordered: list[Event] = []
    while ready:
        _k, event_id = heapq.heappop(ready)
        ordered.append(by_id[event_id])
        for child in children.get(event_id, ()):
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, (_key(by_id[child]), child))
    if len(ordered) < len(by_id):  # a cycle: only a forged log has one; walk the rest by clock
        placed = {e.event_id for e in ordered}
        ordered.extend(sorted((e for e in by_id.values() if e.event_id not in placed), key=_key))
    return ordered


def ancestors(event_id: str, parents_of: dict[str, tuple[str, ...]]) -> set[str]:
    """Every event ``event_id`` descends from (not itself), over ``parents_of``."""
    found: set[str] = set()
    stack = list(parents_of.get(event_id, ()))
    while stack:
        p = stack.pop()
        if p not in found:
            found.add(p)
            stack.extend(parents_of.get(p, ()))
    return found


def heads_of(events: Iterable[Event]) -> tuple[str, ...]:
    """The events no other event names as a parent, sorted: what a new event's parents are."""
    events = list(events)
    named = {p for e in events for p in e.parents}
    return tuple(sorted(e.event_id for e in events if e.event_id not in named))
