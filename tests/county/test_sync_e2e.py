"""Desks and a real county server process over a real PostgreSQL: two window desks and a
village point of one township exchange cases both ways."""

from __future__ import annotations


import pytest

from windowdesk.core.identity import id_check_char
from windowdesk.core.lifecycle import Status
from windowdesk.core.notices import complete_materials
from windowdesk.services import conflicts, intake, referrals, sync
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.common import Actor, load_case
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.engine import run_round

pytestmark = pytest.mark.slow


def _person(n: int) -> ApplicantInput:
    body = f"43110219500101{n:03d}"
    return ApplicantInput(f"王{'一二三四五'[n % 5]}", body + id_check_char(body), phone=f"1390000{n:04d}")


def _receive(store, clerk: str, window: str, item: str, n: int, channel="window"):
    with UnitOfWork(store) as uow:
        from windowdesk.services.common import current_item

        it, _v = current_item(uow, item)
        return intake.receive_case(uow, Actor(clerk, window), item_code=item, applicant=_person(n),
                                   materials=complete_materials(it), channel=channel).case


def _case(store, case_id):
    with UnitOfWork(store, write=False) as uow:
        return load_case(uow, case_id)


def _round(store):
    result = run_round(store)
    assert not result.error, result.error
    return result


def test_enrolled_desks_take_node_codes_and_reference_data(hall):
    a, b, v = hall["a"], hall["b"], hall["v"]
    codes = {a.node_code, b.node_code, v.node_code}
    assert len(codes) == 3 and all(c.startswith("QS") for c in codes)
    with UnitOfWork(a, write=False) as uow:
        status = sync.status(uow)
        assert status.enrolled and status.kind == "window" and status.township == "QS"
        assert uow.execute("SELECT count(*) FROM clerks WHERE code = 'zhangmin'").scalar_one() == 1


def test_a_case_received_at_one_desk_reaches_the_other_and_digests_agree(hall):
    a, b = hall["a"], hall["b"]
    with UnitOfWork(a, write=False) as uow:
        item = uow.execute("SELECT s.code FROM service_items s JOIN catalogue_versions v ON v.version = s.version "
                           "AND v.current = 1 WHERE s.window_code = 'MZ' ORDER BY s.code LIMIT 1").scalar_one()
    case = _receive(a, "zhangmin", "MZ", item, 1)
    sent = _round(a)
    assert sent.sent == 1 and sent.in_step
    got = _round(b)
    assert got.in_step and case.case_id in got.changed
    there = _case(b, case.case_id)
    assert there.case_number == case.case_number and there.holder_node == a.node_code
    # again: nothing moves, still in step
    again = _round(b)
    assert again.received == 0 and again.in_step


def _item_of(store, window: str, proxy: bool = False) -> str:
    with UnitOfWork(store, write=False) as uow:
        rows = uow.execute("SELECT s.code, s.data FROM service_items s JOIN catalogue_versions v "
                           "ON v.version = s.version AND v.current = 1 WHERE s.window_code = ? ORDER BY s.code",
                           (window,)).all()
    import json

    for code, data in rows:
        if not proxy or json.loads(data).get("proxy_allowed", False):
            return code
    raise AssertionError("no item")


def test_a_village_hand_over_made_offline_is_received_at_the_township(hall):
    a, v = hall["a"], hall["v"]
    item = _item_of(v, "MZ", proxy=True)
    case = _receive(v, "daiban01", "MZ", item, 2, channel="proxy")
    with UnitOfWork(v) as uow:
        referrals.hand_over_case(uow, Actor("daiban01", "MZ"), case.case_id, note="材料齐全")
    _round(v)  # the laptop comes online
    assert _round(a).in_step
    there = _case(a, case.case_id)
    assert there.status is Status.HANDED_OVER
    with UnitOfWork(a) as uow:
        referrals.accept_handover(uow, Actor("zhangmin", "MZ"), case.case_id)
    _round(a)
    assert _round(v).in_step
    assert _case(v, case.case_id).holder_node == a.node_code


def test_a_desk_that_does_not_hold_a_case_cannot_carry_it(hall):
    a, b = hall["a"], hall["b"]
    case = _receive(a, "zhangmin", "MZ", _item_of(a, "MZ"), 3)
    _round(a)
    _round(b)
    with UnitOfWork(b) as uow, pytest.raises(Exception, match=a.node_code):
        intake.accept_case(uow, Actor("zhangmin", "MZ"), case.case_id)


