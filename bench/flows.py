"""One township's case history, built as events exactly as the services would write them.

No services are called per case: the payloads mirror ``windowdesk.services.intake``,
``handling`` and ``referrals`` key for key, due dates come from
``windowdesk.core.deadlines`` on the desk's calendar, HLC stamps are issued per node in
recording order, and each case's projection row is ``replay`` of its events.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect_right
from datetime import UTC, date, datetime, timedelta

from windowdesk.core.casenumber import format_number
from windowdesk.core.deadlines import Clock, Suspension, due_date, warn_date, workdays_used
from windowdesk.core.events import Event, EventType
from windowdesk.core.hlc import HLCStamp
from windowdesk.core.notices import ReceivedMaterial, build_notice, missing_materials, notice_deadline
from windowdesk.core.projection import replay
from windowdesk.db.codec import encode_time, event_to_row, state_to_row

from county import ITEM_WEIGHTS, People, clerks, node_code  # bench/, on sys.path as the script's folder

T = EventType
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
DAY_US, CST_US = 86_400_000_000, 8 * 3_600_000_000  # desks keep China time (UTC+8)
MS = 1000
BATCH = 20_000

REFUSALS = [
    ("申请人不符合申请条件：户籍不在本镇", "《社会救助暂行办法》第十一条", "请向户籍所在地乡镇人民政府申请"),
    ("申请事项不属于本机关职权范围", "《中华人民共和国行政许可法》第三十二条第一款第（二）项", "请向县政务服务中心相关窗口申请"),
    ("申请人已享受同类待遇，不得重复申领", "《社会救助暂行办法》第九条", ""),
]
DENIALS = ("经入户调查，家庭人均收入高于当地保障标准", "经现场核查，申请内容与实际情况不符", "经评议公示，群众有异议且查证属实")
ADDITIONS = ("村（居）委会出具的家庭情况说明", "近六个月的收入证明", "原件与复印件不一致处的情况说明")
REFERRALS = ("事项不属于本窗口职责，转至主办窗口", "申请人走错窗口，转至对应窗口办理")
DECLINES = ("材料不全，请首问窗口补充申请人联系方式后再转",)
EXTENSIONS = ("需进一步核实申请人家庭经济状况", "涉及多部门会商，时限内无法办结")
WITHDRAWALS = ("申请人主动撤回申请", "申请人未在规定期限内补正材料，申请终止", "申请人情况发生变化，不再申请")
COMMENTS_GOOD = ("", "", "", "", "服务热情", "办事效率高", "一次就办好了")
COMMENTS_BAD = ("等待时间太长", "工作人员态度不好", "要求的材料太多", "来回跑了好几趟")
RATINGS = ((5, 4, 3, 2, 1), (80, 15.5, 3, 1, 0.5))
RATINGS_POOR = ((5, 4, 3, 2, 1), (50, 25, 11, 8, 6))


def when(t_us: int) -> datetime:
    return EPOCH + timedelta(microseconds=t_us)


class Days:
    """The desk's calendar with memoised deadline arithmetic (the same core functions)."""

    def __init__(self, cal, yellow_percent: int):
        self.cal, self.yellow = cal, yellow_percent
        self._memo: dict = {}

    def _get(self, key, compute):
        value = self._memo.get(key)
        if value is None:
            value = self._memo[key] = compute()
        return value

    def add(self, d: date, n: int) -> date:
        return self._get(("a", d, n), lambda: date.fromordinal(self.cal.add_workdays(d, n).toordinal()))

    def between(self, a: date, b: date) -> int:
        return self._get(("b", a, b), lambda: int(self.cal.workdays_between(a, b)))

    def notice(self, d: date) -> str:
        return self._get(("n", d), lambda: notice_deadline(self.cal, d).isoformat())

    def used(self, clock: Clock, d: date) -> int:
        return self._get(("u", clock, d), lambda: int(workdays_used(self.cal, clock, d)))

    def fields(self, clock: Clock) -> tuple[dict, date | None]:
        """``deadline_fields`` of the services, and the due date as a plain date."""
        def compute():
            due = due_date(self.cal, clock)
            warn = warn_date(self.cal, clock, self.yellow)
            return ({"due_date": due.isoformat() if due else None,
                     "warn_date": warn.isoformat() if warn else None,
                     "due_assumed": bool(getattr(due, "warning", None))},
                    date.fromordinal(due.toordinal()) if due else None)
        return self._get(("f", clock), compute)


