"""Events pushed by desks: checked with the desks' own core and applied to the county's log.

Every event gets one outcome: ``stored`` (applied), ``duplicate`` (already here with the
same content: a resent batch is a no-op), ``pending`` (a parent has not arrived; applied
when it does), ``quarantined`` (kept, not applied, listed for a supervisor: a clock more
than five minutes in the county's future, an id reused with other content, a write by a
desk that does not hold the case, a parent that is itself held) or ``rejected``
(malformed: nothing kept). A batch runs in one transaction under the township's lock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, text

from windowdesk.core.causal import ancestors
from windowdesk.core.casenumber import parse_number
from windowdesk.core.errors import DomainError, ValidationError
from windowdesk.core.events import ANNOTATIONS, Event, EventType
from windowdesk.core.lifecycle import Status
from windowdesk.core.projection import CaseState, apply, extends, replay
from windowdesk.core.wire import Digest, event_from_wire, event_to_wire, wall_ms
from windowdesk.db.codec import CASE_COLUMNS, row_to_event, state_to_row

FUTURE_TOLERANCE_MS = 5 * 60 * 1000
ROOT_TYPES = frozenset({EventType.CASE_RECEIVED, EventType.INQUIRY_LOGGED})
OFFER_RESPONSES = frozenset({
    EventType.REFERRAL_ACCEPTED, EventType.REFERRAL_DECLINED,
    EventType.HANDOVER_ACCEPTED, EventType.HANDOVER_DECLINED,
})
_OFFERED = frozenset({Status.REFERRED, Status.HANDED_OVER})
_EVENT_FIELDS = ("event_id", "case_id", "type", "payload_version", "payload", "actor", '"window"', "node",
                 "recorded_at", "hlc", "parents")  # "window" is a keyword in PostgreSQL


@dataclass(frozen=True)
class NodeInfo:
    code: str
    township: str
    kind: str  # window | village


@dataclass(frozen=True)
class Outcome:
    event_id: str
    status: str
    reason: str = ""


@dataclass
class _Case:
    case_id: str
    township: str
    creator: str
    events: list[Event] = field(default_factory=list)
    exists: bool = True
    new: list[Event] = field(default_factory=list)  # applied in this batch
    state: CaseState | None = None  # the replay of ``events``, kept up to date while it can be

    def current(self) -> CaseState:
        if self.state is None:
            self.state = replay(self.events)
        return self.state

    def state_at(self, parents: tuple[str, ...]) -> CaseState:
        """The case as the writer of an event with ``parents`` saw it."""
        if self.events and parents == self.current().heads:
            return self.current()
        parents_of = {e.event_id: e.parents for e in self.events}
        wanted = set(parents)
        for p in parents:
            wanted |= ancestors(p, parents_of)
        return replay([e for e in self.events if e.event_id in wanted])

    def add(self, event: Event) -> None:
        if self.state is not None and extends(self.state, event):
            self.state = apply(self.state, event)
        else:
            self.state = None
        self.events.append(event)
        self.new.append(event)


def _numbered(event: Event) -> bool:
    """Whether a case's first event carries a well-formed number (of the kind it starts)."""
    key = "case_number" if event.type is EventType.CASE_RECEIVED else "inquiry_number"
    number = event.payload.get(key)
    if not isinstance(number, str) or len(number) > 32:
        return False
    try:
        parse_number(number)
    except DomainError:
        return False
    return True


class _Quarantined(Exception):
    def __init__(self, reason: str, detail: str = "", alert: bool = False):
        self.reason, self.detail, self.alert = reason, detail, alert


class _Pending(Exception):
    pass


