"""One builder per block type of the mini-language: a template block and the sheet in,
platypus flowables out. Texts are wrapped Paragraphs (Chinese wraps anywhere), tables get
their widths from the frame, so nothing runs out of its box."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, PageBreak, Spacer, Table, TableStyle

from windowdesk.printing import styles as st
from windowdesk.printing.layout import FormDoc, TearLine, para
from windowdesk.printing.templates import Block

ProgressCallback = Callable[[int, int], None]
TALL_TEXT = 400  # characters of a table cell after which its row is top-aligned


@dataclass
class Context:
    """What the builders share while one sheet is laid out."""

    sheet: Any
    doc: FormDoc
    styles: st.Styles
    width: float  # of the frame, points
    progress: ProgressCallback | None = None


def _grid_style(*commands: tuple) -> TableStyle:
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st.font()),
        ("GRID", (0, 0), (-1, -1), st.GRID_WIDTH, st.RULE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), st.CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), st.CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.8),
        *commands,
    ])


def _plain_style(*commands: tuple) -> TableStyle:
    """No rules: for layout tables (signatures, check boxes)."""
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st.font()),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        *commands,
    ])


def scaled_widths(weights: list[float], width: float) -> list[float]:
    total = sum(weights)
    return [width * w / total for w in weights]


def drawing(width: float, height: float, **kwargs: Any) -> Drawing:
    """A Drawing whose initial graphics state names the form font (renderPDF would set
    Helvetica, an unembedded standard font, at the start of every drawing)."""
    d = Drawing(width, height, **kwargs)
    d.initialFontName = st.font()
    return d


def qr_drawing(value: str, size: float) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    code = drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), -x0, -y0])
    code.add(widget)
    return code


# -- the builders ------------------------------------------------------------------------


def text(block: Block, ctx: Context) -> list[Flowable]:
    style = ctx.styles.sized(block["size"], ctx.styles.body)
    align = st.ALIGNMENT[block["align"]]
    if style.alignment != align or block["indent"]:
        style = type(style)(f"{style.name}-{block['align']}-{block['indent']}", parent=style,
                            alignment=align, firstLineIndent=block["indent"] * style.fontSize)
    return [para(block["text"].markup(ctx.sheet), style)]


def heading(block: Block, ctx: Context) -> list[Flowable]:
    return [para(block["text"].markup(ctx.sheet), ctx.styles.sized(block["size"], ctx.styles.heading))]


def fields(block: Block, ctx: Context) -> list[Flowable]:
    s = ctx.styles.sized(block["size"], ctx.styles.value)
    label_style = ctx.styles.sized(block["size"], ctx.styles.label)
    columns: int = block["columns"]
    items = [(i["label"].markup(ctx.sheet), i["value"].markup(ctx.sheet), i["wide"]) for i in block["items"]]
    qr_size = block["qr"] and 26 * mm
    width = ctx.width - (qr_size + 3 * mm if qr_size else 0)
    label_w = block["label_width"] * mm if block["label_width"] else max(
        16 * mm, max(st.text_width(i["label"].plain(ctx.sheet), label_style.fontSize) for i in block["items"])
        + 2 * st.CELL_PADDING + 2)
    label_w = min(label_w, width / columns * 0.45)
    value_w = width / columns - label_w
    rows: list[list[Any]] = []
    commands: list[tuple] = []
    current: list[Any] = []

    def close_row() -> None:
        nonlocal current
        if current:
            current += [""] * (2 * columns - len(current))
            rows.append(current)
            current = []

    for label, value, wide in items:
        if wide or columns == 1:
            close_row()
            r = len(rows)
            rows.append([para(label, label_style), para(value, s)] + [""] * (2 * columns - 2))
            commands += [("SPAN", (1, r), (-1, r)), ("BACKGROUND", (0, r), (0, r), st.LABEL_BACKGROUND)]
        else:
            c, r = len(current), len(rows)
            commands.append(("BACKGROUND", (c, r), (c, r), st.LABEL_BACKGROUND))
            current += [para(label, label_style), para(value, s)]
            if len(current) == 2 * columns:
                close_row()
    close_row()
    table = Table(rows, colWidths=[label_w, value_w] * columns, style=_grid_style(*commands), hAlign="LEFT")
    if not qr_size:
        return [table]
    code = qr_drawing(block["qr"].plain(ctx.sheet), qr_size)
    return [Table([[table, code]], colWidths=[width + 3 * mm, qr_size], style=_plain_style(
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0)))]


def table(block: Block, ctx: Context) -> list[Flowable]:
    size = block["size"]
    header_style = ctx.styles.sized(size and size - 0.5, ctx.styles.header)
    columns = block["columns"]
    widths = scaled_widths([c["width"] for c in columns], ctx.width)
    cell = {a: ctx.styles.sized(size, s) for a, s in ctx.styles.cell.items()}
    data: list[list[Any]] = [[para(escape(c["header"]), header_style) for c in columns]]
    commands: list[tuple] = [("BACKGROUND", (0, 0), (-1, 0), st.LABEL_BACKGROUND)]
    rows = block["rows"].value(ctx.sheet) or ()
    for number, row in enumerate(rows, 1):
        texts = [c["value"].markup(row, number) for c in columns]
        if max(map(len, texts)) > TALL_TEXT:  # may run over a page: start its cells at the top
            commands.append(("VALIGN", (0, number), (-1, number), "TOP"))
        data.append([para(t, cell[c["align"]]) for t, c in zip(texts, columns)])
    if not rows:
        data.append([para(escape(block["empty"]), cell["center"])] + [""] * (len(columns) - 1))
        commands.append(("SPAN", (0, 1), (-1, 1)))
    tall = any(c[0] == "VALIGN" for c in commands)  # only then may a row be cut by a page break
    return [Table(data, colWidths=widths, style=_grid_style(*commands), repeatRows=1, hAlign="LEFT",
                  splitInRow=1 if tall else 0)]


NUMBERING = {"1.": "{n}.", "（1）": "（{n}）", "•": "•", "none": ""}


def bullet_list(block: Block, ctx: Context) -> list[Flowable]:
    base = ctx.styles.sized(block["size"], ctx.styles.body)
    rows = block["items"].value(ctx.sheet) or ()
    if not rows:
        return [para(escape(block["empty"]), base)]
    pattern = NUMBERING[block["numbering"]]
    sample = pattern.format(n=len(rows))
    indent = st.text_width(sample, base.fontSize) + base.fontSize * 0.5 if pattern else 0
    style = type(base)(f"{base.name}-list-{indent:.1f}", parent=base, leftIndent=indent, firstLineIndent=0,
                       bulletIndent=0, spaceAfter=base.fontSize * 0.15)
    return [_numbered(block["item"].markup(row, n), style, pattern.format(n=n)) for n, row in enumerate(rows, 1)]


def _numbered(markup: str, style, bullet: str) -> Flowable:
    """A paragraph hanging from its number (reportlab's bullet text, in the form font)."""
    paragraph = para(markup, style)
    if bullet:
        paragraph.bulletText = bullet
    return paragraph


def _box(size: float) -> Drawing:
    """An empty tick box about as tall as a character (the font's □ is too small to tick)."""
    side = size * 0.9
    box = drawing(side + 1, side + 1)
    box.add(Rect(0.5, 0.5, side, side, strokeWidth=0.8, strokeColor=st.RULE, fillColor=None))
    return box


def checkboxes(block: Block, ctx: Context) -> list[Flowable]:
    """A row of tick boxes (label first when given), evenly spread over the width."""
    body = ctx.styles.sized(block["size"], ctx.styles.body)
    s = body.clone(f"{body.name}-tick", leading=body.fontSize * 1.25, spaceAfter=0, alignment=st.ALIGNMENT["left"])
    options = [str(o) for o in (block["options"] or block["items"].value(ctx.sheet) or ())]
    label_w = 0.0
    cells: list[Any] = []
    if block["label"]:
        label_w = min(ctx.width * 0.3, st.text_width(block["label"].plain(ctx.sheet), s.fontSize) + 4)
        cells.append(para(block["label"].markup(ctx.sheet), s))
    box_w = s.fontSize * 1.4
    each = (ctx.width - label_w) / max(len(options), 1)
    for option in options:
        cells += [_box(s.fontSize), para(escape(option), s)]
    widths = ([label_w] if label_w else []) + [box_w, each - box_w] * len(options)
    return [Table([cells], colWidths=widths, hAlign="LEFT",
                  style=_plain_style(("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("TOPPADDING", (0, 0), (-1, -1), 3),
                                     ("BOTTOMPADDING", (0, 0), (-1, -1), 3)))]


def lines(block: Block, ctx: Context) -> list[Flowable]:
    out: list[Flowable] = []
    if block["label"]:
        out.append(para(block["label"].markup(ctx.sheet), ctx.styles.body))
    count = block["count"]
    out.append(Table([[""]] * count, colWidths=[ctx.width], rowHeights=[9 * mm] * count,
                     style=_plain_style(("LINEBELOW", (0, 0), (-1, -1), 0.5, st.RULE))))
    return out


def signatures(block: Block, ctx: Context) -> list[Flowable]:
    items = block["items"]
    return [_signature_table(items, ctx, ctx.width, 1 if len(items) == 1 else 2)]


def _signature_table(entries: tuple, ctx: Context, width: float, per_row: int, room: float = 4 * mm) -> Table:
    """Label, then a line to sign on (with a printed value above it when given); ``room``
    above each line for the hand."""
    s = ctx.styles.body
    items = [(i["label"].markup(ctx.sheet), i["value"].markup(ctx.sheet), i["label"].plain(ctx.sheet))
             for i in entries]
    gap = 8 * mm
    slot = (width - gap * (per_row - 1)) / per_row
    widths: list[float] = []
    for col in range(per_row):
        longest = max(st.text_width(items[i][2], s.fontSize) for i in range(col, len(items), per_row))
        label_w = min(slot * 0.55, longest + 4)
        widths += [label_w, slot - label_w] + ([gap] if col < per_row - 1 else [])
    rows: list[list[Any]] = []
    commands: list[tuple] = [("TOPPADDING", (0, 0), (-1, -1), room)]
    for start in range(0, len(items), per_row):
        row: list[Any] = []
        for col, (label, value, _plain) in enumerate(items[start:start + per_row]):
            if col:
                row.append("")
            row += [para(label, s), para(value, s)]
            commands.append(("LINEBELOW", (len(row) - 1, len(rows)), (len(row) - 1, len(rows)), 0.5, st.RULE))
        rows.append(row + [""] * (len(widths) - len(row)))
    return Table(rows, colWidths=widths, style=_plain_style(*commands), hAlign="LEFT")


def seal(block: Block, ctx: Context) -> list[Flowable]:
    """The seal area at the right: a dashed box marked （盖章） with the seal's name and the
    date at its foot, where the stamp is pressed over them (骑年盖月); signature lines
    (``beside``) may stand at its left."""
    width, height = block["width"] * mm, block["height"] * mm
    center = ctx.styles.body.clone("seal", alignment=st.ALIGNMENT["center"], firstLineIndent=0, spaceAfter=0)
    name = para(block["name"].markup(ctx.sheet), center)
    date = para(block["date"].markup(ctx.sheet), center)
    inner = width - 4
    text_h = name.wrap(inner, height)[1] + date.wrap(inner, height)[1] + 6
    rows = [[para(escape(block["label"]), ctx.styles.faint)], [name], [date]]
    style = _plain_style(
        ("BOX", (0, 0), (-1, -1), 0.6, st.FAINT, None, (3, 2)),
        ("VALIGN", (0, 0), (0, 0), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (0, 0), 3 * mm), ("TOPPADDING", (0, 1), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 2),
    )
    label_h = max(height - text_h, 10 * mm)
    box: Flowable = Table(rows, colWidths=[width], rowHeights=[label_h, None, None], style=style, hAlign="RIGHT")
    if block["beside"]:
        gap = 8 * mm
        lines_w = ctx.width - width - gap
        signing = _signature_table(block["beside"], ctx, lines_w, 1, room=3 * mm)
        box = Table([[signing, box]], colWidths=[lines_w + gap, width],
                    style=_plain_style(("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                       ("BOTTOMPADDING", (0, 0), (-1, -1), 0)))
    space = Spacer(1, 2 * mm)
    space.keepWithNext = True  # (a KeepTogether would not join the block before: see render.build_story)
    return [space, box]


def qr(block: Block, ctx: Context) -> list[Flowable]:
    size = block["size"] * mm
    code = qr_drawing(block["value"].plain(ctx.sheet), size)
    cells: list[list[Any]] = [[code]]
    if block["caption"]:
        cells.append([para(block["caption"].markup(ctx.sheet), ctx.styles.faint)])
    return [Table(cells, colWidths=[max(size, 30 * mm)], hAlign=block["align"].upper(),
                  style=_plain_style(("ALIGN", (0, 0), (-1, -1), "CENTER")))]


def tear_off(block: Block, ctx: Context) -> list[Flowable]:
    return [TearLine(block["text"], ctx.styles.size - 1.5)]


def spacer(block: Block, ctx: Context) -> list[Flowable]:
    return [Spacer(1, block["height"] * mm)]


def page_break(block: Block, ctx: Context) -> list[Flowable]:
    return [PageBreak()]


def _ledger(block: Block, ctx: Context) -> list[Flowable]:
    from windowdesk.printing.ledger import ledger

    return ledger(block, ctx)


BUILDERS: dict[str, Callable[[Block, Context], list[Flowable]]] = {
    "text": text, "heading": heading, "fields": fields, "table": table, "list": bullet_list,
    "checkboxes": checkboxes, "lines": lines, "signatures": signatures, "seal": seal, "qr": qr,
    "tear_off": tear_off, "spacer": spacer, "page_break": page_break, "ledger": _ledger,
}
