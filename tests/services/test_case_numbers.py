"""Case numbers: their format, uniqueness across desks, and no reuse after failures or crashes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date

import pytest

from conftest import MZ, PERSON, PERSON2, STAFF, START, event_count, full_materials
from windowdesk.core.casenumber import CASE, INQUIRY, CaseNumber, check_node_code, format_number, parse_number
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.errors import ValidationError
from windowdesk.core.events import EventType
from windowdesk.db.store import open_store
from windowdesk.services import intake, setup
from windowdesk.services.maintenance import check_store
from windowdesk.services.uow import FixedClock, UnitOfWork

DIBAO = Catalogue.bundled().item("MZ-GF-0001")


def receive(store, clock, applicant=PERSON):
    with UnitOfWork(store, clock) as uow:
        return intake.receive_case(
            uow, MZ, item_code=DIBAO.code, applicant=applicant, materials=full_materials(DIBAO)
        ).case


def numbers_in_log(store) -> list[str]:
    with UnitOfWork(store, write=False) as uow:
        return [
            r[0]
            for r in uow.execute(
                "SELECT json_extract(payload, '$.case_number') FROM events WHERE type = 'case_received' ORDER BY seq"
            ).all()
        ]


def new_desk(path, node, clock):
    store = open_store(path, node_code=node)
    with UnitOfWork(store, clock) as uow:
        setup.install_bundled_reference_data(uow)
        for code, name, role, windows in STAFF:
            setup.add_clerk(uow, code=code, name=name, role=role, windows=windows)
    return store


# format ------------------------------------------------------------------------------------


def test_case_number_format(store, clock):
    first = receive(store, clock)
    assert first.case_number == "LJ03-20260302-0001"
    clock.advance(days=1)
    assert receive(store, clock, PERSON2).case_number == "LJ03-20260303-0001", "the sequence is per day"


def test_inquiries_have_their_own_z_sequence(store, clock):
    with UnitOfWork(store, clock) as uow:
        inquiry = intake.log_inquiry(uow, MZ, question="低保需要哪些材料？", applicant=PERSON).case
    assert inquiry.inquiry_number == "LJ03-20260302-Z0001"
    assert inquiry.case_number is None
    assert receive(store, clock).case_number == "LJ03-20260302-0001"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("LJ03-20260302-0001", CaseNumber("LJ03", date(2026, 3, 2), 1, CASE)),
        ("LJ03-20261123-Z0007", CaseNumber("LJ03", date(2026, 11, 23), 7, INQUIRY)),
        ("NA1B2-20280229-12345", CaseNumber("NA1B2", date(2028, 2, 29), 12345, CASE)),
    ],
)
def test_parse_and_format_round_trip(text, expected):
    parsed = parse_number(text)
    assert parsed == expected
    assert str(parsed) == text
    assert format_number(parsed.node, parsed.day, parsed.seq, parsed.scope) == text
    assert parse_number(f"  {text.lower()} ") == expected, "typed in lower case with spaces"


@pytest.mark.parametrize(
    "text",
    ["", "LJ03-20260302", "LJ03-20260230-0001", "LJ03-2026030-0001", "LJ03-20260302-001",
     "3J03-20260302-0001", "LJ03-20260302-X0001", "LJ03_20260302_0001"],
)
def test_not_case_numbers(text):
    with pytest.raises(ValidationError):
        parse_number(text)


def test_sequence_numbers_start_at_one():
    assert format_number("LJ03", date(2026, 3, 2), 1, INQUIRY) == "LJ03-20260302-Z0001"
    with pytest.raises(ValueError):
        format_number("LJ03", date(2026, 3, 2), 0)


@pytest.mark.parametrize("good, normalised", [("LJ03", "LJ03"), ("lj04", "LJ04"), (" AB ", "AB"), ("A1234567", "A1234567")])
def test_good_node_codes(good, normalised):
    assert check_node_code(good) == normalised


@pytest.mark.parametrize("bad", ["", "A", "3LJ", "LJ-03", "LJ 03", "ABCDEFGHI", "乡镇01", "L_03"])
def test_bad_node_codes_are_refused(bad):
    with pytest.raises(ValidationError):
        check_node_code(bad)


# two desks ---------------------------------------------------------------------------------


def test_two_desks_issue_disjoint_numbers_on_the_same_day(tmp_path):
    clock = FixedClock(START)
    desks = [new_desk(tmp_path / f"{node}.sqlite", node, clock) for node in ("LJ03", "LJ04")]
    try:
        issued = {store.node_code: [receive(store, clock, p).case_number for p in (PERSON, PERSON2, PERSON)]
                  for store in desks}
    finally:
        for store in desks:
            store.close()
    assert issued == {
        "LJ03": ["LJ03-20260302-0001", "LJ03-20260302-0002", "LJ03-20260302-0003"],
        "LJ04": ["LJ04-20260302-0001", "LJ04-20260302-0002", "LJ04-20260302-0003"],
    }
    assert not set(issued["LJ03"]) & set(issued["LJ04"])


# no reuse, no gaps ----------------------------------------------------------------------------------


def test_an_intake_that_fails_after_taking_a_number_leaves_no_gap(store, clock):
    assert receive(store, clock).case_number == "LJ03-20260302-0001"
    before = event_count(store)
    # a real failure of the database after the number was reserved: the event insert is refused
    with UnitOfWork(store, clock) as uow:
        uow.execute("CREATE TRIGGER fail_case_event BEFORE INSERT ON events "
                    "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END")
        uow.commit()
    with pytest.raises(sqlite3.IntegrityError, match="disk trouble"):
        receive(store, clock, PERSON2)
    with UnitOfWork(store, clock) as uow:
        uow.execute("DROP TRIGGER fail_case_event")
        uow.commit()
    assert event_count(store) == before, "the failed intake wrote no event"
    assert numbers_in_log(store) == ["LJ03-20260302-0001"]

    assert receive(store, clock, PERSON2).case_number == "LJ03-20260302-0002", "0002 rolled back with its intake: no gap"
    assert numbers_in_log(store) == ["LJ03-20260302-0001", "LJ03-20260302-0002"]
    with UnitOfWork(store, clock) as uow:
        assert check_store(uow).ok


def test_an_error_raised_in_intake_after_taking_a_number_leaves_no_gap(store, clock, monkeypatch):
    """The same through the Python path: ``append`` raises once, after the number was taken."""
    real_append = intake.append
    calls = []

    def fail_once(*args, **kwargs):
        calls.append(args[3])
        if len(calls) == 1:
            raise OSError("disk full")
        return real_append(*args, **kwargs)

    monkeypatch.setattr(intake, "append", fail_once)
    with pytest.raises(OSError):
        receive(store, clock)
    assert event_count(store) == 0
    assert receive(store, clock).case_number == "LJ03-20260302-0001"
    assert calls == [EventType.CASE_RECEIVED, EventType.CASE_RECEIVED]
    assert numbers_in_log(store) == ["LJ03-20260302-0001"]


CRASHING_CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import datetime
    from windowdesk.db.store import open_store
    from windowdesk.services import intake
    from windowdesk.services.applicants import ApplicantInput
    from windowdesk.services.common import Actor
    from windowdesk.services.uow import FixedClock, UnitOfWork

    path, crash_at, now = sys.argv[1:4]

    def crash(*args, **kwargs):
        os._exit(70)  # the process dies here: no rollback, no close, no checkpoint

    setattr(intake, crash_at, crash)
    store = open_store(path, auto_backup=False)
    clock = FixedClock(datetime.fromisoformat(now))
    with UnitOfWork(store, clock) as uow:
        intake.receive_case(uow, Actor("zhangmin", "MZ"), item_code="MZ-GF-0001",
                            applicant=ApplicantInput("欧阳·建国", "430111198803150012"))
    sys.exit(0)  # not reached
    """
)


@pytest.mark.parametrize(
    "crash_at",
    ["append", "remember_applicant"],
    ids=["crash-before-the-event-is-written", "crash-after-the-event-is-written-before-commit"],
)
def test_a_process_that_crashes_mid_intake_leaves_no_gap_and_no_reuse(tmp_path, crash_at):
    path = tmp_path / "desk.sqlite"
    clock = FixedClock(START)
    store = new_desk(path, "LJ03", clock)
    assert receive(store, clock).case_number == "LJ03-20260302-0001"
    store.close()

    child = subprocess.run(
        [sys.executable, "-c", CRASHING_CHILD, str(path), crash_at, clock.now().isoformat()],
        capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == 70, f"the child should have died at {crash_at}:\n{child.stderr}"

    store = open_store(path, auto_backup=False)
    try:
        assert numbers_in_log(store) == ["LJ03-20260302-0001"], "the crashed intake left no event"
        assert receive(store, clock, PERSON2).case_number == "LJ03-20260302-0002"
        assert numbers_in_log(store) == ["LJ03-20260302-0001", "LJ03-20260302-0002"]
        with UnitOfWork(store, clock) as uow:
            report = check_store(uow)
        assert report.ok, report.problems
        assert report.cases == 2
    finally:
        store.close()
