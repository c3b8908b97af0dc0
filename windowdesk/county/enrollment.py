"""Enrolling desks: single-use codes, node codes unique in the county, credentials.

An administrator issues a code for one desk of a township (``issue_enroll_code``); it is
typed at the desk within 72 hours and redeemed once (``redeem``), which registers the
desk as a node with a code of its own — the township's code and a desk number, ``QS01``
for a window PC, ``QSV01`` for a village point — and hands it a credential that
authenticates every later request (``authenticate``). The county keeps only SHA-256
hashes of codes and credentials. ``revoke`` shuts a desk out for good.

The functions take a SQLAlchemy ``Session``; the caller commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from windowdesk.core.casenumber import NODE_CODE
from windowdesk.core.errors import DomainError, NotFoundError, ValidationError
from windowdesk.county.models import EnrollCode, Node
from windowdesk.county.reference import audit
from windowdesk.county.reference import township as find_township
from windowdesk.i18n import _

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed without doubt
GROUPS, GROUP_LENGTH = 4, 4
VALID_FOR = timedelta(hours=72)
KINDS = ("window", "village")
SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
ENROLL_LOCK = 7_265_310_003  # pg_advisory_xact_lock key: one enrollment at a time picks a node code
_SEPARATORS = re.compile(r"[\s\-_.]+")


class EnrollmentError(DomainError):
    """An enrollment code that cannot be redeemed (unknown, used, expired, malformed)."""


class AuthError(DomainError):
    """A request whose credential the county does not know."""


class RevokedError(AuthError):
    """A request from a desk the county has revoked."""


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _aware(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def normalize_code(typed: str) -> str:
    """The code as issued, from what a person typed: case, spaces and dashes do not matter."""
    return _SEPARATORS.sub("", typed or "").upper()


def format_code(raw: str) -> str:
    return "-".join(raw[i:i + GROUP_LENGTH] for i in range(0, len(raw), GROUP_LENGTH))


def issue_enroll_code(session: Session, *, township: str, kind: str, label: str = "", now: datetime) -> str:
    """A new single-use code for one desk of ``township`` (``kind`` window or village),
    e.g. ``K7QX-3MPA-9RWT-HN4E``; valid for 72 hours, stored only as its hash."""
    now = _aware(now)
    place = find_township(session, township)
    if kind not in KINDS:
        raise ValidationError(_("Desk kind {kind} is not valid: it is window (a window PC of the hall) "
                                "or village (a village proxy point).").format(kind=kind or "''"))
    label = " ".join((label or "").split())
    if len(label) > 100:
        raise ValidationError(_("The label is too long (at most 100 characters)."))
    raw = "".join(secrets.choice(ALPHABET) for _i in range(GROUPS * GROUP_LENGTH))
    session.add(EnrollCode(code_hash=_sha256(raw), township=place.code, kind=kind, label=label,
                           created_at=now, expires_at=now + VALID_FOR))
    audit(session, "admin", "enroll_code_issued", now, township=place.code, kind=kind, label=label)
    session.flush()
    return format_code(raw)


def _next_node_code(session: Session, township_code: str, kind: str) -> str:
    """The first free code of the township's window PCs (``QS01`` …) or village points
    (``QSV01`` …); codes of revoked desks stay taken."""
    prefix = township_code + ("V" if kind == "village" else "")
    taken = set(session.scalars(select(Node.code).where(Node.code.like(prefix + "%"))))
    number = 1
    while True:
        code = f"{prefix}{number:02d}"
        if len(code) > 8:
            code = f"{prefix}{number}"
        if len(code) > 8 or not NODE_CODE.match(code):
            raise EnrollmentError(_(
                "Township {township} has no free desk codes left for a {kind} desk; give its desks a "
                "township with a shorter code."
            ).format(township=township_code, kind=kind))
        if code not in taken:
            return code
        number += 1


def redeem(session: Session, *, code: str, store_id: str, public_key: str, now: datetime) -> tuple[Node, str]:
    """Enroll the desk that typed ``code``: its node and its credential (given only now;
    the county keeps its hash). Refuses unknown, used and expired codes, each clearly."""
    now = _aware(now)
    raw = normalize_code(code)
    if len(raw) != GROUPS * GROUP_LENGTH or any(c not in ALPHABET for c in raw):
        raise EnrollmentError(_(
            "{code} is not an enrollment code: a code has {length} letters and digits, like "
            "K7QX-3MPA-9RWT-HN4E. Check what was typed."
        ).format(code=(code or "").strip() or "''", length=GROUPS * GROUP_LENGTH))
    store_id = (store_id or "").strip()
    if not 1 <= len(store_id) <= 32:
        raise EnrollmentError(_("The desk did not say which database it is (its store id is missing or too long)."))
    entry = session.get(EnrollCode, _sha256(raw), with_for_update=True)
    if entry is None:
        raise EnrollmentError(_(
            "The enrollment code {code} is not known to the county. Check it letter by letter, or ask "
            "the county administrator for a new one."
        ).format(code=format_code(raw)))
    if entry.used_at is not None:
        raise EnrollmentError(_(
            "The enrollment code {code} was already used on {time} (desk {node}); a code enrolls one "
            "desk only. Ask the county administrator for a new one."
        ).format(code=format_code(raw), time=_local(entry.used_at), node=entry.used_by))
    if entry.expires_at <= now:
        raise EnrollmentError(_(
            "The enrollment code {code} expired on {time} (codes are valid for 72 hours). Ask the county "
            "administrator for a new one."
        ).format(code=format_code(raw), time=_local(entry.expires_at)))
    session.connection().exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (ENROLL_LOCK,))
    place = find_township(session, entry.township)
    credential = secrets.token_urlsafe(32)
    node = Node(code=_next_node_code(session, place.code, entry.kind), township=place.code, kind=entry.kind,
                label=entry.label, credential_hash=_sha256(credential), public_key=public_key or "",
                store_id=store_id, enrolled_at=now, revoked_at=None, last_seen_at=now, protocol=1)
    session.add(node)
    entry.used_at, entry.used_by = now, node.code
    place.desks_enrolled += 1
    audit(session, node.code, "enrolled", now, township=place.code, kind=node.kind, label=node.label,
          store_id=store_id)
    session.flush()
    return node, credential


def authenticate(session: Session, credential: str, now: datetime) -> Node:
    """The desk whose credential this is. ``AuthError`` for a credential the county does
    not know, ``RevokedError`` for a revoked desk."""
    now = _aware(now)
    node = None
    if isinstance(credential, str) and credential:
        node = session.scalars(select(Node).where(Node.credential_hash == _sha256(credential))).first()
    if node is None:
        raise AuthError(_("This desk is not enrolled with the county (its credential is not known). "
                          "Enroll it with a new code from the county administrator."))
    if node.revoked_at is not None:
        raise RevokedError(_(
            "Desk {node} was revoked by the county on {time}: it can no longer exchange cases. Ask the "
            "county administrator."
        ).format(node=node.code, time=_local(node.revoked_at)))
    if node.last_seen_at is None or now - node.last_seen_at >= SEEN_EVERY:
        node.last_seen_at = now
        session.flush()
    return node


def revoke(session: Session, node_code: str, now: datetime) -> Node:
    """Shut desk ``node_code`` out: its credential is refused from now on. Revoking a
    revoked desk changes nothing."""
    now = _aware(now)
    node = session.get(Node, (node_code or "").strip().upper(), with_for_update=True)
    if node is None:
        raise NotFoundError(_("There is no desk {node} in the county.").format(node=(node_code or "").strip() or "''"))
    if node.revoked_at is None:
        node.revoked_at = now
        audit(session, "admin", "revoked", now, node=node.code, township=node.township)
        session.flush()
    return node
