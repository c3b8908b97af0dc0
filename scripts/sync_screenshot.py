"""Screenshots of county sync, taken from the real app against a real county server.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/sync_screenshot.py [--out docs/screenshots]

Starts a throwaway PostgreSQL cluster with the demo county and a county server process on
127.0.0.1, enrolls two window desks of 青石镇, makes a few cases on both (one referral
taken on both desks at once: 冲突), syncs them, then opens desk A as the supervisor 黄军
and grabs the window (sync.png) and 工具 → 同步状态 (sync-status.png). Everything it
started is stopped and removed afterwards, also when something fails.
Needs PostgreSQL (apt-get install postgresql); as root, PostgreSQL runs as its own user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["TZ"] = "Asia/Shanghai"  # times as a township office sees them
if hasattr(__import__("time"), "tzset"):
    __import__("time").tzset()

import httpx  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from windowdesk.core.identity import id_check_char  # noqa: E402
from windowdesk.core.notices import complete_materials  # noqa: E402
from windowdesk.county.db import open_county  # noqa: E402
from windowdesk.county.demo import build_demo_county  # noqa: E402
from windowdesk.county.enrollment import issue_enroll_code  # noqa: E402
from windowdesk.county.pgcluster import Cluster, throwaway_dir  # noqa: E402
from windowdesk.db.store import open_store  # noqa: E402
from windowdesk.services import accounts, intake, referrals  # noqa: E402
from windowdesk.services.applicants import ApplicantInput  # noqa: E402
from windowdesk.services.common import Actor, current_item  # noqa: E402
from windowdesk.services.uow import SystemClock, UnitOfWork  # noqa: E402
from windowdesk.sync.engine import enroll_desk, run_round  # noqa: E402
from windowdesk.ui.app import make_app  # noqa: E402
from windowdesk.ui.background import Background  # noqa: E402
from windowdesk.ui.context import Desk  # noqa: E402
from windowdesk.ui.mainwindow import MainWindow  # noqa: E402

SIZE = (1366, 768)
DATABASE = "county"


@contextlib.contextmanager
def county_server(database: str):
    """``windowdesk county serve`` on 127.0.0.1:8650 as in the README (another free port
    if that one is taken); yields its URL."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", 8650))
        except OSError:
            s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "windowdesk.cli", "county", "serve", "--database", database,
                             "--listen", f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        else:
            proc.kill()
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError("the county server did not start:\n" + log.read().decode(errors="replace"))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def person(name: str, body: str, phone: str) -> ApplicantInput:
    """An applicant with a valid 公民身份号码 (``body``: its first 17 digits)."""
    return ApplicantInput(name, body + id_check_char(body), phone=phone, address="青石镇")


def receive(store, clerk: str, window: str, item: str, applicant: ApplicantInput) -> str:
    """收件 with every required material: the new case's id."""
    with UnitOfWork(store) as uow:
        it, _version = current_item(uow, item)
        return intake.receive_case(uow, Actor(clerk, window), item_code=item, applicant=applicant,
                                   materials=complete_materials(it)).case.case_id


def act(store, service, clerk: str, window: str, case_id: str, **kwargs) -> None:
    with UnitOfWork(store) as uow:
        service(uow, Actor(clerk, window), case_id, **kwargs)


def synced(*stores) -> None:
    for store in stores:
        result = run_round(store)
        if result.error:
            raise RuntimeError(f"sync round of {store.node_code} failed: {result.error}")


