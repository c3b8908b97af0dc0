"""The reference data the county owns, one JSON document per key of the ``reference``
table, and the snapshot of it that every desk of a township installs.

- ``catalogue``: ``{"version", "content_hash", "source", "data": Catalogue.to_dict()}``
- ``calendar``: ``[YearSchedule.to_dict(), ...]`` by year
- ``staff:<township>``: ``[{"code", "name", "role", "active", "password_hash",
  "windows": [{"window", "post"}]}, ...]`` (staff codes are unique in the county)
- ``settings:<township>``: the desk's ``settings`` keys to JSON values (``center`` and the
  rules of ``services.uow.Rules``)

Townships are rows of their own table. The functions take a SQLAlchemy ``Session`` and
leave the commit to the caller; writers take one advisory lock, so two administrators
adding staff at once cannot give one code twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, replace
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from windowdesk.core.calendar import WorkCalendar
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.codes import Role, parse_code
from windowdesk.core.errors import NotFoundError, ValidationError
from windowdesk.county.models import Audit, Reference, Township
from windowdesk.i18n import _
from windowdesk.services.reference import snapshot_version
from windowdesk.services.uow import Rules

REFERENCE_LOCK = 7_265_310_002  # pg_advisory_xact_lock key of the reference writers
TOWNSHIP_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")
STAFF_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
POSTS = (None, "A", "B")
_RULE_RANGES = {"yellow_percent": (1, 100), "referral_followup_hours": (1, 24 * 30),
                "bad_rating_callback_days": (1, 60)}


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(timezone.utc)


def audit(session: Session, actor: str, action: str, now: datetime, *, alert: bool = False, **detail) -> None:
    """One line of the county's audit log (``detail`` never an ID or a phone number)."""
    session.add(Audit(at=now, actor=actor, action=action, alert=alert,
                      detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)))


def _lock(session: Session) -> None:
    session.connection().exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (REFERENCE_LOCK,))


def get_document(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Reference, key)
    return json.loads(row.value) if row else default


def put_document(session: Session, key: str, value: Any, now: datetime) -> None:
    text = json.dumps(value, ensure_ascii=False)
    row = session.get(Reference, key)
    if row is None:
        session.add(Reference(key=key, value=text, changed_at=now))
    elif row.value != text:
        row.value, row.changed_at = text, now
    session.flush()


# --- the bundled catalogue and calendar ------------------------------------------------------


def load_bundled(session: Session, *, now: datetime | None = None) -> bool:
    """Store the bundled catalogue and holiday schedules; ``True`` when anything changed.

    The catalogue is stored when the county has none, and replaced by a newer bundled one
    only while the stored one came from the bundle too; calendar years the county lacks
    are added. Run again, it changes nothing."""
    now = _now(now)
    _lock(session)
    changed = False
    bundled = Catalogue.bundled()
    stored = get_document(session, "catalogue")
    if stored is None or (stored.get("source") == "bundled" and stored["content_hash"] != bundled.content_hash()):
        put_document(session, "catalogue", {"version": bundled.version, "content_hash": bundled.content_hash(),
                                            "source": "bundled", "data": bundled.to_dict()}, now)
        changed = True
    years = {y["year"]: y for y in get_document(session, "calendar", [])}
    missing = {year: s.to_dict() for year, s in WorkCalendar.bundled().schedules.items() if year not in years}
    if missing:
        years.update(missing)
        put_document(session, "calendar", [years[y] for y in sorted(years)], now)
        changed = True
    if changed:
        audit(session, "admin", "reference_loaded", now, catalogue=bundled.version, years=sorted(missing))
    return changed


def install_calendar_year(session: Session, data: Any, *, now: datetime | None = None) -> int:
    """Add or replace one year's holiday schedule (published each November): every desk of
    the county installs it at its next sync, which ends the December problem at once."""
    from windowdesk.core.calendar import YearSchedule

    now = _now(now)
    schedule = YearSchedule.from_dict(data)
    schedule.validate()
    _lock(session)
    years = {y["year"]: y for y in get_document(session, "calendar", [])}
    years[schedule.year] = schedule.to_dict()
    put_document(session, "calendar", [years[y] for y in sorted(years)], now)
    audit(session, "admin", "calendar_installed", now, year=schedule.year)
    return schedule.year


