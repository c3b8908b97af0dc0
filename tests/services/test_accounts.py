"""Clerk accounts on a real SQLite file: passwords, signing in and its lockout, presence,
A/B posts (AB岗) and who covers whom; and the demo desk's accounts."""

from __future__ import annotations

import os
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from conftest import START
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.codes import Presence, Role
from windowdesk.core.errors import NotFoundError, ValidationError
from windowdesk.core.lifecycle import Status
from windowdesk.db import worklists
from windowdesk.db.store import open_store
from windowdesk.demo import AGENT, DEMO_PASSWORD, POSTS, STAFF as DEMO_STAFF, build_demo
from windowdesk.i18n import _
from windowdesk.services import accounts
from windowdesk.services.accounts import Cover, Post, SignedIn, SignInError
from windowdesk.services.uow import FixedClock, UnitOfWork

CJK = re.compile(r"[\u3400-\u9fff]")
CHINESE = os.environ.get("WINDOWDESK_LANG", "zh_CN") != "en"
WINDOW_NAMES = {w.code: w.name for w in Catalogue.bundled().windows}
PASSWORD = "mima2026"


def assert_reads(message: str, *chinese: str) -> None:
    """A message a person reads is Chinese (unless the suite runs in English)."""
    if CHINESE:
        assert CJK.search(message), message
        for part in chinese:
            assert part in message, (part, message)


def clerk_row(store, code: str) -> tuple:
    with UnitOfWork(store, write=False) as uow:
        return tuple(uow.execute(
            "SELECT password_hash, failed_signins, locked_until, presence, presence_since FROM clerks WHERE code = ?",
            (code,),
        ).one())


def posts_of(store, window: str) -> dict[str, str | None]:
    with UnitOfWork(store, write=False) as uow:
        return dict(uow.execute(
            "SELECT clerk_code, post FROM clerk_windows WHERE window_code = ? ORDER BY clerk_code", (window,)
        ).all())


# --- password hashes -----------------------------------------------------------------

def test_a_password_hash_is_salted_and_verifies_only_its_password():
    first, second = accounts.hash_password("mima2026"), accounts.hash_password("mima2026")
    assert first != second, "two hashes of one password differ (random salt)"
    assert first.startswith("scrypt$") and "mima2026" not in first
    assert first.split("$")[4] != second.split("$")[4], "the salts differ"
    assert accounts.verify_password("mima2026", first)
    assert accounts.verify_password("mima2026", second)
    assert not accounts.verify_password("mima2027", first)
    assert not accounts.verify_password("", first)
    assert not accounts.verify_password("MIMA2026", first)


def test_a_chinese_password_round_trips():
    stored = accounts.hash_password("窗口密码一二三")
    assert accounts.verify_password("窗口密码一二三", stored)
    assert not accounts.verify_password("窗口密码一二", stored)


@pytest.mark.parametrize("garbage", [
    "",
    "plaintext-password",
    "scrypt$x$8$1$AAAA$BBBB",  # cost not a number
    "scrypt$16384$8$1$!!!$BBBB",  # salt not base64
    "bcrypt$16384$8$1$AAAA$BBBB",  # another scheme
    "scrypt$16384$8$1$$",  # nothing to compare with
    "scrypt$16384$8$0$AAAA$BBBB",  # p must be positive
    "scrypt$3$8$1$AAAA$BBBB",  # n must be a power of two
    "scrypt$16384$8$1$中文$BBBB",
    "scrypt$16384$8$1$AAAA$BBBB$extra",
])
def test_a_garbage_stored_hash_never_verifies(garbage):
    assert accounts.verify_password("mima2026", garbage) is False


def test_a_tampered_digest_does_not_verify():
    stored = accounts.hash_password("mima2026")
    head, digest = stored.rsplit("$", 1)
    flipped = ("A" if digest[0] != "A" else "B") + digest[1:]
    assert not accounts.verify_password("mima2026", f"{head}${flipped}")


# --- set_password ------------------------------------------------------------------------

def test_set_password_stores_a_hash_that_verifies(run, store):
    run(accounts.set_password, "zhangmin", PASSWORD)
    stored, failures, locked, *_ = clerk_row(store, "zhangmin")
    assert stored and PASSWORD not in stored
    assert accounts.verify_password(PASSWORD, stored)
    assert (failures, locked) == (0, None)