def make_cases(a, b) -> str:
    """A morning in the hall, on both PCs; returns the case in conflict."""
    # items whose limits are short: accepting one whose limit runs into a year with no holiday
    # schedule (the bundled ones end with 2026) fails with CalendarGapError
    relief = receive(a, "zhangmin", "MZ", "MZ-GF-0002", person("李秀兰", "43110219450312002", "13807461234"))
    act(a, intake.accept_case, "zhangmin", "MZ", relief)
    receive(a, "zhangmin", "MZ", "MZ-GF-0003", person("刘建国", "43110219460709001", "13975612345"))
    card = receive(b, "chenjie", "SB", "SB-GG-0003", person("陈桂英", "43110219720215004", "15873698765"))
    act(b, intake.accept_case, "chenjie", "SB", card)
    receive(b, "chenjie", "YB", "YB-GF-0001", person("赵德明", "43110219580826003", "18674351122"))
    # 周玉梅 asked at 民政 for her pension: registered there and referred to 社保 ...
    contested = receive(a, "zhangmin", "MZ", "SB-GG-0002", person("周玉梅", "43110219630411006", "13507364455"))
    act(a, referrals.refer_case, "zhangmin", "MZ", contested, to_window="SB", reason="属社保事项")
    synced(a, b)
    # ... and taken over by 王芳 on PC A and by 陈杰 on PC B before either heard of the other
    act(a, referrals.accept_referral, "wangfang", "SB", contested)
    act(b, referrals.accept_referral, "chenjie", "SB", contested)
    synced(a, b, a, b)
    return contested


def settle(app: QApplication, ms: int = 300) -> None:
    from PySide6.QtTest import QTest

    QTest.qWait(ms)
    for _ in range(3):
        app.processEvents()


def save(widget: QWidget, path: Path, app: QApplication) -> None:
    settle(app)
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"could not write {path}")
    print(path)


def screenshots(store, case_id: str, folder: Path, out: Path, app: QApplication) -> None:
    clock = SystemClock()  # the real clock: the county checks it
    with UnitOfWork(store, clock, write=False) as uow:
        user = accounts.signed_in(uow, "huangjun")
    window = MainWindow(Desk(store, user, user.windows, clock, Background()),
                        QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat))
    try:
        window.resize(*SIZE)
        window.show()
        runner = window.sync.runner
        deadline = time.monotonic() + 30  # the round the window makes once it has appeared
        while (runner.rounds < 1 or runner.running) and time.monotonic() < deadline:
            settle(app, 100)
        window.statusBar().clearMessage()  # the round's transient summary
        table = window.queue.table
        row = table.case_model.row_of(case_id)
        if row is None:
            raise RuntimeError("the case in conflict is not in the supervisor's list")
        table.selectRow(row)
        deadline = time.monotonic() + 10
        while (window.detail.state is None or window.detail.state.case_id != case_id) and time.monotonic() < deadline:
            settle(app, 50)
        if not window.detail.conflict_banner.isVisible():
            raise RuntimeError("the conflict banner is not shown")
        print("status bar:", window.status_sync.text())
        save(window, out / "sync.png", app)
        dialog = window.act_sync_status()
        save(dialog, out / "sync-status.png", app)
        dialog.close()
    finally:
        window.close()  # waits for the sync thread, before the store closes
        window.desk.background.wait()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    app = make_app()
    with contextlib.ExitStack() as stack:
        base = stack.enter_context(throwaway_dir("windowdesk-shot-pg-"))
        cluster = stack.enter_context(Cluster.create(base / "data", fast=True))
        cluster.create_database(DATABASE)
        url = cluster.url(DATABASE)
        engine = open_county(url)
        try:
            with Session(engine) as session, session.begin():
                build_demo_county(session)
            with Session(engine) as session, session.begin():
                now = datetime.now(timezone.utc)
                codes = [issue_enroll_code(session, township="QS", kind="window", now=now) for _ in range(2)]
        finally:
            engine.dispose()
        server = stack.enter_context(county_server(url))
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="windowdesk-shot-desks-")))
        stores = []
        stack.callback(lambda: [store.close() for store in stores])
        for name, code in zip("ab", codes, strict=True):
            stores.append(open_store(folder / f"{name}.sqlite"))
            enroll_desk(stores[-1], server, code)
        a, b = stores
        contested = make_cases(a, b)
        screenshots(a, contested, folder, args.out, app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
