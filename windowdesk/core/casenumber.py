"""Case numbers that desks can issue without a network.

``LJ03-20261123-0042``: the desk's node code, the day, and that node's sequence for
the day. Node codes are unique (the county assigns them), so numbers are unique
across desks; the sequence is stored and advanced before a number is handed out, so
a number is never issued twice, not even after a crash. Inquiries (咨询登记) have their
own sequence, marked ``Z``: ``LJ03-20261123-Z0007``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from windowdesk.core.errors import ValidationError
from windowdesk.i18n import _

NODE_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")
_NUMBER = re.compile(r"^([A-Z][A-Z0-9]{1,7})-(\d{8})-(Z?)(\d{4,})$")

CASE = "case"
INQUIRY = "inquiry"


def check_node_code(code: str) -> str:
    code = code.strip().upper()
    if not NODE_CODE.match(code):
        raise ValidationError(
            _(
                "Desk code {code} is not valid: use 2 to 8 capital letters or digits, "
                "starting with a letter (for example LJ03)."
            ).format(code=code or "''")
        )
    return code


def format_number(node: str, day: date, seq: int, scope: str = CASE) -> str:
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    prefix = "Z" if scope == INQUIRY else ""
    return f"{node}-{day:%Y%m%d}-{prefix}{seq:04d}"


@dataclass(frozen=True)
class CaseNumber:
    node: str
    day: date
    seq: int
    scope: str

    def __str__(self) -> str:
        return format_number(self.node, self.day, self.seq, self.scope)


def parse_number(text: str) -> CaseNumber:
    match = _NUMBER.match(text.strip().upper())
    if not match:
        raise ValidationError(_("{text} is not a case number.").format(text=text))
    node, day, z, seq = match.groups()
    try:
        parsed_day = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError as exc:
        raise ValidationError(_("{text} is not a case number.").format(text=text)) from exc
    return CaseNumber(node, parsed_day, int(seq), INQUIRY if z else CASE)
