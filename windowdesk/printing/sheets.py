"""What each printed form shows: plain frozen data, the contract between the two sides.

``windowdesk.services.printing`` fills these from a desk's store (and records the print
in the case's log); ``windowdesk.printing.render`` lays them out with the declarative
templates in ``forms/`` and returns PDF bytes. Nothing here imports Qt or the database,
so the desk and the county side can both print.

Texts are final (already Chinese, already formatted where a form needs a particular
wording); dates are ``date``/``datetime`` and the templates decide how to write them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class FormKind(StrEnum):
    """The printed forms, by the names the command line uses."""

    BOOK = "book"  # 窗口服务事项受理登记册
    ACCEPTANCE = "acceptance"  # 事项受理通知单
    ONE_TIME_NOTICE = "one-time-notice"  # 一次性告知书
    REFUSAL = "refusal"  # 不予受理告知书
    SATISFACTION = "satisfaction"  # 事项办理群众满意情况反馈单
    GUIDE = "guide"  # 办事指南


@dataclass(frozen=True)
class CenterInfo:
    """The center's own details, edited by an administrator (center settings)."""

    office_name: str  # 某某镇便民服务中心
    seal_name: str  # the wording of the seal, e.g. 某某镇人民政府便民服务中心专用章
    address: str
    phone: str  # the center's contact phone
    supervision_phone: str  # 监督投诉电话
    hours: str  # 办公时间, e.g. 周一至周五 8:30—12:00，14:30—17:30（法定节假日除外）
    reconsideration_body: str  # 行政复议机关, e.g. 某某县人民政府
    reconsideration_days: int  # calendar days to apply for 行政复议 (行政复议法: 60)
    court: str  # e.g. 某某县人民法院
    litigation_months: int  # months to bring 行政诉讼 (行政诉讼法 Art. 46: 6)
    supplement_days: int = 0  # working days a one-time notice gives to bring the materials (0: none stated)


@dataclass(frozen=True)
class PrintMark:
    """A first print, or a reprint (补打) with when it was reprinted."""

    reprint: bool = False
    printed_at: datetime | None = None  # local time of this print


@dataclass(frozen=True)
class Applicant:
    name: str
    id_type: str  # shown label, e.g. 居民身份证 / 统一社会信用代码 / "" when none
    id_number: str
    phone: str
    address: str


@dataclass(frozen=True)
class MaterialLine:
    """One material as a form lists it."""

    name: str
    original: bool  # the original is asked for / was seen
    copies: int  # copies asked for / received (0: none)
    required: bool = True
    notes: str = ""  # specification: 加盖公章, 近期免冠照片 …


@dataclass(frozen=True)
class CaseHeader:
    """What every case form repeats: the case, the item, the applicant, who handled it."""

    case_number: str
    item_code: str
    item_name: str
    item_kind: str  # 即办件 / 承诺件
    applicant: Applicant
    received_on: date
    window_name: str  # the window that took the step the form records (accepted, refused …)
    clerk_name: str  # the clerk who took it
    channel: str  # 窗口 / 代办 / 电话 / 网上
    licensing: bool = False  # a 行政许可 item: the 行政许可法 applies directly, not by analogy


@dataclass(frozen=True)
class AcceptanceNotice:
    """《事项受理通知单》."""

    center: CenterInfo
    case: CaseHeader
    materials: tuple[MaterialLine, ...]  # as received
    accepted_on: date
    deemed: bool  # deemed accepted (行政许可法 Art. 32: no notice within 5 working days)
    limit_days: int  # committed limit, working days
    statutory_days: int
    due_date: date  # committed completion date
    contact_phone: str  # the window's / center's phone for this case
    issued_on: date
    mark: PrintMark = field(default_factory=PrintMark)
    after_supplement: bool = False  # accepted (or deemed) from the day the last supplement came

    # How the acceptance came about: each way has its own wording on the notice.
    @property
    def on_complete_materials(self) -> bool:
        """Accepted with everything there at receipt."""
        return not self.deemed and not self.after_supplement

    @property
    def accepted_after_supplement(self) -> bool:
        """Accepted once the one-time notice's materials came."""
        return not self.deemed and self.after_supplement

    @property
    def deemed_on_receipt(self) -> bool:
        """No notice within five working days of receipt (Art. 32)."""
        return self.deemed and not self.after_supplement

    @property
    def deemed_after_supplement(self) -> bool:
        """No decision within five working days of the last supplement."""
        return self.deemed and self.after_supplement


