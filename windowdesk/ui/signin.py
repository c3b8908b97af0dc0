"""Signing in: clerk code and password, then the windows on duty (一人多岗).

The password is checked on a thread of the dialog's own (scrypt is slow on purpose, and
the desk's background helper may be busy with the daily backup), so the dialog stays
responsive and shows that it is checking. While the clerk types, the main window's
modules are imported, so the desk opens at once after the check.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from windowdesk.core.errors import DomainError
from windowdesk.db.store import Store
from windowdesk.i18n import _
from windowdesk.services import accounts
from windowdesk.services.uow import Clock, SystemClock, UnitOfWork
from windowdesk.ui.background import Background
from windowdesk.ui.context import Desk


class SignInDialog(QDialog):
    """Emits ``signed_in(Desk)`` once the password is right and the windows are chosen."""

    signed_in = Signal(object)
    #: emitted when a password check has finished (whatever its outcome)
    checked = Signal()

    def __init__(self, store: Store, clock: Clock | None = None, parent=None):
        super().__init__(parent)
        self.store, self.clock = store, clock or SystemClock()
        self.user: accounts.SignedIn | None = None
        self.checker = Background(self)
        self.checking = False
        self.setWindowTitle(_("WindowDesk — sign in"))
        self.setObjectName("signin")

        title = QLabel(_("Township service center window desk"))
        title.setObjectName("title")
        title.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.code = QLineEdit(objectName="code")
        self.code.setPlaceholderText(_("e.g. zhangmin"))
        self.code.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        self.password = QLineEdit(objectName="password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel(objectName="error")
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Clerk &code"), self.code)
        form.addRow(_("&Password"), self.password)

        self.posts_box = QGroupBox(_("Windows on duty today"))
        self.posts_box.setObjectName("posts")
        self.posts_layout = QVBoxLayout(self.posts_box)
        self.posts_box.hide()
        self.post_checks: dict[str, QCheckBox] = {}

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Sign in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Quit"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(QLabel(_("Desk {node} · {path}").format(node=store.node_code, path=store.path.name)))
        layout.addLayout(form)
        layout.addWidget(self.posts_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(420, 260)
        QTimer.singleShot(0, warm_up)

    def submit(self) -> None:
        if self.checking:
            return
        if self.user is None:
            self._check_password()
        else:
            self._finish()

    def _check_password(self) -> None:
        store, clock, code, password = self.store, self.clock, self.code.text(), self.password.text()

        def check() -> accounts.SignedIn:
            with UnitOfWork(store, clock) as uow:
                return accounts.sign_in(uow, code, password)

        self._set_checking(True)
        self.checker.run(check, done=self._checked, failed=self._check_failed)

    def _set_checking(self, checking: bool) -> None:
        self.checking = checking
        for widget in (self.code, self.password, self.buttons):
            widget.setEnabled(not checking)
        if checking:
            self.error.setStyleSheet("color: #555;")
            self.error.setText(_("Checking the password…"))
        else:
            self.error.setStyleSheet("color: #c62828;")
            self.error.clear()

    def _check_failed(self, exc: BaseException) -> None:
        self._set_checking(False)
        if not isinstance(exc, DomainError):
            from windowdesk.ui.errors import show_exception

            show_exception(self, exc)
        else:
            self.error.setText(str(exc))
        self.password.selectAll()
        self.password.setFocus()
        self.checked.emit()

    def _checked(self, user: accounts.SignedIn) -> None:
        self._set_checking(False)
        self.user = user
        self.checked.emit()
        if len(self.user.posts) > 1:
            self._choose_windows()
        else:
            self._finish()

    def done(self, result: int) -> None:
        self.checker.wait()  # a check still running finishes before the dialog goes
        super().done(result)

    def _choose_windows(self) -> None:
        assert self.user is not None
        self.code.setEnabled(False)
        self.password.setEnabled(False)
        for post in self.user.posts:
            label = _("{window} ({post} post)").format(window=post.window_name, post=post.post) if post.post else post.window_name
            box = QCheckBox(label)
            box.setObjectName(f"post_{post.window}")
            box.setChecked(True)
            self.posts_layout.addWidget(box)
            self.post_checks[post.window] = box
        self.posts_box.show()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Open the desk"))
        next(iter(self.post_checks.values())).setFocus()

    def _finish(self) -> None:
        assert self.user is not None
        windows = tuple(w for w, box in self.post_checks.items() if box.isChecked()) or self.user.windows
        if self.post_checks and not any(box.isChecked() for box in self.post_checks.values()):
            self.error.setText(_("Choose at least one window you are on duty at."))
            return
        self.signed_in.emit(Desk(self.store, self.user, windows, self.clock))
        self.accept()


def warm_up() -> None:
    """Import the main window's modules while the clerk is still typing."""
    importlib.import_module("windowdesk.ui.mainwindow")
