"""The one background helper: long work runs off the UI thread, one job at a time.

``Background.run(work, done=..., failed=..., progress=...)`` calls ``work`` on the
helper thread; ``work`` may take a ``progress`` callable (``progress(done, total)``)
if it wants to report. ``done(result)`` and ``failed(exc)`` then run on the UI thread.
A ``DomainError`` is a message for the clerk; anything else is an unexpected error
and goes to the log and the error report (``windowdesk.ui.errors``).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Relay(QObject):
    finished = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)


class _Job(QRunnable):
    def __init__(self, work: Callable, relay: _Relay, wants_progress: bool):
        super().__init__()
        self.work, self.relay, self.wants_progress = work, relay, wants_progress

    def run(self) -> None:
        try:
            if self.wants_progress:
                result = self.work(progress=self.relay.progressed.emit)
            else:
                result = self.work()
        except BaseException as exc:  # noqa: BLE001 - routed to the UI thread
            self.relay.failed.emit(exc)
        else:
            self.relay.finished.emit(result)


class Background(QObject):
    """A single worker thread with a queue: jobs run in the order they were given."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._pending = 0
        self._relays: set[_Relay] = set()

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(self, work: Callable[..., Any], *, done: Callable[[Any], None] | None = None,
            failed: Callable[[BaseException], None] | None = None,
            progress: Callable[[int, int], None] | None = None) -> None:
        relay = _Relay()  # lives on the UI thread: its signals are delivered there
        self._relays.add(relay)

        def finish(callback, value):
            self._relays.discard(relay)
            self._pending -= 1
            if not self._pending:
                self.busy_changed.emit(False)
            if callback is not None:
                callback(value)
            elif isinstance(value, BaseException):
                from windowdesk.ui.errors import show_exception

                show_exception(None, value)

        relay.finished.connect(lambda value: finish(done, value))
        relay.failed.connect(lambda exc: finish(failed, exc) if failed else finish(None, exc))
        if progress is not None:
            relay.progressed.connect(progress)
        wants_progress = "progress" in inspect.signature(work).parameters
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(work, relay, wants_progress))

    @Slot()
    def wait(self, msecs: int = -1) -> bool:
        """Block until every job has finished (for closing the app, and for tests)."""
        return self.pool.waitForDone(msecs)