def test_two_desks_taking_the_same_referral_make_one_conflict_that_a_supervisor_resolves(hall):
    a, b = hall["a"], hall["b"]
    case = _receive(a, "zhangmin", "MZ", _item_of(a, "SB"), 4)
    with UnitOfWork(a) as uow:
        referrals.refer_case(uow, Actor("zhangmin", "MZ"), case.case_id, to_window="SB", reason="社保事项")
    _round(a)
    _round(b)
    with UnitOfWork(a) as uow:
        referrals.accept_referral(uow, Actor("wangfang", "SB"), case.case_id)
    with UnitOfWork(b) as uow:
        referrals.accept_referral(uow, Actor("chenjie", "SB"), case.case_id)
    _round(a)
    _round(b)
    assert _round(a).in_step
    on_a, on_b = _case(a, case.case_id), _case(b, case.case_id)
    assert on_a.status is Status.CONFLICT and on_a == on_b
    assert len(on_a.contested) == 1
    with UnitOfWork(a) as uow:
        options = conflicts.contenders(uow, case.case_id)
        assert len(options) == 2
        keep = next(o for o in options if o.actor == "chenjie")
        conflicts.resolve_conflict(uow, Actor("huangjun", "SB"), case.case_id, keep=keep.event_id, reason="以B号台为准")
    _round(a)
    assert _round(b).in_step
    on_b = _case(b, case.case_id)
    assert on_b.status is Status.RECEIVED and on_b.holder_node == b.node_code and on_b.holder_clerk == "chenjie"
    assert _case(a, case.case_id) == on_b
    with UnitOfWork(b, write=False) as uow:
        from windowdesk.services.history import case_history

        titles = [line.title for line in case_history(uow, case.case_id)]
    assert any("裁决" in t for t in titles) and sum("作废" in t for t in titles) == 1


def test_check_verifies_the_sync_bookkeeping(hall):
    from windowdesk.services.maintenance import check_store

    a, b = hall["a"], hall["b"]
    _receive(a, "zhangmin", "MZ", _item_of(a, "MZ"), 7)
    _round(a)
    _round(b)
    for store in (a, b):
        with UnitOfWork(store) as uow:
            report = check_store(uow)
        assert report.ok, report.problems
    with UnitOfWork(b) as uow:
        uow.execute("UPDATE sync_state SET value = '1:00' WHERE key = 'digest'")
        uow.commit()
    with UnitOfWork(b) as uow:
        report = check_store(uow)
    assert not report.ok and any("同步摘要" in p for p in report.problems)
    assert _round(b).in_step  # a mismatch heals by fetching the scope again


def test_ab_cover_across_pcs_the_b_clerk_takes_over_while_the_a_clerk_is_away(hall):
    from windowdesk.services import accounts, cover

    a, b = hall["a"], hall["b"]  # 张敏 (A post of 民政) works at desk a, 李华 (B post) at desk b
    case = _receive(a, "zhangmin", "MZ", _item_of(a, "MZ"), 8)
    _round(a)
    _round(b)
    lihua = Actor("lihua", "MZ")
    with UnitOfWork(b) as uow:
        assert not cover.can_take_over(uow, lihua, _case(b, case.case_id))  # 张敏 is at her desk
    with UnitOfWork(a) as uow:
        accounts.set_presence(uow, "zhangmin", "leave")
    _round(a)
    assert _round(b).presence_changed
    with UnitOfWork(b) as uow:
        assert accounts.covering(uow, "lihua")  # 李华's queue now carries 民政's A-post cases
        taken = cover.take_over(uow, lihua, case.case_id)
    assert taken.holder_node == b.node_code and taken.holder_clerk == "lihua"
    with UnitOfWork(b) as uow:
        referrals.refer_case(uow, lihua, case.case_id, to_window="SB", reason="属社保事项")
    _round(b)
    assert _round(a).in_step
    on_a = _case(a, case.case_id)
    assert on_a.holder_node == b.node_code and on_a.status is Status.REFERRED
    with UnitOfWork(a) as uow, pytest.raises(Exception, match=b.node_code):
        referrals.refer_case(uow, Actor("zhangmin", "MZ"), case.case_id, to_window="GT", reason="x")
