"""One-time notice (一次性告知制) of everything an application still needs.

The notice lists every required material that was not received in the form the
checklist asks for (original and/or the number of copies), any received material the
clerk found defective, and free-text additions. Once a notice has been given, a later
notice may repeat what is still outstanding but may not ask for anything new — the
abuse the rule exists to stop — unless a supervisor overrides it with a reason, which
is recorded and counted as a violation. A notice must come on the spot or within five
working days of receipt (行政许可法 Art. 32); after that the case is deemed accepted
from the day of receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping

from windowdesk.core.calendar import WorkCalendar
from windowdesk.core.catalogue import Material, ServiceItem
from windowdesk.core.errors import RuleViolation, ValidationError
from windowdesk.i18n import _

NOTICE_WORKDAYS = 5  # 行政许可法 Art. 32


@dataclass(frozen=True)
class ReceivedMaterial:
    code: str
    original: bool = False
    copies: int = 0

    def to_dict(self) -> dict:
        return {"original": self.original, "copies": self.copies}

    @classmethod
    def as_asked(cls, material: Material) -> "ReceivedMaterial":
        """The material received in exactly the form the checklist asks for."""
        return cls(material.code, material.original, material.copies if material.copy else 0)

    @classmethod
    def from_dict(cls, code: str, data: Mapping) -> "ReceivedMaterial":
        return cls(code, bool(data.get("original", False)), int(data.get("copies", 0)))


def merge_received(
    existing: Mapping[str, ReceivedMaterial], new: Iterable[ReceivedMaterial]
) -> dict[str, ReceivedMaterial]:
    """What has been received in all, after a further delivery of materials."""
    merged = dict(existing)
    for rec in new:
        old = merged.get(rec.code)
        if old is None:
            merged[rec.code] = rec
        else:
            merged[rec.code] = ReceivedMaterial(
                rec.code, old.original or rec.original, max(old.copies, rec.copies)
            )
    return merged


def complete_materials(item: ServiceItem) -> list[ReceivedMaterial]:
    """Every required material of ``item``, as asked: an application with nothing missing."""
    return [ReceivedMaterial.as_asked(m) for m in item.materials if m.required]


def check_received(item: ServiceItem, received: Iterable[ReceivedMaterial]) -> list[ReceivedMaterial]:
    """Validate a list of received materials against the item's checklist."""
    out = []
    seen = set()
    for rec in received:
        item.material(rec.code)  # raises NotFoundError naming the code
        if rec.code in seen:
            raise ValidationError(
                _("Material {code} is listed twice.").format(code=rec.code)
            )
        if rec.copies < 0 or (not rec.original and rec.copies == 0):
            raise ValidationError(
                _("Material {code}: say whether the original was seen or how many copies were received.").format(
                    code=rec.code
                )
            )
        seen.add(rec.code)
        out.append(rec)
    return out


def satisfies(item: ServiceItem, rec: ReceivedMaterial | None, code: str) -> bool:
    if rec is None:
        return False
    material = item.material(code)
    if material.original and not rec.original:
        return False
    if material.copy and rec.copies < material.copies:
        return False
    return True


def missing_materials(item: ServiceItem, received: Mapping[str, ReceivedMaterial]) -> tuple[str, ...]:
    """Codes of required materials not received in the form asked, in checklist order."""
    return tuple(
        m.code for m in item.materials if m.required and not satisfies(item, received.get(m.code), m.code)
    )


@dataclass(frozen=True)
class NoticeRequest:
    """What a notice asks for: material codes and free-text additions."""

    materials: tuple[str, ...]
    additions: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.materials and not self.additions


def build_notice(
    item: ServiceItem,
    received: Mapping[str, ReceivedMaterial],
    defective: Iterable[str] = (),
    additions: Iterable[str] = (),
) -> NoticeRequest:
    """A notice that lists every missing required material, plus what the clerk adds."""
    missing = list(missing_materials(item, received))
    for code in defective:
        item.material(code)
        if code not in missing:
            missing.append(code)
    order = {m.code: i for i, m in enumerate(item.materials)}
    texts = tuple(dict.fromkeys(t.strip() for t in additions if t and t.strip()))
    request = NoticeRequest(tuple(sorted(missing, key=order.__getitem__)), texts)
    if request.empty:
        raise ValidationError(
            _("Nothing is missing: a one-time notice must ask for at least one material or point.")
        )
    return request


def new_demands(first: NoticeRequest, later: NoticeRequest) -> NoticeRequest:
    """What ``later`` asks for that ``first`` did not."""
    return NoticeRequest(
        tuple(c for c in later.materials if c not in first.materials),
        tuple(t for t in later.additions if t not in first.additions),
    )


def check_later_notice(
    case_label: str,
    item: ServiceItem,
    first: NoticeRequest,
    later: NoticeRequest,
    override_reason: str | None,
) -> bool:
    """Refuse a later notice that asks for more, unless overridden.

    Returns ``True`` when the notice goes beyond the first one (an overridden violation).
    """
    extra = new_demands(first, later)
    if extra.empty:
        return False
    if override_reason and override_reason.strip():
        return True
    names = [item.material(c).name for c in extra.materials] + list(extra.additions)
    raise RuleViolation(
        _(
            "Case {case} already had its one-time notice; a later notice may not ask for "
            "anything new ({items}). Only a supervisor can override this, with a reason, "
            "and the override is recorded as a violation."
        ).format(case=case_label, items="、".join(names))
    )


def notice_deadline(cal: WorkCalendar, received_on: date) -> date:
    """The last day a one-time notice can be given for materials received on ``received_on``."""
    return cal.add_workdays(received_on, NOTICE_WORKDAYS)
