"""Signing in: clerk code and password, then the windows on duty (一人多岗)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
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
from windowdesk.ui.context import Desk


class SignInDialog(QDialog):
    """Emits ``signed_in(Desk)`` once the password is right and the windows are chosen."""

    signed_in = Signal(object)

    def __init__(self, store: Store, clock: Clock | None = None, parent=None):
        super().__init__(parent)
        self.store, self.clock = store, clock or SystemClock()
        self.user: accounts.SignedIn | None = None
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

    def submit(self) -> None:
        if self.user is None:
            self._check_password()
        else:
            self._finish()

    def _check_password(self) -> None:
        try:
            with UnitOfWork(self.store, self.clock) as uow:
                self.user = accounts.sign_in(uow, self.code.text(), self.password.text())
        except DomainError as exc:
            self.error.setText(str(exc))
            self.password.selectAll()
            self.password.setFocus()
            return
        self.error.clear()
        if len(self.user.posts) > 1:
            self._choose_windows()
        else:
            self._finish()

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
