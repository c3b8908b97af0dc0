"""Where clerks are (在岗 / 外出 / 会议 / 请假), carried between the desks of a township:
set at a clerk's desk, sent at its next round, handed to every desk of the township with
the last page of each pull. AB岗 across PCs depends on it: the B clerk's desk learns that
the A clerk is away (see ``services.cover``)."""

from __future__ import annotations

import orjson

from windowdesk.services import sync
from windowdesk.services.uow import UnitOfWork

PRESENCE_OUTBOX = "presence_outbox"


def queue_presence(uow: UnitOfWork, clerk: str, presence: str, since: str) -> None:
    """Where a clerk is, to send at the next round (an enrolled desk only); the caller commits."""
    if not sync.get(uow, sync.CREDENTIAL):
        return
    queued = orjson.loads(sync.get(uow, PRESENCE_OUTBOX) or "{}")
    queued[clerk] = [presence, since]
    sync.put(uow, PRESENCE_OUTBOX, orjson.dumps(queued).decode())


def queued_presence(uow: UnitOfWork) -> dict[str, list[str]]:
    return orjson.loads(sync.get(uow, PRESENCE_OUTBOX) or "{}")


def presence_sent(uow: UnitOfWork, sent: dict[str, list[str]]) -> None:
    """Drop what was sent (a change made meanwhile stays queued)."""
    queued = queued_presence(uow)
    for clerk, value in sent.items():
        if queued.get(clerk) == value:
            del queued[clerk]
    sync.put(uow, PRESENCE_OUTBOX, orjson.dumps(queued).decode())
    uow.commit()


def apply_presence(uow: UnitOfWork, presence: dict) -> bool:
    """Where the township's clerks are, as the county has it: the newer word wins. True when
    anything changed (a B clerk's queue then carries the A clerk's cases)."""
    changed = False
    for clerk, value in (presence or {}).items():
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
            continue
        where, since = value
        done = uow.execute(
            "UPDATE clerks SET presence = ?, presence_since = ? WHERE code = ? "
            "AND (presence_since IS NULL OR presence_since < ?) AND presence IN "
            "('on_duty', 'out', 'meeting', 'leave') RETURNING 1",
            (where, since, clerk, since)).first()
        changed = changed or done is not None
    uow.commit()
    if changed:
        uow.invalidate("clerks")
    return changed
