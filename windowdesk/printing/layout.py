"""The page: document template, page templates, what every page carries (running
header, reprint mark, "第 N 页 共 M 页"), and the few flowables platypus lacks.

Everything is drawn with reportlab's own machinery (BaseDocTemplate, PageTemplate, Frame,
Paragraph, Table); the canvas only defers each page until the page count is known.
Decorations stay at least ``SAFE_EDGE`` from the paper's edge, outside the printer's
unprintable strip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from windowdesk.core.errors import DomainError
from windowdesk.i18n import _
from windowdesk.printing import styles as st
from windowdesk.printing.sheets import PrintMark
from windowdesk.printing.templates import Page

SAFE_EDGE = 8 * mm  # nothing is drawn nearer the paper's edge
DECORATION_SIZE = 9.0  # points: running header, reprint mark, page numbers
FOOTER_BASELINE = 9.5 * mm


class FormLayoutError(DomainError):
    """A text that does not fit its box (the form is refused rather than printed wrong)."""


class FitParagraph(Paragraph):
    """A Paragraph that refuses to draw a line wider than its box.

    Chinese wraps between any two characters (``wordWrap='CJK'``) and so does a long run
    of Latin letters or digits, so a line can only be too wide in a box narrower than one
    character; this check is the renderer's proof that every text stays in its box. The
    one allowed excess is a punctuation mark that may not start a line (，。、；：…) hanging
    past the end of the line, as Chinese typesetting does (its ink is in the left part of
    its em, well inside the cell padding or the page margin)."""

    _wrapped_for: float | None = None

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if availWidth == self._wrapped_for and hasattr(self, "blPara"):  # a table re-measures its cells on each split
            return self.width, self.height
        result = super().wrap(availWidth, availHeight)
        self._wrapped_for = availWidth
        for line in getattr(self.blPara, "lines", ()):
            if isinstance(line, tuple):  # one run of text: (extra space, [words])
                extra, last, size = line[0], (line[1] or [""])[-1], self.style.fontSize
            else:
                words = getattr(line, "words", None) or [None]
                extra = getattr(line, "extraSpace", 0)
                last, size = getattr(words[-1], "text", ""), getattr(words[-1], "fontSize", 0)
            hanging = bool(last) and last[-1] in st.CANNOT_START and -extra <= size + 0.5
            if extra < -0.5 and not hanging:
                raise FormLayoutError(_("The text \"{text}\" does not fit in its box ({width:.0f} mm wide)").format(
                    text=(self.text or "")[:60], width=availWidth / mm))
        return result


def para(markup: str, style) -> FitParagraph:
    return FitParagraph(markup, style)


class TearLine(Flowable):
    """A dashed cutting line across the frame with a short text in its middle."""

    def __init__(self, text: str, size: float):
        super().__init__()
        self.text, self.size = text, size
        self.spaceBefore = self.spaceAfter = size * 0.8

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        text_width = st.text_width(self.text, self.size)
        if text_width > availWidth * 0.8:
            raise FormLayoutError(_("The text \"{text}\" does not fit in its box ({width:.0f} mm wide)").format(
                text=self.text, width=availWidth / mm))
        return availWidth, self.size * 1.4

    def draw(self) -> None:
        canv, size = self.canv, self.size
        text_width = st.text_width(self.text, size)
        middle_y = size * 0.7
        gap = size * 0.6
        left_end = (self.width - text_width) / 2 - gap
        canv.saveState()
        canv.setDash(4, 3)
        canv.setLineWidth(0.7)
        canv.line(0, middle_y, left_end, middle_y)
        canv.line(self.width - left_end, middle_y, self.width, middle_y)
        canv.setFont(st.font(), size)
        canv.setFillColor(st.FAINT)
        canv.drawCentredString(self.width / 2, middle_y - size * 0.35, self.text)
        canv.restoreState()


class Progress(Flowable):
    """Reports ``progress(done, total)`` when the layout reaches it (takes no room)."""

    def __init__(self, callback: Callable[[int, int], None], done: int, total: int):
        super().__init__()
        self.callback, self.done, self.total = callback, done, total

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.callback(self.done, self.total)


@dataclass(frozen=True)
class Decorations:
    """What is drawn on every page besides the frame's content."""

    page: Page
    running_header: str  # filled in; "" for none
    mark: PrintMark

    def reprint_text(self) -> str:
        if not self.mark.reprint:
            return ""
        when = self.mark.printed_at
        return f"补打 {when:%Y-%m-%d %H:%M}" if when else "补打"


