"""代办移交 on a real SQLite file: a village proxy agent registers a villager's application
(channel 代办) and hands it over to the township window, which takes it over or returns it
with a reason; the agent never decides on a case."""

from __future__ import annotations

import os
import re
import sqlite3
from collections import defaultdict
from datetime import date

import pytest

from conftest import GT, MZ, MZ_B, PERSON, PERSON2, SB, event_count, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.codes import Role
from windowdesk.core.errors import RuleViolation, StateError, ValidationError
from windowdesk.core.lifecycle import AGENT_ACTIONS, Action, Status
from windowdesk.core.projection import replay
from windowdesk.db import worklists
from windowdesk.db.codec import SELECT_CASE_SQL, SELECT_EVENT_SQL, row_to_event, state_to_row
from windowdesk.i18n import _
from windowdesk.services import handling, intake, referrals, setup
from windowdesk.services.common import Actor, clerk_info, load_case
from windowdesk.services.maintenance import check_store
from windowdesk.services.uow import UnitOfWork

CAT = Catalogue.bundled()
DIBAO = CAT.item("MZ-GF-0001")  # 最低生活保障申请: committed, proxy allowed
PENSION = CAT.item("SB-GG-0001")  # 城乡居民养老保险参保登记: immediate, proxy allowed
PENSION_CLAIM = CAT.item("SB-GG-0002")  # 待遇申领: committed, proxy allowed
SOCIAL_CARD = CAT.item("SB-GG-0003")  # 社会保障卡: not through village proxy
AGENT_MZ = Actor("daiban01", "MZ")
AGENT_SB = Actor("daiban01", "SB")

CJK = re.compile(r"[\u3400-\u9fff]")
CHINESE = os.environ.get("WINDOWDESK_LANG", "zh_CN") != "en"


def assert_reads(message: str, *chinese: str) -> None:
    if CHINESE:
        assert CJK.search(message), message
        for part in chinese:
            assert part in message, (part, message)


@pytest.fixture
def agent(run):
    """吴秀英, the village proxy agent serving 民政 and 社会保障 (as a desk would set her up)."""
    run(setup.add_clerk, code="daiban01", name="吴秀英", role="agent", windows=["MZ", "SB"])
    info = run(clerk_info, "daiban01")
    assert info.role is Role.AGENT and info.windows == {"MZ", "SB"}
    return AGENT_MZ


def collect(run, actor=AGENT_MZ, item=DIBAO, applicant=PERSON, materials=None):
    """The agent registers an application through the village proxy channel."""
    materials = full_materials(item) if materials is None else materials
    return run(intake.receive_case, actor, item_code=item.code, applicant=applicant,
               materials=materials, channel="proxy").case


def ids(store, query) -> list[str]:
    return [s.case_id for s in worklists.fetch_page(store.reader(), query, 0, 100)]


def assert_projection_is_replay(store, clock) -> None:
    """Every stored case row equals the replay of its events, and the desk's check agrees."""
    conn = sqlite3.connect(store.path)
    try:
        by_case = defaultdict(list)
        for row in conn.execute(SELECT_EVENT_SQL + " ORDER BY hlc"):
            event = row_to_event(row)
            by_case[event.case_id].append(event)
        stored = {r[0]: tuple(r) for r in conn.execute(SELECT_CASE_SQL)}
    finally:
        conn.close()
    assert stored.keys() == by_case.keys()
    for case_id, events in by_case.items():
        assert state_to_row(replay(events)) == stored[case_id], case_id
    with UnitOfWork(store, clock) as uow:
        report = check_store(uow)
    assert report.ok, report.problems


# --- registering -------------------------------------------------------------------------

