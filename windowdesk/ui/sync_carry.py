"""工具 → 导出同步文件 / 导入同步文件: sync by USB stick.

A village point with no network writes the records it has not yet sent to one signed
file (``services.sync_files.export_outbox``); a window desk of the township takes the file
in (``import_file``) and forwards it to the county at once, in a sync round. Reading,
writing and importing run on the desk's background helper; the file is written beside
its target and then renamed over it, so a pulled stick never leaves half a file under
the real name."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QFileDialog

from windowdesk.core.errors import DomainError, ValidationError
from windowdesk.i18n import _
from windowdesk.services import sync
from windowdesk.services.uow import UnitOfWork
from windowdesk.ui import feedback
from windowdesk.ui.sync_runner import SyncRunner

if TYPE_CHECKING:
    from windowdesk.ui.mainwindow import MainWindow

SUFFIX = ".wdsync"
MAX_FILE_BYTES = 256 * 1024 * 1024  # far above any real file: a video picked by mistake is not read into memory
FOLDER_KEY = "sync/folder"  # where the last sync file went or came from (the USB stick, usually)


def write_atomically(target: Path, data: bytes) -> None:
    """``data`` under ``target`` whole or not at all (flushed to the stick before the rename)."""
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def read_sync_file(path: Path) -> bytes:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ValidationError(_("This file is too large to be a sync file."))
    return path.read_bytes()


class SyncFiles(QObject):
    """The two commands of the main window; ``exported`` / ``imported`` carry the outcome
    (``None``: nothing was written / taken in)."""

    exported = Signal(object)  # Exported | None
    imported = Signal(object)  # Imported | None

    def __init__(self, window: "MainWindow", runner: SyncRunner):
        super().__init__(window)
        self.window, self.runner = window, runner
        self.busy = False

    @property
    def desk(self):
        return self.window.desk

    def _worker(self):
        return self.desk.background or self.runner.worker

    def _folder(self) -> str:
        saved = self.window.settings.value(FOLDER_KEY)
        if saved and Path(str(saved)).is_dir():
            return str(saved)
        return QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())

    def _start(self, message: str) -> None:
        self.busy = True
        self.window.statusBar().showMessage(message)
        for name in ("export_sync_file", "import_sync_file"):
            if name in self.window.actions:
                self.window.actions[name].setEnabled(False)

    def _end(self) -> None:
        self.busy = False
        self.window.statusBar().clearMessage()
        for name in ("export_sync_file", "import_sync_file"):
            if name in self.window.actions:
                self.window.actions[name].setEnabled(True)

    def _failed(self, exc: BaseException, prefix: str = "{reason}") -> None:
        self._end()
        if isinstance(exc, DomainError):
            feedback.warn(self.window, prefix.format(reason=exc))
        elif isinstance(exc, OSError):
            feedback.warn(self.window, _("The sync file could not be read or written: {error}").format(
                error=f"{exc.strerror or exc} ({exc.filename})" if exc.filename else exc.strerror or exc))
        else:
            from windowdesk.ui.errors import show_exception

            show_exception(self.window, exc)

    # 导出同步文件 ------------------------------------------------------------------------

    def _nothing_to_send(self) -> None:
        feedback.tell(self.window, _("Nothing is waiting to be sent: every record of this desk has reached the "
                                     "county. No sync file was written."))
        self.exported.emit(None)

    def export(self) -> None:
        if self.busy:
            return
        desk = self.desk
        status = desk.read(sync.status)
        if not status.enrolled:
            feedback.warn(self.window, _("This desk is not enrolled with a county server: there is nothing to carry."))
            return
        if not status.waiting:
            self._nothing_to_send()
            return
        stamp = desk.clock.now().astimezone().strftime("%Y%m%d-%H%M")
        name = _("sync-file-{node}-{stamp}.wdsync").format(node=status.node, stamp=stamp)
        path, _filter = QFileDialog.getSaveFileName(self.window, _("Export sync file"),
                                                    str(Path(self._folder()) / name), _("Sync files (*.wdsync)"))
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        self.window.settings.setValue(FOLDER_KEY, str(target.parent))
        store, clock = desk.store, desk.clock

        def work():
            from windowdesk.services import sync_files

            with UnitOfWork(store, clock, write=False) as uow:
                exported = sync_files.export_outbox(uow)
            if exported.events:  # sent meanwhile, all of it: no empty file
                write_atomically(target, exported.data)
            return exported

        def done(exported) -> None:
            self._end()
            if not exported.events:
                self._nothing_to_send()
                return
            feedback.tell(self.window, _("{count} records written to {path}.").format(
                count=exported.events, path=target) + "\n" + _(
                "Carry the file to any desk of the township and import it there (Tools → Import sync file…): that "
                "desk forwards the records to the county. They stay waiting here too until the county has them, "
                "so nothing is lost if the file is."))
            self.exported.emit(exported)

        def failed(exc: BaseException) -> None:
            self._failed(exc)
            self.exported.emit(None)

        self._start(_("Writing the sync file…"))
        self._worker().run(work, done=done, failed=failed)

    # 导入同步文件 ------------------------------------------------------------------------

    def import_(self) -> None:
        if self.busy:
            return
        path, _filter = QFileDialog.getOpenFileName(self.window, _("Import sync file"), self._folder(),
                                                    _("Sync files (*.wdsync)") + ";;" + _("All files (*)"))
        if not path:
            return
        source = Path(path)
        self.window.settings.setValue(FOLDER_KEY, str(source.parent))
        desk = self.desk

        def work():
            from windowdesk.services import sync_files

            data = read_sync_file(source)
            with desk.uow() as uow:
                return sync_files.import_file(uow, data)

        def done(imported) -> None:
            self._end()
            if imported.new:
                feedback.tell(self.window, _(
                    "{count} records of desk {node} taken in. They are being forwarded to the county now (if it "
                    "cannot be reached, at the next sync).").format(count=imported.events, node=imported.node))
            else:
                feedback.tell(self.window, _("This sync file of desk {node} was taken in before; nothing was "
                                             "added.").format(node=imported.node))
            self.window.sync.sync_now()  # forwarded at once (a file kept before and not yet sent, too)
            self.imported.emit(imported)

        def failed(exc: BaseException) -> None:
            self._failed(exc, _("The sync file was not taken in: {reason}"))
            self.imported.emit(None)

        self._start(_("Reading the sync file…"))
        self._worker().run(work, done=done, failed=failed)
