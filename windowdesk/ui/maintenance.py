"""Looking after the desk's file from the window: a backup now, the integrity check, and
rebuilding the projection from the case log. Each runs on the background helper with a
progress window, so the desk stays responsive while it works."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QProgressDialog, QWidget

from windowdesk.db.store import backup_file
from windowdesk.i18n import _
from windowdesk.services.maintenance import check_store, rebuild_projection
from windowdesk.services.uow import UnitOfWork
from windowdesk.ui import feedback
from windowdesk.ui.context import Desk


class MaintenanceJob:
    """One job: a progress window, the work on the helper thread, the outcome told."""

    def __init__(self, desk: Desk, parent: QWidget, title: str):
        self.desk, self.parent = desk, parent
        self.progress = QProgressDialog(title, "", 0, 0, parent)
        self.progress.setObjectName("maintenance_progress")
        self.progress.setWindowTitle(_("WindowDesk"))
        self.progress.setCancelButton(None)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(0)
        self.result = None

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(min(done, total))

    def start(self, work, told) -> "MaintenanceJob":
        self.progress.open()

        def done(result):
            self.result = result
            self.progress.close()
            told(result)

        def failed(exc):
            self.progress.close()
            from windowdesk.ui.errors import show_exception

            show_exception(self.parent, exc)

        self.desk.background.run(work, done=done, failed=failed, progress=self._progressed)
        return self


def back_up(desk: Desk, parent: QWidget) -> MaintenanceJob:
    store = desk.store
    return MaintenanceJob(desk, parent, _("Backing up the desk's file…")).start(
        lambda: backup_file(store.path, "manual"),
        lambda path: feedback.tell(parent, _("Backup made: {path}").format(path=path)),
    )


def check(desk: Desk, parent: QWidget) -> MaintenanceJob:
    def work(progress):
        with UnitOfWork(desk.store, desk.clock, write=False) as uow:
            return check_store(uow, progress)

    def told(report):
        lines = [_("{cases} cases and {events} events checked.").format(cases=report.cases, events=report.events)]
        lines += list(report.problems) + list(report.warnings)
        if report.ok:
            feedback.tell(parent, "\n".join([_("The desk's file is sound.")] + lines))
        else:
            feedback.warn(parent, "\n".join([_("The check found problems:")] + lines))

    return MaintenanceJob(desk, parent, _("Checking the desk's file…")).start(work, told)


def rebuild(desk: Desk, parent: QWidget, after=None) -> MaintenanceJob | None:
    if not feedback.confirm(parent, _("Rebuild every case's current state from the case log? "
                                      "Nothing in the log changes; the desk is busy until it is done.")):
        return None

    def work(progress):
        with UnitOfWork(desk.store, desk.clock) as uow:
            return rebuild_projection(uow, progress)

    def told(result):
        feedback.tell(parent, _("Rebuilt {cases} cases from {events} events.").format(
            cases=result.cases, events=result.events))
        if after is not None:
            after()

    return MaintenanceJob(desk, parent, _("Rebuilding from the case log…")).start(work, told)
