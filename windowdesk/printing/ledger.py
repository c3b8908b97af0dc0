"""The ledger block (the registration book's lines): thousands of rows, fast.

- The lines go into tables of ``chunk`` rows each: platypus splits a table across pages by
  re-measuring what is left, so one 10,000-row table costs far more than 100 of 100 rows.
- The column header is not a table row: the ledger's page template draws it (with the
  heading above it) at the top of every ledger page, exactly above the columns, so chunk
  boundaries never show and every page has it.
- A cell whose text fits its column on one line is a plain string (drawn directly); only
  longer texts become wrapping Paragraphs. Widths are measured once per distinct text.
  A row that may be taller than a page may be split across pages (``splitInRow``, only
  in such a chunk: elsewhere a row that does not fit moves whole to the next page).
- ``progress(done, total)`` is reported as each chunk is laid out.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Frame, NextPageTemplate, PageBreak, PageTemplate, Table, TableStyle

from windowdesk.printing import styles as st
from windowdesk.printing.blocks import Context, scaled_widths
from windowdesk.printing.layout import FitParagraph, Progress, draw_decorations, para
from windowdesk.printing.templates import Block

PADDING = 2.0  # points, left and right in a ledger cell
HEADING_GAP = 2 * mm
ALIGN = {"left": "LEFT", "center": "CENTER", "right": "RIGHT"}
# a row with a text this long may run over a page: its cells start at the top (a row
# split across pages would otherwise show its middle-aligned number pages later)
TALL_TEXT = 200


def _row_style(columns: tuple, size: float) -> TableStyle:
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st.font()),
        ("FONTSIZE", (0, 0), (-1, -1), size),
        ("LEADING", (0, 0), (-1, -1), size * 1.25),
        ("GRID", (0, 0), (-1, -1), 0.5, st.RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        *[("ALIGN", (i, 0), (i, -1), ALIGN[c["align"]]) for i, c in enumerate(columns)],
    ])


def _ledger_template(ctx: Context, heading: FitParagraph | None, header: Table) -> PageTemplate:
    doc = ctx.doc
    _w, header_h = header.wrap(doc.width, doc.height)
    heading_h = heading.wrap(doc.width, doc.height)[1] + HEADING_GAP if heading else 0
    top = doc.bottomMargin + doc.height  # the frame's top without the header
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height - heading_h - header_h, id="ledger",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    def on_page(canv, document) -> None:
        draw_decorations(canv, document)
        if heading:
            heading.drawOn(canv, doc.leftMargin, top - heading_h + HEADING_GAP)
        header.drawOn(canv, doc.leftMargin, top - heading_h - header_h)

    return PageTemplate(id="ledger", frames=[frame], onPage=on_page)


def ledger(block: Block, ctx: Context) -> list[Flowable]:
    sheet, width, size = ctx.sheet, ctx.width, block["size"]
    columns = block["columns"]
    widths = scaled_widths([c["width"] for c in columns], width)
    header_style = st.sized_style(ctx.styles.header, size)
    header = Table([[para(escape(c["header"]), header_style) for c in columns]], colWidths=widths,
                   style=_row_style(columns, size))
    header.setStyle([("BACKGROUND", (0, 0), (-1, -1), st.LABEL_BACKGROUND)])
    heading = para(block["heading"].markup(sheet), ctx.styles.small) if block["heading"] else None
    ctx.doc.addPageTemplates([_ledger_template(ctx, heading, header)])

    rows = block["rows"].value(sheet) or ()
    total = len(rows)
    chunk = block["chunk"]
    style = _row_style(columns, size)
    cell_styles = {a: st.sized_style(s, size) for a, s in ctx.styles.cell.items()}
    texts = [c["value"] for c in columns]
    room = [w - 2 * PADDING - 0.5 for w in widths]
    aligns = [c["align"] for c in columns]
    font = st.font()
    measured: dict[str, float] = {}

    def fits(text: str, column: int) -> bool:
        w = measured.get(text)
        if w is None:
            w = measured[text] = st.text_width(text, size) if text.isprintable() else float("inf")
        return w <= room[column]

    story: list[Flowable] = [NextPageTemplate("ledger"), PageBreak()]
    progress = ctx.progress
    for start in range(0, total, chunk):
        data: list[list[Any]] = []
        tall: list[tuple] = []
        for number, row in enumerate(rows[start:start + chunk], start + 1):
            cells: list[Any] = []
            for column, text in enumerate(texts):
                value = text.plain(row, number)
                if fits(value, column):
                    cells.append(value)
                    continue
                cells.append(FitParagraph(escape(value).replace("\n", "<br/>"), cell_styles[aligns[column]]))
                if len(value) > TALL_TEXT:
                    tall.append(("VALIGN", (0, len(data)), (-1, len(data)), "TOP"))
            data.append(cells)
        table = Table(data, colWidths=widths, style=style, splitInRow=1 if tall else 0)
        if tall:
            table.setStyle(tall)
        story.append(table)
        if progress:
            story.append(Progress(progress, min(start + chunk, total), total))
    if not rows:
        story.append(Table([[para("无", cell_styles["center"])] + [""] * (len(columns) - 1)], colWidths=widths,
                           style=TableStyle([("SPAN", (0, 0), (-1, 0)), ("FONTNAME", (0, 0), (-1, -1), font),
                                             ("GRID", (0, 0), (-1, -1), 0.5, st.RULE)])))
    return story