@dataclass(frozen=True)
class OneTimeNotice:
    """《一次性告知书》: everything still needed, in one go."""

    center: CenterInfo
    case: CaseHeader
    missing: tuple[MaterialLine, ...]
    additions: tuple[str, ...]  # free-text points the clerk added
    conditions: tuple[str, ...]  # the item's 办理条件
    where: str  # where to bring them (center address and window)
    bring_by: date | None  # by when, when the center sets one
    contact_phone: str
    issued_on: date  # the day the notice was given
    notice_number: int = 1  # 1 for the notice; a later one only repeats what is outstanding
    mark: PrintMark = field(default_factory=PrintMark)


@dataclass(frozen=True)
class RefusalNotice:
    """《不予受理告知书》."""

    center: CenterInfo
    case: CaseHeader
    refused_on: date
    reasons: str
    basis: str  # legal or policy basis
    redirect: str  # where to apply instead ("" when the matter is not another body's)
    mark: PrintMark = field(default_factory=PrintMark)


@dataclass(frozen=True)
class SatisfactionSlip:
    """《事项办理群众满意情况反馈单》, with a tear-off part that stays with the case."""

    center: CenterInfo
    case: CaseHeader
    result: str  # 准予 / 不予 / 办理中 …, as the slip summarises it
    completed_on: date | None
    levels: tuple[str, ...] = ("非常满意", "满意", "基本满意", "不满意", "非常不满意")
    mark: PrintMark = field(default_factory=PrintMark)


@dataclass(frozen=True)
class BookLine:
    """One line of the registration book."""

    no: int
    case_number: str
    received_at: datetime  # local date and time received
    applicant: str
    phone: str
    item_name: str
    limit: str  # committed limit as written: 即办 / 20个工作日
    due_date: date | None
    result: str  # 准予 / 不予 / 不予受理 / 办理中 / 补正中 / 转办 / 撤回 …
    completed_on: date | None
    clerk: str
    remarks: str  # 超期, 延期10个工作日, 特别程序, 代办 …


@dataclass(frozen=True)
class BookTotals:
    cases: int
    immediate: int
    committed: int
    completed: int
    on_time: int
    late: int
    refused: int
    open: int
    withdrawn: int = 0
    overdue_open: int = 0  # still open and past the due date on the day printed


@dataclass(frozen=True)
class RegistrationBook:
    """《窗口服务事项受理登记册》 of a window (or the whole center) for a period."""

    center: CenterInfo
    window_name: str  # or 全部窗口
    first_day: date
    last_day: date
    lines: tuple[BookLine, ...]
    totals: BookTotals
    printed_at: datetime


@dataclass(frozen=True)
class ServiceGuide:
    """办事指南 of one item."""

    center: CenterInfo
    item_code: str
    item_name: str
    item_type: str  # 行政许可 / 行政给付 …
    department: str
    window_name: str
    kind: str  # 即办件 / 承诺件
    conditions: tuple[str, ...]
    materials: tuple[MaterialLine, ...]
    procedure: tuple[str, ...]
    statutory_days: int
    committed_days: int
    special_procedures: tuple[str, ...]  # "公示 7个工作日（不计入办理时限）"
    fees: str  # "不收费" when free
    legal_basis: tuple[str, ...]
    location: str
    hours: str
    phone: str
    supervision_phone: str
    proxy_allowed: bool
    catalogue_version: str
