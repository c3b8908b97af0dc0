"""Fixtures for the desk's widgets (pytest-qt, offscreen; Qt warnings fail a test).

No dialog may block: message boxes go through ``windowdesk.ui.feedback``, which the
autouse ``feedback`` fixture replaces with a recorder (``feedback.answer`` is what
``confirm`` says). Widgets open their dialogs with ``open()``/``show()``, never ``exec()``.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

DESK_PASSWORD = "secret1"


class Feedback:
    def __init__(self):
        self.messages: list[tuple[str, str]] = []  # (kind, text)
        self.answer = True

    def texts(self, kind: str | None = None) -> list[str]:
        return [t for k, t in self.messages if kind is None or k == kind]


@pytest.fixture(autouse=True)
def feedback(monkeypatch):
    recorder = Feedback()
    try:
        from windowdesk.ui import feedback as module
    except ImportError:  # pragma: no cover - Qt missing: only the UI tests need it
        yield recorder
        return
    monkeypatch.setattr(module, "tell", lambda parent, text: recorder.messages.append(("tell", text)))
    monkeypatch.setattr(module, "warn", lambda parent, text: recorder.messages.append(("warn", text)))

    def confirm(parent, text):
        recorder.messages.append(("confirm", text))
        return recorder.answer

    monkeypatch.setattr(module, "confirm", confirm)
    monkeypatch.setattr(module, "report_error",
                        lambda parent, summary, details: recorder.messages.append(("error", summary + "\n" + details)))
    yield recorder


@pytest.fixture
def desk_store(store, clock, qapp):
    """The conftest desk with passwords and A/B posts (MZ: 张敏 A, 李华 B); Qt's own
    words in Chinese, as the desk app shows them."""
    from windowdesk.ui.app import install_qt_translations

    install_qt_translations(qapp)
    from windowdesk.services import accounts
    from windowdesk.services.uow import UnitOfWork

    from windowdesk.demo import CENTER
    from windowdesk.services import center, setup

    with UnitOfWork(store, clock) as uow:
        setup.add_clerk(uow, code="admin", name="系统管理员", role="admin", windows=[])
        for code in ("zhangmin", "lihua", "wangfang", "zhaolei", "huangjun", "daiban01", "admin"):
            accounts.set_password(uow, code, DESK_PASSWORD)
        accounts.assign_posts(uow, "MZ", a="zhangmin", b="lihua")
        center.set_center_info(uow, "admin", CENTER)  # what the printed forms need
    return store


@pytest.fixture
def make_desk(desk_store, clock, qtbot):
    """``make_desk("zhangmin", windows=("MZ",))`` → a ``Desk`` signed in as that clerk."""
    from windowdesk.services import accounts
    from windowdesk.services.uow import UnitOfWork
    from windowdesk.ui.background import Background
    from windowdesk.ui.context import Desk

    made = []

    def _make(code: str, windows: tuple[str, ...] | None = None) -> Desk:
        with UnitOfWork(desk_store, clock) as uow:
            user = accounts.signed_in(uow, code)
        desk = Desk(desk_store, user, tuple(windows or user.windows), clock, Background())
        made.append(desk)
        return desk

    yield _make
    for desk in made:
        desk.background.wait()
