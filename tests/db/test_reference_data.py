"""Catalogue versions and calendar years installed on a desk; hybrid logical clocks."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from conftest import MZ, PERSON, full_materials
from windowdesk.core.calendar import YearSchedule
from windowdesk.core.catalogue import Catalogue, load_catalogue
from windowdesk.core.errors import ValidationError
from windowdesk.core.hlc import HLCStamp, HybridLogicalClock
from windowdesk.core.notices import ReceivedMaterial
from windowdesk.services import intake, setup
from windowdesk.services.uow import UnitOfWork

CAT = Catalogue.bundled()


def new_version(version: str, drop_material: str) -> Catalogue:
    data = CAT.to_dict()
    data["catalogue"]["version"] = version
    item = next(i for i in data["items"] if i["code"] == "MZ-GF-0001")
    item["materials"] = [m for m in item["materials"] if m["code"] != drop_material]
    return load_catalogue(data)


def test_a_case_keeps_the_catalogue_version_it_was_registered_under(run, store, clock):
    old = run(intake.receive_case, MZ, item_code="MZ-GF-0001", applicant=PERSON,
              materials=[ReceivedMaterial("M01", True, 0)]).case
    with UnitOfWork(store, clock) as uow:
        installed = setup.install_catalogue(uow, new_version("2026.2", "M05"))
    assert installed.new and installed.version == "2026.2"
    new = run(intake.receive_case, MZ, item_code="MZ-GF-0001", applicant=PERSON,
              materials=[ReceivedMaterial("M01", True, 0)]).case
    assert (old.item_version, new.item_version) == (CAT.version, "2026.2")
    assert "M05" in old.missing_materials and "M05" not in new.missing_materials
    # The old case's notice is still built from the checklist it was registered under.
    notice = run(intake.issue_notice, MZ, old.case_id)
    assert "M05" in notice.notice_materials


def test_reinstalling_the_same_content_changes_nothing_and_a_clash_is_refused(store, clock):
    with UnitOfWork(store, clock) as uow:
        again = setup.install_catalogue(uow, CAT)
        assert not again.new and again.version == CAT.version
        with pytest.raises(ValidationError):
            setup.install_catalogue(uow, new_version(CAT.version, "M06"))
        versions = uow.execute("SELECT version, current FROM catalogue_versions").all()
    assert versions == [(CAT.version, 1)]


def test_an_administrator_adds_the_next_year(run, store, clock):
    clock.current = datetime(2026, 12, 28, 1, 30, tzinfo=timezone.utc)
    data = {"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}], "weekend_workdays": []}
    with UnitOfWork(store, clock) as uow:
        setup.install_calendar_year(uow, YearSchedule.from_dict(data), installed_by="admin")
    case = run(intake.receive_case, MZ, item_code="MZ-GF-0001", applicant=PERSON,
               materials=full_materials(CAT.item("MZ-GF-0001"))).case
    assert case.notice_deadline.isoformat() == "2027-01-05"  # 29, 30, 31 Dec, (1–3 Jan off), 4, 5 Jan


def test_cli_installs_a_calendar_year(tmp_path, store):
    from windowdesk.cli import main

    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, "holidays": [], "weekend_workdays": []}), encoding="utf-8")
    store.close()
    assert main(["calendar-add", str(path), "--db", str(store.path)]) == 0
    path.write_text(json.dumps({"year": 2027, "weekend_workdays": ["2027-03-03"]}), encoding="utf-8")
    assert main(["calendar-add", str(path), "--db", str(store.path)]) == 2


def test_hlc_never_goes_backwards_and_merges_remote_stamps():
    clock = HybridLogicalClock("LJ03")
    a = clock.tick(1000)
    b = clock.tick(900)  # the wall clock jumps back
    assert b > a and b.wall_ms == 1000 and b.counter == 1
    remote = HLCStamp(5000, 7, "LJ04")
    c = clock.observe(remote, 900)
    assert c > remote and c.wall_ms == 5000 and c.counter == 8
    assert HLCStamp.parse(str(c)) == c
    assert str(a) < str(b) < str(c)  # the text form sorts like the stamps
    with pytest.raises(ValidationError):
        HLCStamp.parse("nonsense")
