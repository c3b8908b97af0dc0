"""A database restored from a backup or copied to a second PC is recognised before it
issues a single case number, and continues under a new desk code without reusing any
number or event id; a revoked desk is told so."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from windowdesk.core.errors import RuleViolation
from windowdesk.core.lifecycle import Status
from windowdesk.db.store import open_store
from windowdesk.services import referrals, sync
from windowdesk.services.common import Actor
from windowdesk.services.uow import UnitOfWork
from windowdesk.sync.engine import enroll_desk, run_round

from .test_sync_e2e import _case, _item_of, _receive, _round

pytestmark = pytest.mark.slow


@pytest.fixture
def desk(county_server, tmp_path):
    store = open_store(tmp_path / "a.sqlite")
    enroll_desk(store, county_server.url, county_server.code("window"))
    yield store
    store.close()


def _standing(store) -> str:
    with UnitOfWork(store, write=False) as uow:
        return sync.status(uow).standing


def test_a_database_opened_on_another_pc_issues_no_number_until_enrolled_again(desk, county_server, monkeypatch):
    item = _item_of(desk, "MZ")
    first = _receive(desk, "zhangmin", "MZ", item, 1)
    _round(desk)
    old_node = desk.node_code
    monkeypatch.setattr(sync, "machine_fingerprint", lambda: "another-pc")
    desk.cache.pop("standing", None)
    assert _standing(desk) == "copied"
    with pytest.raises(RuleViolation, match="复制或恢复件"):
        _receive(desk, "zhangmin", "MZ", item, 2)
    assert run_round(desk).standing == "copied"

    enroll_desk(desk, county_server.url, county_server.code("window"))
    assert desk.node_code != old_node and _standing(desk) == ""
    second = _receive(desk, "zhangmin", "MZ", item, 3)
    assert second.case_number.startswith(desk.node_code)
    # the cases the old code held are carried on here
    with UnitOfWork(desk) as uow:
        moved = referrals.refer_case(uow, Actor("zhangmin", "MZ"), first.case_id, to_window="SB", reason="社保事项")
        assert moved.status is Status.REFERRED
    assert _round(desk).in_step


def test_a_database_put_back_from_a_backup_is_recognised_and_reuses_no_number(desk, county_server, tmp_path):
    item = _item_of(desk, "MZ")
    _receive(desk, "zhangmin", "MZ", item, 1)
    _round(desk)
    backup = tmp_path / "backup.sqlite"
    with sqlite3.connect(desk.path) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    lost = _receive(desk, "zhangmin", "MZ", item, 2)
    _round(desk)
    path = desk.path
    desk.close()
    shutil.copyfile(backup, path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)

    restored = open_store(path)
    try:
        assert _standing(restored) == "copied"  # behind its last sync, before any number
        with pytest.raises(RuleViolation):
            _receive(restored, "zhangmin", "MZ", item, 3)
        enroll_desk(restored, county_server.url, county_server.code("window"))
        assert _round(restored).in_step
        assert _case(restored, lost.case_id).case_number == lost.case_number  # fetched back
        again = _receive(restored, "zhangmin", "MZ", item, 4)
        assert again.case_number != lost.case_number and again.case_number.startswith(restored.node_code)
    finally:
        restored.close()


def test_the_county_recognises_a_restored_database_without_its_watermark(desk, county_server, tmp_path):
    item = _item_of(desk, "MZ")
    _round(desk)
    backup = tmp_path / "backup.sqlite"
    with sqlite3.connect(desk.path) as src, sqlite3.connect(backup) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    _receive(desk, "zhangmin", "MZ", item, 5)
    _round(desk)
    path = desk.path
    desk.close()
    shutil.copyfile(backup, path)
    path.with_name(path.name + ".synced").unlink()
    restored = open_store(path)
    try:
        assert _standing(restored) == ""
        result = run_round(restored)
        assert result.standing == "copied" and _standing(restored) == "copied"
    finally:
        restored.close()


def test_a_revoked_desk_is_told_and_writes_nothing(desk, county_server):
    from windowdesk.county.db import open_county
    from windowdesk.county.enrollment import revoke

    engine = open_county(county_server.database)
    with Session(engine) as session, session.begin():
        revoke(session, desk.node_code, datetime.now(timezone.utc))
    engine.dispose()
    result = run_round(desk)
    assert result.standing == "revoked" and result.error
    with pytest.raises(RuleViolation, match="停用|县级"):
        _receive(desk, "zhangmin", "MZ", _item_of(desk, "MZ"), 6)