class _Cut(Exception):
    """The case's next step falls after the end of the generated history."""


class Case:
    __slots__ = ("accepted", "channel", "clerk", "day", "events", "ext", "limit", "susp", "t", "tw", "window")

    def __init__(self, tw: Township, window: str):
        self.tw, self.events, self.day, self.t = tw, [], None, 0
        self.window, self.clerk = window, tw.clerk_of(window)
        self.accepted, self.limit, self.ext, self.susp = None, 0, 0, []

    def move_to(self, window: str) -> None:
        self.window, self.clerk = window, self.tw.clerk_of(window)

    def emit(self, typ, payload: dict, day: date | None = None, *, gap=(20_000_000, 240_000_000),
             actor: str | None = None) -> dict:
        day = day or self.day
        assert self.day is None or day >= self.day, "a case's events go forward in time"
        if day > self.tw.end:
            raise _Cut
        if day == self.day:
            self.t += self.tw.rng.randint(*gap)
        else:
            self.t = self.tw.work_time(day)
        self.day = day
        self.events.append((self.t, typ, payload, actor or self.clerk, self.window))
        return payload

    def clock(self) -> Clock:
        return Clock(self.accepted, self.limit, self.ext, tuple(Suspension(s, e) for s, e in self.susp))


class Township:
    """Everything that happened at one township center, node ``T01`` … ``T20``."""

    def __init__(self, index: int, cases: int, seed: int, days: Days, catalogues, start: date, end: date):
        self.index, self.node, self.cases = index, node_code(index), cases
        self.rng = rng = random.Random(f"{seed}:{self.node}")
        self.days, self.start, self.end = days, start, end
        prefix = self.node + "-"
        self.versions = [(v, cat.published, {i.code[len(prefix):]: i for i in cat.items if i.code.startswith(prefix)})
                         for v, cat in catalogues]
        self.windows = [w.code for w in catalogues[-1][1].windows if w.code.startswith(prefix)]
        self.staff, self.posts = clerks(rng, index, self.windows)
        self.director = self.staff[-1]["name"]
        self.people = People(rng, index, cases // 2)
        self.codes = list(ITEM_WEIGHTS)
        self.cum = []
        for code in self.codes:
            self.cum.append((self.cum[-1] if self.cum else 0) + ITEM_WEIGHTS[code])

    # helpers ----------------------------------------------------------------------

    def clerk_of(self, window: str) -> str:
        a, b = self.posts[window]
        return a if self.rng.random() < 0.85 else b  # A post, or the B post standing in

    def work_time(self, day: date) -> int:
        rng = self.rng
        secs = rng.randint(30600, 43200) if rng.random() < 0.6 else rng.randint(52200, 63000)
        return (day.toordinal() - EPOCH_ORDINAL) * DAY_US - CST_US + secs * 1_000_000 + rng.randrange(1_000_000)

    def rating(self, c: Case, poor: bool = False) -> None:
        rng = self.rng
        level = rng.choices(*(RATINGS_POOR if poor else RATINGS))[0]
        comment = rng.choice(COMMENTS_BAD) if level <= 2 else rng.choice(COMMENTS_GOOD)
        c.emit(T.EVALUATED, {"level": level, "comment": comment, "rated_on": c.day.isoformat(),
                             "channel": "window", "bad": level <= 2})

    def receipt_days(self) -> list[date]:
        """Working days weighted by growth over the years, season and weekday."""
        days, weights, d = [], [], self.start
        season = (1.3, 0.8, 1.2, 1.0, 1.0, 0.9, 0.9, 0.9, 1.1, 1.0, 1.1, 1.2)
        while d <= self.end:
            if self.days.cal.is_workday(d):
                days.append(d)
                weights.append((1 + 0.08 * (d.year - self.start.year)) * season[d.month - 1]
                               * (1.25 if d.weekday() == 0 else 0.9 if d.weekday() >= 4 else 1.0))
            d += timedelta(days=1)
        return sorted(self.rng.choices(days, weights, k=self.cases))

    # the flows --------------------------------------------------------------------

    def one_case(self, d0: date) -> Case:
        rng = self.rng
        code = self.codes[bisect_right(self.cum, rng.random() * self.cum[-1])]
        version, _pub, items = next(v for v in reversed(self.versions) if d0 >= v[1])
        item = items[code]
        referral = rng.random() < 0.025
        home = item.window
        c = Case(self, rng.choice([w for w in self.windows if w != home]) if referral else home)
        c.limit = item.committed_limit
        applicant = self.people.pick_org() if code == "NY-QT-0001" and rng.random() < 0.3 else self.people.pick()
        r = rng.random()
        c.channel = ("window" if r < 0.84 else "online" if r < 0.90 else "phone" if r < 0.92
                     else "proxy" if item.proxy_allowed else "window")
        received: dict[str, ReceivedMaterial] = {}
        for m in item.materials:
            if m.required or rng.random() < 0.3:
                received[m.code] = ReceivedMaterial.as_asked(m)
        lacking = (0.025 if item.is_immediate else 0.2) > rng.random() and not referral
        if lacking:
            required = item.required_material_codes()
            for code_ in rng.sample(required, k=min(len(required), rng.choice((1, 1, 2)))):
                del received[code_]
        missing = list(missing_materials(item, received))
        c.emit(T.CASE_RECEIVED, {
            "case_number": None, "channel": c.channel,  # numbered in order of receipt by run()
            "item_code": item.code, "item_version": version, "item_name": item.name,
            "immediate": item.is_immediate, "limit_days": item.committed_limit,
            "statutory_days": item.statutory_limit, "applicant": applicant,
            "received_on": d0.isoformat(), "notice_deadline": self.days.notice(d0),
            "materials": {k: v.to_dict() for k, v in received.items()}, "missing": missing,
        }, d0)
        try:
            if referral:
                self.refer(c, home)
            if lacking:
                if not self.notice_and_supplements(c, item, received, missing):
                    return c
                self.accept(c, c.day, same_visit=True)
            elif rng.random() < (0.01 if item.is_immediate else 0.03):
                reason, basis, redirect = rng.choice(REFUSALS)
                c.emit(T.REFUSED, {"refused_on": c.day.isoformat(), "reason": reason, "basis": basis,
                                   "redirect": redirect})
                if rng.random() < 0.1:
                    self.rating(c, poor=True)
                return c
            elif not item.is_immediate and rng.random() < 0.005:
                self.deemed(c, d0)
            else:
                self.accept(c, c.day, same_visit=item.is_immediate or rng.random() < 0.9)
            if item.is_immediate:
                self.finish_immediate(c)
            else:
                self.carry(c, item)
        except _Cut:
            pass
        return c

    def refer(self, c: Case, home: str) -> None:
        rng = self.rng
        first = c.window
        offer = c.emit(T.REFERRAL_OFFERED, {"to_window": home, "reason": rng.choice(REFERRALS), "offered_at": None})
        offer["offered_at"] = encode_time(when(c.t))
        day = c.day if rng.random() < 0.7 else self.days.add(c.day, 1)
        if rng.random() < 0.15:
            c.window = home
            c.emit(T.REFERRAL_DECLINED, {"reason": DECLINES[0]}, day, actor=self.clerk_of(home))
            c.move_to(first)
            offer = c.emit(T.REFERRAL_OFFERED, {"to_window": home, "reason": rng.choice(REFERRALS), "offered_at": None})
            offer["offered_at"] = encode_time(when(c.t))
        c.move_to(home)
        taken = c.emit(T.REFERRAL_ACCEPTED, {"accepted_at": None}, day)
        taken["accepted_at"] = encode_time(when(c.t))

    def notice_and_supplements(self, c: Case, item, received: dict, missing: list) -> bool:
        """一次性告知 then 补正; False when the applicant never came back."""
        rng, days = self.rng, self.days
        additions = [rng.choice(ADDITIONS)] if rng.random() < 0.3 else []
        request = build_notice(item, received, (), additions)
        day = c.day if rng.random() < 0.85 else days.add(c.day, rng.randint(1, 3))
        c.emit(T.NOTICE_ISSUED, {"issued_on": day.isoformat(), "materials": list(request.materials),
                                 "additions": list(request.additions), "override": None}, day)
        if rng.random() < 0.07:
            day = days.add(day, rng.randint(20, 40))
            c.emit(T.WITHDRAWN, {"withdrawn_on": day.isoformat(), "reason": WITHDRAWALS[1]}, day)
            return False
        outstanding, points = list(request.materials), list(request.additions)
        parts = 2 if rng.random() < 0.15 and len(outstanding) + len(points) >= 2 else 1
        for part in range(parts):
            day = days.add(c.day, rng.randint(1, 8))
            supply = outstanding if part == parts - 1 else outstanding[:1]
            resolved = points if part == parts - 1 or not supply else []
            mats = {}
            for code in supply:
                m = item.material(code)
                mats[code] = ReceivedMaterial.as_asked(m).to_dict()
            c.emit(T.SUPPLEMENT_RECEIVED, {
                "received_on": day.isoformat(), "materials": mats, "satisfied": list(supply),
                "additions_resolved": list(resolved), "notice_deadline": days.notice(day)}, day)
            outstanding = [x for x in outstanding if x not in supply]
            points = [x for x in points if x not in resolved]
        return True

    def accept(self, c: Case, accepted_on: date, same_visit: bool, deemed: bool = False) -> None:
        day = c.day if same_visit else self.days.add(c.day, self.rng.randint(1, 2))
        c.accepted = accepted_on if (same_visit or deemed) else day
        fields, _due = self.days.fields(c.clock())
        gap = (1 * MS, 20 * MS) if same_visit else (60_000_000, 600_000_000)
        c.emit(T.ACCEPTED, {"accepted_on": c.accepted.isoformat(), "deemed": deemed,
                            "limit_days": c.limit, **fields}, day, gap=gap,
               actor="system" if deemed else None)

    def deemed(self, c: Case, d0: date) -> None:
        """Nobody acted within five working days: deemed accepted from receipt (Art. 32)."""
        touched = self.days.add(d0, self.rng.randint(6, 9))  # by the desk's daily sweep
        c.accepted = d0
        fields, _ = self.days.fields(c.clock())
        c.emit(T.ACCEPTED, {"accepted_on": d0.isoformat(), "deemed": True, "limit_days": c.limit,
                            **fields}, touched, actor="system")

    def finish_immediate(self, c: Case) -> None:
        rng = self.rng
        denied = rng.random() < 0.005
        c.emit(T.COMPLETED, {"completed_on": c.day.isoformat(), "result": "denied" if denied else "granted",
                             "reason": rng.choice(DENIALS) if denied else "",
                             "workdays_taken": self.days.used(c.clock(), c.day)}, gap=(1 * MS, 20 * MS))
        if rng.random() < 0.9:
            method = "pickup" if rng.random() < 0.8 else "electronic"
            c.emit(T.DELIVERED, {"delivered_on": c.day.isoformat(), "method": method})
        if rng.random() < 0.9:
            self.rating(c, poor=denied)

    def carry(self, c: Case, item) -> None:
        """办理: special procedures, extensions, completion, delivery and rating."""
        rng, days = self.rng, self.days
        _f, due = days.fields(c.clock())
        if rng.random() < 0.01:
            day = days.add(c.day, rng.randint(1, max(1, days.between(c.day, due))))
            c.emit(T.WITHDRAWN, {"withdrawn_on": day.isoformat(), "reason": rng.choice(WITHDRAWALS)}, day)
            return
        procedures = item.special_procedures
        if procedures and rng.random() < 0.6:
            for p in procedures[:1] if len(procedures) == 1 or rng.random() < 0.6 else procedures[:2]:
                start = days.add(c.day, rng.randint(1, max(1, days.between(c.day, due) // 2)))
                c.emit(T.SUSPENDED, {"start": start.isoformat(), "procedure": p.name,
                                     "reason": f"依法开展{p.name}，期间不计入办理时限",
                                     "expected_days": p.limit}, start)
                end = days.add(start, max(1, p.limit + rng.randint(-1, 2)))
                c.susp.append((start, end))
                fields, due = days.fields(c.clock())
                c.emit(T.RESUMED, {"end": end.isoformat(), **fields}, end)
        if rng.random() < 0.03 and days.between(c.day, due) >= 1:
            day = days.add(c.day, 1)
            extra = 10 if item.type.value == "licensing" else 5
            c.ext += extra
            fields, due = days.fields(c.clock())
            c.emit(T.EXTENDED, {"days": extra, "approver": self.director,
                                "reason": rng.choice(EXTENSIONS), **fields}, day)
        if due < self.end and (self.end - due).days < 60 and rng.random() < 0.12:
            return  # stalled: overdue now
        left = days.between(c.day, due)
        if rng.random() < 0.02:
            day = max(c.day, days.add(due, rng.randint(1, 6)))  # late
        else:
            day = days.add(c.day, 1 + int((left - 1) * rng.random() ** 1.6)) if left > 0 else c.day
        denied = rng.random() < 0.04
        c.emit(T.COMPLETED, {"completed_on": day.isoformat(), "result": "denied" if denied else "granted",
                             "reason": rng.choice(DENIALS) if denied else "",
                             "workdays_taken": days.used(c.clock(), day)}, day)
        delivered = rng.random() < 0.88
        if delivered:
            day = c.day if rng.random() < 0.6 else days.add(c.day, rng.randint(1, 5))
            r = rng.random()
            method = ("agent" if c.channel == "proxy" else "pickup" if r < 0.72 else "mail" if r < 0.8
                      else "electronic")
            c.emit(T.DELIVERED, {"delivered_on": day.isoformat(), "method": method}, day)
        if rng.random() < (0.8 if delivered else 0.15):
            self.rating(c, poor=denied)

    # output -----------------------------------------------------------------------

    def run(self):
        """Yield ``(table, rows)`` batches: events in HLC order, then cases and the rest."""
        rng, node = self.rng, self.node
        cases = [self.one_case(d0) for d0 in self.receipt_days()]
        cases.sort(key=lambda c: c.events[0][0])  # case numbers follow the order of receipt
        seen: dict[date, int] = {}
        for c in cases:
            received = c.events[0][2]
            d0 = date.fromisoformat(received["received_on"])
            seen[d0] = seen.get(d0, 0) + 1
            received["case_number"] = format_number(node, d0, seen[d0])
        # one HLC per node, in recording order
        stamps = sorted((e[0], i, j) for i, c in enumerate(cases) for j, e in enumerate(c.events))
        hlc: dict[tuple[int, int], str] = {}
        wall = counter = 0
        for t, i, j in stamps:
            ms = t // 1000
            if ms > wall:
                wall, counter = ms, 0
            else:
                counter += 1
            hlc[i, j] = str(HLCStamp(wall, counter, node))
        self.last_hlc = str(HLCStamp(wall, counter, node))
        rows_by_key: dict[tuple[int, int], tuple] = {}
        case_rows, applicants = [], {}
        for i, c in enumerate(cases):
            case_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            events, parent = [], ()
            for j, (t, typ, payload, actor, window) in enumerate(c.events):
                e = Event(str(uuid.UUID(int=rng.getrandbits(128), version=4)), case_id, typ, payload,
                          actor, window, node, when(t), hlc[i, j], parent)
                parent = (e.event_id,)
                events.append(e)
                rows_by_key[i, j] = event_to_row(e)
            state = replay(events)
            case_rows.append(state_to_row(state))
            applicants[state.applicant_id_number] = (state, events[0].recorded_at)
            if len(case_rows) >= BATCH // 4:
                yield "cases", case_rows
                case_rows = []
        yield "cases", case_rows
        for k in range(0, len(stamps), BATCH):
            yield "events", [rows_by_key[i, j] for _t, i, j in stamps[k:k + BATCH]]
        yield "applicants", [
            (str(uuid.UUID(int=rng.getrandbits(128), version=4)), s.applicant_id_type, n, s.applicant_name,
             s.applicant_phone, s.applicant_address, at.isoformat()) for n, (s, at) in applicants.items()]
        yield "numbers", [(node, "case", d.strftime("%Y%m%d"), n) for d, n in sorted(seen.items())]