def _fitted_size(text: str, width: float, size: float = DECORATION_SIZE) -> float:
    """``size``, or smaller so that ``text`` fits ``width`` (down to 5 pt, then refuse)."""
    natural = st.text_width(text, size)
    if natural <= width:
        return size
    smaller = size * width / natural
    if smaller < 5:
        raise FormLayoutError(_("The text \"{text}\" does not fit in its box ({width:.0f} mm wide)").format(
            text=text[:60], width=width / mm))
    return smaller


def draw_decorations(canv: Canvas, doc: "FormDoc") -> None:
    """Reprint mark (top right) on every page, running header on every page but the first."""
    deco: Decorations = doc.decorations
    page_w, page_h = doc.pagesize
    top, right, _bottom, left = deco.page.margins
    right_edge = page_w - right
    canv.saveState()
    reprint = deco.reprint_text()
    mark_width = 0.0
    if reprint:
        size = DECORATION_SIZE + 1
        text_w = st.text_width(reprint, size)
        box_h, pad = size * 1.6, size * 0.5
        mark_width = text_w + 2 * pad
        y = page_h - SAFE_EDGE - 1 * mm - box_h
        canv.setLineWidth(1)
        canv.rect(right_edge - mark_width, y, mark_width, box_h)
        canv.setFont(st.font(), size)
        canv.drawString(right_edge - mark_width + pad, y + (box_h - size) / 2 + size * 0.15, reprint)
    if deco.running_header and canv.getPageNumber() > 1:
        room = right_edge - left - (mark_width + 6 * mm if mark_width else 0)
        size = _fitted_size(deco.running_header, room)
        baseline = page_h - top + 3 * mm
        canv.setFont(st.font(), size)
        canv.setFillColor(st.FAINT)
        canv.drawString(left, baseline, deco.running_header)
        canv.setStrokeColor(st.FAINT)
        canv.setLineWidth(0.4)
        canv.line(left, baseline - 1.5 * mm, left + room, baseline - 1.5 * mm)
    canv.restoreState()


class CountingCanvas(Canvas):
    """A canvas that holds its pages until the end, then writes "第 N 页 共 M 页" on each
    (only when there is more than one page, for ``page_numbers = "multi"``)."""

    def __init__(self, *args: Any, page_numbers: str = "multi", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._page_numbers = page_numbers
        self._held: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._held)
        numbered = self._page_numbers == "always" or (self._page_numbers == "multi" and total > 1)
        for state in self._held:
            self.__dict__.update(state)
            if numbered:
                self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        text = f"第 {self._pageNumber} 页 共 {total} 页"
        self.saveState()
        self.setFont(st.font(), DECORATION_SIZE)
        self.drawCentredString(self._pagesize[0] / 2, FOOTER_BASELINE, text)
        self.restoreState()


class FormDoc(BaseDocTemplate):
    """A form's document: the first page, the following pages (running header), and any
    page templates the blocks add (the ledger's)."""

    def __init__(self, target: Any, page: Page, decorations: Decorations, *, title: str):
        top, right, bottom, left = page.margins
        super().__init__(target, pagesize=page.size, topMargin=top, rightMargin=right, bottomMargin=bottom,
                         leftMargin=left, title=title, author="WindowDesk", creator="WindowDesk",
                         initialFontName=st.font(), initialFontSize=page.font_size)
        self.decorations = decorations
        self.page_spec = page
        frame = Frame(left, bottom, self.width, self.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        first = PageTemplate(id="first", frames=[frame], onPage=draw_decorations, autoNextPageTemplate="later")
        later = PageTemplate(id="later", frames=[frame], onPage=draw_decorations)
        self.addPageTemplates([first, later])

    def build_story(self, story: list[Flowable]) -> None:
        page_numbers = self.page_spec.page_numbers

        def maker(*args: Any, **kwargs: Any) -> CountingCanvas:
            return CountingCanvas(*args, page_numbers=page_numbers, **kwargs)

        self.build(story, canvasmaker=maker)