def test_a_short_password_is_refused_and_nothing_is_written(run, store):
    run(accounts.set_password, "zhangmin", PASSWORD)
    before = clerk_row(store, "zhangmin")
    for short in ("12345", "", None):
        with pytest.raises(ValidationError) as info:
            run(accounts.set_password, "zhangmin", short)
        assert str(info.value) == _("A password needs at least {count} characters.").format(count=6)
        assert_reads(str(info.value), "密码", "6")
    assert clerk_row(store, "zhangmin") == before
    run(accounts.set_password, "zhangmin", "123456")  # exactly the minimum is enough
    assert accounts.verify_password("123456", clerk_row(store, "zhangmin")[0])


def test_set_password_for_an_unknown_clerk_is_not_found(run):
    with pytest.raises(NotFoundError) as info:
        run(accounts.set_password, "nobody", PASSWORD)
    assert "nobody" in str(info.value)
    assert_reads(str(info.value), "工作人员")


def test_set_password_clears_a_lock(run, store):
    run(accounts.set_password, "zhangmin", PASSWORD)
    for _i in range(5):
        with pytest.raises(SignInError):
            run(accounts.sign_in, "zhangmin", "wrong-one")
    assert clerk_row(store, "zhangmin")[2] is not None
    run(accounts.set_password, "zhangmin", "xin-mima-1")
    assert clerk_row(store, "zhangmin")[1:3] == (0, None)
    assert run(accounts.sign_in, "zhangmin", "xin-mima-1").code == "zhangmin"


# --- sign_in -----------------------------------------------------------------------------

def test_sign_in_with_the_right_password_gives_the_session(run):
    run(accounts.set_password, "lihua", PASSWORD)
    session = run(accounts.sign_in, "  lihua ", PASSWORD)  # the code is trimmed
    assert isinstance(session, SignedIn)
    assert session.code == "lihua" and session.name == "李华"
    assert session.role is Role.CLERK
    assert session.presence is Presence.ON_DUTY
    assert set(session.windows) == {"MZ", "CL"}
    assert set(session.posts) == {Post("MZ", WINDOW_NAMES["MZ"], None), Post("CL", WINDOW_NAMES["CL"], None)}


def test_sign_in_shows_posts_first(run):
    run(accounts.set_password, "lihua", PASSWORD)
    run(accounts.assign_posts, "MZ", a="zhangmin", b="lihua")
    run(accounts.assign_posts, "CL", a="lihua", b=None)
    session = run(accounts.sign_in, "lihua", PASSWORD)
    assert session.posts == (Post("CL", WINDOW_NAMES["CL"], "A"), Post("MZ", WINDOW_NAMES["MZ"], "B"))
    assert session.windows == ("CL", "MZ")


def test_a_supervisor_without_windows_sees_every_window(run):
    run(accounts.set_password, "huangjun", PASSWORD)
    session = run(accounts.sign_in, "huangjun", PASSWORD)
    assert session.role is Role.SUPERVISOR
    assert set(session.windows) == set(WINDOW_NAMES)
    assert all(p.post is None and p.window_name == WINDOW_NAMES[p.window] for p in session.posts)


def test_an_agent_signs_in_with_the_agent_role(run):
    run(accounts.set_password, "daiban01", PASSWORD)
    session = run(accounts.sign_in, "daiban01", PASSWORD)
    assert session.role is Role.AGENT and set(session.windows) == {"MZ", "SB"}


def test_wrong_password_and_unknown_code_read_the_same(run, store):
    run(accounts.set_password, "zhangmin", PASSWORD)
    with pytest.raises(SignInError) as wrong_password:
        run(accounts.sign_in, "zhangmin", "not-it-1")
    with pytest.raises(SignInError) as unknown_code:
        run(accounts.sign_in, "nobody", PASSWORD)
    with pytest.raises(SignInError) as empty_code:
        run(accounts.sign_in, "", PASSWORD)
    assert str(wrong_password.value) == str(unknown_code.value) == str(empty_code.value)
    assert str(wrong_password.value) == _("The clerk code or the password is not correct.")
    assert_reads(str(wrong_password.value), "工号", "密码")
    assert clerk_row(store, "zhangmin")[1] == 1, "the wrong password was counted"


