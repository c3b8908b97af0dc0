"""Screenshots of the main screens, taken from the real app on a fresh demo desk.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Renders offscreen at 1366×768 (the smallest screen the desk is made for) with the
bundled font, so the pictures look the same on any machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["TZ"] = "Asia/Shanghai"  # times as a township office sees them
if hasattr(__import__("time"), "tzset"):
    __import__("time").tzset()

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from windowdesk.db.store import open_store  # noqa: E402
from windowdesk.demo import build_demo  # noqa: E402
from windowdesk.services import accounts  # noqa: E402
from windowdesk.services.uow import FixedClock, UnitOfWork  # noqa: E402
from windowdesk.ui.app import make_app  # noqa: E402
from windowdesk.ui.background import Background  # noqa: E402
from windowdesk.ui.context import Desk  # noqa: E402
from windowdesk.ui.intake import IntakeDialog  # noqa: E402
from windowdesk.ui.mainwindow import MainWindow  # noqa: E402
from windowdesk.ui.signin import SignInDialog  # noqa: E402

TODAY = date(2026, 11, 20)
SIZE = (1366, 768)


def settle(app: QApplication) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(150)  # the detail view follows the selection once it rests (40 ms)
    for _ in range(3):
        app.processEvents()


def save(widget: QWidget, path: Path, app: QApplication) -> None:
    settle(app)
    widget.grab().save(str(path))
    print(path)


def desk_for(store, clock, code: str) -> Desk:
    with UnitOfWork(store, clock, write=False) as uow:
        user = accounts.signed_in(uow, code)
    return Desk(store, user, user.windows, clock, Background())


def main_window(store, clock, code: str, folder: Path) -> MainWindow:
    window = MainWindow(desk_for(store, clock, code), QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat))
    window.resize(*SIZE)
    window.show()
    return window


def select_case(window: MainWindow, status: str) -> None:
    model = window.queue.table.case_model
    for row in range(model.rowCount()):
        if model.summary(row).status.value == status:
            window.queue.table.selectRow(row)
            return


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    clock = FixedClock(datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = open_store(folder / "demo.sqlite", node_code="LJ03")
        build_demo(store, end=TODAY, months=6)

        signin = SignInDialog(store, clock)
        signin.code.setText("zhangmin")
        signin.password.setText("demo123")
        signin.show()
        save(signin, args.out / "signin.png", app)

        queue = main_window(store, clock, "sunli", folder)  # covers 国土 while 赵磊 is out
        select_case(queue, "in_progress")
        save(queue, args.out / "queue.png", app)

        detail = main_window(store, clock, "zhangmin", folder)
        settle(app)  # the queue's first row has been chosen: the case shown next stays
        with UnitOfWork(store, clock, write=False) as uow:
            rich = uow.execute(
                "SELECT case_id FROM cases WHERE holder_clerk = 'zhangmin' AND status = 'in_progress' "
                "ORDER BY suspensions != '[]' DESC, event_count DESC LIMIT 1").first()
        if rich:
            detail.detail.show_case(rich[0])
        save(detail, args.out / "case-detail.png", app)

        intake = IntakeDialog(desk_for(store, clock, "zhangmin"), detail)
        intake.resize(1280, 720)
        intake.show()
        intake.applicant.id_number.setText("11010519491231002X")
        intake.applicant.name.setText("李秀兰")
        intake.applicant.phone.setText("13800138000")
        intake.applicant.address.setText("石门村三组")
        intake.search.setText("dbsq")
        settle(app)
        intake.items_box.results.setCurrentRow(0)
        intake.items_box.results.setFocus()
        from PySide6.QtTest import QTest

        QTest.keyClick(intake.items_box.results, Qt.Key.Key_Return)
        for row in (0, 1, 2):
            intake.materials.toggle(row)
        save(intake, args.out / "intake.png", app)
        intake.close()

        from windowdesk.printing.render import render
        from windowdesk.printing.sheets import FormKind
        from windowdesk.services import printing
        from windowdesk.services.printing_parts import print_actor
        from windowdesk.ui.print_preview import PrintPreview

        with UnitOfWork(store, clock) as uow:
            number = uow.execute(
                "SELECT case_number FROM cases WHERE holder_clerk = 'zhangmin' AND accepted_on IS NOT NULL "
                "AND NOT immediate ORDER BY accepted_on DESC LIMIT 1").first()[0]
            sheet = printing.CASE_FORMS[FormKind.ACCEPTANCE](uow, print_actor(uow, number), number, record=False)
        preview = PrintPreview(printing.form_title(FormKind.ACCEPTANCE), render(sheet), f"{number}.pdf",
                               detail.desk.background, detail)
        preview.resize(1000, 740)
        preview.show()
        save(preview, args.out / "print-preview.png", app)
        preview.close()

        village = main_window(store, clock, "daiban01", folder)
        select_case(village, "handed_over")
        save(village, args.out / "village.png", app)
        for window in (queue, detail, village):
            window.close()
            window.desk.background.wait()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
