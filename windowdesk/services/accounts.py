"""Clerk accounts: passwords (scrypt, salted), signing in, presence and A/B posts (AB岗)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from windowdesk.core.codes import Presence, Role, parse_code
from windowdesk.core.errors import DomainError, ValidationError
from windowdesk.db.codec import decode_time, encode_time
from windowdesk.i18n import _
from windowdesk.services.common import check_window, clerk_info, window_names
from windowdesk.services.uow import UnitOfWork

# scrypt's cost: about 16 MiB and 50 ms per check on an office PC.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 6
LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 5


class SignInError(DomainError):
    """Signing in failed; the message says why, without telling which part was wrong."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True)
class Post:
    window: str
    window_name: str
    post: str | None  # 'A', 'B' or None


@dataclass(frozen=True)
class SignedIn:
    """Who is at the desk: what the desk app keeps for the session."""

    code: str
    name: str
    role: Role
    posts: tuple[Post, ...]
    presence: Presence

    @property
    def windows(self) -> tuple[str, ...]:
        return tuple(p.window for p in self.posts)


def set_password(uow: UnitOfWork, code: str, password: str) -> None:
    clerk_info(uow, code)  # NotFoundError for an unknown clerk
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("A password needs at least {count} characters.").format(count=MIN_PASSWORD_LENGTH)
        )
    uow.execute(
        "UPDATE clerks SET password_hash = ?, failed_signins = 0, locked_until = NULL WHERE code = ?",
        (hash_password(password), code),
    )
    uow.commit()


def _posts(uow: UnitOfWork, code: str) -> tuple[Post, ...]:
    names = window_names(uow)
    rows = uow.execute(
        "SELECT window_code, post FROM clerk_windows WHERE clerk_code = ? ORDER BY post IS NULL, post, window_code",
        (code,),
    ).all()
    return tuple(Post(w, names.get(w, w), p) for w, p in rows)


def signed_in(uow: UnitOfWork, code: str) -> SignedIn:
    """The session of clerk ``code`` as it stands in the store (posts, presence)."""
    info = clerk_info(uow, code)
    presence = uow.execute("SELECT presence FROM clerks WHERE code = ?", (code,)).scalar_one()
    posts = _posts(uow, code)
    if info.role in (Role.SUPERVISOR, Role.ADMIN) and not posts:
        names = window_names(uow)
        posts = tuple(Post(w, names[w], None) for w in sorted(names))
    return SignedIn(info.code, info.name, info.role, posts, Presence(presence))


def sign_in(uow: UnitOfWork, code: str, password: str) -> SignedIn:
    """Check a clerk's code and password. Five failures in a row lock the account for
    five minutes; the message never says whether the code or the password was wrong."""
    code = (code or "").strip()
    wrong = SignInError(_("The clerk code or the password is not correct."))
    row = uow.execute(
        "SELECT password_hash, failed_signins, locked_until, active FROM clerks WHERE code = ?", (code,)
    ).first()
    if row is None:
        hash_password(password or "")  # the same time as a wrong password: codes are not probed
        raise wrong
    stored, failures, locked_until, active = row
    now = uow.now()
    if locked_until and decode_time(locked_until) > now:
        minutes = max(1, round((decode_time(locked_until) - now).total_seconds() / 60))
        raise SignInError(
            _("Too many wrong passwords: this account is locked for {minutes} more minutes.").format(minutes=minutes)
        )
    if not active:
        raise SignInError(_("This account has been disabled. Ask the administrator."))
    if not stored:
        raise SignInError(_("This account has no password yet. Ask the administrator to set one."))
    if not verify_password(password or "", stored):
        failures += 1
        lock = encode_time(now + timedelta(minutes=LOCK_MINUTES)) if failures >= LOCK_AFTER_FAILURES else None
        uow.execute(
            "UPDATE clerks SET failed_signins = ?, locked_until = ? WHERE code = ?",
            (0 if lock else failures, lock, code),
        )
        uow.commit()
        raise wrong
    if failures or locked_until:
        uow.execute("UPDATE clerks SET failed_signins = 0, locked_until = NULL WHERE code = ?", (code,))
        uow.commit()
    return signed_in(uow, code)


def set_presence(uow: UnitOfWork, code: str, presence: str) -> SignedIn:
    """在岗 / 外出 / 会议 / 请假. While an A clerk is away their B clerk carries the window."""
    clerk_info(uow, code)
    presence = parse_code(Presence, presence, _("Presence"))
    since = encode_time(uow.now())
    uow.execute("UPDATE clerks SET presence = ?, presence_since = ? WHERE code = ?", (str(presence), since, code))
    from windowdesk.services.sync_presence import queue_presence

    queue_presence(uow, code, str(presence), since)  # for the other desks, at the next sync
    uow.commit()
    return signed_in(uow, code)


def assign_posts(uow: UnitOfWork, window: str, *, a: str | None, b: str | None) -> None:
    """Name the A and the B clerk of a window (both must serve it)."""
    check_window(uow, window)
    if a and a == b:
        raise ValidationError(_("The A and the B post of a window need two different clerks."))
    serving = {r[0] for r in uow.execute("SELECT clerk_code FROM clerk_windows WHERE window_code = ?", (window,))}
    for code in (a, b):
        if code and code not in serving:
            name = clerk_info(uow, code).name
            raise ValidationError(
                _("{name} does not serve {window}.").format(name=name, window=window_names(uow)[window])
            )
    uow.execute("UPDATE clerk_windows SET post = NULL WHERE window_code = ?", (window,))
    for post, code in (("A", a), ("B", b)):
        if code:
            uow.execute("UPDATE clerk_windows SET post = ? WHERE window_code = ? AND clerk_code = ?",
                        (post, window, code))
    uow.commit()


@dataclass(frozen=True)
class Cover:
    """A window whose A clerk is away, and whose work the signed-in B clerk carries."""

    window: str
    window_name: str
    clerk: str
    clerk_name: str
    presence: Presence
    since: datetime | None


def covering(uow: UnitOfWork, code: str) -> tuple[Cover, ...]:
    """The windows where ``code`` is the B clerk and the A clerk is away now."""
    rows = uow.execute(
        "SELECT a.window_code, c.code, c.name, c.presence, c.presence_since "
        "FROM clerk_windows b JOIN clerk_windows a ON a.window_code = b.window_code AND a.post = 'A' "
        "JOIN clerks c ON c.code = a.clerk_code "
        "WHERE b.clerk_code = ? AND b.post = 'B' AND c.presence != 'on_duty' ORDER BY a.window_code",
        (code,),
    ).all()
    names = window_names(uow)
    return tuple(
        Cover(w, names.get(w, w), c, n, Presence(p), decode_time(s) if s else None) for w, c, n, p, s in rows
    )