def test_an_agent_registers_through_the_proxy_channel_only(run, store, agent):
    before = event_count(store)
    for channel in ("window", "phone", "online"):
        with pytest.raises(RuleViolation) as info:
            run(intake.receive_case, agent, item_code=DIBAO.code, applicant=PERSON,
                materials=full_materials(DIBAO), channel=channel)
        assert str(info.value) == _("A village proxy agent registers cases through the village proxy channel only.")
        assert_reads(str(info.value), "村级代办")
    with pytest.raises(RuleViolation):  # the default channel is the window's
        run(intake.receive_case, agent, item_code=DIBAO.code, applicant=PERSON, materials=full_materials(DIBAO))
    assert event_count(store) == before
    case = collect(run)
    assert case.case_number == "LJ03-20260302-0001", "no number was used up by the refusals"
    assert case.channel == "proxy" and case.status is Status.RECEIVED
    assert case.first_clerk == case.holder_clerk == "daiban01"
    assert case.holder_window == "MZ"


def test_an_agent_cannot_register_an_item_not_open_to_village_proxy(run, store, agent):
    before = event_count(store)
    with pytest.raises(RuleViolation) as info:
        collect(run, actor=AGENT_SB, item=SOCIAL_CARD)
    assert SOCIAL_CARD.name in str(info.value)
    assert event_count(store) == before


def test_an_agent_cannot_complete_on_the_spot(run, store, agent):
    before = event_count(store)
    with pytest.raises(RuleViolation) as info:
        run(intake.complete_on_the_spot, AGENT_SB, item_code=PENSION.code, applicant=PERSON,
            materials=full_materials(PENSION), channel="proxy")
    assert str(info.value) == _(
        "A village proxy agent cannot complete a case: register it and hand it over to the township window.")
    assert_reads(str(info.value), "村级代办员", "办结")
    assert event_count(store) == before
    # The window itself may complete an immediate item brought by a villager through the agent.
    done = run(intake.complete_on_the_spot, SB, item_code=PENSION.code, applicant=PERSON,
               materials=full_materials(PENSION), channel="proxy").case
    assert done.status is Status.COMPLETED and done.case_number == "LJ03-20260302-0001"


# --- hand-over, take-over ------------------------------------------------------------------

def test_handed_over_then_taken_over_by_the_window_which_accepts_it(run, store, clock, agent):
    case = collect(run)
    assert case.case_id in ids(store, worklists.queue("daiban01", ["MZ", "SB"]))
    assert ids(store, worklists.incoming(["MZ"])) == []

    clock.advance(minutes=30)
    handed = run(referrals.hand_over_case, agent, case.case_id, note="  材料已核对原件  ")
    assert handed.status is Status.HANDED_OVER
    assert handed.referral_to_window == "MZ"
    assert handed.referral_reason == "材料已核对原件"
    assert handed.holder_clerk == "daiban01" and handed.holder_window == "MZ"
    assert ids(store, worklists.incoming(["MZ"])) == [case.case_id]
    assert ids(store, worklists.incoming(["MZ", "GT"])) == [case.case_id]
    assert ids(store, worklists.incoming(["SB", "GT"])) == []
    assert case.case_id in ids(store, worklists.queue("daiban01", ["MZ", "SB"])), "still the agent's until taken"
    assert case.case_id not in ids(store, worklists.queue("zhangmin", ["MZ"]))

    taken = run(referrals.accept_handover, MZ, case.case_id)
    assert taken.status is Status.RECEIVED
    assert taken.holder_clerk == "zhangmin" and taken.holder_window == "MZ"
    assert taken.first_clerk == "daiban01" and taken.channel == "proxy"
    assert taken.referral_to_window is None
    assert ids(store, worklists.incoming(["MZ"])) == []
    assert case.case_id in ids(store, worklists.queue("zhangmin", ["MZ"]))
    assert case.case_id not in ids(store, worklists.queue("daiban01", ["MZ", "SB"]))

    accepted = run(intake.accept_case, MZ, case.case_id)  # 受理 by the window
    assert accepted.status is Status.IN_PROGRESS
    assert accepted.accepted_on == date(2026, 3, 2)
    assert accepted.due_date == date(2026, 4, 7)  # 25 working days across 清明
    assert accepted.holder_clerk == "zhangmin"
    with UnitOfWork(store, write=False) as uow:
        types = [t for (t,) in uow.execute(
            "SELECT type FROM events WHERE case_id = ? ORDER BY hlc", (case.case_id,)).all()]
    assert types == ["case_received", "handed_over", "handover_accepted", "accepted"]
    assert_projection_is_replay(store, clock)


