"""The layering in docs/architecture.md, checked on the real modules in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import windowdesk

PACKAGE = Path(windowdesk.__file__).resolve().parent
MAX_LINES = 400
EXEMPT = (PACKAGE / "db" / "migrations" / "versions",)

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    def import_all(package_name):
        package = importlib.import_module(package_name)
        names = [f"{package_name}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
        for name in names:
            importlib.import_module(name)
        return names

    loaded = {}
    for package_name in sys.argv[1:]:
        loaded[package_name] = import_all(package_name)
    print(json.dumps({
        "loaded": loaded,
        "heavy": sorted({m.split(".")[0] for m in sys.modules} & {"PySide6", "sqlalchemy", "alembic"}),
    }))
    """
)


def probe(*packages: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *packages], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_core_imports_neither_qt_nor_sqlalchemy():
    found = probe("windowdesk.core")
    modules = found["loaded"]["windowdesk.core"]
    expected = {f"windowdesk.core.{p.stem}" for p in (PACKAGE / "core").glob("*.py") if p.stem != "__init__"}
    assert set(modules) == expected, "every module of windowdesk/core was imported"
    assert "PySide6" not in found["heavy"]
    assert "sqlalchemy" not in found["heavy"], "windowdesk.core must stay free of SQLAlchemy"


def test_services_do_not_import_qt():
    found = probe("windowdesk.core", "windowdesk.services", "windowdesk.db")
    assert len(found["loaded"]["windowdesk.services"]) >= 5
    assert "sqlalchemy" in found["heavy"], "the probe sees heavy imports (db.models does use SQLAlchemy)"
    assert "PySide6" not in found["heavy"], "services must not depend on the Qt user interface"


STARTUP = textwrap.dedent(
    """
    import json, sys
    import windowdesk.cli, windowdesk.ui.app, windowdesk.ui.mainwindow, windowdesk.ui.signin
    import windowdesk.ui.intake, windowdesk.ui.case_actions
    import windowdesk.services.intake, windowdesk.services.accounts, windowdesk.db.store
    print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & {"sqlalchemy", "alembic"})))
    """
)


def test_starting_the_desk_imports_neither_sqlalchemy_nor_alembic():
    """They cost 0.2–0.5 s of every cold start; the desk's own SQL runs on sqlite3, and
    SQLAlchemy/Alembic come in only to create or upgrade a file or for an ORM session."""
    result = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_no_module_is_longer_than_400_lines():
    counted = 0
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(path.is_relative_to(folder) for folder in EXEMPT):
            continue
        counted += 1
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            offenders.append(f"{path.relative_to(PACKAGE.parent)}: {lines} lines")
    print("\n".join(offenders))
    assert counted > 20
    assert not offenders, "modules over 400 lines:\n" + "\n".join(offenders)


OPENING = textwrap.dedent(
    """
    import json, sys
    from windowdesk import cli
    args = cli.build_parser(with_commands=not cli.opens_the_desk(sys.argv[1:])).parse_args(sys.argv[1:])
    import windowdesk.ui.app
    print(json.dumps({"command": args.command, "db": args.db,
                      "loaded": sorted(m for m in sys.modules if m in (
                          "windowdesk.commands", "windowdesk.db.stats", "windowdesk.services.maintenance",
                          "windowdesk.printing.render", "reportlab", "multiprocessing"))}))
    """
)


@pytest.mark.parametrize("argv, desk_only", [
    ([], True), (["--db", "x.sqlite"], True), (["--db=x.sqlite", "--quit-when-shown"], True),
    (["--sign-in", "a:b", "--db", "x"], True), (["summary"], False), (["--db", "x", "stats"], False),
    (["-h"], False),
])
def test_only_a_plain_start_skips_the_operator_commands(argv, desk_only):
    from windowdesk import cli

    assert cli.opens_the_desk(argv) is desk_only


def test_opening_the_desk_imports_no_operator_command_nor_the_printing():
    """Before the sign-in shows, only what the desk needs is imported: statistics, the
    maintenance jobs (multiprocessing) and the form renderer come when asked for."""
    result = subprocess.run([sys.executable, "-c", OPENING, "--db", "desk.sqlite"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"command": None, "db": "desk.sqlite", "loaded": []}


WARMING = textwrap.dedent(
    """
    import json, os, sys
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from windowdesk.ui import app as desk_app
    application = desk_app.make_app()
    wanted = desk_app.LATER_PLAIN_MODULES + desk_app.LATER_UI_MODULES
    before = sorted(m for m in wanted if m in sys.modules)
    desk_app.warm_the_rest()

    def check():
        if all(m in sys.modules for m in wanted):
            application.quit()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(0, check)
    QTimer.singleShot(60_000, application.quit)
    application.exec()
    print(json.dumps({"before": before, "missing": sorted(m for m in wanted if m not in sys.modules),
                      "phrases": "pypinyin.phrases_dict" in sys.modules}))
    """
)


def test_the_dialogs_modules_are_warmed_after_the_window_appears():
    """What the first intake or action needs is imported after the start (its plain-Python
    half on a thread), and pypinyin leaves its phrase dictionary unread (one 2.5 MB JSON
    parse that held the interpreter lock while the UI waited)."""
    result = subprocess.run([sys.executable, "-c", WARMING], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {"before": [], "missing": [], "phrases": False}
