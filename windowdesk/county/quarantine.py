"""Events the county holds back (quarantine), as a supervisor reviews them: listed,
released (applied now, with every other check still made) or rejected (kept, never
applied). A release also retries what waited on the released event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import Connection, text

from windowdesk.core.errors import NotFoundError
from windowdesk.core.wire import event_from_wire
from windowdesk.county.ingest import Ingest, NodeInfo, Outcome
from windowdesk.i18n import N_, _

REASONS = {
    "future_clock": N_("stamped more than five minutes in the county's future (a wrong PC clock)"),
    "id_reused": N_("an event id reused with other content (security alert)"),
    "not_holder": N_("written by a desk that does not hold the case (security alert)"),
    "parent_held": N_("follows an event that is itself held back"),
    "bad_root": N_("a second start of a case (security alert)"),
    "clock_order": N_("stamped before one of its parents (security alert)"),
    "other_township": N_("a case of another township (security alert)"),
    "no_access": N_("a village point writing a case not its own (security alert)"),
}


OUTCOMES = {
    "stored": N_("applied"),
    "duplicate": N_("already applied"),
    "pending": N_("waiting for an earlier event"),
    "quarantined": N_("still held back"),
    "rejected": N_("refused as malformed"),
}


def outcome_label(outcome: Outcome) -> str:
    label = _(OUTCOMES.get(outcome.status, outcome.status))
    return f"{label}（{outcome.reason}）" if outcome.reason else label


@dataclass(frozen=True)
class Held:
    event_id: str
    case_id: str
    node: str
    township: str
    type: str
    reason: str
    received_at: datetime

    @property
    def reason_text(self) -> str:
        return _(REASONS[self.reason]) if self.reason in REASONS else self.reason


def held(conn: Connection, township: str | None = None) -> list[Held]:
    rows = conn.execute(
        text("SELECT event_id, case_id, node, township, body, reason, received_at FROM quarantine "
             "WHERE decision IS NULL AND (CAST(:t AS text) IS NULL OR township = :t) ORDER BY id"),
        {"t": township},
    ).all()
    return [Held(e, c, n, t, orjson.loads(b).get("type", ""), r, at) for e, c, n, t, b, r, at in rows]


def _take(conn: Connection, event_id: str, decision: str, now: datetime):
    row = conn.execute(
        text("UPDATE quarantine SET decision = :d, decided_at = :now WHERE id = (SELECT id FROM quarantine "
             "WHERE event_id = :e AND decision IS NULL ORDER BY id LIMIT 1) RETURNING body, node, township, case_id"),
        {"d": decision, "now": now, "e": event_id},
    ).first()
    if row is None:
        raise NotFoundError(_("No held event has the id {event}.").format(event=event_id))
    conn.execute(text("INSERT INTO audit (at, actor, action, alert, detail) VALUES (:at, 'admin', :x, false, :d)"),
                 {"at": now, "x": decision, "d": orjson.dumps({"event": event_id}).decode()})
    return row


def release(conn: Connection, event_id: str, now: datetime) -> list[Outcome]:
    """Apply a held event after review (its clock may stay in the future; every other check
    is made again), then whatever was held only because it followed it."""
    body, node_code, township, case_id = _take(conn, event_id, "released", now)
    kind = conn.execute(text("SELECT kind FROM nodes WHERE code = :n"), {"n": node_code}).scalar_one()
    ingest = Ingest(conn, now, allow_future=True)
    outcomes = ingest.run(NodeInfo(node_code, township, kind), [orjson.loads(body)])
    followers = conn.execute(
        text("SELECT event_id FROM quarantine WHERE case_id = :c AND reason = 'parent_held' AND decision IS NULL "
             "ORDER BY id"), {"c": case_id}).scalars().all()
    for follower in followers:
        outcomes += release(conn, follower, now)
    return outcomes


def reject(conn: Connection, event_id: str, now: datetime) -> None:
    """Keep a held event out for good (it stays in the quarantine table, decided)."""
    body, *_rest = _take(conn, event_id, "rejected", now)
    event_from_wire(orjson.loads(body))  # a stored body is always well formed