def test_handed_over_cases_are_listed_oldest_first_per_window(run, store, clock, agent):
    first = collect(run)
    second = collect(run, applicant=PERSON2)
    claim = collect(run, actor=AGENT_SB, item=PENSION_CLAIM, applicant=PERSON2)
    run(referrals.hand_over_case, agent, second.case_id)
    clock.advance(minutes=5)
    run(referrals.hand_over_case, AGENT_SB, claim.case_id)
    clock.advance(minutes=5)
    run(referrals.hand_over_case, agent, first.case_id)
    assert ids(store, worklists.incoming(["MZ"])) == [second.case_id, first.case_id]
    assert ids(store, worklists.incoming(["SB"])) == [claim.case_id]
    assert ids(store, worklists.incoming(["SB", "MZ"])) == [second.case_id, claim.case_id, first.case_id]
    taken = run(referrals.accept_handover, SB, claim.case_id)
    assert taken.holder_clerk == "wangfang" and taken.holder_window == "SB"
    assert ids(store, worklists.incoming(["SB", "MZ"])) == [second.case_id, first.case_id]
    assert_projection_is_replay(store, clock)


def test_the_other_clerk_of_the_window_may_take_it_over(run, store, clock, agent):
    case = collect(run)
    run(referrals.hand_over_case, agent, case.case_id)
    taken = run(referrals.accept_handover, MZ_B, case.case_id)
    assert taken.holder_clerk == "lihua" and taken.holder_window == "MZ"
    with pytest.raises(StateError) as info:  # once taken, it is no longer on offer
        run(referrals.accept_handover, MZ, case.case_id)
    assert case.case_number in str(info.value)


# --- returned to the agent ---------------------------------------------------------------

def test_a_returned_case_goes_back_to_the_agent_with_a_reason(run, store, clock, agent):
    case = collect(run)
    run(referrals.hand_over_case, agent, case.case_id)
    before = event_count(store)
    for blank in ("", "   ", None):
        with pytest.raises(ValidationError) as info:
            run(referrals.decline_handover, MZ, case.case_id, reason=blank)
        assert_reads(str(info.value), "退回原因")
    assert event_count(store) == before, "a refused return writes nothing"
    assert load_case_now(store, case.case_id).status is Status.HANDED_OVER

    back = run(referrals.decline_handover, MZ, case.case_id, reason="户口簿复印件不清晰，请重新复印")
    assert back.status is Status.RECEIVED
    assert back.holder_clerk == "daiban01" and back.holder_window == "MZ"
    assert back.referral_to_window is None
    assert event_count(store) == before + 1
    with UnitOfWork(store, write=False) as uow:
        payload = uow.execute("SELECT payload FROM events WHERE case_id = ? AND type = 'handover_declined'",
                              (case.case_id,)).scalar_one()
    assert "户口簿复印件不清晰" in payload
    assert ids(store, worklists.incoming(["MZ"])) == []
    assert case.case_id in ids(store, worklists.queue("daiban01", ["MZ"]))
    assert case.case_id not in ids(store, worklists.queue("zhangmin", ["MZ"]))

    # The agent puts it right and hands it over again; this time the window takes it.
    clock.advance(days=1)
    again = run(referrals.hand_over_case, agent, case.case_id, note="已重新复印")
    assert again.status is Status.HANDED_OVER
    taken = run(referrals.accept_handover, MZ, case.case_id)
    assert taken.holder_clerk == "zhangmin" and taken.status is Status.RECEIVED
    assert_projection_is_replay(store, clock)


def load_case_now(store, case_id):
    with UnitOfWork(store, write=False) as uow:
        return load_case(uow, case_id)


# --- who may do what ---------------------------------------------------------------------

