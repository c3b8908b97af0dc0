"""One sync round: push until the outbox is empty, pull until the end of the scope,
compare digests (re-fetching the scope once on a mismatch), refresh reference data.

A round is safe to interrupt anywhere: every step commits what it has confirmed and
nothing else, and sending or receiving the same events again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timezone

from windowdesk.db.store import Store
from windowdesk.services import sync
from windowdesk.services.uow import Clock, SystemClock, UnitOfWork
from windowdesk.sync.client import CountyClient, SyncError

CLOCK_WARNING_MS = 5 * 60 * 1000
MAX_PAGES = 10_000


@dataclass
class RoundResult:
    sent: int = 0
    received: int = 0
    held: int = 0
    changed: set[str] = field(default_factory=set)
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
        _push_all(store, client, clock, result)
        _pull_all(store, client, clock, result)
        _reference(store, client, clock)
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


def _store_id(store: Store) -> str:
    return store.store_id


def _push_all(store: Store, client: CountyClient, clock: Clock, result: RoundResult) -> None:
    while True:
        with UnitOfWork(store, clock, write=False) as uow:
            batch, last_seq = sync.outbox(uow)
        if not batch:
            return
        answer = client.push(_store_id(store), batch)
        with UnitOfWork(store, clock) as uow:
            held = sync.record_push(uow, batch, answer.get("results", []), last_seq)
        result.sent += len(batch)
        result.held += len(held)
        result.changed.update(held)


def _pull_all(store: Store, client: CountyClient, clock: Clock, result: RoundResult) -> None:
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
        with UnitOfWork(store, clock, write=False) as uow:
            mine = sync.local_digest(uow)
        if mine == page.get("digest"):
            result.in_step = True
            return
        if refetched:
            return  # still different after a full re-fetch: recorded as an alert for check
        refetched = True
        with UnitOfWork(store, clock) as uow:
            sync.restart_pull(uow, f"digest {mine} != county {page.get('digest')}")


def _reference(store: Store, client: CountyClient, clock: Clock) -> None:
    from windowdesk.services.reference import apply_reference

    snapshot = client.reference()
    with UnitOfWork(store, clock) as uow:
        apply_reference(uow, snapshot)


def enroll_desk(store: Store, server: str, code: str, clock: Clock | None = None) -> sync.SyncStatus:
    """Enroll this (new, empty) desk with the county using a single-use code: it takes the
    node code, the credential and the reference data the county gives it."""
    from windowdesk.services.reference import apply_reference
    from windowdesk.sync.client import fetch_certificate

    clock = clock or SystemClock()
    with UnitOfWork(store, clock, write=False) as uow:
        if uow.execute("SELECT 1 FROM events LIMIT 1").first() or sync.status(uow).enrolled:
            from windowdesk.core.errors import RuleViolation
            from windowdesk.i18n import _

            raise RuleViolation(_("Only a new, empty database can be enrolled with the county (a demo database never is)."))
    cert = fetch_certificate(server)
    with CountyClient(server, cert_pem=cert) as client:
        answer = client.enroll(code, store.store_id)
    with UnitOfWork(store, clock) as uow:
        sync.record_enrollment(uow, server=client.url, node=answer["node"], township=answer["township"],
                               kind=answer["kind"], credential=answer["credential"], cert=cert)
    with UnitOfWork(store, clock) as uow:
        apply_reference(uow, answer["reference"])
    with UnitOfWork(store, clock, write=False) as uow:
        return sync.status(uow)
