"""Applicants: checked as given at the desk, and reused at their next visit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from windowdesk.core.codes import IdType, parse_code
from windowdesk.core.identity import (
    normalize_name,
    normalize_phone,
    parse_credit_code,
    parse_id_number,
)
from windowdesk.core.errors import ValidationError
from windowdesk.core.lifecycle import OPEN_STATUSES, Status
from windowdesk.i18n import _
from windowdesk.services.uow import UnitOfWork


@dataclass(frozen=True)
class ApplicantInput:
    name: str
    id_number: str = ""
    id_type: str = IdType.RESIDENT_ID
    phone: str = ""
    address: str = ""


@dataclass(frozen=True)
class Applicant:
    """A checked applicant, as recorded in a case's events."""

    name: str
    id_type: str
    id_number: str
    phone: str
    address: str
    warnings: tuple[str, ...] = ()

    def to_payload(self) -> dict[str, str]:
        return {
            "name": self.name,
            "id_type": self.id_type,
            "id_number": self.id_number,
            "phone": self.phone,
            "address": self.address,
        }


def check_applicant(given: ApplicantInput, *, today=None, require_id: bool = True) -> Applicant:
    """Validate and normalise what the clerk typed; raise a clear message if it is wrong."""
    id_type = parse_code(IdType, given.id_type, _("Identity document type"))
    warnings: list[str] = []
    if id_type is IdType.CREDIT_CODE:
        # Organisations: the name is free text (it is a company or village committee).
        name = " ".join((given.name or "").split())
        if not name:
            raise ValidationError(_("The applicant's name is required."))
    elif not require_id and not (given.name or "").strip():
        name = ""  # an inquiry may be anonymous (a question by phone, say)
    else:
        name = normalize_name(given.name or "")
    number = (given.id_number or "").strip()
    if id_type is IdType.RESIDENT_ID and not number and not require_id:
        id_type = IdType.NONE
    elif id_type is IdType.RESIDENT_ID:
        if not number:
            raise ValidationError(_("The applicant's identity card number is required."))
        parsed = parse_id_number(number, today=today)
        number = parsed.number
        if parsed.legacy:
            warnings.append(
                _("This is an old 15-digit identity number; ask for the current 18-digit card ({new}).").format(
                    new=parsed.to_18().number
                )
            )
    elif id_type is IdType.CREDIT_CODE:
        code = parse_credit_code(number)
        number = code.number
        if code.warning:
            warnings.append(code.warning)
    elif id_type is IdType.OTHER:
        if not number:
            raise ValidationError(_("Give the number of the identity document."))
    else:
        number = ""
        if require_id:
            raise ValidationError(_("An application needs the applicant's identity document."))
    phone = normalize_phone(given.phone).number if (given.phone or "").strip() else ""
    address = " ".join((given.address or "").split())
    return Applicant(name, str(id_type), number, phone, address, tuple(warnings))


def remember_applicant(uow: UnitOfWork, applicant: Applicant) -> None:
    """Keep the applicant's latest details for the next visit (keyed by document number)."""
    if not applicant.id_number:
        return
    now = uow.now().isoformat()
    uow.execute(
        "INSERT INTO applicants (id, id_type, id_number, name, phone, address, updated_at) "
        "VALUES (:id, :t, :n, :name, :phone, :addr, :now) "
        "ON CONFLICT(id_number) DO UPDATE SET name = excluded.name, "
        "phone = CASE WHEN excluded.phone != '' THEN excluded.phone ELSE applicants.phone END, "
        "address = CASE WHEN excluded.address != '' THEN excluded.address ELSE applicants.address END, "
        "updated_at = excluded.updated_at",
        {
            "id": str(uuid.uuid4()),
            "t": applicant.id_type,
            "n": applicant.id_number,
            "name": applicant.name,
            "phone": applicant.phone,
            "addr": applicant.address,
            "now": now,
        },
    )


def find_applicant(uow: UnitOfWork, id_number: str) -> Applicant | None:
    row = uow.execute(
        "SELECT name, id_type, id_number, phone, address FROM applicants WHERE id_number = :n",
        {"n": id_number.strip().upper()},
    ).first()
    return Applicant(*row) if row else None


@dataclass(frozen=True)
class OpenCase:
    case_id: str
    case_number: str
    status: str
    received_on: str
    holder_window: str


def open_cases_of(uow: UnitOfWork, id_number: str, item_code: str) -> tuple[OpenCase, ...]:
    """The applicant's cases of this item still open here (a second application of the
    same thing is usually a mistake, or a visit about the first one)."""
    number = (id_number or "").strip().upper()
    if not number or not item_code:
        return ()
    statuses = sorted(s.value for s in OPEN_STATUSES if s is not Status.INQUIRY)
    rows = uow.execute(
        "SELECT case_id, case_number, status, received_on, holder_window FROM cases "
        f"WHERE applicant_id_number = ? AND item_code = ? AND status IN ({', '.join('?' * len(statuses))}) "
        "ORDER BY received_on, case_number",
        (number, item_code, *statuses),
    ).all()
    return tuple(OpenCase(*row) for row in rows)


def duplicate_warning(cases: tuple[OpenCase, ...], item_name: str) -> str:
    """The clerk's warning about ``cases``, or "" when there are none."""
    if not cases:
        return ""
    listed = "、".join(f"{c.case_number}（{Status(c.status).label}）" for c in cases)
    return _("This applicant already has an open case of {item}: {cases}. Check it is not the same application.").format(
        item=item_name, cases=listed)
