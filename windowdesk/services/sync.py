"""The desk's side of county sync, as use cases over a unit of work.

The outbox is this desk's own events (and events carried in on a file) after the pushed
cursor, in the order they were written. A push's answer moves that cursor and, in the
same transaction, adds each event the county stored to the desk's digest; an event the
county holds back is kept in the log but left out of replay (``sync_held``) until the
county releases it. Pulled events are checked against their hash, stored, and every
case they touch is replayed whole — the cursor moves in the same transaction, so a crash
loses nothing and repeats nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import hashlib
import sys
import uuid
from pathlib import Path

import orjson

from windowdesk.core.errors import NotFoundError, RuleViolation
from windowdesk.core.projection import replay
from windowdesk.core.wire import MAX_BATCH, Digest, event_from_wire, event_to_wire
from windowdesk.db.codec import INSERT_RECEIVED_EVENT_SQL, SELECT_EVENT_SQL, encode_time, event_to_row, row_to_event
from windowdesk.i18n import N_, _
from windowdesk.services.common import case_events, load_case, write_projection
from windowdesk.services.uow import UnitOfWork

# sync_state keys
SERVER, NODE, TOWNSHIP, KIND, CREDENTIAL, CERT = "server", "node", "township", "kind", "credential", "cert"
PUSHED, CURSOR, DIGEST = "pushed_seq", "pull_cursor", "digest"
LAST_OK, LAST_ERROR, OFFLINE_SINCE, CLOCK_OFFSET = "last_ok_at", "last_error", "offline_since", "clock_offset_ms"
STATE_FLAG = "standing"  # '' | 'revoked' | 'upgrade' | 'copied'
MACHINE, PREDECESSORS = "machine", "predecessors"
REFERENCE_TOKEN = "reference_token"  # the county's token of the reference data installed here
STANDINGS = {
    "revoked": N_("The county has shut this desk out: it writes nothing more. Ask the county administrator."),
    "upgrade": N_("This WindowDesk is too old for the county server: upgrade it before writing new cases."),
    "copied": N_("This database is a copy or a restored backup: it issues no case number until it is enrolled "
                 "again with a new code from the county (its cases and history are kept)."),
}


def machine_fingerprint() -> str:
    """This PC, as far as the operating system names it (a database moved to another PC
    is a copy)."""
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text:
            return hashlib.sha256(text.encode()).hexdigest()[:32]
    if sys.platform == "win32":
        import winreg

        with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\Microsoft\Cryptography") as key:
            return hashlib.sha256(winreg.QueryValueEx(key, "MachineGuid")[0].encode()).hexdigest()[:32]
    return hashlib.sha256(str(uuid.getnode()).encode()).hexdigest()[:32]


def _watermark_path(uow: UnitOfWork) -> Path:
    return uow.store.path.with_name(uow.store.path.name + ".synced")


def save_watermark(uow: UnitOfWork) -> None:
    """Beside the database: how far its log had come at the last sync round. A database
    found behind it was put back from a backup."""
    path = _watermark_path(uow)
    text = orjson.dumps({"store_id": uow.store.store_id, "seq": local_high_seq(uow)})
    try:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(text)
        tmp.replace(path)
    except OSError:  # a hint only: the county's own record catches a restore too
        pass


def _behind_watermark(uow: UnitOfWork) -> bool:
    try:
        mark = orjson.loads(_watermark_path(uow).read_bytes())
        return mark.get("store_id") == uow.store.store_id and int(mark.get("seq", 0)) > local_high_seq(uow)
    except (OSError, ValueError, TypeError, AttributeError):
        return False


def current_standing(uow: UnitOfWork) -> str:
    values = state(uow)
    if not values.get(CREDENTIAL):
        return ""
    standing = values.get(STATE_FLAG, "")
    if not standing and values.get(MACHINE) and values[MACHINE] != machine_fingerprint():
        standing = "copied"  # opened on another PC
    if not standing and _behind_watermark(uow):
        standing = "copied"  # put back from a backup
    return standing


def standing_message(standing: str) -> str:
    return _(STANDINGS[standing])


@dataclass(frozen=True)
class SyncStatus:
    enrolled: bool
    server: str = ""
    node: str = ""
    township: str = ""
    kind: str = ""
    waiting: int = 0  # events not yet sent
    held: int = 0  # events the county holds back
    last_ok_at: datetime | None = None
    offline_since: datetime | None = None
    last_error: str = ""
    clock_offset_ms: int = 0
    standing: str = ""


def get(uow: UnitOfWork, key: str, default: str = "") -> str:
    row = uow.execute("SELECT value FROM sync_state WHERE key = ?", (key,)).first()
    return row[0] if row else default


def put(uow: UnitOfWork, key: str, value: str) -> None:
    uow.execute("INSERT INTO sync_state (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def state(uow: UnitOfWork) -> dict[str, str]:
    return dict(uow.execute("SELECT key, value FROM sync_state").all())


def status(uow: UnitOfWork) -> SyncStatus:
    values = state(uow)
    if not values.get(CREDENTIAL):
        return SyncStatus(False)
    waiting = uow.execute(
        "SELECT count(*) FROM events WHERE origin != 'county' AND seq > ?", (int(values.get(PUSHED, 0)),)
    ).scalar_one()
    held = uow.execute("SELECT count(*) FROM sync_held").scalar_one()

    def when(key: str) -> datetime | None:
        return datetime.fromisoformat(values[key]) if values.get(key) else None

    return SyncStatus(
        True, values.get(SERVER, ""), values.get(NODE, ""), values.get(TOWNSHIP, ""), values.get(KIND, ""),
        waiting, held, when(LAST_OK), when(OFFLINE_SINCE), values.get(LAST_ERROR, ""),
        int(values.get(CLOCK_OFFSET, 0)), current_standing(uow),
    )


def check_enrollable(uow: UnitOfWork) -> str:
    """'' for a new, empty database; the old node code for a copy or a restored backup
    that must be enrolled again; refused otherwise."""
    if get(uow, CREDENTIAL):
        if current_standing(uow) == "copied":
            return get(uow, NODE)
        raise RuleViolation(_("This desk is already enrolled with the county as {node}.").format(node=get(uow, NODE)))
    if uow.execute("SELECT 1 FROM events LIMIT 1").first():
        raise RuleViolation(_("Only a new, empty database can be enrolled with the county (a demo database never is)."))
    return ""


def record_enrollment(uow: UnitOfWork, *, server: str, node: str, township: str, kind: str,
                      credential: str, cert: str = "", store_id: str = "", signing_key: str = "") -> None:
    """The desk takes the node code the county gave it; from now on it syncs. A copy or a
    restored backup enrolled again keeps its log and carries on the cases its old code
    held; its cursors restart, so it fetches what the county has and resends what it lacks."""
    old = check_enrollable(uow)
    uow.execute("UPDATE meta SET value = ? WHERE key = 'node_code'", (node,))
    if store_id:
        uow.execute("UPDATE meta SET value = ? WHERE key = 'store_id'", (store_id,))
    predecessors = [p for p in (get(uow, PREDECESSORS).split(",") + [old]) if p]
    for key, value in ((SERVER, server), (NODE, node), (TOWNSHIP, township), (KIND, kind),
                       (CREDENTIAL, credential), (CERT, cert), (PUSHED, "0"), (CURSOR, "0"), (DIGEST, ""),
                       (STATE_FLAG, ""), (MACHINE, machine_fingerprint()), (PREDECESSORS, ",".join(predecessors)),
                       ("signing_key", signing_key)):
        put(uow, key, value)
    uow.commit()
    uow.store.node_code = node
    if store_id:
        uow.store.store_id = store_id
    uow.invalidate("hlc", "own_nodes", "standing")


def outbox(uow: UnitOfWork, limit: int = MAX_BATCH, *, after: int | None = None) -> tuple[list[dict], list[int]]:
    """The next events to send (after the pushed cursor, or ``after``), as they travel,
    and their local sequence numbers."""
    pushed = int(get(uow, PUSHED, "0")) if after is None else after
    rows = uow.execute(
        SELECT_EVENT_SQL.replace("SELECT ", "SELECT seq, ", 1)
        + " WHERE origin != 'county' AND seq > ? ORDER BY seq LIMIT ?", (pushed, limit)
    ).all()
    return [event_to_wire(row_to_event(r[1:])) for r in rows], [r[0] for r in rows]


def local_high_seq(uow: UnitOfWork) -> int:
    """The newest event's local sequence number (what the county compares with what it received)."""
    return uow.execute("SELECT coalesce(max(seq), 0) FROM events").scalar_one()


