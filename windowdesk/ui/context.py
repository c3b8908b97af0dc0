"""What every widget of a signed-in desk needs: the store, the clock, who is signed in
and at which windows, and the background helper. Widgets call services through
``Desk.call``; they hold no rules of their own."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from windowdesk.core.calendar import WorkCalendar
from windowdesk.core.codes import Role
from windowdesk.db.store import Store
from windowdesk.services.accounts import SignedIn
from windowdesk.services.common import Actor
from windowdesk.services.uow import Clock, SystemClock, UnitOfWork
from windowdesk.ui.background import Background


class DeskSignals(QObject):
    """Announcements between the parts of the desk window."""

    case_changed = Signal(str)  # case id: lists refresh, the detail view reloads
    open_case = Signal(str)  # case id: show it in the detail view
    session_changed = Signal()  # presence or windows on duty changed
    preview_opened = Signal(object)  # a print preview (PrintPreview) has opened


@dataclass
class Desk:
    store: Store
    user: SignedIn
    windows: tuple[str, ...]  # the windows on duty this session (一人多岗: chosen at sign-in)
    clock: Clock = field(default_factory=SystemClock)
    background: Background | None = None
    signals: DeskSignals = field(default_factory=DeskSignals)

    @property
    def window(self) -> str:
        """The window the clerk acts for by default (the first on duty)."""
        return self.windows[0] if self.windows else ""

    @property
    def is_agent(self) -> bool:
        return self.user.role is Role.AGENT

    def actor(self, window: str | None = None) -> Actor:
        return Actor(self.user.code, window or self.window)

    def uow(self, write: bool = True) -> UnitOfWork:
        return UnitOfWork(self.store, self.clock, write=write)

    def call(self, service: Callable[..., Any], *args, **kwargs) -> Any:
        """Run a service in its own unit of work (quick writes, on the UI thread)."""
        with self.uow() as uow:
            return service(uow, *args, **kwargs)

    def read(self, query: Callable[..., Any], *args, **kwargs) -> Any:
        with self.uow(write=False) as uow:
            return query(uow, *args, **kwargs)

    def today(self) -> date:
        return self.clock.today()

    def calendar(self) -> WorkCalendar:
        with self.uow(write=False) as uow:
            return uow.calendar

    def window_names(self) -> dict[str, str]:
        from windowdesk.services.common import window_names

        with self.uow(write=False) as uow:
            return window_names(uow)

    def with_user(self, user: SignedIn) -> "Desk":
        return replace(self, user=user)
