"""The main window's side of county sync: the status bar's sync label, 同步 (F9), the
rounds after each decision, the lists and the open case read again when a round brought
changes to what the clerk sees, and the 登记到县级 / 同步状态 dialogs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QLabel

from windowdesk.i18n import _
from windowdesk.services.sync import SyncStatus
from windowdesk.ui.sync_runner import SyncRunner
from windowdesk.ui.sync_status import STYLES, detail_lines, status_line

if TYPE_CHECKING:
    from windowdesk.ui.mainwindow import MainWindow


class DeskSync(QObject):
    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.window = window
        desk = window.desk
        self.own = desk.sync is None  # tests and tools open a window without the launcher's runner
        if self.own:
            desk.sync = SyncRunner(desk.store, desk.clock, self)
        self.runner: SyncRunner = desk.sync
        self.asked = False  # the clerk asked for this round (F9): say how it went
        self.label = QLabel(objectName="status_sync")
        self.runner.status_changed.connect(self.show_status)
        self.runner.round_started.connect(self._started)
        self.runner.round_finished.connect(self._finished)
        desk.signals.wrote.connect(self.runner.request_soon)

    @property
    def status(self) -> SyncStatus:
        return self.runner.status

    @Slot(object)
    def show_status(self, status: SyncStatus) -> None:
        line = status_line(status)
        self.label.setText(line.text)
        self.label.setStyleSheet(STYLES[line.level])
        self.label.setToolTip("\n".join(detail_lines(status, self.runner.last_failure)))
        window = self.window  # (called once the window has its status bar and actions)
        window.status_node.setText(_("Desk {node}").format(node=window.desk.store.node_code))
        action = window.actions.get("sync")
        if action is not None:
            action.setVisible(status.enrolled)  # a desk working alone is not offered a sync

    # 同步 / F9 ----------------------------------------------------------------------

    def sync_now(self) -> None:
        if not self.runner.request():
            self.window.statusBar().showMessage(
                _("This desk is not enrolled with the county: it works on its own and has nothing to sync."), 8000)
            return
        self.asked = True
        if self.runner.running:
            self.window.statusBar().showMessage(_("Syncing with the county…"))

    @Slot()
    def _started(self) -> None:
        if self.asked:
            self.window.statusBar().showMessage(_("Syncing with the county…"))

    @Slot(object, object)
    def _finished(self, result, status: SyncStatus) -> None:
        from windowdesk.ui.sync_dialogs import round_summary

        if self.asked and not self.runner.running:
            self.asked = False
            self.window.statusBar().showMessage(round_summary(result), 10000)
        if result is not None and result.changed:
            self.window.refresh_lists(result.changed)
            self.window.detail.refresh_if(result.changed)

    # dialogs ------------------------------------------------------------------------

    def enroll_dialog(self):
        from windowdesk.ui.sync_dialogs import EnrollDialog

        dialog = EnrollDialog(self.runner, self.window)
        dialog.enrolled.connect(self._enrolled)
        return dialog

    def _enrolled(self, status: SyncStatus) -> None:
        from windowdesk.ui import feedback

        action = self.window.actions.pop("enroll", None)
        if action is not None:  # enrolled once: not offered again
            action.setVisible(False)
            action.deleteLater()
        self.show_status(status)
        self.window.refresh_session()
        feedback.tell(self.window, _("Enrolled with the county: this desk is now {node} of township {township}.").format(
            node=status.node, township=status.township) + "\n" + _(
            "It now exchanges cases with the county in the background; the status bar shows how it stands."))

    def status_dialog(self):
        from windowdesk.ui.sync_dialogs import SyncStatusDialog

        return SyncStatusDialog(self.runner, self.window)

    # closing ------------------------------------------------------------------------

    def close(self) -> None:
        desk = self.window.desk
        for signal, slot in ((self.runner.status_changed, self.show_status),
                             (self.runner.round_started, self._started),
                             (self.runner.round_finished, self._finished),
                             (desk.signals.wrote, self.runner.request_soon)):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # pragma: no cover - already gone
                pass
        if self.own:
            self.runner.stop()
            desk.sync = None
