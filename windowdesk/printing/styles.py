"""Paragraph and table styles of the forms: one embedded font (WenQuanYi Micro Hei, a
TrueType subset in every PDF), black on white, sizes from the template's base size."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.lib import textsplit as _textsplit
from reportlab.platypus import paragraph as _paragraph

from windowdesk.fonts import register_reportlab_font

ALIGNMENT = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT, "justify": TA_JUSTIFY}
LABEL_BACKGROUND = colors.Color(0.93, 0.93, 0.93)
RULE = colors.black
FAINT = colors.Color(0.45, 0.45, 0.45)
GRID_WIDTH = 0.6
CELL_PADDING = 3.5  # points, left/right in grids and tables

# Chinese line-breaking (禁则): reportlab's CJK wrapping keeps the marks of its list off
# the start of a line (they hang at the end of the previous one) but its list lacks the
# full-width comma, semicolon, colon, ! and ? (and a few closing marks), so "，" could
# start a line. They are added once to reportlab's own list (both modules that use it).
_MISSING = "，；：！？％》」』〕】…"
CANNOT_START: str = _textsplit.ALL_CANNOT_START + "".join(
    c for c in _MISSING if c not in _textsplit.ALL_CANNOT_START)
_textsplit.ALL_CANNOT_START = _paragraph.ALL_CANNOT_START = CANNOT_START

# The other half of 禁则: an opening mark may not end a line (“（” at the end, “医疗保障）”
# below). reportlab's CJK wrapping has no such rule, so its split is run again with that
# line's width just short of the mark, which carries the mark over to the next line.
CANNOT_END: str = _textsplit.ALL_CANNOT_END + "".join(
    c for c in "（《〈「『【〔“‘" if c not in _textsplit.ALL_CANNOT_END)
_reportlab_cjk_split = _paragraph.cjkFragSplit
_reportlab_word_split = _paragraph.wordSplit


def _keep_openers(split, maxWidths, runs_of):
    """Run ``split(widths)`` (-> lines) until no line but the last ends with an opening
    mark; ``runs_of(line)`` gives the line's (text, font, size) runs."""
    widths = list(maxWidths) if isinstance(maxWidths, (list, tuple)) else [maxWidths]
    result = split(widths)
    lines = getattr(result, "lines", result)
    for _attempt in range(len(lines)):  # each pass mends one line (and keeps the ones before)
        runs = [runs_of(line) for line in lines[:-1]]
        bad = next((n for n, line in enumerate(runs)
                    if len(text := "".join(r[0] for r in line)) > 1 and text[-1] in CANNOT_END), None)
        if bad is None:
            break
        widths += [widths[-1]] * (len(lines) - len(widths))  # every line its own limit
        used = sum(stringWidth(*run) for run in runs[bad])
        text, font_name, size = runs[bad][-1]
        widths[bad] = used - stringWidth(text[-1], font_name, size) / 2  # all but the mark still fits
        result = split(widths)
        lines = getattr(result, "lines", result)
    return result


def _line_text(line) -> str:
    return "".join(getattr(word, "text", "") for word in getattr(line, "words", ()))


def _split_keeping_openers(frags, maxWidths, calcBounds, encoding="utf8"):
    """reportlab's split of a paragraph of several runs, keeping opening marks off line ends."""
    return _keep_openers(lambda widths: _reportlab_cjk_split(frags, widths, calcBounds, encoding), maxWidths,
                         lambda line: [(w.text, w.fontName, w.fontSize) for w in line.words])


def _word_split_keeping_openers(word, maxWidths, fontName, fontSize, encoding="utf8"):
    """The same for a paragraph of one run of text (reportlab splits it with ``wordSplit``)."""
    return _keep_openers(lambda widths: _reportlab_word_split(word, widths, fontName, fontSize, encoding),
                         maxWidths, lambda line: [(line[1], fontName, fontSize)] if isinstance(line[1], str) else [])


_paragraph.cjkFragSplit = _split_keeping_openers
_paragraph.wordSplit = _word_split_keeping_openers


@cache
def font() -> str:
    """The registered font name (registered once per process)."""
    return register_reportlab_font()


def text_width(text: str, size: float) -> float:
    return stringWidth(text, font(), size)


def paragraph_style(name: str, size: float, *, leading: float = 1.5, align: str = "left",
                    indent: float = 0.0, color=colors.black, **extra) -> ParagraphStyle:
    """A CJK-wrapping style in the form font: ``leading`` times ``size``, ``indent`` in
    characters (first line)."""
    return ParagraphStyle(
        name, fontName=font(), fontSize=size, leading=round(size * leading, 2),
        alignment=ALIGNMENT[align], firstLineIndent=indent * size, textColor=color,
        bulletFontName=font(), bulletFontSize=size, wordWrap="CJK", allowWidows=1, allowOrphans=1,
        **extra,
    )


@dataclass(frozen=True)
class Styles:
    size: float
    body: ParagraphStyle
    heading: ParagraphStyle
    title: ParagraphStyle
    above: ParagraphStyle
    below: ParagraphStyle
    label: ParagraphStyle
    value: ParagraphStyle
    cell: dict[str, ParagraphStyle]  # by alignment
    header: ParagraphStyle
    small: ParagraphStyle
    faint: ParagraphStyle

    def sized(self, size: float | None, base: ParagraphStyle) -> ParagraphStyle:
        return base if size is None else sized_style(base, size)


@cache
def sized_style(base: ParagraphStyle, size: float) -> ParagraphStyle:
    ratio = base.leading / base.fontSize
    return ParagraphStyle(f"{base.name}-{size}", parent=base, fontSize=size, leading=round(size * ratio, 2),
                          bulletFontSize=size, firstLineIndent=base.firstLineIndent / base.fontSize * size,
                          rightIndent=base.rightIndent / base.fontSize * size)


@cache
def styles(size: float) -> Styles:
    """The styles of a form whose body text is ``size`` points."""
    # in a ruled cell a mark hanging past the line end (see CANNOT_START) stays off the rule
    hang = {"rightIndent": (size - 1) * 0.4}
    cell = {a: paragraph_style(f"cell-{a}-{size}", size - 1, leading=1.3, align=a, **hang)
            for a in ("left", "center", "right")}
    return Styles(
        size=size,
        body=paragraph_style(f"body-{size}", size, leading=1.6, align="justify", spaceAfter=size * 0.15),
        heading=paragraph_style(f"heading-{size}", size + 1.5, leading=1.4, spaceBefore=size * 0.4,
                                spaceAfter=size * 0.25, keepWithNext=1),
        title=paragraph_style(f"title-{size}", size * 1.75, leading=1.35, align="center", spaceAfter=size * 0.4),
        above=paragraph_style(f"above-{size}", size + 2, leading=1.4, align="center", spaceAfter=size * 0.3),
        below=paragraph_style(f"below-{size}", size, leading=1.4, align="center", spaceAfter=size * 0.4),
        label=paragraph_style(f"label-{size}", size - 0.5, leading=1.3, align="center"),
        value=paragraph_style(f"value-{size}", size - 0.5, leading=1.3, rightIndent=(size - 0.5) * 0.4),
        cell=cell,
        header=paragraph_style(f"header-{size}", size - 1, leading=1.25, align="center"),
        small=paragraph_style(f"small-{size}", size - 1.5, leading=1.5, align="justify"),
        faint=paragraph_style(f"faint-{size}", size - 1, leading=1.3, align="center", color=FAINT),
    )