def test_five_wrong_passwords_lock_the_account_for_five_minutes(run, store, clock):
    run(accounts.set_password, "zhangmin", PASSWORD)
    wrong = _("The clerk code or the password is not correct.")
    for attempt in range(1, 5):
        with pytest.raises(SignInError, match=re.escape(wrong)):
            run(accounts.sign_in, "zhangmin", f"wrong-{attempt}")
        assert clerk_row(store, "zhangmin")[1:3] == (attempt, None)
    with pytest.raises(SignInError) as fifth:
        run(accounts.sign_in, "zhangmin", "wrong-5")
    assert str(fifth.value) == wrong, "the fifth failure still does not say which part was wrong"
    failures, locked_until = clerk_row(store, "zhangmin")[1:3]
    assert locked_until is not None
    assert failures == 0, "the lock takes over from the count"

    # Locked: even the right password is refused, and the message says for how long.
    with pytest.raises(SignInError) as locked:
        run(accounts.sign_in, "zhangmin", PASSWORD)
    assert str(locked.value) == _(
        "Too many wrong passwords: this account is locked for {minutes} more minutes.").format(minutes=5)
    assert_reads(str(locked.value), "锁定", "5")
    clock.advance(minutes=4)
    with pytest.raises(SignInError) as still:
        run(accounts.sign_in, "zhangmin", PASSWORD)
    assert str(still.value) == _(
        "Too many wrong passwords: this account is locked for {minutes} more minutes.").format(minutes=1)
    clock.advance(minutes=1, seconds=1)  # just past the five minutes
    session = run(accounts.sign_in, "zhangmin", PASSWORD)
    assert session.code == "zhangmin"
    assert clerk_row(store, "zhangmin")[1:3] == (0, None)


def test_after_a_lock_expires_one_wrong_password_does_not_lock_again(run, store, clock):
    run(accounts.set_password, "zhangmin", PASSWORD)
    for _i in range(5):
        with pytest.raises(SignInError):
            run(accounts.sign_in, "zhangmin", "wrong-one")
    clock.advance(minutes=6)
    with pytest.raises(SignInError) as info:
        run(accounts.sign_in, "zhangmin", "wrong-again")
    assert str(info.value) == _("The clerk code or the password is not correct.")
    assert clerk_row(store, "zhangmin")[1:3] == (1, None)
    assert run(accounts.sign_in, "zhangmin", PASSWORD).code == "zhangmin"


def test_the_lock_is_per_account(run):
    run(accounts.set_password, "zhangmin", PASSWORD)
    run(accounts.set_password, "lihua", PASSWORD)
    for _i in range(5):
        with pytest.raises(SignInError):
            run(accounts.sign_in, "zhangmin", "wrong-one")
    assert run(accounts.sign_in, "lihua", PASSWORD).code == "lihua"
    with pytest.raises(SignInError):
        run(accounts.sign_in, "zhangmin", PASSWORD)


def test_a_success_resets_the_failure_count(run, store):
    run(accounts.set_password, "zhangmin", PASSWORD)
    for _i in range(4):
        with pytest.raises(SignInError):
            run(accounts.sign_in, "zhangmin", "wrong-one")
    assert clerk_row(store, "zhangmin")[1] == 4
    run(accounts.sign_in, "zhangmin", PASSWORD)
    assert clerk_row(store, "zhangmin")[1] == 0
    for _i in range(4):  # four more do not lock: the count started again
        with pytest.raises(SignInError):
            run(accounts.sign_in, "zhangmin", "wrong-one")
    assert run(accounts.sign_in, "zhangmin", PASSWORD).code == "zhangmin"


def test_an_inactive_clerk_cannot_sign_in(run, store, clock):
    run(accounts.set_password, "wangfang", PASSWORD)
    with UnitOfWork(store, clock) as uow:
        uow.execute("UPDATE clerks SET active = 0 WHERE code = ?", ("wangfang",))
        uow.commit()
    with pytest.raises(SignInError) as info:
        run(accounts.sign_in, "wangfang", PASSWORD)
    assert str(info.value) == _("This account has been disabled. Ask the administrator.")
    assert_reads(str(info.value), "停用")


def test_a_clerk_without_a_password_cannot_sign_in(run, store):
    assert clerk_row(store, "zhaolei")[0] == ""
    for attempt in ("", "anything-1"):
        with pytest.raises(SignInError) as info:
            run(accounts.sign_in, "zhaolei", attempt)
        assert str(info.value) == _("This account has no password yet. Ask the administrator to set one.")
        assert_reads(str(info.value), "密码", "管理员")


