"""Sync files: the outgoing events of a desk with no network at all, carried on a USB
stick to any desk of its township, which forwards them to the county.

A file is JSON: the desk, its township, and its events as they travel (each with its
hash) with their local sequence numbers, in parts of one push's size, each part signed
with the desk's Ed25519 key (made at enrollment; the county keeps the public half). The county checks the signature before
it applies a single event, so nobody can forge events with a file; the desk that
carries it in only stores and forwards it.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from windowdesk.core.casenumber import NODE_CODE
from windowdesk.core.errors import ValidationError
from windowdesk.core.wire import MAX_BATCH
from windowdesk.i18n import _

FORMAT = "windowdesk-sync-file"
VERSION = 1
MAX_PARTS = 2000  # a million events: more than any desk waits with


def new_key() -> tuple[str, str]:
    """A new signing key: (private, public), base64."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


def _signed_part(doc: dict[str, Any]) -> bytes:
    return orjson.dumps({k: v for k, v in doc.items() if k != "signature"}, option=orjson.OPT_SORT_KEYS)


def write(common: dict[str, Any], events: list[dict], local_seqs: list[int], private_key: str) -> bytes:
    """A file of ``events``, in signed parts of at most one push's size: the desk that
    carries it in forwards one part per request, and the county checks each part's
    signature (each part is a whole document: the desk, its township, its events)."""
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    parts = []
    for start in range(0, len(events), MAX_BATCH):
        part = {"format": FORMAT, "version": VERSION, **common, "events": events[start:start + MAX_BATCH],
                "local_seqs": local_seqs[start:start + MAX_BATCH]}
        part["signature"] = base64.b64encode(key.sign(_signed_part(part))).decode()
        parts.append(part)
    return orjson.dumps({"format": FORMAT, "version": VERSION, **common, "parts": parts})


def write_canonical(doc: dict[str, Any]) -> bytes:
    """A read file as stored to be forwarded (its signatures kept)."""
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def _damaged() -> ValidationError:
    return ValidationError(_("This is not a WindowDesk sync file, or it was damaged on the way."))


def _load(data: bytes | str | dict) -> dict[str, Any]:
    try:
        doc = orjson.loads(data) if isinstance(data, (bytes, str)) else data
    except orjson.JSONDecodeError as exc:
        raise _damaged() from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _damaged()
    if doc.get("version") != VERSION:
        raise ValidationError(_("This sync file was written by a newer WindowDesk; upgrade this desk to read it."))
    if not isinstance(doc.get("node"), str) or not NODE_CODE.match(doc["node"]) \
            or not isinstance(doc.get("township"), str) or not NODE_CODE.match(doc["township"]):
        raise _damaged()
    return doc


def read_part(data: bytes | str | dict) -> dict[str, Any]:
    """One signed part, its shape checked (not its signature: see ``verify``)."""
    doc = _load(data)
    events, seqs = doc.get("events"), doc.get("local_seqs")
    if (not isinstance(events, list) or not isinstance(seqs, list) or len(events) != len(seqs)
            or len(events) > MAX_BATCH or not all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= 2**62 for s in seqs)
            or not isinstance(doc.get("signature"), str)):
        raise _damaged()
    return doc


def read(data: bytes | str) -> dict[str, Any]:
    """A whole file, every part's shape checked."""
    doc = _load(data)
    parts = doc.get("parts")
    if not isinstance(parts, list) or not parts or len(parts) > MAX_PARTS:
        raise _damaged()
    for part in parts:
        read_part(part)
        if part["node"] != doc["node"] or part["township"] != doc["township"]:
            raise _damaged()
    return doc


def count(doc: dict[str, Any]) -> int:
    return sum(len(part["events"]) for part in doc["parts"])


def verify(part: dict[str, Any], public_key: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(part["signature"]), _signed_part(part))
    except (InvalidSignature, ValueError, TypeError, KeyError):
        return False
    return True
