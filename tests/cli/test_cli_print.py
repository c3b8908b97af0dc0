"""``windowdesk print`` and ``windowdesk center``, run for real in a subprocess on copies of a
demo desk; the PDFs are read back with pypdf."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from .test_cli import query
from windowdesk.db.store import open_store
from windowdesk.demo import CENTER, build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    store = open_store(path, node_code="LJ03")
    build_demo(store, end=date(2026, 11, 20), months=1, seed=7)
    store.close()
    return path


@pytest.fixture
def desk(demo, tmp_path) -> Path:
    path = tmp_path / "desk.sqlite"
    shutil.copyfile(demo, path)
    return path


def windowdesk(desk: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, WINDOWDESK_DB=str(desk.parent / "env-default.sqlite"))
    env.pop("WINDOWDESK_LANG", None)
    return subprocess.run([sys.executable, "-m", "windowdesk.cli", *args, "--db", str(desk)],
                          capture_output=True, text=True, env=env, cwd=desk.parent, timeout=120)


def a_case(desk: Path, where: str) -> tuple[str, str, str, str]:
    """(number, applicant, holder clerk, holder window) of the first case matching ``where``."""
    return query(desk, "SELECT case_number, applicant_name, holder_clerk, holder_window FROM cases "
                       f"WHERE kind = 'case' AND {where} ORDER BY case_number LIMIT 1")[0]


def prints(desk: Path, number: str) -> list[tuple[dict, str]]:
    rows = query(desk, "SELECT e.payload, e.actor FROM events e JOIN cases c ON c.case_id = e.case_id "
                       "WHERE c.case_number = ? AND e.type = 'printed' ORDER BY e.hlc", (number,))
    return [(json.loads(p), actor) for p, actor in rows]


def pdf_text(path: Path) -> str:
    """The PDF's text without white space (a narrow ledger column may wrap a case number)."""
    assert path.read_bytes()[:5] == b"%PDF-"
    return "".join("".join(page.extract_text() for page in PdfReader(path).pages).split())


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".pdf", ".part"))


