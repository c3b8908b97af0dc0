"""The declarative form templates: every bundled one loads; a broken one is refused when it
is loaded, with an error naming the file, the block and what is wrong; the formatters."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from windowdesk.paths import forms_dir
from windowdesk.printing import samples
from windowdesk.printing.formatters import FORMATTERS, cn_number
from windowdesk.printing.render import render
from windowdesk.printing.sheets import FormKind, MaterialLine
from windowdesk.printing.templates import TemplateError, load_template, load_template_file, template_path

ROOT = Path(__file__).resolve().parents[2]

GOOD = """\
form = "refusal"
[page]
margins = {{ top = 18, right = 20, bottom = 18, left = 20 }}
[title]
text = "不予受理告知书"
[[blocks]]
type = "heading"
text = "理由"
[[blocks]]
{block}
"""


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Messages in their English source (the desk shows them translated)."""
    from windowdesk.printing import layout, placeholders, render, schema, templates

    for module in (layout, placeholders, render, schema, templates):
        monkeypatch.setattr(module, "_", lambda message: message)


def write(tmp_path: Path, block: str, name: str = "refusal.toml", template: str = GOOD) -> Path:
    path = tmp_path / name
    path.write_text(template.format(block=block), encoding="utf-8")
    return path


def error_of(tmp_path: Path, block: str, **kwargs) -> str:
    with pytest.raises(TemplateError) as caught:
        load_template_file(write(tmp_path, block, **kwargs))
    return str(caught.value)


def test_forms_dir_is_the_checkout_folder_the_override_or_the_frozen_bundle(monkeypatch, tmp_path):
    monkeypatch.delenv("WINDOWDESK_FORMS", raising=False)
    assert forms_dir() == ROOT / "forms"
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert forms_dir() == tmp_path / "forms"
    monkeypatch.setenv("WINDOWDESK_FORMS", str(tmp_path / "mine"))
    assert forms_dir() == tmp_path / "mine"


@pytest.mark.parametrize("kind", list(FormKind))
def test_every_form_has_a_template_that_loads(kind):
    template = load_template(kind)
    assert template.kind == kind and template_path(kind).is_file()
    assert template.blocks and template.title.text.source
    assert load_template(kind) is template  # read once


def test_a_misspelt_field_names_the_file_block_and_the_fields_there_are(tmp_path):
    message = error_of(tmp_path, 'type = "text"\ntext = "您好，{case.applicant.nmae}："')
    assert "refusal.toml" in message and "block 2 (text)" in message
    assert "{case.applicant.nmae}" in message and "'case.applicant.nmae'" in message
    assert "name, id_type, id_number, phone, address" in message


@pytest.mark.parametrize("block, expected", [
    ('type = "paragraph"\ntext = "x"', "unknown block type 'paragraph'"),
    ('type = "text"\ntxt = "x"', "unknown key txt"),
    ('type = "text"', "the key 'text' is missing"),
    ('type = "text"\ntext = "{refused_on}"', "use a date formatter such as date_cn"),
    ('type = "text"\ntext = "{refused_on|date_us}"', "unknown formatter 'date_us'"),
    ('type = "text"\ntext = "{case.applicant.name|date_cn}"', "does not apply to a str"),
    ('type = "text"\ntext = "{reasons|bool}"', "needs an argument"),
    ('type = "text"\ntext = "{reasons|date_cn:x}"', "takes no argument"),
    ('type = "text"\ntext = "{case}"', "name one of its fields"),
    ('type = "text"\ntext = "{case.applicant.name.first}"', "has no fields"),
    ('type = "text"\ntext = "理由：{reasons"', "unbalanced brace"),
    ('type = "text"\ntext = "{#}"', "only in tables and lists"),
    ('type = "text"\ntext = "<b>理由</i>"', "bad paragraph markup"),
    ('type = "text"\ntext = "✂ 剪下"', "U+2702"),
    ('type = "text"\ntext = "x"\nalign = "middle"', "expected one of left, center, right, justify"),
    ('type = "text"\ntext = "x"\nwhen = "center.reconsideration_days|gt:x"', "is not a whole number"),
    ('type = "table"\nrows = "reasons"\ncolumns = [{ header = "序号", value = "{#}", width = 1 }]', "not a list"),
    ('type = "table"\nrows = "case"\ncolumns = []', "not a list"),
    ('type = "fields"\nitems = [{ label = "申请人", value = "{case.applicant.name}", wide = "yes" }]', "expected true or false"),
    ('type = "checkboxes"', "give either 'options' or 'items'"),
    ('type = "checkboxes"\nitems = "case.applicant"', "not a list"),
    ('type = "seal"\nname = "{center.seal}"\ndate = "{refused_on|date_cn}"', "unknown field 'center.seal'"),
])
def test_a_broken_block_is_refused_with_a_clear_message(tmp_path, block, expected):
    message = error_of(tmp_path, block)
    assert "refusal.toml" in message and "block 2" in message, message
    assert expected in message, message


def test_row_texts_are_checked_against_the_row_type(tmp_path):
    block = 'type = "table"\nrows = "case.applicant.name"\ncolumns = [{ header = "x", value = "{x}", width = 1 }]'
    assert "not a list" in error_of(tmp_path, block)
    guide = GOOD.replace('form = "refusal"', 'form = "guide"')
    block = ('type = "table"\nrows = "materials"\n'
             'columns = [{ header = "材料", value = "{name}", width = 3 }, { header = "份数", value = "{copies|count:份}{origin}", width = 1 }]')
    message = error_of(tmp_path, block, template=guide, name="guide.toml")
    assert "columns: entry 2, value" in message and "'origin'; MaterialLine has name, original" in message