def token(session: Session, township_code: str) -> str:
    """A cheap stand-in for the township's reference version, handed out with every pull:
    it changes whenever a document behind ``snapshot`` changes, so a desk fetches the whole
    snapshot (tens of kilobytes) only then."""
    keys = ["catalogue", "calendar", f"staff:{township_code}", f"settings:{township_code}"]
    rows = session.execute(select(Reference.key, Reference.changed_at).where(Reference.key.in_(keys))).all()
    text = "|".join(f"{k}@{t.isoformat()}" for k, t in sorted(rows))
    return hashlib.sha256(f"{township_code}|{text}".encode()).hexdigest()[:32]


PRESENCES = ("on_duty", "out", "meeting", "leave")


def presence(session: Session, township_code: str) -> dict[str, list[str]]:
    """Where each clerk of the township is, as their desks last said: code -> [presence, since]."""
    return get_document(session, f"presence:{township_code}", {})


def record_presence(session: Session, township_code: str, changes: dict[str, list[str]]) -> dict[str, list[str]]:
    """Take the changes a desk sends for clerks of its own township (others are ignored);
    the newer word wins. Not part of the reference data's version: a clerk stepping out
    makes no desk install the catalogue again."""
    own = {entry["code"] for entry in staff(session, township_code)}
    current = presence(session, township_code)
    for clerk, value in changes.items():
        if (clerk in own and isinstance(value, list) and len(value) == 2 and value[0] in PRESENCES
                and isinstance(value[1], str) and len(value[1]) <= 40
                and (clerk not in current or current[clerk][1] < value[1])):
            current[clerk] = value
    put_document(session, f"presence:{township_code}", current, _now(None))
    return current


def catalogue_windows(session: Session) -> dict[str, str]:
    """The windows of the county's catalogue, code -> name (empty before one is loaded)."""
    stored = get_document(session, "catalogue")
    return {w["code"]: w["name"] for w in stored["data"]["windows"]} if stored else {}


# --- townships -------------------------------------------------------------------------------


def check_township_code(code: str) -> str:
    code = (code or "").strip().upper()
    if not TOWNSHIP_CODE.match(code):
        raise ValidationError(_(
            "Township code {code} is not valid: use 2 to 6 capital letters or digits, starting with "
            "a letter (for example QS)."
        ).format(code=code or "''"))
    return code


def township(session: Session, code: str) -> Township:
    """The township ``code``, or a clear ``NotFoundError``."""
    found = session.get(Township, (code or "").strip().upper())
    if found is None:
        known = "、".join(c for c, _n in townships(session)) or _("none yet")
        raise NotFoundError(_("There is no township {code} in the county (townships: {known}).").format(
            code=code or "''", known=known))
    return found


def add_township(session: Session, code: str, name: str, *, now: datetime | None = None) -> Township:
    code = check_township_code(code)
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("The township's name must not be empty."))
    if len(name) > 40:
        raise ValidationError(_("The township's name is too long (at most 40 characters)."))
    _lock(session)
    existing = session.get(Township, code)
    if existing is not None:
        raise ValidationError(_("Township {code} already exists ({name}).").format(code=code, name=existing.name))
    added = Township(code=code, name=name, desks_enrolled=0)
    session.add(added)
    audit(session, "admin", "township_added", _now(now), township=code, name=name)
    session.flush()
    return added


def townships(session: Session) -> list[tuple[str, str]]:
    """Every township as (code, name), by code."""
    return [(t.code, t.name) for t in session.scalars(select(Township).order_by(Township.code))]


# --- staff and settings ----------------------------------------------------------------------


def staff(session: Session, township_code: str) -> list[dict]:
    return get_document(session, f"staff:{township(session, township_code).code}", [])


def _all_staff_codes(session: Session) -> dict[str, str]:
    """Every staff code of the county (lower-cased) -> its township."""
    rows = session.execute(select(Reference.key, Reference.value).where(Reference.key.like("staff:%")))
    return {s["code"].lower(): key.split(":", 1)[1] for key, value in rows for s in json.loads(value)}


