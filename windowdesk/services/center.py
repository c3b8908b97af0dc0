"""The center's own details (center settings): names, seal, address, phones, hours, and
where an applicant may seek 行政复议 or bring 行政诉讼 — what the printed forms carry.

Stored as one JSON object under the ``center`` key of the ``settings`` table. A desk that
was never configured reads as empty names with the statutory periods as defaults
(行政复议法: 60 days; 行政诉讼法 Art. 46: 6 months); the printing services then refuse the
forms that need a missing detail, naming it (``require``). Only an administrator
changes the settings.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, fields, replace
from typing import Any, Mapping

from windowdesk.core.codes import Role
from windowdesk.core.errors import RuleViolation, ValidationError
from windowdesk.core.identity import normalize_phone
from windowdesk.i18n import N_, _
from windowdesk.printing.sheets import CenterInfo
from windowdesk.services.common import Actor, clerk_info
from windowdesk.services.uow import UnitOfWork

SETTINGS_KEY = "center"
RECONSIDERATION_DAYS = 60  # 行政复议法: within 60 days of knowing of the decision
LITIGATION_MONTHS = 6  # 行政诉讼法 Art. 46: within six months
MAX_TEXT = 200

DEFAULTS = CenterInfo(
    office_name="", seal_name="", address="", phone="", supervision_phone="", hours="",
    reconsideration_body="", reconsideration_days=RECONSIDERATION_DAYS, court="",
    litigation_months=LITIGATION_MONTHS,
)
FIELDS = tuple(f.name for f in fields(CenterInfo))
# Each field as an administrator reads it (in messages and in ``windowdesk center show``).
LABELS = {
    "office_name": N_("Office name"),
    "seal_name": N_("Seal wording"),
    "address": N_("Address"),
    "phone": N_("Contact phone"),
    "supervision_phone": N_("Supervision and complaint phone"),
    "hours": N_("Office hours"),
    "reconsideration_body": N_("Administrative reconsideration body"),
    "reconsideration_days": N_("Days to apply for administrative reconsideration"),
    "court": N_("Court for administrative litigation"),
    "litigation_months": N_("Months to bring administrative litigation"),
    "supplement_days": N_("Working days a one-time notice gives to bring the materials (0: none)"),
}
_NUMBERS = {"reconsideration_days": (1, 365), "litigation_months": (1, 24), "supplement_days": (0, 60)}
_PHONES = ("phone", "supervision_phone")
# Government service hotlines people are given as supervision numbers (12345 政务服务便民热线 …).
_HOTLINE = re.compile(r"^12\d{3}$")
_SEPARATORS = re.compile(r"[、，,；;/]+")


def label(name: str) -> str:
    return _(LABELS[name])


def center_info(uow: UnitOfWork) -> CenterInfo:
    """The center settings as stored (empty names and the statutory periods if never set).

    Read afresh each time (one row, once per print), so a change made with
    ``windowdesk center set`` shows on a desk that is already open."""
    row = uow.execute("SELECT value FROM settings WHERE key = ?", (SETTINGS_KEY,)).first()
    stored = json.loads(row[0]) if row else {}
    known = {k: v for k, v in stored.items() if k in FIELDS} if isinstance(stored, dict) else {}
    return replace(DEFAULTS, **known)


def missing_fields(info: CenterInfo, needed: tuple[str, ...]) -> tuple[str, ...]:
    """The ``needed`` fields that are still empty."""
    return tuple(name for name in needed if not str(getattr(info, name)).strip())


def require(uow: UnitOfWork, form_title: str, needed: tuple[str, ...]) -> CenterInfo:
    """The center settings, refusing clearly when a field ``form_title`` needs is empty."""
    info = center_info(uow)
    missing = missing_fields(info, needed)
    if missing:
        raise RuleViolation(
            _("{form} cannot be printed: the center settings lack {fields}. An administrator must fill in the center settings first.").format(
                form=form_title, fields="、".join(label(n) for n in missing)
            )
        )
    return info


def _text(name: str, value: Any) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if not text:
        raise ValidationError(_("{field} must not be empty.").format(field=label(name)))
    if len(text) > MAX_TEXT:
        raise ValidationError(
            _("{field} is too long ({count} characters; at most {limit}).").format(
                field=label(name), count=len(text), limit=MAX_TEXT
            )
        )
    return text


def _phones(name: str, value: Any) -> str:
    """One or more numbers (separated by 、 or /): mobile, landline with area code, or a
    12xxx government hotline such as 12345."""
    numbers = [part.strip() for part in _SEPARATORS.split(_text(name, value)) if part.strip()]
    checked = []
    for number in numbers:
        compact = number.replace(" ", "")
        if _HOTLINE.match(compact):
            checked.append(compact)
            continue
        try:
            checked.append(normalize_phone(number).number)
        except ValidationError as exc:
            raise ValidationError(
                _("{field} is not valid: {problem}").format(field=label(name), problem=exc)
            ) from None
    return "、".join(checked)


def _number(name: str, value: Any) -> int:
    low, high = _NUMBERS[name]
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = None
    if number is None or not low <= number <= high:
        raise ValidationError(
            _("{field} must be a whole number from {low} to {high}, not {value}.").format(
                field=label(name), low=low, high=high, value=value
            )
        )
    return number


def check_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise the given fields (unknown names refused)."""
    unknown = [k for k in values if k not in FIELDS]
    if unknown:
        raise ValidationError(
            _("The center settings have no field {name}; the fields are: {fields}.").format(
                name="、".join(unknown), fields="、".join(FIELDS)
            )
        )
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name in _NUMBERS:
            checked[name] = _number(name, value)
        elif name in _PHONES:
            checked[name] = _phones(name, value)
        else:
            checked[name] = _text(name, value)
    return checked


def set_center_info(uow: UnitOfWork, actor: Actor | str, values: Mapping[str, Any]) -> CenterInfo:
    """Change the given fields of the center settings (the others keep their values).

    Administrators only: the settings are printed, under the seal, on every notice the
    center gives. Every given field is checked: names not empty, phones plausible, days
    1–365, months 1–24."""
    code = actor if isinstance(actor, str) else actor.clerk
    info = clerk_info(uow, code)
    if not info.active:
        raise RuleViolation(_("Clerk {name} is no longer active.").format(name=info.name))
    if info.role is not Role.ADMIN:
        raise RuleViolation(
            _("Only an administrator can change the center settings; {name} is not one.").format(name=info.name)
        )
    if not values:
        raise ValidationError(_("Give at least one center setting to change."))
    updated = replace(center_info(uow), **check_values(values))
    uow.execute(
        "INSERT INTO settings (key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        {"k": SETTINGS_KEY, "v": json.dumps(asdict(updated), ensure_ascii=False)},
    )
    uow.commit()
    return updated
