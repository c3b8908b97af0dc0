"""The desk's lists (windowdesk.db.worklists) over a real SQLite file, read a page at a
time through the store's reader: my queue (with AB岗 cover), filters and sorts, paging,
the incoming offers, the inquiry log, and the search box."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import GT, MZ, MZ_B, PERSON, PERSON2, SB, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.db import worklists
from windowdesk.db.worklists import SORTS, count, fetch_page
from windowdesk.services import accounts, handling, intake, referrals
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.common import Actor

CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")  # 最低生活保障申请: committed
RELIEF = CAT.item("MZ-GF-0002")  # 临时救助申请: committed
OLD_AGE = CAT.item("MZ-GF-0003")  # 高龄津贴申领: committed
CL_ITEM = CAT.item("CL-GF-0001")  # 困难残疾人生活补贴申请
PENSION = CAT.item("SB-GG-0001")  # immediate
AGENT = Actor("daiban01", "MZ")


def receive(run, actor=MZ, item=DIBAO, applicant=PERSON, materials=None, **kw):
    materials = full_materials(item) if materials is None else materials
    return run(intake.receive_case, actor, item_code=item.code, applicant=applicant,
               materials=materials, **kw).case


def page(store, query, offset=0, limit=1000):
    return fetch_page(store.reader(), query, offset, limit)


def ids(store, query) -> list[str]:
    return [s.case_id for s in page(store, query)]


@pytest.fixture
def desk(run, clock):
    """A morning at the center: cases in every state, held by different clerks and windows."""
    c = {}
    c["mz_received"] = receive(run)
    c["mz_in_progress"] = receive(run, item=RELIEF, applicant=PERSON2)
    run(intake.accept_case, MZ, c["mz_in_progress"].case_id)
    c["mz_awaiting"] = receive(run, materials=[ReceivedMaterial("M01", True, 0)])
    run(intake.issue_notice, MZ, c["mz_awaiting"].case_id)
    c["mz_suspended"] = receive(run, item=OLD_AGE)
    run(intake.accept_case, MZ, c["mz_suspended"].case_id)
    run(handling.suspend_case, MZ, c["mz_suspended"].case_id, procedure="公示", reason="公示", expected_days=5)
    c["mz_completed"] = receive(run, item=OLD_AGE, applicant=PERSON2)
    run(intake.accept_case, MZ, c["mz_completed"].case_id)
    run(handling.complete_case, MZ, c["mz_completed"].case_id, result="granted")
    c["mz_referred"] = receive(run, item=RELIEF)  # offered to 国土, still ours until taken
    run(referrals.refer_case, MZ, c["mz_referred"].case_id, to_window="GT", reason="属宅基地事项")
    # Closed: not in anybody's queue.
    c["mz_delivered"] = receive(run, item=OLD_AGE)
    run(intake.accept_case, MZ, c["mz_delivered"].case_id)
    run(handling.complete_case, MZ, c["mz_delivered"].case_id, result="granted")
    run(handling.deliver_case, MZ, c["mz_delivered"].case_id)
    c["mz_refused"] = receive(run)
    run(intake.refuse_case, MZ, c["mz_refused"].case_id, reason="不符合条件", basis="《社会救助暂行办法》")
    c["mz_withdrawn"] = receive(run)
    run(handling.withdraw_case, MZ, c["mz_withdrawn"].case_id, reason="申请人撤回")
    c["mz_inquiry"] = run(intake.log_inquiry, MZ, question="低保需要什么材料", applicant=PERSON,
                          item_code=DIBAO.code).case
    # Other clerks.
    c["lihua_mz"] = receive(run, actor=MZ_B, applicant=PERSON2)
    c["lihua_cl"] = receive(run, actor=Actor("lihua", "CL"), item=CL_ITEM)
    c["sb_case"] = receive(run, actor=SB, item=CAT.item("SB-GG-0002"))
    c["agent_handed"] = receive(run, actor=AGENT, channel="proxy")
    run(referrals.hand_over_case, AGENT, c["agent_handed"].case_id)
    c["gt_taken"] = receive(run, item=RELIEF, applicant=PERSON2)
    run(referrals.refer_case, MZ, c["gt_taken"].case_id, to_window="GT", reason="属宅基地事项")
    run(referrals.accept_referral, GT, c["gt_taken"].case_id)
    return {k: v.case_id for k, v in c.items()}


ZHANGMIN_OPEN = {"mz_received", "mz_in_progress", "mz_awaiting", "mz_suspended", "mz_completed", "mz_referred"}


# --- my queue ----------------------------------------------------------------------------

def test_my_queue_is_the_open_cases_i_hold_at_my_windows(store, desk):
    mine = set(ids(store, worklists.queue("zhangmin", ["MZ"])))
    assert mine == {desk[k] for k in ZHANGMIN_OPEN}
    assert set(ids(store, worklists.queue("lihua", ["MZ", "CL"]))) == {desk["lihua_mz"], desk["lihua_cl"]}
    assert set(ids(store, worklists.queue("lihua", ["CL"]))) == {desk["lihua_cl"]}
    assert set(ids(store, worklists.queue("lihua", ["MZ"]))) == {desk["lihua_mz"]}
    assert set(ids(store, worklists.queue("zhaolei", ["GT"]))) == {desk["gt_taken"]}
    assert set(ids(store, worklists.queue("daiban01", ["MZ", "SB"]))) == {desk["agent_handed"]}
    assert ids(store, worklists.queue("zhangmin", ["SB"])) == []
    assert ids(store, worklists.queue("zhangmin", [])) == []
    assert count(store.reader(), worklists.queue("zhangmin", ["MZ"])) == len(ZHANGMIN_OPEN)


def test_the_b_clerk_also_sees_the_away_a_clerks_cases(run, store, desk):
    run(accounts.assign_posts, "MZ", a="zhangmin", b="lihua")
    run(accounts.set_presence, "zhangmin", "out")
    covered = {c.window: c.clerk for c in run(accounts.covering, "lihua")}
    assert covered == {"MZ": "zhangmin"}
    query = worklists.queue("lihua", ["MZ", "CL"], covered)
    assert set(ids(store, query)) == {desk["lihua_mz"], desk["lihua_cl"]} | {desk[k] for k in ZHANGMIN_OPEN}
    assert count(store.reader(), query) == 2 + len(ZHANGMIN_OPEN)
    # Only the covered clerk's cases at the covered window: covering 张敏 for 残联 brings in
    # none of her 民政 cases.
    assert set(ids(store, worklists.queue("lihua", ["CL"], {"CL": "zhangmin"}))) == {desk["lihua_cl"]}
    # The other way round: 张敏 covering 民政 for 李华 sees 李华's 民政 case, not her 残联 one.
    both = set(ids(store, worklists.queue("zhangmin", ["MZ"], {"MZ": "lihua"})))
    assert both == {desk[k] for k in ZHANGMIN_OPEN} | {desk["lihua_mz"]}
    run(accounts.set_presence, "zhangmin", "on_duty")
    assert run(accounts.covering, "lihua") == ()


def test_filters_narrow_the_queue(store, desk, clock):
    queue = worklists.queue("zhangmin", ["MZ"])
    assert set(ids(store, queue.filtered(status="in_progress"))) == {desk["mz_in_progress"]}
    assert set(ids(store, queue.filtered(status="referred"))) == {desk["mz_referred"]}
    assert ids(store, queue.filtered(status="withdrawn")) == [], "the filter narrows, it never widens"
    assert set(ids(store, queue.filtered(item_code=OLD_AGE.code))) == {desk["mz_suspended"], desk["mz_completed"]}
    assert set(ids(store, queue.filtered(item_code=RELIEF.code, status="in_progress"))) == {desk["mz_in_progress"]}
    assert ids(store, queue.filtered(item_code=RELIEF.code, status="suspended")) == []
    today = clock.today()
    assert set(ids(store, queue.filtered(warning="green", today=today))) == {desk["mz_in_progress"]}
    assert ids(store, queue.filtered(warning="red", today=today)) == []
    late = page(store, queue.filtered(status="in_progress"))[0].due_date + timedelta(days=1)
    assert set(ids(store, queue.filtered(warning="red", today=late))) == {desk["mz_in_progress"]}
    assert ids(store, queue.filtered(warning="green", today=late)) == []
    none = set(ids(store, queue.filtered(warning="none", today=today)))
    assert none == {desk[k] for k in ZHANGMIN_OPEN} - {desk["mz_in_progress"]}
    filtered = queue.filtered(status="received", item_code=DIBAO.code)
    assert count(store.reader(), filtered) == len(ids(store, filtered)) == 1
    assert queue.where in filtered.where and queue.params.items() <= filtered.params.items()


@pytest.mark.parametrize("key", sorted(SORTS))
def test_every_sort_lists_the_same_cases_in_its_order(store, desk, key):
    queue = worklists.queue("zhangmin", ["MZ"], {"MZ": "lihua"})
    rows = page(store, queue.sorted_by(key))
    assert {r.case_id for r in rows} == {desk[k] for k in ZHANGMIN_OPEN} | {desk["lihua_mz"]}
    keys = {
        "due": lambda r: (r.due_date is None, r.due_date or date.min, r.received_on, r.case_id),
        "received": lambda r: (r.received_on, r.case_id),
        "number": lambda r: (r.case_number, r.case_id),
        "applicant": lambda r: r.applicant_name,
        "item": lambda r: r.item_name,
        "status": lambda r: r.status.value,
    }
    expected = sorted(rows, key=keys[key], reverse=key == "received")
    assert [keys[key](r) for r in rows] == [keys[key](r) for r in expected]
    with pytest.raises(KeyError):
        queue.sorted_by("nonsense")


def test_the_default_order_is_soonest_due_first(run, store, clock):
    late = receive(run)
    run(intake.accept_case, MZ, late.case_id)
    clock.advance(days=-7)  # accepted a week earlier: due sooner
    early = receive(run, item=RELIEF)
    run(intake.accept_case, MZ, early.case_id)
    clock.advance(days=7)
    pending = receive(run, item=OLD_AGE)
    assert ids(store, worklists.queue("zhangmin", ["MZ"])) == [early.case_id, late.case_id, pending.case_id]


# --- paging ------------------------------------------------------------------------------

@pytest.fixture
def many(run, clock):
    """27 cases of one clerk, several on each day and many with the same applicant, item
    and status: ties that paging must not lose or repeat."""
    made = []
    for day in range(3):
        for k in range(9):
            item = (DIBAO, RELIEF, OLD_AGE)[k % 3]
            case = receive(run, item=item, applicant=(PERSON, PERSON2)[k % 2])
            if k % 4 == 0:
                run(intake.accept_case, MZ, case.case_id)
            made.append(case.case_id)
        clock.advance(days=1)
    return made


@pytest.mark.parametrize("key", sorted(SORTS))
def test_pages_have_no_duplicates_and_no_gaps(store, many, key):
    query = worklists.queue("zhangmin", ["MZ"]).sorted_by(key)
    whole = [s.case_id for s in page(store, query)]
    assert sorted(whole) == sorted(many)
    pages = [[s.case_id for s in page(store, query, offset, 10)] for offset in (0, 10, 20)]
    assert [len(p) for p in pages] == [10, 10, 7]
    joined = pages[0] + pages[1] + pages[2]
    assert len(set(joined)) == len(joined), "a case appears on two pages"
    assert set(joined) == set(many), "a case appears on no page"
    assert joined == whole, "pages read one after another give the whole list"
    assert page(store, query, 27, 10) == []
    assert [s.case_id for s in page(store, query, 25, 10)] == whole[25:]
    assert count(store.reader(), query) == 27


def test_odd_page_sizes_tile_the_list(store, many):
    query = worklists.queue("zhangmin", ["MZ"]).filtered(status="received").sorted_by("applicant")
    whole = [s.case_id for s in page(store, query)]
    assert len(whole) == count(store.reader(), query) == 27 - 9  # 9 were accepted
    for size in (1, 3, 7):
        tiled = []
        for offset in range(0, len(whole), size):
            tiled += [s.case_id for s in page(store, query, offset, size)]
        assert tiled == whole, size


# --- incoming, inquiries -------------------------------------------------------------------

def test_incoming_lists_referrals_and_handovers_offered_to_my_windows(run, store, desk, clock):
    assert ids(store, worklists.incoming(["GT"])) == [desk["mz_referred"]]
    assert ids(store, worklists.incoming(["MZ"])) == [desk["agent_handed"]]
    assert set(ids(store, worklists.incoming(["MZ", "GT"]))) == {desk["mz_referred"], desk["agent_handed"]}
    assert ids(store, worklists.incoming(["SB", "CL"])) == []
    assert ids(store, worklists.incoming([])) == []
    # Oldest offer first.
    clock.advance(minutes=10)
    later = receive(run, item=RELIEF, applicant=PERSON2)
    run(referrals.refer_case, MZ, later.case_id, to_window="GT", reason="属宅基地事项")
    assert ids(store, worklists.incoming(["GT"])) == [desk["mz_referred"], later.case_id]
    run(referrals.decline_referral, GT, desk["mz_referred"], reason="不属于本窗口")
    assert ids(store, worklists.incoming(["GT"])) == [later.case_id]
    run(referrals.accept_referral, GT, later.case_id)
    assert ids(store, worklists.incoming(["GT"])) == []


def test_the_inquiry_log_lists_my_windows_inquiries_newest_first(run, store, desk):
    second = run(intake.log_inquiry, MZ_B, question="临时救助怎么申请", applicant=PERSON2).case
    sb = run(intake.log_inquiry, SB, question="养老保险怎么交", applicant=PERSON).case
    became_case = receive(run, actor=MZ_B, inquiry_id=second.case_id, applicant=PERSON2)
    assert became_case.case_id == second.case_id
    rows = page(store, worklists.inquiries(["MZ"]))
    assert [r.case_id for r in rows] == [second.case_id, desk["mz_inquiry"]]
    assert [r.inquiry_number for r in rows] == ["LJ03-20260302-Z0002", "LJ03-20260302-Z0001"]
    assert rows[0].status is Status.RECEIVED and rows[0].case_number, "what became of it shows"
    assert rows[1].status is Status.INQUIRY
    assert ids(store, worklists.inquiries(["SB"])) == [sb.case_id]
    assert set(ids(store, worklists.inquiries(["SB", "MZ"]))) == {sb.case_id, second.case_id, desk["mz_inquiry"]}
    assert ids(store, worklists.inquiries(["GT"])) == []
    # An inquiry is not a case in anybody's queue until it is received.
    assert desk["mz_inquiry"] not in ids(store, worklists.queue("zhangmin", ["MZ"]))
    assert second.case_id in ids(store, worklists.queue("lihua", ["MZ"]))


# --- search ------------------------------------------------------------------------------

LIU = ApplicantInput("刘德华", "430111196109270015", phone="13907310000", address="上坪村")


@pytest.fixture
def searchable(run, clock):
    a = receive(run)  # 李秀兰 11010519491231002X 13800138000
    b = receive(run, applicant=PERSON2)  # 欧阳·建国 430111198803150012 0731-84112233
    clock.advance(days=1)
    c = receive(run, item=RELIEF)  # 李秀兰 again, a day later
    d = receive(run, applicant=LIU, item=OLD_AGE)
    q = run(intake.log_inquiry, MZ, question="高龄津贴", applicant=LIU).case
    return {"a": a, "b": b, "c": c, "d": d, "q": q}


def found(store, text) -> list[str]:
    query = worklists.search(text)
    assert query is not None, text
    return [s.case_id for s in page(store, query)]


def test_search_by_case_number(store, searchable):
    a, c, q = searchable["a"], searchable["c"], searchable["q"]
    assert found(store, a.case_number) == [a.case_id]
    assert found(store, f"  {a.case_number.lower()} ") == [a.case_id]
    assert found(store, q.inquiry_number) == [q.case_id]
    assert found(store, "LJ03-20260302-0099") == []
    # A beginning of a number finds every case it starts, in number order.
    assert found(store, "LJ03-20260302") == [searchable["a"].case_id, searchable["b"].case_id]
    assert found(store, "lj03-2026030") == [searchable[k].case_id for k in "abcd"]
    assert found(store, "LJ03-20260303-Z") == [q.case_id]
    assert found(store, c.case_number[:-1]) == [c.case_id, searchable["d"].case_id]
    assert found(store, "XX99-2026") == []


def test_search_by_id_number(store, searchable):
    a, b, c, d = (searchable[k] for k in "abcd")
    assert found(store, PERSON.id_number) == [c.case_id, a.case_id], "newest first"
    assert found(store, PERSON.id_number.lower()) == [c.case_id, a.case_id]
    assert found(store, PERSON2.id_number) == [b.case_id]
    q = searchable["q"]  # 刘德华's inquiry, recorded with his ID number
    assert found(store, LIU.id_number) == [d.case_id, q.case_id], "newest first, the inquiry (no date) last"
    assert found(store, "430111") == [d.case_id, q.case_id, b.case_id]  # ID order: 1961 before 1988
    assert found(store, "4301111988") == [b.case_id]
    assert found(store, "110105") == [c.case_id, a.case_id], "北京 numbers begin with 11, like no mobile"
    assert found(store, "430112") == []
    assert found(store, "110105194912310021") == [], "a whole number matches exactly"


def test_search_by_phone(store, searchable):
    a, b, c, d = (searchable[k] for k in "abcd")
    assert found(store, "13800138000") == [c.case_id, a.case_id]
    assert found(store, "138 0013 8000") == [c.case_id, a.case_id]
    assert found(store, "0731-84112233") == [b.case_id]
    assert set(found(store, "1380013")) == {a.case_id, c.case_id}
    assert found(store, "1390731") == [d.case_id, searchable["q"].case_id]
    assert found(store, "1370000") == []


def test_search_by_name_prefix(store, searchable):
    a, b, c, d = (searchable[k] for k in "abcd")
    assert set(found(store, "李")) == {a.case_id, c.case_id}
    assert set(found(store, "李秀兰")) == {a.case_id, c.case_id}
    assert found(store, "欧阳") == [b.case_id]
    assert found(store, "欧阳·建国") == [b.case_id]
    assert found(store, "刘") == [d.case_id, searchable["q"].case_id], "the inquiry is found too, after"
    assert found(store, "王") == []
    assert found(store, "秀兰") == [], "a name is searched from its beginning"


def test_search_by_name_finds_rare_characters_beyond_the_basic_plane(run, store):
    """生僻字: names may use CJK extension B and later (4 bytes in UTF-8)."""
    rare = ApplicantInput("𠮷𪚥", "430111199001010012", phone="13900000001")
    li_rare = ApplicantInput("李𠮷", "430111199102020025", phone="13900000002")
    first = receive(run, applicant=rare)
    second = receive(run, applicant=li_rare)
    assert found(store, "𠮷") == [first.case_id]
    assert found(store, "李") == [second.case_id]
    assert found(store, "李𠮷") == [second.case_id]


@pytest.mark.parametrize("text", ["", "   ", "1", "13", "4301", "12345"])
def test_search_waits_for_enough_to_go_on(text):
    assert worklists.search(text) is None


def test_search_chooses_the_right_column():
    assert "case_number" in worklists.search("LJ03-20260302-0001").where
    assert "inquiry_number" in worklists.search("LJ03-20260302-Z0001").where
    assert "applicant_id_number" in worklists.search("11010519491231002X").where
    assert "applicant_id_number" in worklists.search("430111").where
    assert "applicant_phone" in worklists.search("13800138000").where
    assert "applicant_phone" in worklists.search("1380013").where
    assert "applicant_phone" in worklists.search("138 0013 8000").where
    assert "applicant_id_number" in worklists.search("110105").where
    assert "applicant_name" in worklists.search("李").where


def test_an_id_number_that_begins_like_a_mobile_number_is_searched_as_an_id_once_longer():
    from windowdesk.db.worklists import search

    hebei = "130102199001011234"  # 河北 begins with 13, as mobile numbers do
    assert "applicant_phone" in search(hebei[:7]).where  # still ambiguous: a mobile prefix
    for typed in (hebei[:12], hebei[:17]):
        query = search(typed)
        assert "applicant_id_number" in query.where and query.params["lo"] == typed