def test_an_acceptance_notice_is_printed_and_recorded_as_the_holding_clerk(desk):
    number, applicant, clerk, window = a_case(desk, "status = 'in_progress'")
    out = desk.parent / "notice.pdf"
    result = windowdesk(desk, "print", "acceptance", "--case", number, "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    assert number in text and applicant in text and CENTER["office_name"] in text
    assert prints(desk, number) == [({"form": "acceptance", "reprint": False, "copies": 1}, clerk)]
    again = windowdesk(desk, "print", "acceptance", "--case", number, "--out", str(desk.parent / "again.pdf"))
    assert again.returncode == 0, again.stderr
    assert [p["reprint"] for p, _actor in prints(desk, number)] == [False, True]
    assert query(desk, "SELECT status FROM cases WHERE case_number = ?", (number,)) == [("in_progress",)]


@pytest.mark.parametrize("form, where", [
    ("refusal", "status = 'refused'"),
    ("one-time-notice", "notice_count > 0"),
    ("satisfaction", "status = 'evaluated'"),
])
def test_each_case_form_prints_the_case(desk, form, where):
    number, applicant, _clerk, _window = a_case(desk, where)
    out = desk.parent / f"{form}.pdf"
    result = windowdesk(desk, "print", form, "--case", number, "--out", str(out), "--clerk", "huangjun")
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    assert number in text and applicant in text
    assert [(p["form"], actor) for p, actor in prints(desk, number)] == [(form, "huangjun")]


def test_the_book_and_the_guide(desk):
    out = desk.parent / "book.pdf"
    before = query(desk, "SELECT count(*) FROM events")
    result = windowdesk(desk, "print", "book", "--window", "mz", "--from", "2026-11-01", "--to", "2026-11-20",
                        "--out", str(out))  # codes as typed: lower case is fine
    assert result.returncode == 0, result.stderr
    text = pdf_text(out)
    numbers = [n for (n,) in query(desk, "SELECT case_number FROM cases WHERE kind = 'case' AND holder_window = 'MZ' "
                                         "AND received_on BETWEEN '2026-11-01' AND '2026-11-20'")]
    assert numbers and all(n in text for n in numbers)
    other = query(desk, "SELECT case_number FROM cases WHERE kind = 'case' AND holder_window != 'MZ' "
                        "AND received_on BETWEEN '2026-11-01' AND '2026-11-20'")
    assert not any(n in text for (n,) in other)
    guide = desk.parent / "guide.pdf"
    result = windowdesk(desk, "print", "guide", "--item", "gt-xk-0001", "--out", str(guide))
    assert result.returncode == 0, result.stderr
    assert "乡村建设规划许可证核发" in pdf_text(guide)
    assert query(desk, "SELECT count(*) FROM events") == before, "neither is a case's paper"


@pytest.mark.parametrize("args, named", [
    (["refusal", "--case", "{in_progress}"], "{in_progress}"),
    (["acceptance", "--case", "LJ03-20261120-0999"], "LJ03-20261120-0999"),
    (["acceptance", "--case", "{in_progress}", "--clerk", "nobody"], "nobody"),
    (["acceptance", "--case", "{in_progress}", "--clerk", "liuyang"], "{in_progress}"),  # 卫健 clerk
    (["acceptance"], "--case"),
    (["book", "--from", "2026-11-20", "--to", "2026-11-01"], "2026-11-01"),
    (["book", "--from", "2026-11-01", "--to", "2026-11-31"], "2026-11-31"),
    (["book", "--window", "ZZ", "--from", "2026-11-01", "--to", "2026-11-20"], "MZ（民政窗口）"),  # lists the windows
    (["book", "--from", "2026-11-01"], "--to"),
    (["guide", "--item", "XX-0000"], "XX-0000"),
])
def test_a_failing_print_says_why_in_chinese_and_leaves_nothing(desk, args, named):
    number = a_case(desk, "status = 'in_progress' AND holder_window != 'WJ'")[0]
    args = [a.replace("{in_progress}", number) for a in args]
    events = query(desk, "SELECT count(*) FROM events")
    out = desk.parent / "out.pdf"
    result = windowdesk(desk, "print", *args, "--out", str(out))
    assert result.returncode == 2
    assert named.replace("{in_progress}", number) in result.stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers(desk.parent) == [] and not out.exists()
    assert query(desk, "SELECT count(*) FROM events") == events


def test_a_missing_database_or_folder_is_refused_without_creating_anything(tmp_path):
    missing = tmp_path / "nowhere.sqlite"
    result = windowdesk(missing, "print", "guide", "--item", "GT-XK-0001", "--out", str(tmp_path / "g.pdf"))
    assert result.returncode == 2 and str(missing) in result.stderr
    assert not missing.exists() and leftovers(tmp_path) == []


def test_a_failed_layout_records_no_print_and_writes_no_file(desk, monkeypatch, capsys):
    import windowdesk.printing.render as render_module
    from windowdesk import cli

    def broken(sheet, *, progress=None):
        raise RuntimeError("page overflow")

    monkeypatch.setattr(render_module, "render", broken)
    number = a_case(desk, "status = 'in_progress'")[0]
    out = desk.parent / "notice.pdf"
    assert cli.main(["print", "acceptance", "--db", str(desk), "--case", number, "--out", str(out)]) == 2
    assert "page overflow" in capsys.readouterr().err
    assert leftovers(desk.parent) == []
    assert prints(desk, number) == []


def test_center_show_and_set(desk):
    shown = windowdesk(desk, "center", "show")
    assert shown.returncode == 0, shown.stderr
    assert CENTER["office_name"] in shown.stdout and CENTER["court"] in shown.stdout
    changed = windowdesk(desk, "center", "set", "--court", "示范县中级人民法院", "--litigation-months", "6")
    assert changed.returncode == 0, changed.stderr
    assert "示范县中级人民法院" in windowdesk(desk, "center", "show").stdout
    refused = windowdesk(desk, "center", "set", "--clerk", "zhangmin", "--court", "别的法院")
    assert refused.returncode == 2 and "张敏" in refused.stderr
    invalid = windowdesk(desk, "center", "set", "--reconsideration-days", "400")
    assert invalid.returncode == 2 and "400" in invalid.stderr
    assert "别的法院" not in windowdesk(desk, "center", "show").stdout