# --- presence, posts, covering -----------------------------------------------------------

def test_set_presence_records_where_the_clerk_is_and_since_when(run, store, clock):
    clock.advance(minutes=20)
    session = run(accounts.set_presence, "zhangmin", "meeting")
    assert session.presence is Presence.MEETING
    _hash, _f, _l, presence, since = clerk_row(store, "zhangmin")
    assert presence == "meeting" and since is not None
    assert run(accounts.signed_in, "zhangmin").presence is Presence.MEETING
    assert run(accounts.set_presence, "zhangmin", Presence.ON_DUTY).presence is Presence.ON_DUTY


def test_a_bad_presence_is_refused_in_chinese(run, store):
    before = clerk_row(store, "zhangmin")
    with pytest.raises(ValidationError) as info:
        run(accounts.set_presence, "zhangmin", "asleep")
    message = str(info.value)
    assert "asleep" in message and "on_duty" in message
    assert_reads(message, "在岗状态", "在岗", "外出", "请假")
    assert clerk_row(store, "zhangmin") == before
    with pytest.raises(NotFoundError):
        run(accounts.set_presence, "nobody", "out")


def test_assign_posts_needs_two_different_clerks_who_serve_the_window(run, store):
    run(accounts.assign_posts, "MZ", a="zhangmin", b="lihua")
    assert posts_of(store, "MZ") == {"daiban01": None, "lihua": "B", "zhangmin": "A"}
    before = posts_of(store, "MZ")

    with pytest.raises(ValidationError) as same:
        run(accounts.assign_posts, "MZ", a="lihua", b="lihua")
    assert str(same.value) == _("The A and the B post of a window need two different clerks.")
    assert_reads(str(same.value), "A 岗", "B 岗")

    with pytest.raises(ValidationError) as stranger:
        run(accounts.assign_posts, "MZ", a="lihua", b="wangfang")  # 王芳 serves 社会保障 only
    assert "王芳" in str(stranger.value) and WINDOW_NAMES["MZ"] in str(stranger.value)
    assert_reads(str(stranger.value), "不在")

    with pytest.raises(ValidationError):
        run(accounts.assign_posts, "MZ", a="wangfang", b=None)
    with pytest.raises(NotFoundError):
        run(accounts.assign_posts, "MZ", a="nobody", b="lihua")
    with pytest.raises(NotFoundError):
        run(accounts.assign_posts, "XX", a="zhangmin", b="lihua")
    assert posts_of(store, "MZ") == before, "a refused assignment writes nothing"


def test_reassigning_posts_replaces_the_old_ones(run, store):
    run(accounts.assign_posts, "MZ", a="zhangmin", b="lihua")
    run(accounts.assign_posts, "MZ", a="lihua", b="zhangmin")  # swapped
    assert posts_of(store, "MZ") == {"daiban01": None, "lihua": "A", "zhangmin": "B"}
    run(accounts.assign_posts, "MZ", a="lihua", b=None)
    assert posts_of(store, "MZ") == {"daiban01": None, "lihua": "A", "zhangmin": None}
    run(accounts.assign_posts, "MZ", a=None, b=None)
    assert set(posts_of(store, "MZ").values()) == {None}
    # Another window's posts are left alone.
    run(accounts.assign_posts, "CL", a="lihua", b=None)
    run(accounts.assign_posts, "MZ", a="zhangmin", b="lihua")
    assert posts_of(store, "CL") == {"lihua": "A"}


def test_the_b_clerk_covers_the_window_only_while_the_a_clerk_is_away(run, clock):
    run(accounts.assign_posts, "MZ", a="zhangmin", b="lihua")
    assert run(accounts.covering, "lihua") == ()
    clock.advance(hours=1)
    run(accounts.set_presence, "zhangmin", "out")
    covers = run(accounts.covering, "lihua")
    assert covers == (Cover("MZ", WINDOW_NAMES["MZ"], "zhangmin", "张敏", Presence.OUT,
                            START + timedelta(hours=1)),)
    assert run(accounts.covering, "zhangmin") == (), "the A clerk covers nobody"
    assert run(accounts.covering, "wangfang") == (), "nor does a clerk without the B post"
    for away in ("meeting", "leave"):
        run(accounts.set_presence, "zhangmin", away)
        assert [c.presence for c in run(accounts.covering, "lihua")] == [Presence(away)]
    run(accounts.set_presence, "zhangmin", "on_duty")
    assert run(accounts.covering, "lihua") == ()
    # The B clerk being away themselves changes nothing about what they cover.
    run(accounts.set_presence, "lihua", "out")
    assert run(accounts.covering, "zhangmin") == ()


