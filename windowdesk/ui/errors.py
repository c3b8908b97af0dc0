"""Unexpected errors: written to a rotating log in the data folder and shown with a
report the clerk can copy. A clerk's mistake (a ``DomainError``) is not an error of the
program: it is shown as a plain message where it happened."""

from __future__ import annotations

import logging
import logging.handlers
import platform
import sys
import traceback
from pathlib import Path

from windowdesk.core.errors import DomainError
from windowdesk.i18n import _

log = logging.getLogger("windowdesk")
LOG_FILE_NAME = "windowdesk.log"


def set_up_logging(folder: Path) -> Path:
    """A rotating log (5 files of 1 MB) in ``folder``; returns the log file's path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    for handler in list(log.handlers):
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            log.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


def error_report(exc: BaseException) -> str:
    from windowdesk import __version__

    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return (f"WindowDesk {__version__}, Python {platform.python_version()}, {platform.platform()}\n"
            + "".join(lines))


def show_exception(parent, exc: BaseException) -> None:
    """A DomainError is the clerk's to fix; anything else is logged and reported."""
    from windowdesk.ui import feedback

    if isinstance(exc, DomainError):
        feedback.warn(parent, str(exc))
        return
    report = error_report(exc)
    log.error("unexpected error\n%s", report)
    feedback.report_error(
        parent,
        _("Something went wrong inside WindowDesk. What you typed has been kept; you can try again."),
        report,
    )


def install_excepthook() -> None:
    """Errors raised in Qt slots reach ``sys.excepthook``: report them instead of dying."""

    def hook(kind, value, tb):
        if value is None:
            return
        if value.__traceback__ is None:
            value = value.with_traceback(tb)
        show_exception(None, value)

    sys.excepthook = hook