def record_push(uow: UnitOfWork, sent: list[dict], results: list[dict], seqs: list[int]) -> list[str]:
    """What the county answered: the cursor moves past the batch; returns the ids of the
    cases whose events it held back. An answer to a batch already recorded (two rounds of
    one desk at once, an answer arriving late) changes nothing."""
    pushed = int(get(uow, PUSHED, "0"))
    by_id = {e["event_id"]: e for e, seq in zip(sent, seqs) if seq > pushed}
    digest = Digest.from_text(get(uow, DIGEST))
    held: list[str] = []
    for result in results:
        event = by_id.get(result.get("event_id"))
        if event is None:
            continue
        if result.get("status") in ("stored", "duplicate", "pending"):
            digest = digest.add(event["event_id"], event["hash"])
        else:  # quarantined or rejected: kept in the log, left out of replay
            uow.execute("INSERT OR IGNORE INTO sync_held (event_id, reason, held_at) VALUES (?, ?, ?)",
                        (event["event_id"], result.get("reason") or result.get("status", ""), encode_time(uow.now())))
            held.append(event["case_id"])
    put(uow, DIGEST, digest.to_text())
    put(uow, PUSHED, str(max(pushed, max(seqs, default=pushed))))
    for case_id in dict.fromkeys(held):
        _replay_case(uow, case_id)
    uow.commit()
    return held


def _replay_case(uow: UnitOfWork, case_id: str) -> None:
    try:
        before = load_case(uow, case_id)
    except NotFoundError:
        before = None
    events = case_events(uow, case_id)
    if events:
        write_projection(uow, before, replay(events))
    elif before is not None:
        uow.execute("DELETE FROM cases WHERE case_id = ?", (case_id,))


