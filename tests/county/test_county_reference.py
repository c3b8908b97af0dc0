"""The county's reference data (real PostgreSQL) and the demo county."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from windowdesk.core.calendar import WorkCalendar
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import DomainError, NotFoundError, ValidationError
from windowdesk.county import reference
from windowdesk.county.db import open_county
from windowdesk.county.demo import HX_STAFF, build_demo_county
from windowdesk.county.models import Audit, Reference
from windowdesk.services.accounts import hash_password, verify_password
from windowdesk.services.reference import snapshot_version

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=timezone.utc)
HASH = hash_password("secret1")


@pytest.fixture
def county(pg_url):
    engine = open_county(pg_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(county):
    with Session(county) as session, session.begin():
        reference.load_bundled(session, now=NOW)
        reference.add_township(session, "QS", "青石镇", now=NOW)
        yield session


def documents(session) -> dict[str, str]:
    return {r.key: r.value for r in session.scalars(select(Reference))}


def test_load_bundled_stores_the_catalogue_and_calendar_once(county):
    bundled = Catalogue.bundled()
    with Session(county) as session, session.begin():
        assert reference.load_bundled(session, now=NOW) is True
        stored = documents(session)
        assert reference.load_bundled(session, now=NOW) is False
        assert documents(session) == stored
    catalogue = json.loads(stored["catalogue"])
    assert (catalogue["version"], catalogue["content_hash"]) == (bundled.version, bundled.content_hash())
    assert catalogue["data"] == bundled.to_dict()
    calendar = json.loads(stored["calendar"])
    schedules = WorkCalendar.bundled().schedules
    assert calendar == [schedules[year].to_dict() for year in sorted(schedules)]


def test_a_county_catalogue_is_kept_and_a_missing_year_added(county):
    with Session(county) as session, session.begin():
        own = {"version": "2027.1", "content_hash": "x", "source": "county", "data": {}}
        reference.put_document(session, "catalogue", own, NOW)
        reference.put_document(session, "calendar", [], NOW)
        assert reference.load_bundled(session, now=NOW) is True
        assert reference.get_document(session, "catalogue") == own
        assert len(reference.get_document(session, "calendar")) == len(WorkCalendar.bundled().schedules)


def test_townships_are_validated_listed_and_audited(session):
    reference.add_township(session, " hx ", "红星乡", now=NOW)
    assert reference.townships(session) == [("HX", "红星乡"), ("QS", "青石镇")]
    for code in ("Q", "1QS", "QSTOWN7", "Q-S", ""):
        with pytest.raises(ValidationError, match="2"):
            reference.add_township(session, code, "某镇")
    with pytest.raises(ValidationError) as twice:
        reference.add_township(session, "QS", "另一个镇")
    assert "青石镇" in str(twice.value)
    with pytest.raises(ValidationError):
        reference.add_township(session, "LJ", "  ")
    actions = session.scalars(select(Audit.action)).all()
    assert actions.count("township_added") == 2


def test_staff_are_stored_per_township_with_their_posts(session):
    entry = reference.add_staff(session, "QS", "zhangmin", "张敏", "clerk", [("MZ", "A"), ("cl", None)], HASH)
    assert entry == {"code": "zhangmin", "name": "张敏", "role": "clerk", "active": True, "password_hash": HASH,
                     "windows": [{"window": "MZ", "post": "A"}, {"window": "CL", "post": None}]}
    reference.add_staff(session, "QS", "huangjun", "黄军", "supervisor", [], HASH)
    assert [s["code"] for s in reference.staff(session, "QS")] == ["zhangmin", "huangjun"]
    assert verify_password("secret1", reference.staff(session, "QS")[0]["password_hash"])


def test_staff_codes_are_unique_in_the_county(session):
    reference.add_township(session, "HX", "红星乡", now=NOW)
    reference.add_staff(session, "QS", "zhangmin", "张敏", "clerk", [("MZ", "A")], HASH)
    with pytest.raises(ValidationError) as clash:
        reference.add_staff(session, "HX", "ZhangMin", "张敏", "clerk", [("MZ", "A")], HASH)
    assert "QS" in str(clash.value)


@pytest.mark.parametrize("args, needle", [
    (("QS", "bad code", "某", "clerk", [("MZ", None)], HASH), "bad code"),
    (("QS", "x1", "", "clerk", [("MZ", None)], HASH), ""),
    (("QS", "x1", "某", "boss", [("MZ", None)], HASH), "boss"),
    (("QS", "x1", "某", "clerk", [], HASH), ""),
    (("QS", "x1", "某", "clerk", [("ZZ", None)], HASH), "ZZ"),
    (("QS", "x1", "某", "clerk", [("MZ", "C")], HASH), "C"),
    (("QS", "x1", "某", "clerk", [("MZ", "A"), ("MZ", "B")], HASH), "MZ"),
    (("QS", "x1", "某", "clerk", [("MZ", None)], "demo123"), ""),
])
def test_bad_staff_are_refused_clearly(session, args, needle):
    with pytest.raises(ValidationError) as refused:
        reference.add_staff(session, *args)
    assert needle in str(refused.value)


def test_a_post_has_one_holder_in_a_township(session):
    reference.add_staff(session, "QS", "zhangmin", "张敏", "clerk", [("MZ", "A")], HASH)
    with pytest.raises(ValidationError) as taken:
        reference.add_staff(session, "QS", "lihua", "李华", "clerk", [("MZ", "A")], HASH)
    assert "张敏" in str(taken.value)
    reference.add_staff(session, "QS", "lihua", "李华", "clerk", [("MZ", "B")], HASH)


def test_an_unknown_township_is_named(session):
    with pytest.raises(NotFoundError) as unknown:
        reference.add_staff(session, "ZZ", "x1", "某", "clerk", [("MZ", None)], HASH)
    assert "ZZ" in str(unknown.value) and "QS" in str(unknown.value)
    with pytest.raises(NotFoundError):
        reference.snapshot(session, "ZZ")


def test_settings_are_checked_and_stored(session):
    stored = reference.set_settings(session, "QS", {
        "center": {"office_name": "青石镇便民服务中心", "phone": "0736 7212300"}, "yellow_percent": 70})
    assert stored["yellow_percent"] == 70
    assert stored["center"]["office_name"] == "青石镇便民服务中心"
    assert stored["center"]["phone"] == "0736-7212300" and stored["center"]["reconsideration_days"] == 60
    assert reference.get_document(session, "settings:QS") == stored
    for bad in ({"colour": "red"}, {"yellow_percent": 0}, {"yellow_percent": True}, {"assume_weekends": 1},
                {"center": {"phone": "12"}}, {"center": {"favourite": "x"}}, {"center": "x"}):
        with pytest.raises(ValidationError):
            reference.set_settings(session, "QS", bad)


def test_the_snapshot_is_the_townships_reference_data_with_its_version(session):
    reference.add_staff(session, "QS", "zhangmin", "张敏", "clerk", [("MZ", "A")], HASH)
    reference.set_settings(session, "QS", {"yellow_percent": 75})
    snap = reference.snapshot(session, "QS")
    assert set(snap) == {"version", "township", "catalogue", "calendar", "staff", "settings"}
    assert snap["township"] == {"code": "QS", "name": "青石镇"}
    assert snap["catalogue"]["version"] == Catalogue.bundled().version
    assert [s["code"] for s in snap["staff"]] == ["zhangmin"]
    assert snap["settings"] == {"yellow_percent": 75}
    assert snap["version"] == snapshot_version(snap)
    assert reference.snapshot(session, "QS") == snap, "the same data, the same version"
    json.dumps(snap)  # it travels as JSON
    reference.set_settings(session, "QS", {"yellow_percent": 76})
    assert reference.snapshot(session, "QS")["version"] != snap["version"]


def test_the_demo_county_has_two_townships_and_their_staff(county):
    with Session(county) as session, session.begin():
        built = build_demo_county(session, now=NOW)
        assert [(t.code, t.name, t.staff) for t in built] == [("QS", "青石镇", 11), ("HX", "红星乡", len(HX_STAFF))]
        qs = reference.snapshot(session, "QS")
        hx = reference.snapshot(session, "HX")
    staff = {s["code"]: s for s in qs["staff"]}
    assert staff["zhangmin"]["windows"] == [{"window": "MZ", "post": "A"}, {"window": "CL", "post": "B"}]
    assert staff["huangjun"]["role"] == "supervisor" and staff["huangjun"]["windows"] == []
    assert all(verify_password("demo123", s["password_hash"]) for s in qs["staff"] + hx["staff"])
    assert qs["settings"]["center"]["office_name"] == "青石镇便民服务中心"
    assert qs["settings"]["center"]["supplement_days"] == 15
    assert hx["settings"]["center"]["office_name"] == "红星乡便民服务中心"
    assert all(s["code"].startswith("hx.") for s in hx["staff"])
    with Session(county) as session, session.begin(), pytest.raises(DomainError) as again:
        build_demo_county(session, now=NOW)
    assert "QS" in str(again.value)
