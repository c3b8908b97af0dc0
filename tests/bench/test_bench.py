"""The county-scale benchmark at toy size: the generator writes a file WindowDesk accepts
(its projection equal to a replay of its log, payloads shaped as the services write
them), and the benchmark measures every figure on it. No timing is asserted."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import orjson
import pytest

from conftest import MZ, PERSON, PERSON2, SB, full_materials
from windowdesk.core.catalogue import Catalogue
from windowdesk.core.identity import parse_credit_code, parse_id_number
from windowdesk.db.store import open_store
from windowdesk.services import handling, intake, referrals
from windowdesk.services.maintenance import check_store
from windowdesk.services.uow import UnitOfWork

BENCH = Path(__file__).resolve().parents[2] / "bench"
CASES = 300


def bench(script: str, *args) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, str(BENCH / script), *map(str, args)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result


def rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("bench") / "county.sqlite"
    result = bench("generate.py", "--db", path, "--cases", CASES, "--townships", 2, "--seed", 7)
    return path, result.stdout


def test_generator_writes_the_requested_history(county):
    path, output = county
    assert "assume_weekends" in output and "events/s" in output
    assert rows(path, "SELECT count(*), count(DISTINCT case_number) FROM cases") == [(CASES, CASES)]
    events = rows(path, "SELECT count(*) FROM events")[0][0]
    assert 4 * CASES <= events <= 7 * CASES
    assert {n for (n,) in rows(path, "SELECT DISTINCT node FROM events")} == {"T01", "T02"}
    assert rows(path, "SELECT count(*) FROM windows")[0][0] == 28
    first, last = rows(path, "SELECT min(received_on), max(received_on) FROM cases")[0]
    assert first.startswith("2022-01") and "2026-06-01" <= last <= "2026-11-20"
    assert rows(path, "SELECT value FROM settings WHERE key = 'assume_weekends'") == [("true",)]
    kinds = Counter(dict(rows(path, "SELECT immediate, count(*) FROM cases GROUP BY immediate")))
    assert 0.65 < kinds[1] / CASES < 0.85, "about three cases in four are 即办件"
    # applicants repeat, with valid documents
    people = rows(path, "SELECT applicant_id_type, applicant_id_number FROM cases")
    assert len(set(people)) < CASES
    for id_type, number in set(people):
        if id_type == "resident_id":
            assert parse_id_number(number).number == number
        else:
            assert parse_credit_code(number).check_ok
    assert rows(path, "SELECT count(*) FROM applicants")[0][0] == len(set(people))


def test_generated_file_passes_the_desk_check(county):
    path, _ = county
    store = open_store(path, auto_backup=False)
    try:
        with UnitOfWork(store) as uow:
            report = check_store(uow)
    finally:
        store.close()
    assert report.ok, report.problems
    assert report.cases == CASES


def test_clock_stamps_and_numbers_continue_where_the_history_ends(county):
    path, _ = county
    for node in ("T01", "T02"):
        stamps = [h for (h,) in rows(path, f"SELECT hlc FROM events WHERE node = '{node}' ORDER BY seq")]
        assert stamps == sorted(set(stamps)), "stamps increase per node, in log order"
        assert all(s.endswith(node) for s in stamps)
    assert rows(path, "SELECT value FROM meta WHERE key = 'hlc_last'")[0][0] == stamps_of(path, "T01")[-1]
    assert rows(path, "SELECT count(*) FROM events a JOIN events b ON a.case_id = b.case_id "
                      "AND a.hlc < b.hlc AND a.recorded_at > b.recorded_at") == [(0,)], "no case goes back in time"
    issued = Counter(n.rsplit("-", 1)[0] for (n,) in rows(path, "SELECT case_number FROM cases"))
    stored = {f"{node}-{day}": last for node, day, last in rows(path, "SELECT node, day, last FROM number_sequences")}
    assert stored == dict(issued)


def stamps_of(path: Path, node: str) -> list[str]:
    return [h for (h,) in rows(path, f"SELECT hlc FROM events WHERE node = '{node}' ORDER BY hlc")]


def test_payloads_have_the_keys_the_services_write(county, run, store):
    """Drive the real services through every event type and compare payload keys."""
    path, _ = county
    catalogue = Catalogue.bundled()
    dibao, card = catalogue.item("MZ-GF-0001"), catalogue.item("SB-GG-0001")
    run(intake.complete_on_the_spot, SB, item_code=card.code, applicant=PERSON, materials=full_materials(card))
    some = full_materials(dibao)[1:]
    case = run(intake.receive_case, MZ, item_code=dibao.code, applicant=PERSON2, materials=some).case.case_id
    run(intake.issue_notice, MZ, case, additions=["村委会证明"])
    run(intake.record_supplement, MZ, case, materials=full_materials(dibao)[:1], additions_resolved=["村委会证明"])
    run(intake.accept_case, MZ, case)
    run(handling.suspend_case, MZ, case, procedure="公示", reason="公示", expected_days=7)
    run(handling.resume_case, MZ, case)
    run(handling.extend_case, MZ, case, days=5, approver="黄军", reason="核查")
    run(handling.complete_case, MZ, case, result="granted")
    run(handling.deliver_case, MZ, case)
    run(handling.evaluate_case, MZ, case, level=5)
    other = run(intake.receive_case, MZ, item_code=dibao.code, applicant=PERSON, materials=full_materials(dibao))
    run(referrals.refer_case, MZ, other.case.case_id, to_window="SB", reason="走错窗口")
    run(referrals.decline_referral, SB, other.case.case_id, reason="不属本窗口")
    run(referrals.refer_case, MZ, other.case.case_id, to_window="SB", reason="再转")
    run(referrals.accept_referral, SB, other.case.case_id)
    refused = run(intake.receive_case, MZ, item_code=dibao.code, applicant=PERSON, materials=full_materials(dibao))
    run(intake.refuse_case, MZ, refused.case.case_id, reason="不符合条件", basis="第十一条")
    third = run(intake.receive_case, MZ, item_code=dibao.code, applicant=PERSON, materials=full_materials(dibao))
    run(handling.withdraw_case, MZ, third.case.case_id, reason="主动撤回")
    with UnitOfWork(store, write=False) as uow:
        expected = {t: set(orjson.loads(p)) for t, p in uow.execute("SELECT type, payload FROM events").all()}
    generated = {(t, tuple(sorted(orjson.loads(p)))) for t, p in rows(path, "SELECT type, payload FROM events")}
    assert len({t for t, _ in generated}) >= 10
    for type_, keys in generated:
        assert set(keys) == expected[type_], type_


def test_benchmark_reports_every_figure(county, tmp_path):
    path, _ = county
    before = rows(path, "SELECT count(*) FROM cases")
    out = tmp_path / "results.json"
    result = bench("run.py", "--db", path, "--samples", 8, "--stat-runs", 2, "--out", out,
                   "--markdown", tmp_path / "RESULTS.md")
    data = json.loads(out.read_text(encoding="utf-8"))
    names = [m["name"] for m in data["metrics"]]
    for expected in ("case number", "ID number", "applicant name", "phone", "statistics", "intake",
                     "projection rebuild", "rebuild floor"):
        assert any(expected in n for n in names), expected
    for m in data["metrics"]:
        assert m["value"] > 0 and m["result"] in ("PASS", "MISS", "info"), m
        if m["raw"] is not None:
            assert m["raw"] > 0 and m["ratio"] > 0
    assert "PASS" in result.stdout or "MISS" in result.stdout
    assert data["file"]["cases"] == CASES and data["machine"]["cores"] >= 1
    assert 0 < data["stats_groups"] <= 28
    stats = next(m for m in data["metrics"] if m["name"].startswith("statistics"))
    assert stats["agrees_with_raw"], stats["differing_groups"]
    rebuild = next(m for m in data["metrics"] if m["name"] == "projection rebuild")
    assert rebuild["cases"] > CASES, "the rebuild replays the history and the intakes"
    assert rows(path, "SELECT count(*) FROM cases") == before, "the benchmark leaves the file as it was"
    assert not list(path.parent.glob("*bench-copy*"))
    assert "| Metric |" in (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