@dataclass(frozen=True)
class Pulled:
    changed: tuple[str, ...]  # case ids whose state changed
    cursor: int


def apply_pulled(uow: UnitOfWork, events: list[dict], cursor: int) -> Pulled:
    """Store a page of the county's events and move the cursor, in one transaction."""
    digest = Digest.from_text(get(uow, DIGEST))
    dirty: dict[str, None] = {}
    stamps: list[str] = []
    for data in events:
        event, hash_ = event_from_wire(data)
        row = uow.execute(SELECT_EVENT_SQL + " WHERE event_id = ?", (event.event_id,)).first()
        if row is not None:
            mine = event_to_wire(row_to_event(row))["hash"]
            if mine != hash_:
                alert(uow, "id_reused", {"event": event.event_id})
                continue
            released = uow.execute("DELETE FROM sync_held WHERE event_id = ? RETURNING 1", (event.event_id,)).first()
            if released:
                digest = digest.add(event.event_id, hash_)
                dirty[event.case_id] = None
            continue
        uow.execute(INSERT_RECEIVED_EVENT_SQL, (*event_to_row(event), "county"))
        digest = digest.add(event.event_id, hash_)
        stamps.append(event.hlc)
        dirty[event.case_id] = None
    uow.hlc_observe(stamps)
    for case_id in dirty:
        _replay_case(uow, case_id)
    put(uow, DIGEST, digest.to_text())
    put(uow, CURSOR, str(max(cursor, int(get(uow, CURSOR, "0")))))
    uow.commit()
    return Pulled(tuple(dirty), cursor)


def alert(uow: UnitOfWork, kind: str, detail: dict) -> None:
    uow.execute("INSERT INTO sync_alerts (at, kind, detail) VALUES (?, ?, ?)",
                (encode_time(uow.now()), kind, orjson.dumps(detail).decode()))


def recount(uow: UnitOfWork) -> Digest:
    """The digest of what this desk shares with the county, counted from the log: what it
    received, and what it sent that the county did not hold back."""
    digest = Digest()
    rows = uow.execute(
        SELECT_EVENT_SQL + " WHERE (origin = 'county' OR seq <= ?) "
        "AND event_id NOT IN (SELECT event_id FROM sync_held)", (int(get(uow, PUSHED, "0")),))
    for row in rows:
        event = row_to_event(row)
        digest = digest.add(event.event_id, event_to_wire(event)["hash"])
    return digest


def restart_pull(uow: UnitOfWork, reason: str) -> None:
    """Fetch the whole scope again from the start (after a digest mismatch), with the
    digest counted afresh from the log. Nothing is discarded: events already here are
    recognised by id, the outbox is untouched."""
    put(uow, CURSOR, "0")
    put(uow, DIGEST, recount(uow).to_text())
    alert(uow, "refetch", {"reason": reason})
    uow.commit()


def record_round(uow: UnitOfWork, *, ok: bool, error: str = "", clock_offset_ms: int | None = None,
                 standing: str | None = None) -> None:
    now = encode_time(uow.now())
    if ok:
        put(uow, LAST_OK, now)
        put(uow, OFFLINE_SINCE, "")
        put(uow, LAST_ERROR, "")
    else:
        if not get(uow, OFFLINE_SINCE):
            put(uow, OFFLINE_SINCE, now)
        put(uow, LAST_ERROR, error)
    if clock_offset_ms is not None:
        put(uow, CLOCK_OFFSET, str(clock_offset_ms))
    if standing is not None:
        put(uow, STATE_FLAG, standing)
    uow.commit()
    uow.invalidate("standing")
    if ok:
        save_watermark(uow)


def local_digest(uow: UnitOfWork) -> str:
    return Digest.from_text(get(uow, DIGEST)).to_text()


def verify(uow: UnitOfWork) -> tuple[list[str], list[str]]:
    """The sync bookkeeping checked against the log (for ``check``): (problems, warnings)."""
    values = state(uow)
    if not values.get(CREDENTIAL):
        return [], []
    problems: list[str] = []
    high = local_high_seq(uow)
    pushed = int(values.get(PUSHED, "0"))
    if pushed > high:
        problems.append(_("The sync cursor of sent events ({pushed}) is past the end of the log ({high}).").format(
            pushed=pushed, high=high))
    orphans = uow.execute("SELECT count(*) FROM sync_held WHERE event_id NOT IN (SELECT event_id FROM events)"
                          ).scalar_one()
    if orphans:
        problems.append(_("{count} events listed as held back by the county are not in the log.").format(count=orphans))
    if recount(uow).to_text() != Digest.from_text(values.get(DIGEST)).to_text():
        problems.append(_("The sync digest does not match the events this desk shares with the county; "
                          "the next sync fetches the township's log again."))
    warnings = [_("{count} sync alerts were recorded (an event id reused with other content, a re-fetch …).").format(
        count=n) for n in [uow.execute("SELECT count(*) FROM sync_alerts").scalar_one()] if n]
    return problems, warnings

