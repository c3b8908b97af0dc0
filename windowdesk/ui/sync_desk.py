"""The main window's side of county sync: the status bar's sync label, 同步 (F9), the
rounds after each decision, the lists and the open case read again when a round brought
changes to what the clerk sees, the 登记到县级 / 同步状态 dialogs, and sync files
(导出 / 导入同步文件, ``ui.sync_carry``) with the village point's hint to use them."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QLabel

from windowdesk.i18n import _
from windowdesk.services.sync import SyncStatus
from windowdesk.ui.status_bar import SYNC_CHARS, fit
from windowdesk.ui.sync_carry import SyncFiles
from windowdesk.ui.sync_runner import SyncRunner
from windowdesk.ui.sync_status import STYLES, carry_hint, carry_short, detail_lines, may_carry, status_line

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
        self.carry_label = QLabel(objectName="status_carry")  # a village point long offline: carry by file
        self.carry_label.setTextFormat(Qt.TextFormat.RichText)
        self.carry_label.linkActivated.connect(lambda _link: window.act_export_sync_file())
        self.carry_label.hide()
        self.files = SyncFiles(window, self.runner)
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
        self.label.setStyleSheet(STYLES[line.level])
        fit(self.label, line.text, SYNC_CHARS, "\n".join(detail_lines(status, self.runner.last_failure)))
        now = self.runner.clock.now()
        carry = may_carry(status, now)
        self.carry_label.setVisible(carry)
        if carry:
            self.carry_label.setText(f'<a href="export">{escape(carry_short(status))}</a>')
            self.carry_label.setToolTip(carry_hint(status, now))
        window = self.window  # (called once the window has its status bar and actions)
        window.status_node.setText(_("Desk {node}").format(node=window.desk.store.node_code))
        offered = {"sync": status.enrolled,  # a desk working alone is not offered a sync
                   "export_sync_file": status.enrolled,
                   "import_sync_file": status.enrolled and status.kind != "village"}  # a village carries, the hall takes in
        for name, visible in offered.items():
            action = window.actions.get(name)
            if action is not None:
                action.setVisible(visible)

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
        if result is not None and result.presence_changed:
            self._presence_changed(result.changed)
        elif result is not None and result.changed:
            self.window.refresh_lists(result.changed)
            self.window.detail.refresh_if(result.changed)

    def _presence_changed(self, changed: set[str]) -> None:
        """A clerk of the township came or went (AB岗): the signed-in clerk's own presence
        (set at another desk), the windows they cover and so their queue, and what the open
        case offers (替A岗接手) may all have changed."""
        from windowdesk.core.errors import DomainError
        from windowdesk.services import accounts

        window, desk = self.window, self.window.desk
        try:
            desk.user = desk.read(accounts.signed_in, desk.user.code)
        except DomainError:  # pragma: no cover - the clerk is gone from the reference data: keep the session
            pass
        window.refresh_session()  # the status bar's presence and the queue's cover note
        window.refresh_lists(changed)  # the queue reads again when the windows covered changed
        detail = window.detail
        if detail.state is not None:
            detail.show_case(detail.state.case_id)

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

        return SyncStatusDialog(self.runner, self.window, export=self.window.act_export_sync_file)

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
