"""A demo county: the bundled reference data and two townships with their staff.

青石镇 (QS) has the demo desk's own staff, posts and center settings (``windowdesk.demo``),
so a demo desk and the demo county tell the same story; 红星乡 (HX) has a smaller hall of
its own, whose staff codes start with ``hx.`` (staff codes are unique in the county).
Every account's password is ``demo123``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from windowdesk import demo as desk_demo
from windowdesk.core.errors import ValidationError
from windowdesk.county import reference
from windowdesk.county.models import Township
from windowdesk.i18n import _
from windowdesk.services.accounts import hash_password

QS = ("QS", "青石镇")
HX = ("HX", "红星乡")
# (code, name, role, [(window, post)]) — three clerks carry the nine windows (一人多岗)
HX_STAFF = [
    ("hx.wanggang", "王刚", "clerk", [("MZ", "A"), ("CL", "A"), ("TY", "A"), ("SB", "B"), ("YB", "B")]),
    ("hx.liuxiu", "刘秀", "clerk", [("SB", "A"), ("YB", "A"), ("WJ", "A"), ("MZ", "B"), ("CL", "B")]),
    ("hx.chenqiang", "陈强", "clerk", [("GT", "A"), ("NY", "A"), ("SF", "A"), ("TY", "B")]),
    ("hx.yangzhi", "杨志", "supervisor", []),
    ("hx.admin", "系统管理员", "admin", []),
    ("hx.daiban01", "马桂兰", "agent", [("MZ", None), ("SB", None), ("YB", None), ("CL", None)]),
]
HX_CENTER = {
    "office_name": "红星乡便民服务中心",
    "seal_name": "示范县红星乡人民政府便民服务中心专用章",
    "address": "示范县红星乡红星路16号",
    "phone": "0736-7315200",
    "supervision_phone": "0736-7315345、12345",
    "hours": "周一至周五 8:30—12:00，14:30—17:30（法定节假日除外）",
    "reconsideration_body": "示范县人民政府",
    "reconsideration_days": 60,
    "court": "示范县人民法院",
    "litigation_months": 6,
    "supplement_days": 15,
}


@dataclass(frozen=True)
class DemoTownship:
    code: str
    name: str
    staff: int


def qs_staff() -> list[tuple[str, str, str, list[tuple[str, str | None]]]]:
    """The demo desk's staff, each window with the post ``windowdesk.demo.POSTS`` gives."""
    def post(code: str, window: str) -> str | None:
        a, b = desk_demo.POSTS.get(window, (None, None))
        return "A" if a == code else "B" if b == code else None

    return [(code, name, role, [(w, post(code, w)) for w in windows])
            for code, name, role, windows in desk_demo.STAFF]


def build_demo_county(session: Session, *, now: datetime | None = None) -> list[DemoTownship]:
    """Fill an empty county with the demo (the caller commits); refuses a county that
    already has either demo township."""
    now = now or datetime.now(timezone.utc)
    for code, name in (QS, HX):
        if session.get(Township, code) is not None:
            raise ValidationError(_(
                "The county already has township {code} ({name}): the demo county is built only once, "
                "in a county without it."
            ).format(code=code, name=name))
    reference.load_bundled(session, now=now)
    center = dict(desk_demo.CENTER)
    built = []
    for (code, name), staff, settings in ((QS, qs_staff(), {"center": center}),
                                          (HX, HX_STAFF, {"center": HX_CENTER})):
        reference.add_township(session, code, name, now=now)
        for staff_code, staff_name, role, windows in staff:
            reference.add_staff(session, code, staff_code, staff_name, role, windows,
                                hash_password(desk_demo.DEMO_PASSWORD), now=now)
        reference.set_settings(session, code, settings, now=now)
        built.append(DemoTownship(code, name, len(staff)))
    return built