def test_covering_follows_the_current_posts(run):
    run(accounts.assign_posts, "MZ", a="zhangmin", b="lihua")
    run(accounts.set_presence, "zhangmin", "leave")
    assert [c.window for c in run(accounts.covering, "lihua")] == ["MZ"]
    run(accounts.assign_posts, "MZ", a="zhangmin", b=None)  # no B any more
    assert run(accounts.covering, "lihua") == ()
    run(accounts.assign_posts, "MZ", a="lihua", b="zhangmin")  # the away clerk is now B
    assert run(accounts.covering, "zhangmin") == ()
    assert run(accounts.covering, "lihua") == ()


# --- the demo desk -----------------------------------------------------------------------

def test_demo_accounts_sign_in_and_the_demo_shows_handovers_and_cover(tmp_path):
    store = open_store(tmp_path / "demo.sqlite", node_code="LJ03")
    end = date(2026, 11, 20)
    build_demo(store, end=end, months=1, seed=5)
    clock = FixedClock(datetime(2026, 11, 20, 8, tzinfo=timezone.utc))
    try:
        with UnitOfWork(store, clock) as uow:
            sessions = {code: accounts.sign_in(uow, code, DEMO_PASSWORD) for code, *_rest in DEMO_STAFF}
            sunli_covers = accounts.covering(uow, "sunli")
            others_cover = {code: accounts.covering(uow, code) for code in sessions if code != "sunli"}
        for code, name, role, windows in DEMO_STAFF:
            session = sessions[code]
            assert (session.code, session.name, session.role) == (code, name, Role(role))
            if windows:
                assert set(session.windows) == set(windows)
            for post in session.posts:
                a, b = POSTS.get(post.window, (None, None))
                assert post.post == ("A" if a == code else "B" if b == code else None), (code, post)
        assert sessions["zhaolei"].presence is Presence.OUT
        assert all(s.presence is Presence.ON_DUTY for c, s in sessions.items() if c != "zhaolei")
        assert [(c.window, c.clerk, c.presence) for c in sunli_covers] == [("GT", "zhaolei", Presence.OUT)]
        assert not any(others_cover.values()), "only 孙丽 carries a window today"

        db = store.reader()
        proxy = [s for s in worklists.fetch_page(db, worklists.ListQuery(
            "channel = 'proxy' AND first_clerk = :a", {"a": AGENT}, "case_id"), 0, 100)]
        handed = [s for s in proxy if s.status is Status.HANDED_OVER]
        taken = [s for s in proxy if s.status is not Status.HANDED_OVER]
        assert len(handed) == 2 and len(taken) == 2
        for case in handed:
            assert case.holder_clerk == AGENT
            listed = worklists.fetch_page(db, worklists.incoming([case.holder_window]), 0, 50)
            assert case.case_id in [s.case_id for s in listed]
            elsewhere = [w for w in WINDOW_NAMES if w != case.holder_window]
            assert case.case_id not in [s.case_id for s in
                                        worklists.fetch_page(db, worklists.incoming(elsewhere), 0, 500)]
        for case in taken:
            assert case.holder_clerk == POSTS[case.holder_window][0]
        every_window = worklists.fetch_page(db, worklists.incoming(list(WINDOW_NAMES)), 0, 500)
        assert {s.case_id for s in handed} <= {s.case_id for s in every_window}
        assert not {s.case_id for s in taken} & {s.case_id for s in every_window}

        # 孙丽's queue carries 赵磊's open GT cases while he is out.
        covered = {c.window: c.clerk for c in sunli_covers}
        queue = worklists.fetch_page(db, worklists.queue("sunli", sessions["sunli"].windows, covered), 0, 1000)
        zhaolei_gt = worklists.fetch_page(db, worklists.queue("zhaolei", ["GT"]), 0, 1000)
        assert zhaolei_gt, "the demo leaves 赵磊 open GT cases"
        assert {s.case_id for s in zhaolei_gt} <= {s.case_id for s in queue}
    finally:
        store.close()
