"""Starting the desk: Qt, the bundled font, the log, the database, signing in, the window.

``run_desk`` is what ``windowdesk`` (no subcommand) and ``scripts/run.sh`` call. On the
very first start, with no database yet, it builds the demo desk (on the background
helper, with progress) so there is something real to sign in to.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, Qt, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QProgressDialog

from windowdesk.core.errors import DomainError
from windowdesk.db.store import daily_maintenance, default_db_path, open_store
from windowdesk.fonts import FONT_FAMILY, bundled_font_path
from windowdesk.i18n import _
from windowdesk.services.uow import SystemClock
from windowdesk.ui import feedback
from windowdesk.ui.background import Background
from windowdesk.ui.errors import install_excepthook, log, set_up_logging


def register_font(app: QApplication) -> str:
    """Make the bundled CJK font available and the default, so Chinese renders anywhere."""
    font_id = QFontDatabase.addApplicationFont(str(bundled_font_path()))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    family = FONT_FAMILY if FONT_FAMILY in families else (families[0] if families else "")
    if family:
        font = QFont(family)
        font.setPointSize(10)
        app.setFont(font)
    return family


def make_app(argv: list[str] | None = None) -> QApplication:
    if QApplication.instance() is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("WindowDesk")
    app.setOrganizationName("WindowDesk")
    register_font(app)
    install_qt_translations(app)
    return app


def install_qt_translations(app: QApplication) -> bool:
    """Qt's own words (确定 / 取消, the text-field menu …) in Chinese, from the
    translations that ship with Qt. ``WINDOWDESK_LANG=en`` keeps them English."""
    if os.environ.get("WINDOWDESK_LANG", "zh_CN") == "en" or getattr(app, "_windowdesk_qt_tr", None):
        return False
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load(QLocale(QLocale.Language.Chinese, QLocale.Country.China), "qtbase", "_", folder):
        return False
    app.installTranslator(translator)
    app._windowdesk_qt_tr = translator  # kept alive with the application
    return True


#: What the first F2, F6 or print needs, imported once the desk has appeared: the
#: plain-Python modules on a thread of their own (pypinyin's dictionaries alone take
#: ~150 ms, and a thread gives the UI thread its turn every few milliseconds), then the
#: widgets' modules on the UI thread, one per turn of the event loop.
LATER_PLAIN_MODULES = ("windowdesk.core.itemsearch", "windowdesk.services.intake", "windowdesk.services.handling",
                       "windowdesk.services.referrals", "windowdesk.services.printing")
LATER_UI_MODULES = ("windowdesk.ui.case_actions", "windowdesk.ui.intake", "windowdesk.ui.printing")
WARM_AFTER_MS = 300


def warm_the_rest() -> None:
    """Import the dialogs' modules while the clerk looks at the queue, so the first
    intake or action opens at once (the window itself did not wait for them)."""
    import importlib
    import threading

    def plain() -> None:
        for name in LATER_PLAIN_MODULES:
            importlib.import_module(name)

    thread = threading.Thread(target=plain, name="warm-up", daemon=True)
    thread.start()
    pending = list(LATER_UI_MODULES)

    def next_ui_module() -> None:
        if thread.is_alive():  # the widgets' modules need the plain ones: wait for them
            QTimer.singleShot(50, next_ui_module)
        elif pending:
            importlib.import_module(pending.pop(0))
            QTimer.singleShot(0, next_ui_module)

    QTimer.singleShot(50, next_ui_module)


def ui_settings(db_path: Path) -> QSettings:
    """Window geometry and column choices, kept next to the desk's database."""
    return QSettings(str(db_path.parent / "windowdesk-ui.ini"), QSettings.Format.IniFormat)


