"""Preview a rendered form inside the desk (QtPdf), print it, or save the PDF.

The renderer (``windowdesk.printing``) gives PDF bytes; this dialog shows them page by
page, prints them through the system print dialog and saves them where the clerk
chooses. PDF pages come out of QtPdf transparent: every page is painted onto white
before it reaches the printer, so no printer driver sees an unfilled page.

``output_done(kind)`` tells the caller that the form really left the desk ("print" or
"save"), so it can record the print in the case's history; a preview alone records
nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, QStandardPaths, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPageLayout, QPainter, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from windowdesk.i18n import _
from windowdesk.ui import feedback
from windowdesk.ui.background import Background

#: Pages reach the printer as images of at most this resolution (an A4 page at 300 dpi
#: is 2480×3508 pixels, ~35 MB as an image: enough for text and seals, and an old PC
#: copes with it).
MAX_PRINT_DPI = 300


def load_pdf(data: bytes, parent=None) -> tuple[QPdfDocument, QBuffer]:
    """A QtPdf document over ``data``; keep the buffer alive as long as the document."""
    buffer = QBuffer(parent)
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument(parent)
    document.load(buffer)
    if document.status() != QPdfDocument.Status.Ready:
        raise ValueError(_("The printed form could not be read back for its preview."))
    return document, buffer


def page_image(document: QPdfDocument, page: int, dpi: int) -> QImage:
    """Page ``page`` at ``dpi``, painted onto white."""
    points = document.pagePointSize(page)
    size = QSize(max(1, round(points.width() / 72 * dpi)), max(1, round(points.height() / 72 * dpi)))
    rendered = document.render(page, size)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return image


def print_document(document: QPdfDocument, printer: QPrinter,
                   progress: Callable[[int, int], None] | None = None) -> None:
    """Every page of ``document`` onto ``printer`` (its own page size and margins)."""
    count = document.pageCount()
    dpi = min(printer.resolution(), MAX_PRINT_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise OSError(_("The printer could not be started."))
    try:
        for page in range(count):
            if page:
                printer.newPage()
            target = printer.pageLayout().paintRectPixels(printer.resolution())
            image = page_image(document, page, dpi)
            # fit the page into the printable area, keeping its proportions
            scale = min(target.width() / image.width(), target.height() / image.height())
            w, h = image.width() * scale, image.height() * scale
            painter.drawImage(QRectF((target.width() - w) / 2, (target.height() - h) / 2, w, h), image)
            if progress is not None:
                progress(page + 1, count)
    finally:
        painter.end()


class PrintPreview(QDialog):
    """A form's pages, with 打印 (Ctrl+P), 另存为PDF (Ctrl+S) and 关闭 (Esc)."""

    output_done = Signal(str)  # "print" | "save"

    def __init__(self, title: str, pdf: bytes, file_name: str, background: Background,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.pdf, self.file_name, self.title = pdf, file_name, title
        self.background = background  # the desk's helper: long documents print off the UI thread
        self.setObjectName("print_preview")
        self.setWindowTitle(_("Print preview — {title}").format(title=title))
        self.document, self._buffer = load_pdf(pdf, self)
        self.view = QPdfView(self)
        self.view.setObjectName("pdf_view")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setStyleSheet("background: #7a7a7a;")

        self.pages = QLabel(_("{count} pages").format(count=self.document.pageCount()), objectName="page_count")
        self.print_button = QPushButton(_("&Print…"), objectName="print")
        self.save_button = QPushButton(_("&Save as PDF…"), objectName="save_pdf")
        self.fit_button = QPushButton(_("Whole pa&ge"), objectName="fit_page")
        self.fit_button.setCheckable(True)
        close = QPushButton(_("Close (Esc)"), objectName="close")
        self.print_button.clicked.connect(self.print_pages)
        self.save_button.clicked.connect(self.save_pdf)
        self.fit_button.toggled.connect(self._fit)
        close.clicked.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_pages)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save_pdf)

        bar = QHBoxLayout()
        for widget in (self.print_button, self.save_button, self.fit_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.pages)
        bar.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.resize(900, 700)
        self.print_button.setFocus()

    def _fit(self, whole_page: bool) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView if whole_page else QPdfView.ZoomMode.FitToWidth)

    def print_pages(self) -> bool:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.file_name)
        first = self.document.pagePointSize(0)
        if first.width() > first.height():
            printer.setPageOrientation(QPageLayout.Orientation.Landscape)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(_("Print {name}").format(name=self.file_name))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self._print_in_background(printer)
        return True

    def _print_in_background(self, printer: QPrinter) -> None:
        """Page after page onto the printer on the helper thread (Qt paints on a printer
        from any thread), with a progress bar: a month's book is hundreds of pages."""
        count = self.document.pageCount()
        progress = QProgressDialog(_("Printing {title}…").format(title=self.title), "", 0, count, self)
        progress.setObjectName("printing_progress")
        progress.setCancelButton(None)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        self.print_button.setEnabled(False)
        data = self.pdf

        def work(progress):
            document, _buffer = load_pdf(data)  # this thread's own document
            print_document(document, printer, progress)

        def finished(ok: bool, exc: BaseException | None = None) -> None:
            progress.close()
            self.print_button.setEnabled(True)
            if ok:
                self.output_done.emit("print")
            elif isinstance(exc, OSError):
                feedback.warn(self, str(exc))
            else:
                from windowdesk.ui.errors import show_exception

                show_exception(self, exc)

        self.background.run(work, done=lambda _r: finished(True), failed=lambda exc: finished(False, exc),
                            progress=lambda done, total: progress.setValue(done))

    def save_pdf(self) -> bool:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        path, _filter = QFileDialog.getSaveFileName(self, _("Save the PDF"), str(Path(folder) / self.file_name),
                                                    _("PDF files (*.pdf)"))
        if not path:
            return False
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        try:
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(self.pdf)
            partial.replace(target)
        except OSError as exc:
            feedback.warn(self, _("The PDF could not be saved to {path}: {error}").format(path=target, error=exc.strerror or exc))
            return False
        self.output_done.emit("save")
        return True

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        super().keyPressEvent(event)
