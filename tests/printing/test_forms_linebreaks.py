"""Chinese line breaking (禁则) in the forms: a closing mark never starts a line, and an
opening mark never ends one — also where reportlab alone would put it there."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from reportlab.platypus import Paragraph

from windowdesk.printing import samples
from windowdesk.printing import styles as st
from windowdesk.printing.render import render

HEAD = "请您将上述材料一次性提交至示范县青石镇青石大道88号，青石镇便民服务中心一楼3号窗口（"
TAIL = "医疗保障）。联系电话：0736-7212303。"


def lines_of(markup: str, width: float) -> list[str]:
    paragraph = Paragraph(markup, st.paragraph_style("probe", 10))
    paragraph.wrap(width, 1000)
    found = paragraph.blPara
    if found.kind == 0:  # one run of text
        return ["".join(words) for _space, words in found.lines]
    return [st._line_text(line) for line in found.lines]


@pytest.mark.parametrize("markup", [HEAD + TAIL, "<b>请您</b>" + HEAD[2:] + TAIL], ids=["one-run", "several-runs"])
def test_an_opening_mark_goes_down_with_what_it_opens(markup):
    width = st.text_width(HEAD, 10) + 0.5  # exactly room for the line up to and with “（”
    lines = lines_of(markup, width)
    assert lines[0].endswith("3号窗口") and lines[1].startswith("（医疗保障）"), lines
    assert "".join(lines) == markup.replace("<b>", "").replace("</b>", "")


def test_no_line_of_any_form_ends_with_an_opening_mark():
    sheets = [samples.acceptance(long=True), samples.one_time_notice(long=True), samples.refusal(long=True),
              samples.satisfaction(), samples.guide(long=True), samples.book(300)]  # the long guide needs the rule
    for sheet in sheets:
        for page in PdfReader(io.BytesIO(render(sheet))).pages:
            for line in page.extract_text().splitlines():
                line = line.rstrip()
                assert not (len(line) > 1 and line[-1] in st.CANNOT_END), (type(sheet).__name__, line)
