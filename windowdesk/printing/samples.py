"""Example sheets of every form, made by hand (no database): for checking templates, the
tests and the benchmark. ``long=True`` gives the worst case a clerk may meet: a 40-character
item name, a 30-character applicant name, 25 materials with long notes, a long window name."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from windowdesk.printing.sheets import (
    AcceptanceNotice, Applicant, BookLine, BookTotals, CaseHeader, CenterInfo, FormKind, MaterialLine,
    OneTimeNotice, PrintMark, RefusalNotice, RegistrationBook, SatisfactionSlip, ServiceGuide,
)

CENTER = CenterInfo(
    office_name="石门镇便民服务中心",
    seal_name="石门县石门镇人民政府便民服务中心专用章",
    address="石门县石门镇人民路88号便民服务中心一楼",
    phone="0736-5321000",
    supervision_phone="0736-5321100",
    hours="周一至周五 8:30—12:00，14:30—17:30（法定节假日除外）",
    reconsideration_body="石门县人民政府",
    reconsideration_days=60,
    court="石门县人民法院",
    litigation_months=6,
)
APPLICANT = Applicant("李秀兰", "居民身份证", "11010519491231002X", "13800138000", "石门镇石门村三组")
CASE = CaseHeader("LJ03-20260302-0001", "MZ-001", "最低生活保障申请", "承诺件", APPLICANT, date(2026, 3, 2),
                  "民政窗口", "张敏", "窗口")
MATERIALS = (
    MaterialLine("最低生活保障申请表", True, 0),
    MaterialLine("居民身份证", True, 1),
    MaterialLine("户口簿", True, 1, notes="户主页及本人页"),
    MaterialLine("家庭经济状况核查授权书", True, 0, notes="家庭成员均需签字"),
)

LONG_ITEM = "乡村建设规划许可证核发（农村村民住宅建设、改建、扩建及附属设施建设）审批事项办理"
LONG_NAME = "阿卜杜热合曼·买买提依明·艾力·库尔班江·吐尔逊·阿不都克力"
LONG_APPLICANT = Applicant(LONG_NAME, "统一社会信用代码", "91430111MA4L16JQ9B", "0731-84112233转8001",
                           "湖南省常德市石门县石门镇石门村第三村民小组二十八号附一号（原石门村小学旁）")
LONG_CASE = CaseHeader("LJ03-20260302-0001", "GT-0123-4567-8901-2345", LONG_ITEM, "承诺件", LONG_APPLICANT,
                       date(2026, 3, 2), "国土与城建窗口（一人多岗：农经、林业、水利）", "欧阳·建国", "代办")
LONG_MATERIALS = tuple(
    MaterialLine(f"材料{i:02d}：申请人及共同生活家庭成员的居民身份证、户口簿、婚姻状况证明"[:8 + i],
                 original=i % 2 == 0, copies=i % 4, required=i % 3 != 0,
                 notes="需加盖村（居）民委员会公章，并由经办人签字确认；" * (1 + i % 3) if i % 5 else "")
    for i in range(1, 26)
)
REPRINT = PrintMark(reprint=True, printed_at=datetime(2026, 11, 23, 15, 4))


def acceptance(*, long: bool = False, **changes) -> AcceptanceNotice:
    sheet = AcceptanceNotice(
        center=CENTER, case=LONG_CASE if long else CASE, materials=LONG_MATERIALS if long else MATERIALS,
        accepted_on=date(2026, 3, 2), deemed=False, limit_days=20, statutory_days=30,
        due_date=date(2026, 3, 30), contact_phone="0736-5321001", issued_on=date(2026, 3, 2))
    return replace(sheet, **changes)


def one_time_notice(*, long: bool = False, **changes) -> OneTimeNotice:
    sheet = OneTimeNotice(
        center=CENTER, case=LONG_CASE if long else CASE,
        missing=LONG_MATERIALS if long else (
            MaterialLine("户口簿", True, 1, notes="户主页及本人页"),
            MaterialLine("家庭经济状况核查授权书", True, 0, notes="家庭成员均需签字，并按手印"),
            MaterialLine("残疾人证", False, 1, required=False, notes="家庭成员有残疾的提供")),
        additions=("申请表第三栏“家庭收入”填写不完整，请补充填写。",),
        conditions=("具有本镇户籍的城乡居民；", "家庭人均收入低于当地最低生活保障标准；", "家庭财产状况符合规定。"),
        where="石门镇便民服务中心民政窗口（人民路88号一楼）", bring_by=date(2026, 3, 16),
        contact_phone="0736-5321001", issued_on=date(2026, 3, 2))
    return replace(sheet, **changes)


def refusal(*, long: bool = False, **changes) -> RefusalNotice:
    sheet = RefusalNotice(
        center=CENTER, case=LONG_CASE if long else CASE, refused_on=date(2026, 3, 3),
        reasons="申请人户籍不在本镇，且未在本镇连续居住满一年，该申请事项依法不属于本中心受理范围。",
        basis="《社会救助暂行办法》第十一条；《湖南省最低生活保障工作规程》第九条。",
        redirect="申请人户籍所在地乡镇人民政府（街道办事处）")
    return replace(sheet, **changes)


def satisfaction(*, long: bool = False, **changes) -> SatisfactionSlip:
    sheet = SatisfactionSlip(center=CENTER, case=LONG_CASE if long else CASE, result="准予",
                             completed_on=date(2026, 3, 20))
    return replace(sheet, **changes)


def guide(*, long: bool = False, **changes) -> ServiceGuide:
    sheet = ServiceGuide(
        center=CENTER, item_code="MZ-001", item_name=LONG_ITEM if long else "最低生活保障申请",
        item_type="行政给付", department="石门县民政局", window_name="民政窗口", kind="承诺件",
        conditions=("具有本镇户籍的城乡居民；", "家庭人均收入低于当地最低生活保障标准；", "家庭财产状况符合规定。"),
        materials=LONG_MATERIALS if long else MATERIALS,
        procedure=("申请：申请人向户籍所在地乡镇人民政府（便民服务中心）提出书面申请。", "受理：材料齐全的当场受理，不齐全的一次性告知。",
                   "审核：入户调查、民主评议、公示。", "审批：县民政局审批，结果告知申请人。"),
        statutory_days=30, committed_days=20, special_procedures=("公示 7个工作日（不计入办理时限）",),
        fees="不收费。", legal_basis=("《社会救助暂行办法》（国务院令第649号）",),
        location="石门镇便民服务中心民政窗口", hours=CENTER.hours, phone="0736-5321001",
        supervision_phone="0736-5321100", proxy_allowed=True, catalogue_version="石门县2026年第1版")
    return replace(sheet, **changes)


_ITEMS = (("最低生活保障申请", "20个工作日"), ("城乡居民基本养老保险参保登记", "即办"),
          ("乡村建设规划许可证核发（农村村民住宅建设）", "20个工作日"), ("高龄津贴申领", "22个工作日"),
          ("社会保障卡挂失", "1个工作日"))
_NAMES = ("李秀兰", "欧阳·建国", "王芳", "赵磊", "吴秀英", "阿卜杜热合曼·买买提依明")
_RESULTS = ("准予", "办理中", "不予受理", "准予", "补正中", "转办")
_REMARKS = ("", "代办", "特别程序：公示7个工作日（不计入办理时限）", "", "延期10个工作日", "")


def book_lines(count: int, first_day: date = date(2026, 3, 1)) -> tuple[BookLine, ...]:
    """``count`` varied lines of a registration book."""
    lines = []
    for i in range(count):
        day = first_day + timedelta(days=i * 30 // max(count, 1))
        item, limit = _ITEMS[i % len(_ITEMS)]
        result = _RESULTS[i % len(_RESULTS)]
        done = result == "准予"
        lines.append(BookLine(
            no=i + 1, case_number=f"LJ03-{day:%Y%m%d}-{i + 1:04d}",
            received_at=datetime(day.year, day.month, day.day, 8 + i % 9, (i * 7) % 60),
            applicant=_NAMES[i % len(_NAMES)], phone=f"138{i:08d}", item_name=item, limit=limit,
            due_date=None if limit == "即办" else day + timedelta(days=28), result=result,
            completed_on=day + timedelta(days=i % 20) if done else None, clerk=("张敏", "李华")[i % 2],
            remarks=_REMARKS[i % len(_REMARKS)]))
    return tuple(lines)


def book(lines: int = 120, **changes) -> RegistrationBook:
    rows = book_lines(lines)
    completed = sum(1 for line in rows if line.completed_on)
    refused = sum(1 for line in rows if line.result == "不予受理")
    immediate = sum(1 for line in rows if line.limit == "即办")
    sheet = RegistrationBook(
        center=CENTER, window_name="民政窗口", first_day=date(2026, 3, 1), last_day=date(2026, 3, 31),
        lines=rows, totals=BookTotals(cases=lines, immediate=immediate, committed=lines - immediate,
                                      completed=completed, on_time=completed, late=0, refused=refused,
                                      open=lines - completed - refused),
        printed_at=datetime(2026, 11, 23, 15, 4))
    return replace(sheet, **changes)


MAKERS = {FormKind.ACCEPTANCE: acceptance, FormKind.ONE_TIME_NOTICE: one_time_notice, FormKind.REFUSAL: refusal,
          FormKind.SATISFACTION: satisfaction, FormKind.GUIDE: guide}


def sample(kind: FormKind | str, *, long: bool = False, reprint: bool = False):
    """An example sheet of any form (the book with 120 lines, or 600 when ``long``);
    ``reprint`` marks the case forms as reprinted (the book and the guide have no mark)."""
    kind = FormKind(kind)
    if kind == FormKind.BOOK:
        return book(600 if long else 120)
    sheet = MAKERS[kind](long=long)
    return replace(sheet, mark=REPRINT) if reprint and hasattr(sheet, "mark") else sheet
