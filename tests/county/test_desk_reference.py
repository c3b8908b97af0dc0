"""A desk installs the county's reference snapshot (``services.reference.apply_reference``):
the demo county's snapshot, made on a real PostgreSQL, into real desk files."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import ValidationError
from windowdesk.county import reference
from windowdesk.county.db import open_county
from windowdesk.county.demo import build_demo_county
from windowdesk.db.store import open_store
from windowdesk.services import accounts, setup
from windowdesk.services.center import center_info
from windowdesk.services.reference import apply_reference, installed_version, snapshot_version
from windowdesk.services.uow import FixedClock, UnitOfWork

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def snapshots(pg_cluster):
    """The demo county's two snapshots (built once for the module)."""
    pg_cluster.create_database("desk_reference")
    engine = open_county(pg_cluster.url("desk_reference"))
    try:
        with Session(engine) as session, session.begin():
            build_demo_county(session, now=NOW)
            found = {code: reference.snapshot(session, code) for code in ("QS", "HX")}
    finally:
        engine.dispose()
        pg_cluster.drop_database("desk_reference")
    return json.loads(json.dumps(found))  # as they arrive over HTTP


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "desk.sqlite", node_code="QS01")
    yield store
    store.close()


def uow_of(store) -> UnitOfWork:
    return UnitOfWork(store, FixedClock(NOW))


def rows(store, sql: str, params=()) -> list[tuple]:
    with uow_of(store) as uow:
        return uow.execute(sql, params).all()


def test_a_new_desk_gets_catalogue_calendar_staff_posts_and_settings(store, snapshots):
    snap = snapshots["QS"]
    with uow_of(store) as uow:
        assert apply_reference(uow, snap) is True
    assert rows(store, "SELECT version FROM catalogue_versions WHERE current = 1") == [(Catalogue.bundled().version,)]
    assert [y for (y,) in rows(store, "SELECT year FROM calendar_years ORDER BY year")] == \
        sorted(y["year"] for y in snap["calendar"])
    assert len(rows(store, "SELECT code FROM clerks")) == 11
    assert rows(store, "SELECT window_code, post FROM clerk_windows WHERE clerk_code = 'zhangmin' "
                       "ORDER BY window_code") == [("CL", "B"), ("MZ", "A")]
    with uow_of(store) as uow:
        assert installed_version(uow) == snap["version"]
        assert center_info(uow).office_name == "青石镇便民服务中心"
        assert center_info(uow).supplement_days == 15
        signed = accounts.sign_in(uow, "zhangmin", "demo123")
        assert {p.window for p in signed.posts} == {"MZ", "CL"}
        assert uow.calendar.covers(2026)


def test_the_same_version_again_is_nothing_to_do(store, snapshots):
    with uow_of(store) as uow:
        assert apply_reference(uow, snapshots["QS"]) is True
    before = rows(store, "SELECT * FROM clerks ORDER BY code")
    with uow_of(store) as uow:
        assert apply_reference(uow, snapshots["QS"]) is False
    assert rows(store, "SELECT * FROM clerks ORDER BY code") == before


def test_what_only_the_desk_knows_of_a_clerk_stays(store, snapshots):
    snap = copy.deepcopy(snapshots["QS"])
    with uow_of(store) as uow:
        apply_reference(uow, snap)
        uow.execute("UPDATE clerks SET failed_signins = 3, presence = 'out', presence_since = '2026-12-08' "
                    "WHERE code = 'zhaolei'")
        uow.commit()
    for clerk in snap["staff"]:
        if clerk["code"] == "zhaolei":
            clerk["name"], clerk["active"] = "赵磊（调离）", False
            clerk["windows"] = [{"window": "NY", "post": "A"}]
        if clerk["code"] == "sunli":
            clerk["windows"] = [{"window": "GT", "post": "B"}]
    snap["version"] = snapshot_version(snap)
    with uow_of(store) as uow:
        assert apply_reference(uow, snap) is True
    assert rows(store, "SELECT name, active, failed_signins, presence FROM clerks WHERE code = 'zhaolei'") == [
        ("赵磊（调离）", 0, 3, "out")]
    assert rows(store, "SELECT window_code, post FROM clerk_windows WHERE clerk_code IN ('zhaolei', 'sunli') "
                       "ORDER BY clerk_code, window_code") == [("GT", "B"), ("NY", "A")]


def test_a_post_the_county_gives_is_taken_from_a_clerk_of_the_desk_alone(store, snapshots):
    with uow_of(store) as uow:
        setup.install_bundled_reference_data(uow)
        setup.add_clerk(uow, code="local1", name="本机", role="clerk", windows=["MZ"])
        accounts.assign_posts(uow, "MZ", a="local1", b=None)
    with uow_of(store) as uow:
        apply_reference(uow, snapshots["QS"])
    assert rows(store, "SELECT clerk_code, post FROM clerk_windows WHERE window_code = 'MZ' ORDER BY clerk_code") == [
        ("daiban01", None), ("lihua", "B"), ("local1", None), ("zhangmin", "A")]
    assert rows(store, "SELECT active FROM clerks WHERE code = 'local1'") == [(1,)], "left as it was"


def test_a_damaged_snapshot_installs_nothing(store, snapshots):
    snap = copy.deepcopy(snapshots["QS"])
    snap["staff"][0]["role"] = "admin"
    with uow_of(store) as uow, pytest.raises(ValidationError):
        apply_reference(uow, snap)
    assert rows(store, "SELECT count(*) FROM clerks") == [(0,)]


def test_it_is_one_transaction(store, snapshots):
    """The catalogue and calendar go in first; a staff entry the desk refuses afterwards
    leaves none of them behind."""
    snap = copy.deepcopy(snapshots["HX"])
    snap["staff"][-1]["windows"].append({"window": "NOPE", "post": None})
    snap["version"] = snapshot_version(snap)
    with uow_of(store) as uow:
        with pytest.raises(ValidationError) as refused:
            apply_reference(uow, snap)
        assert "NOPE" in str(refused.value)
        assert installed_version(uow) is None
    for table in ("catalogue_versions", "calendar_years", "clerks", "clerk_windows", "settings", "sync_state"):
        assert rows(store, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_a_village_point_gets_its_townships_data(tmp_path, snapshots):
    store = open_store(tmp_path / "village.sqlite", node_code="HXV01")
    try:
        with uow_of(store) as uow:
            assert apply_reference(uow, snapshots["HX"]) is True
            assert accounts.sign_in(uow, "hx.daiban01", "demo123").role.value == "agent"
            assert uow.rules.yellow_percent == 80
    finally:
        store.close()
