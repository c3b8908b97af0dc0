"""A demo desk: the bundled catalogue, a center's windows and staff, and months of
realistic history written through the services, as the clerks would have written it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import DomainError
from windowdesk.core.identity import id_check_char
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import complete_materials
from windowdesk.core.projection import CaseState
from windowdesk.db.store import Store
from windowdesk.services import accounts, center, handling, intake, referrals, setup
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.common import Actor, load_case
from windowdesk.services.uow import FixedClock, UnitOfWork

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰建国建华志强春梅海燕红梅德胜文明淑珍凤英"
VILLAGES = ["石门村", "柳树湾村", "上坪村", "下坪村", "河东村", "青山村", "枣林村", "新民社区"]
AREA_CODES = ["431102", "431103", "431121", "431122"]  # a county's districts

# (code, name, role, windows) — a center of 14 posts run by a handful of people (一人多岗)
STAFF = [
    ("zhangmin", "张敏", "clerk", ["MZ", "CL"]),
    ("lihua", "李华", "clerk", ["MZ", "TY"]),
    ("wangfang", "王芳", "clerk", ["SB", "YB"]),
    ("chenjie", "陈杰", "clerk", ["YB", "SB"]),
    ("liuyang", "刘洋", "clerk", ["WJ"]),
    ("zhaolei", "赵磊", "clerk", ["GT", "NY"]),
    ("sunli", "孙丽", "clerk", ["NY", "GT"]),
    ("zhoutao", "周涛", "clerk", ["SF", "TY", "CL"]),
    ("huangjun", "黄军", "supervisor", []),
    ("admin", "系统管理员", "admin", []),
    ("daiban01", "吴秀英", "agent", ["MZ", "SB", "YB", "CL"]),
]
# Every demo account signs in with this password (see the README).
DEMO_PASSWORD = "demo123"
# AB岗: window -> (A clerk, B clerk)
POSTS = {
    "MZ": ("zhangmin", "lihua"), "SB": ("wangfang", "chenjie"), "YB": ("chenjie", "wangfang"),
    "GT": ("zhaolei", "sunli"), "NY": ("sunli", "zhaolei"), "TY": ("lihua", "zhoutao"),
    "CL": ("zhoutao", "zhangmin"), "WJ": ("liuyang", None), "SF": ("zhoutao", None),
}
AGENT = "daiban01"
# The center settings printed on the forms: the catalogue's 青石镇 in its 示范县.
CENTER = {
    "office_name": "青石镇便民服务中心",
    "seal_name": "示范县青石镇人民政府便民服务中心专用章",
    "address": "示范县青石镇青石大道88号",
    "phone": "0736-7212300",
    "supervision_phone": "0736-7212345、12345",
    "hours": "周一至周五 8:30—12:00，14:30—17:30（法定节假日除外）",
    "reconsideration_body": "示范县人民政府",
    "reconsideration_days": 60,
    "court": "示范县人民法院",
    "litigation_months": 6,
    "supplement_days": 15,
}


@dataclass
class DemoSummary:
    path: str
    node: str
    start: date
    end: date
    cases: int = 0
    inquiries: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    skipped: int = 0  # actions the rules refused during the simulation


def _person(rng: random.Random) -> ApplicantInput:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 60))
    body = f"{rng.choice(AREA_CODES)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
    phone = f"1{rng.choice('3589')}{rng.randrange(0, 10**9):09d}"
    return ApplicantInput(name, body + id_check_char(body), phone=phone, address=rng.choice(VILLAGES))



class _Simulation:
    def __init__(self, store: Store, end: date, months: int, seed: int):
        self.store = store
        self.rng = random.Random(seed)
        self.minutes = random.Random(seed + 1)  # the time of day of each visit (its own stream)
        self.end = end
        self.start = end - timedelta(days=30 * months)
        self.clock = FixedClock(datetime.combine(self.start, time(1, 30), timezone.utc))
        self.catalogue = Catalogue.bundled()
        self.clerks_for: dict[str, list[str]] = {}
        for code, _name, role, windows in STAFF:
            if role == "clerk":
                for w in windows:
                    self.clerks_for.setdefault(w, []).append(code)
        self.open: list[str] = []  # case ids still being carried
        self.late: dict[str, int] = {}  # case id -> calendar days it will run past its due date
        self.people = [_person(self.rng) for _ in range(160)]
        self.summary = DemoSummary(str(store.path), store.node_code, self.start, end)

    def actor(self, window: str) -> Actor:
        return Actor(self.rng.choice(self.clerks_for[window]), window)

    def run(self, action, *args, **kwargs):
        try:
            with UnitOfWork(self.store, self.clock) as uow:
                return action(uow, *args, **kwargs)
        except DomainError:
            self.summary.skipped += 1
            return None

    def this_morning(self) -> None:
        """Every A clerk accepted one committed application this morning, so each queue
        (and the B clerk's, for a window whose A clerk is away) has fresh work in it."""
        catalogue = Catalogue.bundled().items
        for window, (a_clerk, _b) in POSTS.items():
            item = next((i for i in catalogue if i.window == window and not i.is_immediate), None)
            if item is None:
                continue
            actor = Actor(a_clerk, window)
            received = self.run(intake.receive_case, actor, item_code=item.code, applicant=self.rng.choice(self.people),
                                materials=complete_materials(item))
            if received is not None:
                self.run(intake.accept_case, actor, received.case.case_id)

    def village_handovers(self) -> None:
        """The village agent's last visits: cases collected and handed over, the older
        ones already taken over at the township, the newest still in its incoming list."""
        agent_windows = next(w for c, _n, _r, w in STAFF if c == AGENT)
        items = [i for i in Catalogue.bundled().items if i.proxy_allowed and i.window in agent_windows]
        for k in range(4):
            item = items[(k * 3) % len(items)]
            agent = Actor(AGENT, item.window)
            received = self.run(intake.receive_case, agent, item_code=item.code, applicant=self.rng.choice(self.people),
                                materials=complete_materials(item), channel="proxy")
            if received is None:
                continue
            case_id = received.case.case_id
            self.run(referrals.hand_over_case, agent, case_id, note="材料已核对原件，复印件附后")
            if k < 2:  # taken over at the township; the other two are still waiting
                self.run(referrals.accept_handover, Actor(POSTS[item.window][0], item.window), case_id)

    def day(self, today: date) -> None:
        self.clock.current = datetime.combine(today, time(1, 30), timezone.utc)
        self.run(intake.sweep_deemed_acceptance)
        for _ in range(self.rng.randint(2, 6)):
            self.clock.current += timedelta(minutes=self.minutes.randint(4, 40))  # the next visitor
            self.intake()
        # the afternoon's work on the cases in hand (14:30 at the center, or after the last visitor)
        self.clock.current = max(self.clock.current, datetime.combine(today, time(6, 30), timezone.utc))
        for case_id in list(self.open):
            self.progress(case_id, today)

    def intake(self) -> None:
        rng = self.rng
        item = rng.choice(self.catalogue.items)
        person = rng.choice(self.people)
        actor = self.actor(item.window)
        if rng.random() < 0.08:  # a question that is answered, referred, or becomes a case
            logged = self.run(intake.log_inquiry, actor, question=f"咨询{item.name}需要哪些材料", applicant=person,
                              item_code=item.code)
            if logged:
                self.summary.inquiries += 1
                if rng.random() < 0.7:
                    self.run(intake.answer_inquiry, actor, logged.case.case_id,
                             f"已一次性告知{item.name}的办理条件、材料和时限")
            return
        materials = complete_materials(item)
        channel = "proxy" if item.proxy_allowed and rng.random() < 0.12 else "window"
        if item.is_immediate:
            done = self.run(intake.complete_on_the_spot, actor, item_code=item.code, applicant=person,
                            materials=materials, channel=channel)
            if done:
                self.summary.cases += 1
                if rng.random() < 0.6:
                    self.rate(done.case)
            return
        if rng.random() < 0.3 and len(materials) > 1:
            materials = materials[: rng.randint(1, len(materials) - 1)]
        # 首问负责: now and then the applicant first goes to another window, which receives
        # the application and refers it to the item's own window
        misdirected = channel == "window" and rng.random() < 0.04
        if misdirected:
            first = rng.choice([w.code for w in self.catalogue.windows if w.code != item.window])
            actor = self.actor(first)
        received = self.run(intake.receive_case, actor, item_code=item.code, applicant=person,
                            materials=materials, channel=channel)
        if received is None:
            return
        self.summary.cases += 1
        case = received.case
        if not misdirected and rng.random() < 0.04:
            self.run(intake.refuse_case, actor, case.case_id, reason="申请人户籍不在本镇，不属于本中心受理范围",
                     basis="本事项办事指南“受理条件”：由申请人户籍所在地乡镇受理",
                     redirect="申请人户籍所在地乡镇人民政府（便民服务中心）")
            return
        if misdirected:
            window_name = next(w.name for w in self.catalogue.windows if w.code == item.window)
            self.run(referrals.refer_case, actor, case.case_id, to_window=item.window,
                     reason=f"{item.name}由{window_name}办理，已告知申请人并转交")
        elif case.missing_materials:
            self.run(intake.issue_notice, actor, case.case_id)
        elif rng.random() < 0.97:
            self.run(intake.accept_case, actor, case.case_id)
        if rng.random() < 0.08:
            self.late[case.case_id] = rng.randint(1, 40)
        self.open.append(case.case_id)

    def rate(self, case: CaseState) -> None:
        level = self.rng.choices([5, 4, 3, 2, 1], weights=[70, 20, 6, 3, 1])[0]
        comment = "" if level >= 3 else "等候时间较长"
        self.run(handling.evaluate_case, Actor(case.holder_clerk, case.holder_window), case.case_id,
                 level=level, comment=comment)

    def progress(self, case_id: str, today: date) -> None:
        rng = self.rng
        with UnitOfWork(self.store, self.clock) as uow:
            case = load_case(uow, case_id)
        actor = Actor(case.holder_clerk, case.holder_window)
        if case.status is Status.AWAITING_SUPPLEMENT and rng.random() < 0.3:
            item = self.catalogue.item(case.item_code)
            supplied = [m for m in complete_materials(item) if m.code in case.missing_materials]
            self.run(intake.record_supplement, actor, case_id, materials=supplied)
        elif case.status is Status.RECEIVED and rng.random() < 0.6:
            self.run(intake.accept_case, actor, case_id)
        elif case.status is Status.REFERRED and rng.random() < 0.3:
            taker = Actor(rng.choice(self.clerks_for[case.referral_to_window]), case.referral_to_window)
            if rng.random() < 0.8:
                self.run(referrals.accept_referral, taker, case_id)
            else:
                self.run(referrals.decline_referral, taker, case_id, reason="原件需由首问窗口核对后再转交")
        elif case.status is Status.IN_PROGRESS:
            self.carry(case, actor, today)
        elif case.status is Status.SUSPENDED and rng.random() < 0.15:
            self.run(handling.resume_case, actor, case_id)
        elif case.status is Status.COMPLETED and rng.random() < 0.5:
            self.run(handling.deliver_case, actor, case_id, method=rng.choice(["pickup", "mail", "agent"]))
        elif case.status is Status.DELIVERED:
            if rng.random() < 0.6:
                self.rate(case)
            self.open.remove(case_id)
        elif not case.status.is_open and case.status is not Status.COMPLETED:
            self.open.remove(case_id)

    def carry(self, case: CaseState, actor: Actor, today: date) -> None:
        rng = self.rng
        used = (today - case.accepted_on).days if case.accepted_on else 0
        if rng.random() < 0.03 and not case.suspensions:
            self.run(handling.suspend_case, actor, case.case_id, procedure="公示", reason="依规定公示7日",
                     expected_days=5)
        elif rng.random() < 0.01 and not case.extension_days:
            self.run(handling.extend_case, actor, case.case_id, days=5, approver="分管副镇长 刘建国",
                     reason="需入户核查家庭经济状况")
        elif rng.random() < 0.005:
            self.run(handling.withdraw_case, actor, case.case_id, reason="申请人主动撤回申请")
        elif case.case_id in self.late:  # this one runs late (and may still be overdue today)
            if case.due_date and today > case.due_date + timedelta(days=self.late[case.case_id]):
                self.run(handling.complete_case, actor, case.case_id, result="granted")
        elif case.due_date and (today >= case.due_date - timedelta(days=rng.randint(0, 20)) or used > 10):
            if rng.random() < 0.9:
                result = "granted" if rng.random() < 0.9 else "denied"
                self.run(handling.complete_case, actor, case.case_id, result=result,
                         reason="" if result == "granted" else "经审核不符合条件")


def build_demo(store: Store, *, end: date, months: int = 6, seed: int = 7) -> DemoSummary:
    """Fill a new desk with ``months`` of history ending on ``end``."""
    sim = _Simulation(store, end, months, seed)
    with UnitOfWork(store, sim.clock) as uow:
        setup.install_bundled_reference_data(uow)
        for code, name, role, windows in STAFF:
            setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
        for code, *_rest in STAFF:
            accounts.set_password(uow, code, DEMO_PASSWORD)
        for window, (a, b) in POSTS.items():
            accounts.assign_posts(uow, window, a=a, b=b)
        center.set_center_info(uow, "admin", CENTER)
    day = sim.start
    while day <= end:
        with UnitOfWork(store, sim.clock) as uow:
            workday = uow.calendar.is_workday(day)
        if workday:
            sim.day(day)
        day += timedelta(days=1)
    sim.this_morning()
    sim.village_handovers()
    with UnitOfWork(store, sim.clock) as uow:
        accounts.set_presence(uow, "zhaolei", "out")  # 外出: his B clerk 孙丽 carries 国土 today
        rows = uow.execute("SELECT status, count(*) FROM cases GROUP BY status").all()
    sim.summary.by_status = {status: count for status, count in rows}
    return sim.summary