class Ingest:
    """One batch: ``Ingest(conn, now).run(node, items)``; the caller commits."""

    def __init__(self, conn: Connection, now: datetime, *, allow_future: bool = False):
        self.conn, self.now = conn, now
        self.allow_future = allow_future  # a supervisor released an event held for its clock
        self.now_ms = int(now.timestamp() * 1000)
        self.cases: dict[str, _Case] = {}
        self.rows: list[dict[str, Any]] = []
        self.local_seqs: dict[str, int] = {}

    # loading -------------------------------------------------------------------

    def _load_cases(self, case_ids: set[str]) -> None:
        wanted = [c for c in case_ids if c not in self.cases]
        if not wanted:
            return
        for case_id, township, creator in self.conn.execute(
            text("SELECT case_id, township, creator_node FROM cases WHERE case_id = ANY(:ids)"), {"ids": wanted}
        ):
            self.cases[case_id] = _Case(case_id, township, creator)
        rows = self.conn.execute(
            text(f"SELECT {', '.join(_EVENT_FIELDS)} FROM events WHERE case_id = ANY(:ids) ORDER BY seq"),
            {"ids": wanted},
        )
        for row in rows:
            self.cases[row[1]].events.append(row_to_event(row))

    def known_ids(self, event_ids: list[str]) -> set[str]:
        return set(self._known(event_ids))

    def _known(self, event_ids: list[str]) -> dict[str, tuple[str, str]]:
        """Where each id already is: ('events' | 'quarantine' | 'pending', its hash or body)."""
        found: dict[str, tuple[str, str]] = {}
        for event_id, hash_ in self.conn.execute(
            text("SELECT event_id, hash FROM events WHERE event_id = ANY(:ids)"), {"ids": event_ids}
        ):
            found[event_id] = ("events", hash_)
        for event_id, body in self.conn.execute(
            text("SELECT event_id, body FROM quarantine WHERE event_id = ANY(:ids) AND decision IS NULL"),
            {"ids": event_ids},
        ):
            found.setdefault(event_id, ("quarantine", orjson.loads(body)["hash"]))
        for event_id, body in self.conn.execute(
            text("SELECT event_id, body FROM pending WHERE event_id = ANY(:ids)"), {"ids": event_ids}
        ):
            found.setdefault(event_id, ("pending", orjson.loads(body)["hash"]))
        return found

    # the batch -----------------------------------------------------------------

    def run(self, node: NodeInfo, items: list[Any], local_seqs: list[int] | None = None) -> list[Outcome]:
        self.conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:t))"), {"t": node.township})
        if local_seqs is not None and len(local_seqs) == len(items):
            self.local_seqs = {item.get("event_id"): seq for item, seq in zip(items, local_seqs)
                               if isinstance(item, dict)}
        parsed: list[tuple[Event, str] | Outcome] = []
        for item in items:
            try:
                parsed.append(event_from_wire(item))
            except ValidationError as exc:
                raw = item.get("event_id") if isinstance(item, dict) else None
                parsed.append(Outcome(raw if isinstance(raw, str) else "", "rejected", str(exc)))
        events = [p for p in parsed if not isinstance(p, Outcome)]
        known = self._known([e.event_id for e, _h in events]) if events else {}
        self._load_cases({e.case_id for e, _h in events})
        outcomes = [p if isinstance(p, Outcome) else self._one(node, *p, known) for p in parsed]
        self._retry_pending()
        self._flush()
        return outcomes

    def _one(self, node: NodeInfo, event: Event, hash_: str, known: dict) -> Outcome:
        where = known.get(event.event_id)
        if where is not None:
            place, stored_hash = where
            if stored_hash != hash_:
                self._quarantine(node, event, hash_, "id_reused", "an event id reused with other content", True)
                return Outcome(event.event_id, "quarantined", "id_reused")
            status = {"events": "duplicate", "quarantine": "quarantined", "pending": "pending"}[place]
            return Outcome(event.event_id, status)
        if event.node != node.code and event.node not in self._predecessors(node.code):
            self.audit(node.code, "foreign_event", {"event": event.event_id, "node": event.node}, alert=True)
            return Outcome(event.event_id, "rejected", "the event was written by another desk")
        try:
            self._check_and_apply(node, event, hash_)
        except _Quarantined as q:
            self._quarantine(node, event, hash_, q.reason, q.detail, q.alert)
            return Outcome(event.event_id, "quarantined", q.reason)
        except _Pending:
            self.conn.execute(
                text("INSERT INTO pending (event_id, case_id, node, body, received_at) "
                     "VALUES (:e, :c, :n, :b, :t) ON CONFLICT DO NOTHING"),
                {"e": event.event_id, "c": event.case_id, "n": node.code,
                 "b": orjson.dumps(event_to_wire(event)).decode(), "t": self.now},
            )
            known[event.event_id] = ("pending", hash_)
            return Outcome(event.event_id, "pending")
        known[event.event_id] = ("events", hash_)
        return Outcome(event.event_id, "stored")

    def _predecessors(self, code: str) -> set[str]:
        """The desks whose databases this desk continues (restored or copied, enrolled again)."""
        found: set[str] = set()
        todo = [code]
        while todo:
            rows = self.conn.execute(text("SELECT code FROM nodes WHERE replaced_by = ANY(:c)"), {"c": todo}).all()
            todo = [r[0] for r in rows if r[0] not in found]
            found.update(todo)
        return found

    def _check_and_apply(self, node: NodeInfo, event: Event, hash_: str) -> None:
        if wall_ms(event.hlc) > self.now_ms + FUTURE_TOLERANCE_MS and not self.allow_future:
            raise _Quarantined("future_clock", "stamped more than five minutes in the county's future")
        case = self.cases.get(event.case_id)
        if not event.parents:
            if case is not None or event.type not in ROOT_TYPES:
                raise _Quarantined("bad_root", "a case can start only once, with its receipt or inquiry", True)
            if not _numbered(event):
                raise _Quarantined("bad_root", "a case starts with a case or inquiry number of its desk", True)
            case = _Case(event.case_id, node.township, node.code, exists=False)
            self.cases[event.case_id] = case
        else:
            present = {e.event_id for e in case.events} if case else set()
            missing = [p for p in event.parents if p not in present]
            if missing:
                held = self.conn.execute(
                    text("SELECT 1 FROM quarantine WHERE event_id = ANY(:ids) AND decision IS NULL LIMIT 1"),
                    {"ids": missing},
                ).first()
                if held:
                    raise _Quarantined("parent_held", "a parent event is itself held back")
                raise _Pending()
            assert case is not None
            self._check_authority(node, case, event)
        if event.hlc <= max((e.hlc for e in case.events if e.event_id in event.parents), default=""):
            raise _Quarantined("clock_order", "stamped before one of its parents", True)
        self._apply(case, event, hash_, node)

    def _check_authority(self, node: NodeInfo, case: _Case, event: Event) -> None:
        if case.township != node.township:
            raise _Quarantined("other_township", "a case of another township", True)
        if node.kind == "village" and not self._village_sees(node.code, case):
            raise _Quarantined("no_access", "a village point writes only its own cases", True)
        if not event.known or event.type in ANNOTATIONS:
            return
        state = case.state_at(event.parents)
        if event.type in OFFER_RESPONSES and state.status in _OFFERED and node.kind == "window":
            return
        if event.type in (EventType.CONFLICT_RESOLVED, EventType.COVER_TAKEN) and node.kind == "window":
            return  # a ruling, or AB cover: the standing offer is the A clerk's absence
        if state.holder_node != node.code and state.holder_node not in self._predecessors(node.code):
            raise _Quarantined("not_holder", f"the case is held by desk {state.holder_node}", True)

    def _village_sees(self, node_code: str, case: _Case) -> bool:
        if case.creator == node_code:
            return True
        return self.conn.execute(
            text("SELECT 1 FROM case_access WHERE case_id = :c AND node = :n"), {"c": case.case_id, "n": node_code}
        ).first() is not None

    # writing -------------------------------------------------------------------

    def _apply(self, case: _Case, event: Event, hash_: str, node: NodeInfo) -> None:
        """Applied in memory now; written (with its seq) when the batch is flushed."""
        wire = event.to_dict()  # its hash is known already
        self.rows.append({
            "event_id": event.event_id, "case_id": event.case_id, "township": case.township,
            "type": wire["type"], "payload_version": event.payload_version,
            "payload": orjson.dumps(wire["payload"]).decode(), "actor": event.actor, "window": event.window,
            "node": event.node, "recorded_at": wire["recorded_at"], "hlc": event.hlc,
            "parents": orjson.dumps(wire["parents"]).decode(), "hash": hash_,
            "term": Digest.term(event.event_id, hash_), "received_at": self.now, "received_from": node.code,
            "local_seq": self.local_seqs.get(event.event_id),
        })
        case.add(event)

    def _quarantine(self, node: NodeInfo, event: Event, hash_: str, reason: str, detail: str, alert: bool) -> None:
        wire = event_to_wire(event)
        wire["hash"] = hash_
        self.conn.execute(
            text("INSERT INTO quarantine (event_id, case_id, node, township, body, reason, detail, received_at) "
                 "VALUES (:e, :c, :n, :t, :b, :r, :d, :at)"),
            {"e": event.event_id, "c": event.case_id, "n": node.code, "t": node.township,
             "b": orjson.dumps(wire).decode(), "r": reason, "d": detail, "at": self.now},
        )
        self.audit(node.code, "quarantined", {"event": event.event_id, "reason": reason}, alert=alert)

    def audit(self, actor: str, action: str, detail: dict, *, alert: bool = False) -> None:
        self.conn.execute(
            text("INSERT INTO audit (at, actor, action, alert, detail) VALUES (:at, :a, :x, :al, :d)"),
            {"at": self.now, "a": actor, "x": action, "al": alert, "d": orjson.dumps(detail).decode()},
        )

    def _retry_pending(self) -> None:
        """Apply waiting events whose parents have now arrived, until nothing moves."""
        while True:
            touched = [c.case_id for c in self.cases.values() if c.new]
            rows = self.conn.execute(
                text("SELECT p.body, p.node, n.township, n.kind FROM pending p JOIN nodes n ON n.code = p.node "
                     "WHERE p.case_id = ANY(:ids) ORDER BY p.received_at"),
                {"ids": touched},
            ).all()
            progress = False
            for body, node_code, township, kind in rows:
                event, hash_ = event_from_wire(orjson.loads(body))
                node = NodeInfo(node_code, township, kind)
                self.conn.execute(text("DELETE FROM pending WHERE event_id = :e"), {"e": event.event_id})
                outcome = self._one(node, event, hash_, {})
                progress = progress or outcome.status == "stored"
            if not progress:
                return

    def _flush(self) -> None:
        """Write the batch: its events with seqs taken in one statement, in the order they
        were applied (the township's lock keeps them in commit order), then each touched
        case's projection and the village feeds."""
        if not self.rows:
            return
        seqs = self.conn.execute(
            text("SELECT nextval(pg_get_serial_sequence('events', 'seq')) FROM generate_series(1, :n)"),
            {"n": len(self.rows)},
        ).scalars().all()
        seq_of = {}
        for row, seq in zip(self.rows, sorted(seqs)):
            row["seq"] = seq
            seq_of[row["event_id"]] = seq
        columns = list(self.rows[0])
        names = ", ".join(f'"{c}"' for c in columns)
        self.conn.execute(
            text(f"INSERT INTO events ({names}) VALUES ({', '.join(':' + c for c in columns)})"), self.rows)
        touched = [case for case in self.cases.values() if case.new]
        self.conn.execute(
            text("INSERT INTO cases (case_id, township, creator_node, holder_node, status, label, heads, state) "
                 "VALUES (:c, :t, :cr, :h, :s, :l, :hd, :st) ON CONFLICT (case_id) DO UPDATE SET "
                 "holder_node = excluded.holder_node, status = excluded.status, label = excluded.label, "
                 "heads = excluded.heads, state = excluded.state"),
            [self._projection(case) for case in touched],
        )
        self._feed_villages(touched, seq_of)
        for case in touched:
            case.new = []

    @staticmethod
    def _projection(case: _Case) -> dict[str, Any]:
        state = case.current()
        return {
            "c": case.case_id, "t": case.township, "cr": case.creator, "h": state.holder_node,
            "s": str(state.status), "l": state.label, "hd": orjson.dumps(list(state.heads)).decode(),
            "st": orjson.dumps(dict(zip(CASE_COLUMNS, state_to_row(state)))).decode(),
        }

    def _feed_villages(self, cases: list[_Case], seq_of: dict[str, int]) -> None:
        """Village points see the cases they created or hold: the events applied now go into
        their feeds, or, for a case a point sees for the first time, the whole case."""
        wanted = {case.case_id: {case.creator, case.current().holder_node} for case in cases}
        candidates = sorted(set().union(*wanted.values())) if wanted else []
        villages = {c for (c,) in self.conn.execute(
            text("SELECT code FROM nodes WHERE code = ANY(:c) AND kind = 'village'"), {"c": candidates})}
        if not villages:
            return
        feed: list[dict[str, Any]] = []
        for case in cases:
            for village in sorted(wanted[case.case_id] & villages):
                granted = self.conn.execute(
                    text("INSERT INTO case_access (case_id, node) VALUES (:c, :n) ON CONFLICT DO NOTHING "
                         "RETURNING 1"), {"c": case.case_id, "n": village}).first()
                if granted:  # newly seen: the whole case so far, in log order
                    self.conn.execute(
                        text("INSERT INTO node_feed (node, event_seq) SELECT :n, seq FROM events "
                             "WHERE case_id = :c ORDER BY seq"), {"n": village, "c": case.case_id})
                else:
                    feed += [{"n": village, "s": seq_of[e.event_id]} for e in case.new]
        if feed:
            feed.sort(key=lambda f: f["s"])
            self.conn.execute(text("INSERT INTO node_feed (node, event_seq) VALUES (:n, :s)"), feed)
