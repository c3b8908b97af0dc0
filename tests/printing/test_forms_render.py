"""The printed forms, rendered from hand-made sheets and read back with pypdf: the legal
wording, dates, names and numbers of each form in its variants, the fonts embedded, the
reprint mark, and long texts that flow rather than overflow."""

from __future__ import annotations

import io
import os
import re
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import standardFonts

from windowdesk.printing import samples
from windowdesk.printing.render import render, render_to_file
from windowdesk.printing.sheets import FormKind, MaterialLine

SPACE = re.compile(r"\s+")


def compact(text: str) -> str:
    """Text without any white space (pypdf breaks lines where the layout wrapped them)."""
    return SPACE.sub("", text)


def pages_text(pdf: bytes) -> list[str]:
    return [compact(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def text_of(sheet) -> str:
    return "".join(pages_text(render(sheet)))


def assert_contains(text: str, *parts: str) -> None:
    missing = [p for p in parts if compact(p) not in text]
    assert not missing, f"missing {missing} in {text[:400]}…"


# -- the acceptance notice ---------------------------------------------------------------


def test_acceptance_notice_states_the_case_the_dates_and_the_limits():
    text = text_of(samples.acceptance())
    assert_contains(
        text, "石门镇便民服务中心", "事项受理通知单", "LJ03-20260302-0001", "李秀兰", "最低生活保障申请",
        "居民身份证", "11010519491231002X", "收件日期2026年3月2日",
        "申请材料齐全、符合法定形式，本中心决定予以受理，受理日期为2026年3月2日",
        "承诺办结日期2026年3月30日", "承诺时限20个工作日（法定时限30个工作日），自受理之日起计算",
        "经办人：张敏", "联系电话：0736-5321001", "监督投诉电话：0736-5321100", "办理地点：石门县石门镇人民路88号便民服务中心一楼。",
        "（盖章）",
        "石门县石门镇人民政府便民服务中心专用章2026年3月2日")
    # the materials received, with original / copies
    assert_contains(text, "户口簿已查验1份户主页及本人页", "家庭经济状况核查授权书已查验—家庭成员均需签字")
    assert "视为受理" not in text


def test_deemed_acceptance_says_so_with_article_32():
    sheet = samples.acceptance(deemed=True, accepted_on=date(2026, 3, 2), issued_on=date(2026, 3, 10))
    text = text_of(sheet)
    assert_contains(text, "未在收到申请材料之日起五个工作日内一次告知您需要补正的全部内容",
                    "《中华人民共和国行政许可法》第三十二条", "自收到申请材料之日起即为受理（视为受理）",
                    "受理日期2026年3月2日（视为受理）", "专用章2026年3月10日")
    assert "决定予以受理" not in text


def test_acceptance_notice_carries_a_qr_code_of_the_case_number(monkeypatch):
    from windowdesk.printing import blocks

    encoded = []
    original = blocks.qr_drawing
    monkeypatch.setattr(blocks, "qr_drawing", lambda value, size: encoded.append(value) or original(value, size))
    render(samples.acceptance())
    assert encoded == ["LJ03-20260302-0001"]
    drawing = original("LJ03-20260302-0001", 70)
    assert drawing.contents[0].value == "LJ03-20260302-0001"


# -- the one-time notice -----------------------------------------------------------------


def test_one_time_notice_lists_everything_in_one_go():
    text = text_of(samples.one_time_notice())
    assert_contains(
        text, "一次性告知书", "申请材料不齐全或者不符合法定形式", "《中华人民共和国行政许可法》第三十二条",
        "现将需要补正的全部内容一次性告知如下",
        "1户口簿原件、复印件1份是户主页及本人页", "2家庭经济状况核查授权书原件是家庭成员均需签字，并按手印",
        "3残疾人证复印件1份否家庭成员有残疾的提供",
        "二、其他需要补正或说明的事项", "申请表第三栏“家庭收入”填写不完整，请补充填写。",
        "三、本事项的办理条件", "具有本镇户籍的城乡居民；", "家庭财产状况符合规定。",
        "请您于2026年3月16日前，将上述材料一次性提交至石门镇便民服务中心民政窗口（人民路88号一楼）",
        "联系电话：0736-5321001",
        "本告知书一次性告知您需补正的全部材料，本中心不再要求您补正本告知书所列以外的材料",
        "自收到全部补正材料之日起受理您的申请", "申请人（签字）", "窗口经办人（签字）：张敏",
        "专用章2026年3月2日")
    assert "第二次" not in text


def test_one_time_notice_without_a_deadline_or_additions_renumbers_its_sections():
    text = text_of(samples.one_time_notice(bring_by=None, additions=()))
    assert_contains(text, "请您将上述材料一次性提交至石门镇便民服务中心民政窗口", "二、本事项的办理条件",
                    "三、补正方式")
    assert "前，将上述材料" not in text and "其他需要补正" not in text


def test_a_later_notice_says_it_repeats_only_what_is_outstanding():
    text = text_of(samples.one_time_notice(notice_number=2))
    assert_contains(text, "（第二次告知：仅列尚未补齐的材料，不增加新的要求）")


# -- the refusal notice ------------------------------------------------------------------


def test_refusal_gives_reasons_basis_redirect_and_remedies():
    text = text_of(samples.refusal())
    assert_contains(
        text, "不予受理告知书", "您于2026年3月2日提出的“最低生活保障申请”，经审查，本中心于2026年3月3日决定不予受理",
        "一、不予受理的理由", "未在本镇连续居住满一年", "二、不予受理的依据", "《社会救助暂行办法》第十一条",
        "三、有权受理的机关", "您可以向申请人户籍所在地乡镇人民政府（街道办事处）提出申请",
        "四、救济途径",
        "可以自知道或者应当知道该行政行为之日起六十日内向石门县人民政府申请行政复议",
        "也可以自知道或者应当知道作出该行政行为之日起六个月内依法向石门县人民法院提起行政诉讼",
        "申请人（签收）", "石门县石门镇人民政府便民服务中心专用章2026年3月3日")


def test_refusal_without_redirect_has_no_receiving_body_and_uses_the_centers_limits():
    center = replace(samples.CENTER, reconsideration_days=90, litigation_months=15,
                     reconsideration_body="某某市人民政府", court="某某区人民法院")
    text = text_of(samples.refusal(redirect="", center=center))
    assert "受理机关" not in text and "请您向" not in text
    assert_contains(text, "三、救济途径", "之日起九十日内向某某市人民政府申请行政复议",
                    "之日起十五个月内依法向某某区人民法院提起行政诉讼")


# -- the satisfaction slip ---------------------------------------------------------------


def test_satisfaction_slip_has_the_five_levels_and_a_stub_on_the_same_page():
    pages = pages_text(render(samples.satisfaction()))
    assert len(pages) == 1
    text = pages[0]
    assert_contains(text, "事项办理群众满意情况反馈单", "非常满意满意基本满意不满意非常不满意",
                    "意见或建议", "申请人（签字）", "沿虚线剪下", "事项办理群众满意情况反馈单（存根）",
                    "办结日期2026年3月20日", "办理结果准予")
    stub = text.split("存根）", 1)[1]
    assert_contains(stub, "LJ03-20260302-0001", "李秀兰", "最低生活保障申请", "非常满意满意基本满意不满意非常不满意")
    assert text.count("非常满意满意基本满意不满意非常不满意") == 2


def test_satisfaction_slip_of_an_open_case_shows_no_completion_date():
    assert_contains(text_of(samples.satisfaction(completed_on=None, result="办理中")), "办结日期—", "办理结果办理中")


# -- the service guide -------------------------------------------------------------------


def test_service_guide_covers_every_section():
    text = text_of(samples.guide())
    assert_contains(
        text, "办事指南", "最低生活保障申请", "事项编码MZ-001", "事项类型行政给付", "实施机关石门县民政局",
        "二、设定依据", "《社会救助暂行办法》（国务院令第649号）", "三、办理条件", "家庭财产状况符合规定。",
        "四、申请材料", "居民身份证原件、复印件1份必需", "五、办理流程", "1.申请：", "4.审批：",
        "法定时限30个工作日", "承诺时限20个工作日", "七、特别程序（不计入办理时限）", "公示 7个工作日（不计入办理时限）",
        "八、收费标准及依据", "不收费。", "办理地点石门镇便民服务中心民政窗口",
        "办理时间周一至周五 8:30—12:00，14:30—17:30（法定节假日除外）", "咨询电话0736-5321001",
        "监督投诉电话0736-5321100", "可由村级代办员代办", "目录版本：石门县2026年第1版")


def test_service_guide_of_an_immediate_item_without_proxy_or_special_procedures():
    text = text_of(samples.guide(committed_days=0, proxy_allowed=False, special_procedures=()))
    assert_contains(text, "承诺时限即办", "七、特别程序（不计入办理时限）无", "不提供代办", "本事项不提供代办服务，请申请人到窗口办理。")
    assert "村级代办员" not in text


# -- reprints, long texts, punctuation ---------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in FormKind if k not in (FormKind.BOOK, FormKind.GUIDE)])
def test_a_reprint_is_marked_on_every_page_and_a_first_print_is_not(kind):
    reprint = pages_text(render(samples.sample(kind, long=True, reprint=True)))
    assert all(compact("补打 2026-11-23 15:04") in page for page in reprint)
    assert not any("补打" in page for page in pages_text(render(samples.sample(kind, long=True))))


def test_long_names_and_25_materials_flow_to_more_pages_with_the_case_repeated():
    sheet = samples.acceptance(long=True)
    assert len(sheet.case.item_name) == 40 and len(sheet.case.applicant.name) == 30
    pages = pages_text(render(sheet))
    assert len(pages) >= 2
    whole = "".join(pages)
    assert_contains(whole, samples.LONG_ITEM, samples.LONG_NAME, samples.LONG_APPLICANT.id_number)
    for material in sheet.materials:
        assert compact(material.name) in whole
    for page in pages[1:]:
        assert_contains(page, "事项受理通知单（续）", "办件编号：LJ03-20260302-0001")
    assert_contains(pages[1], "序号材料名称原件复印件备注")  # the table's header again
    assert_contains(pages[-1], "（盖章）", "专用章")
    assert all(f"共{len(pages)}页" in page for page in pages)


def test_chinese_punctuation_and_markup_characters_print_as_given():
    applicant = replace(samples.APPLICANT, name="欧阳·建国（代理人：李华）")
    case = replace(samples.CASE, applicant=applicant, item_name="“一件事”联办：出生<医学>证明 & 户口登记")
    sheet = samples.refusal(case=case, basis="《中华人民共和国户口登记条例》第七条；\n《湖南省户籍管理办法》。")
    text = text_of(sheet)
    assert_contains(text, "欧阳·建国（代理人：李华）：", "“一件事”联办：出生<医学>证明 & 户口登记",
                    "《中华人民共和国户口登记条例》第七条；《湖南省户籍管理办法》。")


def test_a_notice_with_no_materials_says_so():
    assert_contains(text_of(samples.acceptance(materials=())), "序号材料名称原件复印件备注（无）")


def test_materials_that_need_no_original_and_no_copy():
    missing = (MaterialLine("电子照片", original=False, copies=0, notes="白底，近期免冠"),)
    assert_contains(text_of(samples.one_time_notice(missing=missing)), "1电子照片—是白底，近期免冠")


# -- fonts, files, progress --------------------------------------------------------------


def _fonts(resources, seen: set) -> list:
    found = []
    if resources is None:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        found.append(font.get_object())
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if id(xobject) not in seen and xobject.get("/Subtype") == "/Form":
            seen.add(id(xobject))
            found += _fonts(xobject.get("/Resources"), seen)
    return found


@pytest.mark.parametrize("kind", list(FormKind))
def test_every_font_is_the_embedded_truetype_subset(kind):
    reader = PdfReader(io.BytesIO(render(samples.sample(kind, long=True, reprint=True))))
    fonts = [f for page in reader.pages for f in _fonts(page.get("/Resources"), set())]
    assert fonts
    for font in fonts:
        name = str(font["/BaseFont"]).lstrip("/")
        assert font["/Subtype"] == "/TrueType", name
        assert name.split("+")[-1] not in standardFonts, name
        assert "WenQuanYi" in name or "MicroHei" in name, name
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"
        assert len(descriptor["/FontFile2"].get_object().get_data()) > 1000


def test_render_to_file_writes_the_same_pdf_and_reports_progress(tmp_path):
    calls = []
    path = render_to_file(samples.refusal(), tmp_path / "refusal.pdf", progress=lambda done, total: calls.append((done, total)))
    assert path.read_bytes().startswith(b"%PDF")
    assert pages_text(path.read_bytes()) == pages_text(render(samples.refusal()))
    assert calls[0] == (0, 1) and calls[-1] == (1, 1)
    assert [p.name for p in tmp_path.iterdir()] == ["refusal.pdf"]
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask, "the PDF is as readable as any new file, not private"


def test_render_refuses_what_is_not_a_sheet():
    with pytest.raises(TypeError):
        render(samples.CENTER)


def test_the_renderer_imports_neither_qt_nor_the_database():
    import json
    import subprocess
    import sys

    code = (
        "import importlib, json, pkgutil, sys\n"
        "import windowdesk.printing as p\n"
        "for m in pkgutil.iter_modules(p.__path__): importlib.import_module('windowdesk.printing.' + m.name)\n"
        "from windowdesk.printing import render, samples\n"
        "render.render(samples.acceptance())\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlalchemy', 'alembic')"
        " or m.startswith(('windowdesk.db', 'windowdesk.services', 'windowdesk.ui')))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_each_way_of_acceptance_has_its_own_wording():
    after = text_of(samples.acceptance(after_supplement=True))
    assert "已按一次性告知书补齐全部材料，本中心决定予以受理" in after and "视为受理" not in after
    deemed_later = text_of(samples.acceptance(deemed=True, after_supplement=True))
    assert "未在收齐补正材料之日起五个工作日内作出决定" in deemed_later
    assert "未在收到申请材料之日起五个工作日内一次告知" not in deemed_later
    for deemed in (False, True):  # the two facts give exactly one wording, never two at once
        for after_supplement in (False, True):
            sheet = samples.acceptance(deemed=deemed, after_supplement=after_supplement)
            ways = (sheet.on_complete_materials, sheet.accepted_after_supplement, sheet.deemed_on_receipt,
                    sheet.deemed_after_supplement)
            assert sum(ways) == 1


def test_the_licensing_law_applies_directly_only_to_licensing_items():
    licensing = replace(samples.CASE, licensing=True)
    direct = text_of(samples.acceptance(deemed=True, case=licensing))
    assert "依照《中华人民共和国行政许可法》第三十二条的规定" in direct and "参照" not in direct
    analogy = text_of(samples.acceptance(deemed=True))
    assert "参照《中华人民共和国行政许可法》第三十二条" in analogy


def test_an_item_named_as_an_application_is_not_called_an_application_twice():
    named = text_of(samples.refusal())  # 最低生活保障申请
    assert "“最低生活保障申请”，" in named and "申请”申请" not in named
    other = text_of(samples.refusal(case=replace(samples.CASE, item_name="社会保障卡启用、挂失和解挂")))
    assert "“社会保障卡启用、挂失和解挂”申请，" in other
