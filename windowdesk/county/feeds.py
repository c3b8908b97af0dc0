"""What a desk pulls: the events of its scope after its cursor, a page at a time, and
the scope's digest once it has reached the end.

A window desk's scope is its township's whole log, in ``seq`` order; a village point's
is its own feed (``node_feed``: the cases it created or holds), in feed order. Either
way the cursor is a number that only grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, text

from windowdesk.core.wire import MAX_BATCH, Digest
from windowdesk.county.ingest import NodeInfo

_COLUMNS = ("e.event_id, e.case_id, e.type, e.payload_version, e.payload, e.actor, e.\"window\", e.node, "
            "e.recorded_at, e.hlc, e.parents, e.hash")


@dataclass(frozen=True)
class Page:
    events: list[dict[str, Any]]
    cursor: int
    more: bool
    digest: str | None  # "count:sum" of the scope up to ``cursor``, on the last page only


def _wire(row) -> dict[str, Any]:
    return {
        "event_id": row[0], "case_id": row[1], "type": row[2], "payload_version": row[3],
        "payload": orjson.loads(row[4]), "actor": row[5], "window": row[6], "node": row[7],
        "recorded_at": row[8], "hlc": row[9], "parents": orjson.loads(row[10]), "hash": row[11],
    }


def pull(conn: Connection, node: NodeInfo, cursor: int, limit: int = MAX_BATCH) -> Page:
    limit = max(1, min(limit, MAX_BATCH))
    if node.kind == "village":
        rows = conn.execute(
            text(f"SELECT {_COLUMNS}, f.id FROM node_feed f JOIN events e ON e.seq = f.event_seq "
                 "WHERE f.node = :n AND f.id > :c ORDER BY f.id LIMIT :l"),
            {"n": node.code, "c": cursor, "l": limit + 1},
        ).all()
    else:
        rows = conn.execute(
            text(f"SELECT {_COLUMNS}, e.seq FROM events e WHERE e.township = :t AND e.seq > :c "
                 "ORDER BY e.seq LIMIT :l"),
            {"t": node.township, "c": cursor, "l": limit + 1},
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    new_cursor = rows[-1][12] if rows else cursor
    digest = None if more else scope_digest(conn, node, new_cursor).to_text()
    return Page([_wire(r) for r in rows], new_cursor, more, digest)


def scope_digest(conn: Connection, node: NodeInfo, cursor: int) -> Digest:
    if node.kind == "village":
        count, total = conn.execute(
            text("SELECT count(*), coalesce(sum(e.term), 0) FROM node_feed f JOIN events e ON e.seq = f.event_seq "
                 "WHERE f.node = :n AND f.id <= :c"),
            {"n": node.code, "c": cursor},
        ).one()
    else:
        count, total = conn.execute(
            text("SELECT count(*), coalesce(sum(term), 0) FROM events WHERE township = :t AND seq <= :c"),
            {"t": node.township, "c": cursor},
        ).one()
    return Digest(int(count), int(total) % (1 << 256))
