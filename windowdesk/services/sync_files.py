"""Sync files as use cases: a desk with no network writes its outgoing events to a file;
a desk of the same township stores a file carried in and forwards it at its next round."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from windowdesk.core.errors import RuleViolation
from windowdesk.db.codec import encode_time
from windowdesk.i18n import _
from windowdesk.services import sync
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync import files

SIGNING_KEY = "signing_key"


@dataclass(frozen=True)
class Exported:
    events: int
    data: bytes


@dataclass(frozen=True)
class Imported:
    node: str
    events: int
    new: bool  # False when the same file was carried in before


def _enrolled(uow: UnitOfWork) -> dict[str, str]:
    values = sync.state(uow)
    if not values.get(sync.CREDENTIAL):
        raise RuleViolation(_("This desk is not enrolled with a county server: there is nothing to carry."))
    return values


def export_outbox(uow: UnitOfWork) -> Exported:
    """Every event this desk has not yet sent, in one signed file. Nothing moves here: the
    events stay to be sent until the county confirms them (a second copy is harmless)."""
    values = _enrolled(uow)
    events, seqs = [], []
    while True:
        batch, batch_seqs = sync.outbox(uow, after=seqs[-1] if seqs else None)
        if not batch:
            break
        events += batch
        seqs += batch_seqs
    if not events:
        return Exported(0, b"")
    common = {"node": values[sync.NODE], "township": values[sync.TOWNSHIP], "store_id": uow.store.store_id,
              "created_at": encode_time(uow.now())}
    return Exported(len(events), files.write(common, events, seqs, values[SIGNING_KEY]))


def import_file(uow: UnitOfWork, data: bytes) -> Imported:
    """Keep a file from a desk of this township to forward to the county."""
    values = _enrolled(uow)
    doc = files.read(data)
    if doc["township"] != values[sync.TOWNSHIP]:
        raise RuleViolation(_("This sync file comes from a desk of another township ({township}); carry it to a "
                              "desk of that township.").format(township=doc["township"]))
    if doc["node"] in uow.own_nodes:
        raise RuleViolation(_("This sync file was written by this desk itself."))
    digest = hashlib.sha256(files.write_canonical(doc)).hexdigest()
    new = uow.execute(
        "INSERT OR IGNORE INTO sync_files (node, digest, body, imported_at) VALUES (?, ?, ?, ?) RETURNING 1",
        (doc["node"], digest, files.write_canonical(doc).decode(), encode_time(uow.now())),
    ).first() is not None
    uow.commit()
    return Imported(doc["node"], files.count(doc), new)


def waiting_files(uow: UnitOfWork) -> list[tuple[int, dict]]:
    """Files carried in and not yet forwarded, each with its signed parts."""
    rows = uow.execute("SELECT id, body FROM sync_files WHERE forwarded_at IS NULL ORDER BY id").all()
    return [(i, files.read(body.encode())) for i, body in rows]


def mark_forwarded(uow: UnitOfWork, file_id: int, *, refused: str = "") -> None:
    """The file reached the county (or was refused there: an alert says why)."""
    uow.execute("UPDATE sync_files SET forwarded_at = ? WHERE id = ?", (encode_time(uow.now()), file_id))
    if refused:
        sync.alert(uow, "file_refused", {"file": file_id, "reason": refused})
    uow.commit()