class Launcher:
    """Open (or first create) the database, sign in, show the main window."""

    def __init__(self, app: QApplication, db_path: Path, *, auto_sign_in: tuple[str, str] | None = None,
                 quit_when_shown: bool = False):
        self.app, self.db_path = app, db_path
        self.auto_sign_in, self.quit_when_shown = auto_sign_in, quit_when_shown
        self.background = Background()
        self.sync = None  # the store's SyncRunner: it goes on syncing between sign-ins
        self.store = None
        self.window = None
        self.signin = None
        self.started = time.perf_counter()

    def start(self) -> None:
        if self.db_path.exists() and self.db_path.stat().st_size > 0:
            self._open()
            return
        progress = QProgressDialog(_("First start: creating the demo desk with six months of history…"), "", 0, 0)
        progress.setCancelButton(None)
        progress.setWindowTitle(_("WindowDesk"))
        progress.setMinimumDuration(0)
        progress.show()
        self._progress = progress

        def build():
            from windowdesk.demo import build_demo

            store = open_store(self.db_path, node_code="LJ03")
            try:
                build_demo(store, end=SystemClock().today(), months=6)
            finally:
                store.close()

        def done(_result):
            progress.close()
            self._open()

        def failed(exc):
            progress.close()
            self._fail(exc)

        self.background.run(build, done=done, failed=failed)

    def _fail(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            feedback.warn(None, str(exc))
        else:
            from windowdesk.ui.errors import show_exception

            show_exception(None, exc)
        self.app.exit(1)

    def _open(self) -> None:
        try:
            self.store = open_store(self.db_path, auto_backup=False)
        except DomainError as exc:
            self._fail(exc)
            return
        store = self.store
        from windowdesk.ui.sync_runner import SyncRunner

        self.sync = SyncRunner(store)
        self.background.run(lambda: daily_maintenance(store), failed=lambda exc: log.warning("daily maintenance: %s", exc))
        self._sign_in()

    def _sign_in(self) -> None:
        from windowdesk.ui.signin import SignInDialog

        self.window = None
        self.signin = SignInDialog(self.store)
        self.signin.signed_in.connect(self._show_desk)
        self.signin.rejected.connect(lambda: self.app.exit(0) if self.window is None else None)
        self.signin.show()
        if self.auto_sign_in:
            signin = self.signin
            signin.code.setText(self.auto_sign_in[0])
            signin.password.setText(self.auto_sign_in[1])
            # several windows: keep them all on duty
            signin.checked.connect(lambda: signin.submit() if signin.user and signin.isVisible() else None)
            signin.submit()

    def _show_desk(self, desk) -> None:
        from windowdesk.ui.mainwindow import MainWindow

        desk.background = self.background
        desk.sync = self.sync
        self.window = MainWindow(desk, ui_settings(self.db_path))
        self.window.signed_out.connect(self._sign_in)  # the next clerk signs in at the same desk
        self.window.show()
        QTimer.singleShot(WARM_AFTER_MS, warm_the_rest)
        if self.quit_when_shown:
            self.app.processEvents()
            shown = time.perf_counter() - self.started
            print(f"queue shown: {self.window.queue.table.case_model.rowCount()} rows, {shown:.3f} s", flush=True)
            QTimer.singleShot(0, self.window.close)
            QTimer.singleShot(0, lambda: self.app.exit(0))

    def close(self) -> None:
        if self.sync is not None:
            self.sync.stop()
        self.background.wait()
        if self.store is not None:
            self.store.close()


def run_desk(db: str | None = None, *, auto_sign_in: tuple[str, str] | None = None,
             quit_when_shown: bool = False) -> int:
    path = (Path(db) if db else default_db_path()).expanduser().resolve()
    app = make_app()
    set_up_logging(path.parent / "logs")
    install_excepthook()
    log.info("desk starting on %s (%s)", path, date.today())
    launcher = Launcher(app, path, auto_sign_in=auto_sign_in, quit_when_shown=quit_when_shown)
    QTimer.singleShot(0, launcher.start)
    code = app.exec()
    launcher.close()
    return code