@pytest.mark.parametrize("action, call", [
    (Action.ACCEPT, lambda run, a, c: run(intake.accept_case, a, c)),
    (Action.REFUSE, lambda run, a, c: run(intake.refuse_case, a, c, reason="不符合条件", basis="《社会救助暂行办法》")),
    (Action.ISSUE_NOTICE, lambda run, a, c: run(intake.issue_notice, a, c, additions=["村委会意见"])),
    (Action.REFER, lambda run, a, c: run(referrals.refer_case, a, c, to_window="SB", reason="属社保事项")),
])
def test_an_agent_never_decides_on_a_case(run, store, agent, action, call):
    assert action not in AGENT_ACTIONS
    case = collect(run)
    before = event_count(store)
    with pytest.raises(RuleViolation) as info:
        call(run, agent, case.case_id)
    message = str(info.value)
    assert case.case_number in message
    assert message == _(
        "A village proxy agent cannot {action}: hand case {case} over to the township window, which decides on it."
    ).format(action=action.label, case=case.case_number)
    assert_reads(message, "村级代办员", "移交乡镇窗口")
    assert event_count(store) == before
    assert load_case_now(store, case.case_id).status is Status.RECEIVED


def test_an_agent_cannot_take_over_or_return_a_handed_over_case(run, store, agent):
    case = collect(run)
    run(referrals.hand_over_case, agent, case.case_id)
    before = event_count(store)
    for service, kwargs in ((referrals.accept_handover, {}), (referrals.decline_handover, {"reason": "x"})):
        with pytest.raises(RuleViolation) as info:
            run(service, agent, case.case_id, **kwargs)
        assert case.case_number in str(info.value)
        assert_reads(str(info.value), "村级代办员")
    with pytest.raises(StateError):  # nor hand it over twice
        run(referrals.hand_over_case, agent, case.case_id)
    assert event_count(store) == before


def test_only_the_window_it_was_handed_to_takes_it_over(run, store, agent):
    case = collect(run)
    run(referrals.hand_over_case, agent, case.case_id)
    before = event_count(store)
    for actor in (SB, GT):
        with pytest.raises(RuleViolation) as info:
            run(referrals.accept_handover, actor, case.case_id)
        assert case.case_number in str(info.value)
        with pytest.raises(RuleViolation):
            run(referrals.decline_handover, actor, case.case_id, reason="不是本窗口的")
    with pytest.raises(RuleViolation):  # 王芳 does not serve 民政, whatever she claims
        run(referrals.accept_handover, Actor("wangfang", "MZ"), case.case_id)
    assert event_count(store) == before
    assert load_case_now(store, case.case_id).status is Status.HANDED_OVER
    assert ids(store, worklists.incoming(["SB"])) == []


def test_a_window_clerk_cannot_hand_over(run, store, agent):
    at_window = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                    materials=full_materials(DIBAO)).case
    by_proxy = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON2,
                   materials=full_materials(DIBAO), channel="proxy").case
    before = event_count(store)
    for case in (at_window, by_proxy):
        with pytest.raises(RuleViolation) as info:
            run(referrals.hand_over_case, MZ, case.case_id)
        assert str(info.value) == _(
            "Only a village proxy agent hands cases over; case {case} is already at the township window."
        ).format(case=case.case_number)
        assert_reads(str(info.value), "村级代办员")
    assert event_count(store) == before


def test_an_agent_acts_only_on_the_cases_they_hold(run, store, clock, agent):
    """Serving 民政 does not let the agent hand over or withdraw the window's own cases."""
    window_case = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON,
                      materials=full_materials(DIBAO)).case
    in_progress = run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=PERSON2,
                      materials=full_materials(DIBAO)).case
    run(intake.accept_case, MZ, in_progress.case_id)
    taken = collect(run)
    run(referrals.hand_over_case, agent, taken.case_id)
    run(referrals.accept_handover, MZ, taken.case_id)
    before = event_count(store)
    attempts = [
        (referrals.hand_over_case, window_case, {}),
        (handling.withdraw_case, window_case, {"reason": "申请人撤回"}),
        (handling.withdraw_case, in_progress, {"reason": "申请人撤回"}),
        (handling.withdraw_case, taken, {"reason": "申请人撤回"}),
        (referrals.hand_over_case, taken, {}),
    ]
    for service, case, kwargs in attempts:
        with pytest.raises(RuleViolation) as info:
            run(service, agent, case.case_id, **kwargs)
        assert case.case_number in str(info.value), service.__name__
        assert str(info.value) == _(
            "A village proxy agent acts only on the cases they registered and still hold; "
            "case {case} is with the township window."
        ).format(case=case.case_number)
        assert_reads(str(info.value), "村级代办员", "乡镇窗口")
    assert event_count(store) == before
    assert load_case_now(store, in_progress.case_id).status is Status.IN_PROGRESS
    assert load_case_now(store, window_case.case_id).status is Status.RECEIVED


