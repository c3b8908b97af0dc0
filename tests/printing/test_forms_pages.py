"""The forms as pages: drawn by QtPdf (what the preview shows) they are not blank and
nothing is drawn in the outer strip of the paper; every text fits its box; the registration
book of 3,000 lines has its column header and "第 N 页 共 M 页" on every page."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.platypus import Table

from windowdesk.printing import samples
from windowdesk.printing import styles as st
from windowdesk.printing.blocks import Context
from windowdesk.printing.layout import Decorations, FitParagraph, FormDoc, FormLayoutError
from windowdesk.printing.ledger import PADDING
from windowdesk.printing.render import build_story, render
from windowdesk.printing.sheets import FormKind, PrintMark
from windowdesk.printing.templates import load_template

pytest.importorskip("PySide6.QtPdf")

DPI = 100
STRIP_MM = 6  # nothing may be drawn this near the paper's edge
HEADER = "序号办件编号收件时间申请人联系电话事项名称承诺时限应办结日期办理结果办结日期经办人备注"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Messages in their English source (the desk shows them translated)."""
    from windowdesk.printing import layout, placeholders, render, schema, templates

    for module in (layout, placeholders, render, schema, templates):
        monkeypatch.setattr(module, "_", lambda message: message)


def page_images(pdf: bytes, tmp_path):
    """Each page drawn by QtPdf at 100 dpi on white paper, as (width, height, grey bytes)."""
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtPdf import QPdfDocument

    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    doc = QPdfDocument()
    assert doc.load(str(path)) == QPdfDocument.Error.None_
    images = []
    for page in range(doc.pageCount()):
        points = doc.pagePointSize(page)
        size = QSize(round(points.width() / 72 * DPI), round(points.height() / 72 * DPI))
        drawn = doc.render(page, size)
        paper = QImage(size, QImage.Format.Format_RGB32)
        paper.fill(Qt.GlobalColor.white)
        painter = QPainter(paper)
        painter.drawImage(0, 0, drawn)
        painter.end()
        grey = paper.convertToFormat(QImage.Format.Format_Grayscale8)
        stride = grey.bytesPerLine()
        data = bytes(grey.constBits())
        rows = [data[y * stride:y * stride + size.width()] for y in range(size.height())]
        images.append((size.width(), size.height(), rows))
    doc.close()
    return images


def ink_in_strip(width: int, height: int, rows: list[bytes]) -> list[tuple[int, int]]:
    strip = round(STRIP_MM / 25.4 * DPI)
    found = []
    for y, row in enumerate(rows):
        parts = [(0, row)] if y < strip or y >= height - strip else [(0, row[:strip]), (width - strip, row[-strip:])]
        for x0, part in parts:
            if min(part) < 245:
                found.append((x0 + next(i for i, v in enumerate(part) if v < 245), y))
    return found


def dark_pixels(rows: list[bytes]) -> int:
    return sum(len(row) - len(row.translate(None, bytes(range(128)))) for row in rows)


CASES = [(kind, long) for kind in FormKind for long in (False, True)]


@pytest.mark.parametrize("kind, long", CASES, ids=[f"{k.value}{'-long' if lg else ''}" for k, lg in CASES])
def test_pages_are_drawn_and_nothing_runs_off_the_paper(qapp, tmp_path, kind, long):
    sheet = samples.sample(kind, long=long, reprint=True)
    images = page_images(render(sheet), tmp_path)
    assert images
    for number, (width, height, rows) in enumerate(images, 1):
        assert dark_pixels(rows) > 3000, f"page {number} is blank"
        stray = ink_in_strip(width, height, rows)
        assert not stray, f"page {number}: drawn in the outer {STRIP_MM} mm at {stray[:5]}"


def test_a_page_is_found_blank_and_ink_at_the_edge_is_found():
    white = [bytes([255]) * 100 for _ in range(100)]
    assert dark_pixels(white) == 0 and not ink_in_strip(100, 100, white)
    inked = [bytes([255]) * 100 for _ in range(99)] + [bytes([255]) * 50 + bytes([0]) + bytes([255]) * 49]
    assert ink_in_strip(100, 100, inked) == [(50, 99)] and dark_pixels(inked) == 1


# -- texts fit their boxes -------------------------------------------------------------------


def story_of(sheet):
    template = load_template(FormKind.BOOK)
    doc = FormDoc(io.BytesIO(), template.page, Decorations(template.page, "", PrintMark()), title="x")
    ctx = Context(sheet=sheet, doc=doc, styles=st.styles(template.page.font_size), width=doc.width)
    return build_story(template, ctx)


