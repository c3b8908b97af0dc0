"""Look-ups a desk makes all day: by case number, ID number, name, phone."""

from __future__ import annotations

from datetime import date

from conftest import MZ, PERSON, PERSON2, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.lifecycle import Status
from windowdesk.db import queries
from windowdesk.services import intake
from windowdesk.services.applicants import ApplicantInput
from windowdesk.services.uow import UnitOfWork

DIBAO = Catalogue.bundled().item("MZ-GF-0001")


def register(run, clock, person, days_later=0):
    clock.advance(days=days_later)
    return run(intake.receive_case, MZ, item_code=DIBAO.code, applicant=person,
               materials=full_materials(DIBAO)).case


def test_lookups_find_cases_newest_first(run, store, clock):
    first = register(run, clock, PERSON)
    other = register(run, clock, PERSON2)
    second = register(run, clock, PERSON, days_later=1)
    inquiry = run(intake.log_inquiry, MZ, question="怎么办低保？", applicant=ApplicantInput("")).case
    with UnitOfWork(store, clock, write=False) as uow:
        db = uow.dbapi
        assert queries.case_by_number(db, first.case_number.lower()).case_id == first.case_id
        assert queries.case_by_number(db, inquiry.inquiry_number).case_id == inquiry.case_id
        assert queries.case_by_number(db, "LJ03-20200101-0001") is None
        by_id = queries.cases_by_id_number(db, "11010519491231002x")
        assert [c.case_id for c in by_id] == [second.case_id, first.case_id]
        assert [c.case_id for c in queries.cases_by_name(db, " 欧阳·建国 ")] == [other.case_id]
        assert [c.case_id for c in queries.cases_by_phone(db, "138 0013 8000")] == [second.case_id, first.case_id]
        assert [c.case_id for c in queries.cases_by_id_number(db, PERSON.id_number, limit=1)] == [second.case_id]
        # one search box dispatches on the shape of what was typed (or scanned)
        assert [c.case_id for c in queries.search_cases(db, f" {other.case_number} ")] == [other.case_id]
        assert len(queries.search_cases(db, PERSON.id_number)) == 2
        assert len(queries.search_cases(db, "13800138000")) == 2
        assert [c.case_id for c in queries.search_cases(db, "李秀兰")] == [second.case_id, first.case_id]
        assert queries.search_cases(db, "   ") == [] and queries.search_cases(db, "无此人") == []
        summary = queries.cases_by_name(db, "李秀兰")[0]
    assert summary.status is Status.RECEIVED and summary.item_name == DIBAO.name
    assert summary.received_on == date(2026, 3, 3) and summary.label == second.case_number


def test_summary_warning_level_follows_the_due_date(run, store, clock):
    case = register(run, clock, PERSON)
    run(intake.accept_case, MZ, case.case_id)
    with UnitOfWork(store, clock, write=False) as uow:
        summary = queries.case_by_number(uow.dbapi, case.case_number)
        listed = queries.cases_by_name(uow.dbapi, PERSON.name)[0]
    assert listed.warning_level(date(2026, 3, 3)).value == "green"
    assert listed.warning_level(date(2026, 4, 8)).value == "red"
    assert summary.warning_level(date(2026, 4, 8)) is listed.warning_level(date(2026, 4, 8))