def test_an_agent_may_withdraw_a_case_they_still_hold(run, store, clock, agent):
    handed = collect(run)
    run(referrals.hand_over_case, agent, handed.case_id)
    gone = run(handling.withdraw_case, agent, handed.case_id, reason="申请人不再申请")
    assert gone.status is Status.WITHDRAWN and gone.referral_to_window is None
    assert ids(store, worklists.incoming(["MZ"])) == []
    kept = collect(run, applicant=PERSON2)
    assert run(handling.withdraw_case, agent, kept.case_id, reason="申请人不再申请").status is Status.WITHDRAWN
    assert_projection_is_replay(store, clock)


def test_the_projection_equals_the_replay_after_every_hand_over_path(run, store, clock, agent):
    accepted = collect(run)
    declined = collect(run, applicant=PERSON2)
    pending = collect(run, actor=AGENT_SB, item=PENSION_CLAIM)
    run(referrals.hand_over_case, agent, accepted.case_id, note="原件已核")
    run(referrals.hand_over_case, agent, declined.case_id)
    run(referrals.hand_over_case, AGENT_SB, pending.case_id)
    clock.advance(hours=2)
    run(referrals.accept_handover, MZ_B, accepted.case_id)
    run(referrals.decline_handover, MZ, declined.case_id, reason="缺少村委会意见")
    clock.advance(days=1)
    run(intake.accept_case, MZ_B, accepted.case_id)
    run(handling.complete_case, MZ_B, accepted.case_id, result="granted")
    run(referrals.hand_over_case, agent, declined.case_id, note="已补村委会意见")
    run(referrals.accept_handover, MZ, declined.case_id)
    run(intake.issue_notice, MZ, declined.case_id, additions=["入户核查记录"])
    assert load_case_now(store, accepted.case_id).status is Status.COMPLETED
    assert load_case_now(store, declined.case_id).status is Status.AWAITING_SUPPLEMENT
    assert load_case_now(store, pending.case_id).status is Status.HANDED_OVER
    assert ids(store, worklists.incoming(["MZ", "SB"])) == [pending.case_id]
    assert_projection_is_replay(store, clock)


def test_only_the_items_window_decides_others_receive_and_refer(run, store):
    """首问负责: 社保 receives a 低保 application (a 民政 item) and must refer it there."""
    received = run(intake.receive_case, SB, item_code="MZ-GF-0003", applicant=PERSON, materials=[])
    case_id = received.case.case_id
    before = event_count(store)
    for decide in (lambda: run(intake.accept_case, SB, case_id),
                   lambda: run(intake.refuse_case, SB, case_id, reason="不符", basis="第十条"),
                   lambda: run(intake.issue_notice, SB, case_id, additions=["证明"]),
                   lambda: run(intake.complete_on_the_spot, SB, item_code="MZ-GF-0003", applicant=PERSON)):
        with pytest.raises(RuleViolation, match="民政窗口"):
            decide()
    assert event_count(store) == before, "nothing written"
    run(referrals.refer_case, SB, case_id, to_window="MZ", reason="属民政事项")
    run(referrals.accept_referral, MZ, case_id)
    assert run(intake.issue_notice, MZ, case_id, additions=["证明"]).status is Status.AWAITING_SUPPLEMENT
