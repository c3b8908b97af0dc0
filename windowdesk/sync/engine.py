"""One sync round: push until the outbox is empty, pull until the end of the scope,
compare digests (re-fetching the scope once on a mismatch), refresh reference data.

A round is safe to interrupt anywhere: every step commits what it has confirmed and
nothing else, and sending or receiving the same events again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone

from windowdesk.db.store import Store
from windowdesk.services import sync, sync_files, sync_presence
from windowdesk.sync import files
from windowdesk.services.uow import Clock, SystemClock, UnitOfWork
from windowdesk.sync.client import CountyClient, Refused, StoreMismatch, SyncError, UpgradeRequired

CLOCK_WARNING_MS = 5 * 60 * 1000
MAX_PAGES = 10_000


@dataclass
class RoundResult:
    sent: int = 0
    received: int = 0
    held: int = 0
    changed: set[str] = field(default_factory=set)
    forwarded: int = 0  # events of sync files carried in from other desks
    presence_changed: bool = False  # a clerk of the township came or went (AB岗)
    in_step: bool = False  # digests equal at the end of the round
    error: str = ""
    standing: str = ""


def client_for(store: Store) -> CountyClient:
    with UnitOfWork(store, write=False) as uow:
        values = sync.state(uow)
    return CountyClient(values.get(sync.SERVER, ""), values.get(sync.CREDENTIAL, ""), values.get(sync.CERT, ""))


def _offset_ms(client: CountyClient, clock: Clock) -> int | None:
    if client.server_time is None:
        return None
    return int((clock.now() - client.server_time.astimezone(timezone.utc)).total_seconds() * 1000)


def run_round(store: Store, client: CountyClient | None = None, clock: Clock | None = None) -> RoundResult:
    """One round; never raises for a network or county problem (the result says it)."""
    clock = clock or SystemClock()
    own = client is None
    client = client or client_for(store)
    result = RoundResult()
    try:
        _check_identity(store, client, clock)
        _push_all(store, client, clock, result)
        _push_presence(store, client, clock)
        _forward_files(store, client, clock, result)
        token = _pull_all(store, client, clock, result)
        _reference(store, client, clock, token)
    except SyncError as exc:
        result.error, result.standing = str(exc), exc.standing
        with UnitOfWork(store, clock) as uow:
            sync.record_round(uow, ok=False, error=result.error, clock_offset_ms=_offset_ms(client, clock),
                              standing=exc.standing or None)
        return result
    finally:
        if own:
            client.close()
    with UnitOfWork(store, clock) as uow:
        sync.record_round(uow, ok=True, clock_offset_ms=_offset_ms(client, clock), standing="")
    return result


def _check_identity(store: Store, client: CountyClient, clock: Clock) -> None:
    """Before anything moves: is this still the database the county knows as this desk?
    One that is behind what the county already received from it is a restored backup
    (or a copy); so is one opened on another PC."""
    with UnitOfWork(store, clock, write=False) as uow:
        standing = sync.current_standing(uow)
        high = sync.local_high_seq(uow)
    if standing == "copied":
        raise StoreMismatch(sync.standing_message("copied"))
    me = client.whoami()
    if client.protocol < int(me.get("min_protocol", 0)):
        raise UpgradeRequired(sync.standing_message("upgrade"))
    if int(me.get("pushed_seq", 0)) > high:
        raise StoreMismatch(sync.standing_message("copied"))


def _push_all(store: Store, client: CountyClient, clock: Clock, result: RoundResult) -> None:
    durable = False
    while True:
        with UnitOfWork(store, clock, write=False) as uow:
            batch, seqs = sync.outbox(uow)
            if batch and not durable:
                # On disk before the county counts them as sent: a power cut must not leave
                # this file behind what the county received from it (it would read as a copy).
                uow.dbapi.execute("PRAGMA wal_checkpoint(FULL)").fetchall()
                durable = True
        if not batch:
            return
        answer = client.push(store.store_id, batch, seqs)
        with UnitOfWork(store, clock) as uow:
            held = sync.record_push(uow, batch, answer.get("results", []), seqs)
        result.sent += len(batch)
        result.held += len(held)
        result.changed.update(held)


def _push_presence(store: Store, client: CountyClient, clock: Clock) -> None:
    with UnitOfWork(store, clock, write=False) as uow:
        queued = sync_presence.queued_presence(uow)
    if queued:
        client.presence(queued)
        with UnitOfWork(store, clock) as uow:
            sync_presence.presence_sent(uow, queued)


def _forward_files(store: Store, client: CountyClient, clock: Clock, result: RoundResult) -> None:
    """Sync files carried in from desks with no network go on to the county."""
    with UnitOfWork(store, clock, write=False) as uow:
        waiting = sync_files.waiting_files(uow)
    for file_id, doc in waiting:
        refused = ""
        for part in doc["parts"]:  # a part sent twice (a round cut short) is only duplicates
            try:
                client.forward(part)
            except Refused as exc:  # a forged or damaged part: recorded, and sync goes on
                refused = str(exc)
                continue
            result.forwarded += len(part["events"])
        with UnitOfWork(store, clock) as uow:
            sync_files.mark_forwarded(uow, file_id, refused=refused)


def _pull_all(store: Store, client: CountyClient, clock: Clock, result: RoundResult) -> str | None:
    """Pull to the end of the scope; the reference token the last page carried."""
    refetched = False
    for _page in range(MAX_PAGES):
        with UnitOfWork(store, clock, write=False) as uow:
            cursor = int(sync.state(uow).get(sync.CURSOR, "0"))
        page = client.pull(cursor)
        with UnitOfWork(store, clock) as uow:
            pulled = sync.apply_pulled(uow, page.get("events", []), int(page.get("cursor", cursor)))
        result.received += len(page.get("events", []))
        result.changed.update(pulled.changed)
        if page.get("more"):
            continue
        if page.get("presence"):
            with UnitOfWork(store, clock) as uow:
                if sync_presence.apply_presence(uow, page["presence"]):
                    result.presence_changed = True
        with UnitOfWork(store, clock, write=False) as uow:
            mine = sync.local_digest(uow)
        if mine == page.get("digest"):
            result.in_step = True
            return page.get("reference_token")
        if refetched:
            return page.get("reference_token")  # still different after a full re-fetch: an alert for check
        refetched = True
        with UnitOfWork(store, clock) as uow:
            sync.restart_pull(uow, f"digest {mine} != county {page.get('digest')}")


def _reference(store: Store, client: CountyClient, clock: Clock, token: str | None) -> None:
    """The county's reference data, fetched only when its token changed."""
    from windowdesk.services.reference import apply_reference

    with UnitOfWork(store, clock, write=False) as uow:
        seen = sync.state(uow).get(sync.REFERENCE_TOKEN)
    if token and token == seen:
        return
    snapshot = client.reference()
    with UnitOfWork(store, clock) as uow:
        apply_reference(uow, snapshot)
    with UnitOfWork(store, clock) as uow:
        sync.put(uow, sync.REFERENCE_TOKEN, snapshot.get("token") or "")
        uow.commit()


