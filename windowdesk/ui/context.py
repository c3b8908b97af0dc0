"""What every widget of a signed-in desk needs: the store, the clock, who is signed in
and at which windows, the background helper and the sync runner. Widgets call services
through ``Desk.call`` (or a unit of work from ``Desk.uow``); they hold no rules of their
own. A unit of work of the desk that committed a change announces it
(``signals.wrote``): the sync runner then sends it to the county."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QObject, Signal

from windowdesk.core.calendar import WorkCalendar
from windowdesk.core.codes import Role
from windowdesk.db.store import Store
from windowdesk.services.accounts import SignedIn
from windowdesk.services.common import Actor
from windowdesk.services.uow import Clock, SystemClock, UnitOfWork
from windowdesk.ui.background import Background

if TYPE_CHECKING:
    from windowdesk.ui.sync_runner import SyncRunner


class DeskSignals(QObject):
    """Announcements between the parts of the desk window."""

    case_changed = Signal(str)  # case id: lists refresh, the detail view reloads
    open_case = Signal(str)  # case id: show it in the detail view
    session_changed = Signal()  # presence or windows on duty changed
    preview_opened = Signal(object)  # a print preview (PrintPreview) has opened
    wrote = Signal()  # a unit of work of this desk committed a change (from any thread)


class DeskUnitOfWork(UnitOfWork):
    """A unit of work that tells the desk when a commit changed something: the one place
    every decision of the clerk goes through, whichever dialog or helper made it."""

    def __init__(self, store: Store, clock: Clock, *, write: bool, on_write: Callable[[], None]):
        super().__init__(store, clock, write=write)
        self._on_write = on_write
        self._mark = 0
        self._wrote = False

    def __enter__(self) -> "DeskUnitOfWork":
        super().__enter__()
        self._mark = self._conn.total_changes
        return self

    def commit(self) -> None:
        changed = self._in_transaction and self._conn.total_changes != self._mark
        super().commit()
        self._wrote = self._wrote or changed
        self._mark = self._conn.total_changes

    def rollback(self) -> None:
        super().rollback()
        if self._conn is not None:
            self._mark = self._conn.total_changes

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        if self._wrote:
            self._on_write()


@dataclass
class Desk:
    store: Store
    user: SignedIn
    windows: tuple[str, ...]  # the windows on duty this session (一人多岗: chosen at sign-in)
    clock: Clock = field(default_factory=SystemClock)
    background: Background | None = None
    signals: DeskSignals = field(default_factory=DeskSignals)
    sync: "SyncRunner | None" = None  # the launcher's; a main window makes its own without one

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
        if not write:
            return UnitOfWork(self.store, self.clock, write=False)
        return DeskUnitOfWork(self.store, self.clock, write=True, on_write=self.signals.wrote.emit)

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

    def enrolled(self) -> bool:
        """Whether this desk syncs with a county server (or works on its own)."""
        if self.sync is not None:
            return self.sync.status.enrolled
        from windowdesk.services.sync import status

        return self.read(status).enrolled

    def window_names(self) -> dict[str, str]:
        from windowdesk.services.common import window_names

        with self.uow(write=False) as uow:
            return window_names(uow)

    def with_user(self, user: SignedIn) -> "Desk":
        return replace(self, user=user)