def test_every_plain_ledger_cell_fits_its_column_and_the_rest_wrap():
    story = story_of(samples.book(300))
    tables = [f for f in story if isinstance(f, Table) and len(f._cellvalues[0]) == 12]
    assert sum(len(t._cellvalues) for t in tables) == 300
    wrapped = 0
    for table in tables:
        for row in table._cellvalues:
            for value, width in zip(row, table._colWidths):
                if isinstance(value, str):
                    assert st.text_width(value, 8) <= width - 2 * PADDING, value
                else:
                    assert isinstance(value, FitParagraph)
                    wrapped += 1
    assert wrapped > 0  # the long item names and remarks


def test_a_text_that_cannot_fit_its_box_is_refused_not_cut():
    style = st.styles(11.0).body
    with pytest.raises(FormLayoutError, match="does not fit"):
        FitParagraph("申请人", style).wrap(3 * mm, 100 * mm)
    # a long run of digits or letters wraps like Chinese does
    paragraph = FitParagraph("91430111MA4L16JQ9B" * 4, style)
    _w, height = paragraph.wrap(20 * mm, 100 * mm)
    assert height > 3 * style.leading
    # a comma that may not start a line hangs at the end of the previous one
    text = "字" * 14 + "，" + "字" * 10
    paragraph = FitParagraph(text, style)
    paragraph.wrap(st.text_width("字" * 14, 11), 100 * mm)
    assert paragraph.blPara.lines[0][1][0].endswith("，")


def test_a_template_whose_box_is_too_narrow_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("WINDOWDESK_FORMS", str(tmp_path))
    (tmp_path / "refusal.toml").write_text(
        'form = "refusal"\n[page]\nmargins = { top = 18, right = 20, bottom = 18, left = 20 }\n'
        '[title]\ntext = "不予受理告知书"\n[[blocks]]\ntype = "fields"\ncolumns = 3\nlabel_width = 5\n'
        'items = [{ label = "申请人", value = "{case.applicant.name}" }]\n', encoding="utf-8")
    with pytest.raises(FormLayoutError, match="申请人"):
        render(samples.refusal())


# -- the registration book -------------------------------------------------------------------


@pytest.mark.slow
def test_a_3000_line_book_has_the_header_and_page_numbers_on_every_page():
    calls = []
    pdf = render(samples.book(3000), progress=lambda done, total: calls.append((done, total)))
    pages = [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]
    total = len(pages)
    assert total > 50
    for number, text in enumerate(pages, 1):
        assert f"第{number}页共{total}页" in text, number
        if number > 1:
            assert HEADER in text and "窗口服务事项受理登记册" in text, number
    cover = pages[0]
    assert "收件总数3000件" in cover and HEADER not in cover
    numbers = re.findall(r"LJ03-\d{8}-(\d{4})", "".join(pages[1:]))
    assert sorted(map(int, numbers)) == list(range(1, 3001))
    # progress: from nothing to everything, never backwards
    assert calls[0] == (0, 3000) and calls[-1] == (3000, 3000)
    assert all(a[0] <= b[0] for a, b in zip(calls, calls[1:])) and len(calls) > 10


def test_an_empty_book_still_has_its_ledger_page():
    pages = [re.sub(r"\s+", "", p.extract_text()) for p in PdfReader(io.BytesIO(render(samples.book(0)))).pages]
    assert len(pages) == 2
    assert "收件总数0件" in pages[0] and "按时办结率—" in pages[0]
    assert HEADER + "无" in pages[1] and "第2页共2页" in pages[1]


def test_a_row_taller_than_a_page_runs_over_pages_starting_with_its_number():
    from dataclasses import replace

    book = samples.book(30)
    lines = list(book.lines)
    lines[5] = replace(lines[5], remarks="经核查，申请人家庭情况复杂。" * 250)
    pages = [re.sub(r"\s+", "", p.extract_text())
             for p in PdfReader(io.BytesIO(render(replace(book, lines=tuple(lines))))).pages]
    first = next(n for n, text in enumerate(pages) if "LJ03-20260306-0006" in text)
    assert "经核查，申请人家庭情况复杂。" in pages[first] and "经核查" in pages[first + 1]
    material = samples.MaterialLine("村委会意见", True, 1, notes="须写明申请人家庭成员、收入和财产情况。" * 200)
    text = "".join(re.sub(r"\s+", "", p.extract_text())
                   for p in PdfReader(io.BytesIO(render(samples.acceptance(materials=(material,))))).pages)
    assert text.count("须") == 200  # (a phrase may be cut by a page break)
