"""Sync with the county in the background, on a thread of its own.

``SyncRunner`` runs ``windowdesk.sync.engine.run_round`` on its own single helper (a
second ``Background``, not the desk's: a long print or rebuild never delays a round,
and a round never waits for a dialog). Rounds never overlap: a request while one runs
is remembered and makes one more round when it ends, however many came. Rounds come

- every minute while the desk is enrolled (and shortly after the window opens),
- shortly after the desk wrote something (``Desk.signals.wrote``: a clerk's decision),
- on demand (同步 / F9).

After each round ``round_finished(result, status)`` is emitted on the UI thread, with
the ``RoundResult`` (``None`` if the round failed unexpectedly: that is logged) and the
``SyncStatus`` read afterwards. The runner's writes happen in the engine's own units of
work, each a short transaction of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from windowdesk.db.store import Store
from windowdesk.services import sync
from windowdesk.services.uow import Clock, SystemClock, UnitOfWork
from windowdesk.ui.background import Background

INTERVAL_MS = 60_000  # a round every minute while enrolled
AFTER_WRITE_MS = 400  # a decision's writes are sent together, just after it
AFTER_START_MS = 3_000  # the first round, once the window has appeared


class SyncRunner(QObject):
    round_started = Signal()
    round_finished = Signal(object, object)  # RoundResult | None, SyncStatus
    status_changed = Signal(object)  # SyncStatus (after a round, or after enrolling)

    def __init__(self, store: Store, clock: Clock | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store, self.clock = store, clock or SystemClock()
        self.worker = Background(self)  # the sync's own thread (enrolling runs there too)
        self.running = False
        self.rounds = 0  # rounds finished (for tests and the status dialog)
        self.last_result = None
        self.last_failure = ""  # an unexpected error of the last round, if any
        self._again = False
        self._stopped = False
        self.timer = QTimer(self, interval=INTERVAL_MS)
        self.timer.timeout.connect(self.request)
        self._soon = QTimer(self, singleShot=True, interval=AFTER_WRITE_MS)
        self._soon.timeout.connect(self.request)
        self.status = self.read_status()
        self._schedule()
        if self.status.enrolled:
            QTimer.singleShot(AFTER_START_MS, self, self.request)

    def read_status(self) -> sync.SyncStatus:
        with UnitOfWork(self.store, self.clock, write=False) as uow:
            return sync.status(uow)

    @property
    def enrolled(self) -> bool:
        return self.status.enrolled

    def _schedule(self) -> None:
        if self.status.enrolled and not self._stopped:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()

    # requests ------------------------------------------------------------------------

    @Slot()
    def request(self) -> bool:
        """A round now, or right after the one running; ``False`` if the desk does not sync."""
        if self._stopped or not self.status.enrolled:
            return False
        if self.running:
            self._again = True
            return True
        self._start()
        return True

    @Slot()
    def request_soon(self) -> None:
        """After a write: one round for everything written in the next moment."""
        if self.status.enrolled and not self._stopped:
            self._soon.start()

    def _start(self) -> None:
        self.running = True
        self._soon.stop()
        self.timer.start()  # the next periodic round counts from this one
        self.round_started.emit()
        store, clock = self.store, self.clock

        def work():
            from windowdesk.sync.engine import run_round

            try:
                result, failure = run_round(store, clock=clock), None
            except Exception as exc:  # noqa: BLE001 - a bug, not the network: logged, the desk goes on
                result, failure = None, exc
            with UnitOfWork(store, clock, write=False) as uow:
                return result, failure, sync.status(uow)

        self.worker.run(work, done=self._finished, failed=self._broken)

    def _finished(self, outcome) -> None:
        result, failure, status = outcome
        self.running = False
        self.rounds += 1
        self.last_result = result
        self.last_failure = ""
        if failure is not None:
            from windowdesk.ui.errors import error_report, log

            log.error("sync round failed\n%s", error_report(failure))
            self.last_failure = f"{type(failure).__name__}: {failure}"
        self.status = status
        self._schedule()
        self.round_finished.emit(result, status)
        self.status_changed.emit(status)
        if self._again and not self._stopped:
            self._again = False
            self._start()

    def _broken(self, exc: BaseException) -> None:
        """The status could not even be read after the round (the file is gone?)."""
        from windowdesk.ui.errors import error_report, log

        log.error("sync round failed\n%s", error_report(exc))
        self.running = False
        self.rounds += 1
        self.last_result = None
        self.last_failure = f"{type(exc).__name__}: {exc}"
        self.round_finished.emit(None, self.status)
        self._again = False

    # enrolling ------------------------------------------------------------------------

    def enroll(self, server: str, code: str, *, done, failed) -> None:
        """``enroll_desk`` on the sync thread; ``done(status)`` / ``failed(exc)`` on the UI thread."""
        store, clock = self.store, self.clock

        def work():
            from windowdesk.sync.engine import enroll_desk

            return enroll_desk(store, server, code, clock=clock)

        def enrolled(status) -> None:
            self.set_status(status)
            self.request()  # fetch the township's cases at once
            done(status)

        self.worker.run(work, done=enrolled, failed=failed)

    def set_status(self, status: sync.SyncStatus) -> None:
        self.status = status
        self._schedule()
        self.status_changed.emit(status)

    # ending ---------------------------------------------------------------------------

    def stop(self) -> None:
        """No more rounds; wait for the one running (the store closes after this)."""
        self._stopped = True
        self.timer.stop()
        self._soon.stop()
        self.worker.wait()

    def wait(self, msecs: int = -1) -> bool:
        return self.worker.wait(msecs)