@pytest.mark.parametrize("template, expected", [
    (GOOD.replace('form = "refusal"', 'form = "receipt"'), "'form' must name one of the forms"),
    (GOOD.replace("top = 18", "top = 5"), "top must be at least 16 mm"),
    (GOOD.replace("[title]", "[title]\nsize = -3"), "expected a positive number"),
    (GOOD.replace("[page]", "[page]\norientation = \"sideways\""), "expected one of portrait, landscape"),
    (GOOD + "\n[footer]\ntext = 1\n", "unknown top-level key footer"),
    ("form = ", "not valid TOML"),
])
def test_a_broken_page_or_file_is_refused(tmp_path, template, expected):
    message = error_of(tmp_path, 'type = "spacer"\nheight = 2', template=template)
    assert "refusal.toml" in message and expected in message, message


def test_a_template_for_another_form_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("WINDOWDESK_FORMS", str(tmp_path))
    write(tmp_path, 'type = "spacer"\nheight = 2', name="acceptance.toml")
    with pytest.raises(TemplateError, match="the template of 'refusal', not of 'acceptance'"):
        load_template(FormKind.ACCEPTANCE)
    with pytest.raises(TemplateError, match="is missing"):
        load_template(FormKind.GUIDE)


def test_rendering_with_a_broken_template_raises_the_template_error(tmp_path, monkeypatch):
    monkeypatch.setenv("WINDOWDESK_FORMS", str(tmp_path))
    write(tmp_path, 'type = "text"\ntext = "{reason}"')
    with pytest.raises(TemplateError) as caught:
        render(samples.refusal())
    assert "refusal.toml" in str(caught.value) and "unknown field 'reason'" in str(caught.value)
    # fixed in place: the next print reads it again
    write(tmp_path, 'type = "text"\ntext = "理由：{reasons}"')
    assert render(samples.refusal()).startswith(b"%PDF")


def test_template_errors_are_translated(tmp_path, monkeypatch):
    import windowdesk.printing.placeholders as placeholders
    import windowdesk.printing.schema as schema
    import windowdesk.printing.templates as templates

    path = write(tmp_path, 'type = "text"\ntext = "{reason}"')
    for module in (templates, schema, placeholders):
        monkeypatch.setattr(module, "_", lambda message: "【" + message + "】")
    with pytest.raises(TemplateError) as caught:
        load_template_file(path)
    assert str(caught.value).startswith("【Form template") and "【{reason}: unknown field" in str(caught.value)


def test_the_texts_of_the_bundled_templates_use_only_known_blocks_and_formatters():
    used = set()
    for path in (ROOT / "forms").glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        used |= {name for name in FORMATTERS if f"|{name}" in text}
    assert {"date_cn", "cn_num", "material_form", "bool", "or", "percent", "workdays", "gt"} <= used


# -- formatters ----------------------------------------------------------------------------


@pytest.mark.parametrize("n, text", [(0, "零"), (6, "六"), (10, "十"), (15, "十五"), (60, "六十"), (90, "九十"),
                                     (100, "一百"), (105, "一百零五"), (110, "一百一十"), (1200, "一千二百"),
                                     (1005, "一千零五"), (12345, "12345")])
def test_chinese_numerals(n, text):
    assert cn_number(n) == text


def test_formatters():
    def fmt(name, value, arg=""):
        return FORMATTERS[name].func(value, arg)

    assert fmt("date_cn", date(2026, 11, 23)) == "2026年11月23日"
    assert fmt("date_cn", date(2026, 3, 2)) == "2026年3月2日"
    assert fmt("date_cn", None) == ""
    assert fmt("date_iso", datetime(2026, 3, 2, 9, 5)) == "2026-03-02"
    assert fmt("datetime_iso", datetime(2026, 3, 2, 9, 5)) == "2026-03-02 09:05"
    assert fmt("datetime_cn", datetime(2026, 11, 23, 15, 4)) == "2026年11月23日 15:04"
    assert fmt("time", datetime(2026, 11, 23, 15, 4)) == "15:04"
    assert fmt("workdays", 20) == "20个工作日" and fmt("workdays", 0) == "即办"
    assert fmt("count", 2, "份") == "2份" and fmt("count", 0, "份") == "—"
    assert fmt("material_form", MaterialLine("身份证", True, 2)) == "原件、复印件2份"
    assert fmt("material_form", MaterialLine("身份证", False, 1)) == "复印件1份"
    assert fmt("material_form", MaterialLine("照片", False, 0)) == ""
    assert fmt("bool", True, "是/否") == "是" and fmt("bool", (), "有/") == ""
    assert fmt("or", "", "—") == "—" and fmt("or", "x", "—") == "x" and fmt("or", None, "—") == "—"
    assert fmt("join", ("甲", "乙")) == "甲、乙" and fmt("join_with", ("甲", "乙"), "；") == "甲；乙"
    assert fmt("gt", 2, "1") is True and fmt("gt", 1, "1") is False
    totals = samples.book(12).totals
    assert fmt("percent", totals, "on_time/completed") == "100.0%"
    assert fmt("percent", samples.book(0).totals, "on_time/completed") == "—"
