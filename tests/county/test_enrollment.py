"""Enrollment codes, node codes and credentials on a real PostgreSQL."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from windowdesk.core.casenumber import NODE_CODE
from windowdesk.core.errors import DomainError, NotFoundError, ValidationError
from windowdesk.county import enrollment, reference
from windowdesk.county.db import open_county
from windowdesk.county.enrollment import (
    ALPHABET, AuthError, EnrollmentError, RevokedError, authenticate, issue_enroll_code, redeem, revoke,
)
from windowdesk.county.models import Audit, EnrollCode, Node, Township

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=timezone.utc)
CODE_SHAPE = re.compile(rf"^[{ALPHABET}]{{4}}(-[{ALPHABET}]{{4}}){{3}}$")


@pytest.fixture
def engine(pg_url):
    engine = open_county(pg_url)
    with Session(engine) as session, session.begin():
        reference.add_township(session, "QS", "青石镇", now=NOW)
        reference.add_township(session, "HX", "红星乡", now=NOW)
    yield engine
    engine.dispose()


def issue(engine, township="QS", kind="window", label="", now=NOW) -> str:
    with Session(engine) as session, session.begin():
        return issue_enroll_code(session, township=township, kind=kind, label=label, now=now)


def enroll(engine, code: str, now=NOW, store_id="a1b2c3d4e5f60718"):
    with Session(engine) as session, session.begin():
        node, credential = redeem(session, code=code, store_id=store_id, public_key="ed25519:abc", now=now)
        return node.code, node.township, node.kind, credential


def test_a_code_is_human_typeable_and_stored_only_as_its_hash(engine):
    code = issue(engine, label="民政窗口")
    assert CODE_SHAPE.match(code) and not set(code) & set("0O1IL")
    with Session(engine) as session:
        row = session.scalars(select(EnrollCode)).one()
        dump = " ".join(str(v) for r in session.execute(text("SELECT * FROM enroll_codes")) for v in r)
    assert row.code_hash == hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert code not in dump and code.replace("-", "") not in dump
    assert (row.township, row.kind, row.label) == ("QS", "window", "民政窗口")
    assert row.expires_at - row.created_at == timedelta(hours=72)
    assert issue(engine) != code


def test_codes_are_refused_for_an_unknown_township_or_kind(engine):
    with pytest.raises(NotFoundError) as unknown:
        issue(engine, township="ZZ")
    assert "ZZ" in str(unknown.value)
    with pytest.raises(ValidationError) as kind:
        issue(engine, kind="laptop")
    assert "laptop" in str(kind.value)


def test_redeeming_gives_a_node_code_and_a_credential_kept_only_hashed(engine):
    code = issue(engine, label="民政窗口")
    typed = " " + code.lower().replace("-", " ") + " "
    node, township, kind, credential = enroll(engine, typed)
    assert (node, township, kind) == ("QS01", "QS", "window")
    with Session(engine) as session:
        stored = session.get(Node, "QS01")
        used = session.scalars(select(EnrollCode)).one()
        audit = session.scalars(select(Audit).where(Audit.action == "enrolled")).one()
        nodes_dump = " ".join(str(v) for r in session.execute(text("SELECT * FROM nodes")) for v in r)
    assert stored.credential_hash == hashlib.sha256(credential.encode()).hexdigest()
    assert credential not in nodes_dump and len(credential) >= 40
    assert (stored.label, stored.store_id, stored.public_key, stored.enrolled_at) == (
        "民政窗口", "a1b2c3d4e5f60718", "ed25519:abc", NOW)
    assert (used.used_at, used.used_by) == (NOW, "QS01")
    assert audit.actor == "QS01" and credential not in audit.detail and code not in audit.detail


def test_a_code_is_single_use(engine):
    code = issue(engine)
    enroll(engine, code)
    with pytest.raises(EnrollmentError) as again:
        enroll(engine, code, now=NOW + timedelta(minutes=5))
    assert "QS01" in str(again.value)
    with Session(engine) as session:
        assert session.scalar(select(Node.code).where(Node.code != "QS01")) is None


def test_a_code_expires_after_72_hours(engine):
    code = issue(engine)
    with pytest.raises(EnrollmentError) as expired:
        enroll(engine, code, now=NOW + timedelta(hours=72))
    message = str(expired.value)
    in_time = issue(engine)
    enroll(engine, in_time, now=NOW + timedelta(hours=71, minutes=59))
    unknown = str(pytest.raises(EnrollmentError, enroll, engine, "ABCD-EFGH-JKMN-PQRS").value)
    malformed = str(pytest.raises(EnrollmentError, enroll, engine, "hello").value)
    used = str(pytest.raises(EnrollmentError, enroll, engine, in_time, NOW + timedelta(hours=72)).value)
    assert len({message, unknown, malformed, used}) == 4, "each refusal says what is wrong"
    later = str(pytest.raises(EnrollmentError, enroll, engine, code, NOW + timedelta(days=30)).value)
    assert later == message, "an expired code stays expired"
    assert "hello" in malformed and "ABCD-EFGH-JKMN-PQRS" in unknown and code in message


def test_node_codes_are_unique_in_the_county_and_valid(engine):
    codes = [enroll(engine, issue(engine, township, kind), store_id=f"s{n}")[0]
             for n, (township, kind) in enumerate([("QS", "window"), ("QS", "window"), ("QS", "village"),
                                                   ("HX", "window"), ("QS", "window"), ("HX", "village")])]
    assert codes == ["QS01", "QS02", "QSV01", "HX01", "QS03", "HXV01"]
    assert all(NODE_CODE.match(code) for code in codes)
    with Session(engine) as session:
        assert session.get(Township, "QS").desks_enrolled == 4


def test_a_township_whose_code_starts_like_a_village_prefix_never_clashes(engine):
    with Session(engine) as session, session.begin():
        reference.add_township(session, "QSV", "青石村片区", now=NOW)
    village = enroll(engine, issue(engine, "QS", "village"), store_id="s1")[0]
    window = enroll(engine, issue(engine, "QSV", "window"), store_id="s2")[0]
    assert (village, window) == ("QSV01", "QSV02")


def test_long_township_codes_still_give_valid_node_codes(engine):
    with Session(engine) as session, session.begin():
        reference.add_township(session, "ABCDEF", "长码镇", now=NOW)
    window = enroll(engine, issue(engine, "ABCDEF", "window"), store_id="s1")[0]
    village = enroll(engine, issue(engine, "ABCDEF", "village"), store_id="s2")[0]
    assert (window, village) == ("ABCDEF01", "ABCDEFV1")
    assert NODE_CODE.match(window) and NODE_CODE.match(village)


def test_authenticate_knows_the_desk_and_notes_when_it_was_seen(engine):
    node, _t, _k, credential = enroll(engine, issue(engine))

    def seen(now):
        with Session(engine) as session, session.begin():
            assert authenticate(session, credential, now).code == node
        with Session(engine) as session:
            return session.get(Node, node).last_seen_at

    assert seen(NOW + timedelta(seconds=30)) == NOW, "at most once a minute"
    assert seen(NOW + timedelta(minutes=2)) == NOW + timedelta(minutes=2)
    for wrong in ("", "x" * 43, credential + "x", None):
        with Session(engine) as session, pytest.raises(AuthError) as refused:
            authenticate(session, wrong, NOW)
        assert not isinstance(refused.value, RevokedError)


def test_a_revoked_desk_is_refused_with_its_own_message(engine):
    node, _t, _k, credential = enroll(engine, issue(engine))
    with Session(engine) as session, session.begin():
        assert revoke(session, node.lower(), NOW + timedelta(days=1)).revoked_at == NOW + timedelta(days=1)
    with Session(engine) as session, session.begin():
        assert revoke(session, node, NOW + timedelta(days=2)).revoked_at == NOW + timedelta(days=1)
    with Session(engine) as session, pytest.raises(RevokedError) as refused:
        authenticate(session, credential, NOW + timedelta(days=3))
    assert node in str(refused.value) and isinstance(refused.value, DomainError)
    with Session(engine) as session:
        assert session.scalars(select(Audit.action).where(Audit.action == "revoked")).all() == ["revoked"]
    with Session(engine) as session, pytest.raises(NotFoundError):
        revoke(session, "QS99", NOW)


def test_enrollment_errors_are_domain_errors():
    assert issubclass(enrollment.EnrollmentError, DomainError)
    assert issubclass(enrollment.AuthError, DomainError) and issubclass(enrollment.RevokedError, DomainError)