def _check_windows(session: Session, name: str, role: Role,
                   windows: Iterable[tuple[str, str | None]], others: list[dict]) -> list[dict]:
    known = catalogue_windows(session)
    checked: list[dict] = []
    for window, post in windows:
        window = (window or "").strip().upper()
        if window not in known:
            if not known:
                raise ValidationError(_("The county has no catalogue yet: load the reference data first "
                                        "(windowdesk county init)."))
            raise ValidationError(_("There is no window {window} in the county's catalogue (windows: {known}).").format(
                window=window or "''", known="、".join(known)))
        if post not in POSTS:
            raise ValidationError(_("Post {post} is not valid: a window's post is A, B or none.").format(post=post))
        if any(c["window"] == window for c in checked):
            raise ValidationError(_("Window {window} is given twice for {name}.").format(window=window, name=name))
        holder = next((o for o in others for e in o["windows"] if post and e == {"window": window, "post": post}), None)
        if holder is not None:
            raise ValidationError(_("{holder} already holds the {post} post of window {window}.").format(
                holder=holder["name"], post=post, window=known[window]))
        checked.append({"window": window, "post": post})
    if role in (Role.CLERK, Role.AGENT) and not checked:
        raise ValidationError(_("A clerk must serve at least one window."))
    return checked


def add_staff(session: Session, township_code: str, code: str, name: str, role: str,
              windows: Iterable[tuple[str, str | None]], password_hash: str, *,
              now: datetime | None = None) -> dict:
    """Add a staff account to ``township_code``: ``windows`` as (window, post) pairs with
    post ``"A"``, ``"B"`` or ``None``; ``password_hash`` from ``services.accounts.hash_password``."""
    place = township(session, township_code)
    code = (code or "").strip()
    if not STAFF_CODE.match(code):
        raise ValidationError(_(
            "Staff code {code} is not valid: use up to 32 letters, digits, dots, dashes or underscores, "
            "starting with a letter or digit (for example hx.wanggang)."
        ).format(code=code or "''"))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("The clerk's name must not be empty."))
    role = parse_code(Role, role, _("Role"))
    if not (isinstance(password_hash, str) and password_hash.startswith("scrypt$") and password_hash.count("$") == 5):
        raise ValidationError(_("The password must be given hashed (services.accounts.hash_password), never as it is typed."))
    _lock(session)
    taken = _all_staff_codes(session).get(code.lower())
    if taken is not None:
        raise ValidationError(_("Staff code {code} is already used in township {township}; staff codes are "
                                "unique in the county.").format(code=code, township=taken))
    key = f"staff:{place.code}"
    others = get_document(session, key, [])
    entry = {"code": code, "name": name, "role": str(role), "active": True, "password_hash": password_hash,
             "windows": _check_windows(session, name, role, windows, others)}
    now = _now(now)
    put_document(session, key, others + [entry], now)
    audit(session, "admin", "staff_added", now, township=place.code, code=code, role=str(role))
    return entry


def _check_rule(key: str, value: Any) -> Any:
    if key == "assume_weekends":
        if not isinstance(value, bool):
            raise ValidationError(_("The setting {key} must be true or false.").format(key=key))
        return value
    low, high = _RULE_RANGES[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(_("The setting {key} must be a whole number from {low} to {high}, not {value}.").format(
            key=key, low=low, high=high, value=value))
    return value


def set_settings(session: Session, township_code: str, settings: dict[str, Any], *,
                 now: datetime | None = None) -> dict[str, Any]:
    """Replace the settings every desk of the township gets: ``center`` (the center's
    details, checked as ``windowdesk center set`` checks them) and the rules."""
    from windowdesk.services.center import DEFAULTS, check_values

    place = township(session, township_code)
    allowed = ("center", *Rules.__dataclass_fields__)
    checked: dict[str, Any] = {}
    for key, value in settings.items():
        if key not in allowed:
            raise ValidationError(_("There is no setting called {key}; the settings are: {known}.").format(
                key=key, known="、".join(allowed)))
        if key == "center":
            if not isinstance(value, dict):
                raise ValidationError(_("The center settings must be given field by field."))
            checked[key] = asdict(replace(DEFAULTS, **check_values(value)))
        else:
            checked[key] = _check_rule(key, value)
    _lock(session)
    now = _now(now)
    put_document(session, f"settings:{place.code}", checked, now)
    audit(session, "admin", "settings_set", now, township=place.code, keys=sorted(checked))
    return checked


# --- what a desk installs --------------------------------------------------------------------


def snapshot(session: Session, township_code: str) -> dict[str, Any]:
    """Everything a desk of ``township_code`` (window PC or village point) installs, with
    its version (see ``windowdesk.services.reference``)."""
    place = township(session, township_code)
    body = {
        "township": {"code": place.code, "name": place.name},
        "catalogue": get_document(session, "catalogue"),
        "calendar": get_document(session, "calendar", []),
        "staff": get_document(session, f"staff:{place.code}", []),
        "settings": get_document(session, f"settings:{place.code}", {}),
    }
    return {"version": snapshot_version(body), **body}
