"""工具 → 登记到县级 (enroll this desk with the county server, once) and 工具 → 同步状态
(what the desk knows of its sync, and 立即同步). Both open with ``open()`` and never
block: enrolling and rounds run on the sync runner's thread."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from windowdesk.core.errors import DomainError
from windowdesk.i18n import _
from windowdesk.services.sync import SyncStatus
from windowdesk.ui.sync_runner import SyncRunner
from windowdesk.ui.sync_status import STYLES, carry_hint, detail_lines, kind_text, may_carry, status_line

RED = "#c62828"


def holds_no_events(uow) -> bool:
    return uow.execute("SELECT 1 FROM events LIMIT 1").first() is None


class EnrollDialog(QDialog):
    """The county's address and the single-use code the county administrator issued."""

    enrolled = Signal(object)  # SyncStatus

    def __init__(self, runner: SyncRunner, parent=None):
        super().__init__(parent)
        self.runner = runner
        self.busy = False
        self.setObjectName("enroll_dialog")
        self.setWindowTitle(_("Enroll with the county"))
        self.setMinimumWidth(520)
        intro = QLabel(_("Enroll this desk with the county government service center's server once. It then "
                         "takes its desk code from the county, receives the county's catalogue, holiday schedules "
                         "and staff, and exchanges cases with the other desks of the township. Only a new desk "
                         "that holds no cases can be enrolled."))
        intro.setWordWrap(True)
        self.server = QLineEdit(objectName="enroll_server")
        self.server.setPlaceholderText("https://…")
        self.server.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.code = QLineEdit(objectName="enroll_code")
        self.code.setPlaceholderText(_("the single-use code from the county administrator"))
        self.code.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        form = QFormLayout()
        form.addRow(_("County server address"), self.server)
        form.addRow(_("Enrollment code"), self.code)
        self.error = QLabel(objectName="enroll_error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        self.buttons = QDialogButtonBox()
        self.submit_button = self.buttons.addButton(_("Enroll"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.submit_button.setObjectName("enroll_submit")
        self.submit_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(_("Cancel"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        if runner.status.standing == "copied":
            again = QLabel(_("This database is a copy or a restored backup of desk {node}. Enrolled again with a "
                             "new code, it keeps its cases and history and carries on the cases that desk held.")
                           .format(node=runner.status.node), objectName="enroll_again")
            again.setWordWrap(True)
            again.setStyleSheet(STYLES["warning"])
            layout.addWidget(again)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _say(self, text: str, colour: str = RED) -> None:
        self.error.setText(text)
        self.error.setStyleSheet(f"color: {colour};" + (" font-weight: bold;" if colour == RED else ""))
        self.error.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.server, self.code, self.submit_button):
            widget.setEnabled(not busy)

    def submit(self) -> None:
        if self.busy:
            return
        server, code = self.server.text().strip(), self.code.text().strip()
        if not server:
            self._say(_("Type the county server's address (ask the county administrator)."))
            self.server.setFocus()
            return
        if not code:
            self._say(_("Type the enrollment code the county issued for this desk."))
            self.code.setFocus()
            return
        self._set_busy(True)
        self._say(_("Enrolling with the county…"), "#455a64")
        self.runner.enroll(server, code, done=self._done, failed=self._failed)

    def _done(self, status: SyncStatus) -> None:
        self._set_busy(False)
        self.enrolled.emit(status)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, DomainError):
            self._say(_("Not enrolled: {reason}").format(reason=exc))
            return
        from windowdesk.ui.errors import show_exception

        self.error.hide()
        show_exception(self, exc)


class SyncStatusDialog(QDialog):
    """Where the desk stands with the county, and 立即同步."""

    def __init__(self, runner: SyncRunner, parent=None, export=None):
        super().__init__(parent)
        self.runner = runner
        self.setObjectName("sync_status_dialog")
        self.setWindowTitle(_("Sync status"))
        self.setMinimumWidth(480)
        self.headline = QLabel(objectName="sync_headline")
        self.headline.setStyleSheet("font-size: 12pt;")
        self.lines = QLabel(objectName="sync_lines")
        self.lines.setWordWrap(True)
        self.lines.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome = QLabel(objectName="sync_outcome")
        self.outcome.setStyleSheet("color: #455a64;")
        self.outcome.setWordWrap(True)
        self.carry = QLabel(objectName="sync_carry")  # a village point long offline: carry by sync file
        self.carry.setWordWrap(True)
        self.carry.setStyleSheet(STYLES["warning"] + " padding: 6px;")
        self.export_button = QPushButton(_("Export sync file…"), objectName="sync_export")
        self.export = export
        self.export_button.clicked.connect(self._export)
        self.sync_button = QPushButton(_("Sync now"), objectName="sync_now")
        self.sync_button.clicked.connect(self.sync_now)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.sync_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addWidget(self.lines)
        layout.addWidget(self.carry)
        layout.addWidget(self.outcome)
        layout.addStretch(1)
        layout.addWidget(buttons)
        runner.round_started.connect(self._started)
        runner.round_finished.connect(self._finished)
        self.show_status(runner.status)
        if runner.running:
            self._started()

    def show_status(self, status: SyncStatus) -> None:
        line = status_line(status)
        self.headline.setText(line.text)
        self.headline.setStyleSheet("font-size: 12pt; " + STYLES[line.level])
        self.lines.setText("\n".join(detail_lines(status, self.runner.last_failure)))
        self.sync_button.setEnabled(status.enrolled and not self.runner.running)
        now = self.runner.clock.now()
        carry = may_carry(status, now)
        self.carry.setText(carry_hint(status, now) if carry else "")
        self.carry.setVisible(carry)
        self.export_button.setVisible(carry)
        if status.enrolled:
            self.setWindowTitle(_("Sync status — desk {node} ({kind})").format(
                node=status.node, kind=kind_text(status.kind)))

    def sync_now(self) -> None:
        self.runner.request()

    def _export(self) -> None:
        self.accept()  # the save dialog and the outcome are the main window's
        if self.export is not None:
            self.export()

    def _started(self) -> None:
        self.sync_button.setEnabled(False)
        self.outcome.setText(_("Syncing with the county…"))

    def _finished(self, result, status: SyncStatus) -> None:
        self.show_status(status)
        self.outcome.setText(round_summary(result))


def round_summary(result) -> str:
    """One sentence on the round that just ended."""
    if result is None:
        return _("The round stopped on an unexpected error; it was written to the log.")
    text = _("Sent {sent} events, received {received}.").format(sent=result.sent, received=result.received)
    if result.forwarded:
        text += " " + _("Forwarded {count} records from sync files.").format(count=result.forwarded)
    if result.error:
        return text + " " + result.error
    if result.held:
        text += " " + _("{count} held back by the county.").format(count=result.held)
    return text