def enroll_desk(store: Store, server: str, code: str, clock: Clock | None = None) -> sync.SyncStatus:
    """Enroll this desk with the county using a single-use code: it takes the node code,
    the credential and the reference data the county gives it. A new, empty database
    enrolls once; a copy or a restored backup enrolls again under a new code and keeps
    its log (a demo database, or any other that holds cases, never enrolls)."""
    import secrets

    from windowdesk.services.reference import apply_reference
    from windowdesk.sync.client import fetch_certificate

    clock = clock or SystemClock()
    with UnitOfWork(store, clock, write=False) as uow:
        old = sync.check_enrollable(uow)
    cert = fetch_certificate(server)
    new_store_id = secrets.token_hex(8) if old else ""
    private_key, public_key = files.new_key()
    with CountyClient(server, cert_pem=cert) as client:
        answer = client.enroll(code, new_store_id or store.store_id, public_key, replaces=old,
                               replaces_store_id=store.store_id if old else "")
    with UnitOfWork(store, clock) as uow:
        sync.record_enrollment(uow, server=client.url, node=answer["node"], township=answer["township"],
                               kind=answer["kind"], credential=answer["credential"], cert=cert,
                               store_id=new_store_id, signing_key=private_key)
    with UnitOfWork(store, clock) as uow:
        apply_reference(uow, answer["reference"])
    with UnitOfWork(store, clock, write=False) as uow:
        return sync.status(uow)
