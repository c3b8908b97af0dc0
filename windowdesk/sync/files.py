"""Sync files: the outgoing events of a desk with no network at all, carried on a USB
stick to any desk of its township, which forwards them to the county.

A file is JSON: the desk, its township, its events as they travel (each with its hash)
and their local sequence numbers, signed with the desk's Ed25519 key (made at
enrollment; the county keeps the public half). The county checks the signature before
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

from windowdesk.core.errors import ValidationError
from windowdesk.core.wire import MAX_BATCH
from windowdesk.i18n import _

FORMAT = "windowdesk-sync-file"
VERSION = 1
MAX_EVENTS = 100 * MAX_BATCH


def new_key() -> tuple[str, str]:
    """A new signing key: (private, public), base64."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(private).decode(), base64.b64encode(public).decode()


def _signed_part(doc: dict[str, Any]) -> bytes:
    return orjson.dumps({k: v for k, v in doc.items() if k != "signature"}, option=orjson.OPT_SORT_KEYS)


def write(doc: dict[str, Any], private_key: str) -> bytes:
    doc = {"format": FORMAT, "version": VERSION, **doc}
    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(private_key))
    doc["signature"] = base64.b64encode(key.sign(_signed_part(doc))).decode()
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2)


def write_canonical(doc: dict[str, Any]) -> bytes:
    """A read file as stored to be forwarded (its signature kept)."""
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def read(data: bytes | dict) -> dict[str, Any]:
    """The file's content, its shape checked (not its signature: see ``verify``)."""
    wrong = ValidationError(_("This is not a WindowDesk sync file, or it was damaged on the way."))
    try:
        doc = orjson.loads(data) if isinstance(data, (bytes, str)) else data
    except orjson.JSONDecodeError as exc:
        raise wrong from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise wrong
    if doc.get("version") != VERSION:
        raise ValidationError(_("This sync file was written by a newer WindowDesk; upgrade this desk to read it."))
    events, seqs = doc.get("events"), doc.get("local_seqs")
    if (not isinstance(events, list) or not isinstance(seqs, list) or len(events) != len(seqs)
            or len(events) > MAX_EVENTS or not all(isinstance(s, int) for s in seqs)
            or not isinstance(doc.get("node"), str) or not isinstance(doc.get("township"), str)
            or not isinstance(doc.get("signature"), str)):
        raise wrong
    return doc


def verify(doc: dict[str, Any], public_key: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(doc["signature"]), _signed_part(doc))
    except (InvalidSignature, ValueError, TypeError, KeyError):
        return False
    return True
