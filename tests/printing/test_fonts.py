"""The bundled CJK font: present with its licence, and embedded by reportlab."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from windowdesk import fonts
from windowdesk.paths import resources_dir

SAMPLE = "最低生活保障申请 受理通知单"


def _render(pdf_path: Path, font_name: str) -> None:
    c = canvas.Canvas(str(pdf_path), pagesize=A4)
    c.setFont(font_name, 18)
    c.drawString(72, A4[1] - 100, SAMPLE)
    c.showPage()
    c.save()


def _wqy_fonts(pdf_path: Path) -> list:
    """The page's font resources that come from WenQuanYi Micro Hei.

    (reportlab's canvas also lists its initial font, Helvetica, a standard
    PDF font that is never embedded.)"""
    reader = PdfReader(str(pdf_path))
    assert len(reader.pages) == 1
    resources = reader.pages[0]["/Resources"].get_object()
    font_dict = resources["/Font"].get_object()
    page_fonts = [ref.get_object() for ref in font_dict.values()]
    return [f for f in page_fonts if "WenQuanYi" in str(f["/BaseFont"])]


def test_font_file_and_licence_are_bundled():
    path = fonts.bundled_font_path()
    assert path == resources_dir() / "fonts" / "wqy-microhei.ttc"
    assert path.is_file()
    with path.open("rb") as f:
        assert f.read(4) == b"ttcf"  # a TrueType collection
    licence = path.parent / "LICENSE-wqy-microhei.txt"
    text = licence.read_text(encoding="utf-8")
    assert "WenQuanYi" in text
    assert "Apache-2.0" in text
    assert "Font exception" in text
    assert (path.parent / "README.md").is_file()


def test_register_reportlab_font_is_idempotent():
    name = fonts.register_reportlab_font()
    assert name == "WQYMicroHei"
    assert fonts.register_reportlab_font() == name
    font = pdfmetrics.getFont(name)
    assert font.face.familyName == fonts.FONT_FAMILY.encode()


def test_register_reportlab_font_refuses_a_name_taken_by_another_font():
    with pytest.raises(ValueError):
        fonts.register_reportlab_font("Helvetica")
    # The collection's other face (Mono) under a name we then ask for.
    from reportlab.pdfbase.ttfonts import TTFont

    mono = TTFont("WQYMicroHeiMonoTaken", str(fonts.bundled_font_path()), subfontIndex=1)
    pdfmetrics.registerFont(mono)
    with pytest.raises(ValueError):
        fonts.register_reportlab_font("WQYMicroHeiMonoTaken")


def test_reportlab_embeds_chinese_as_truetype_subset(tmp_path):
    name = fonts.register_reportlab_font()
    pdf_path = tmp_path / "notice.pdf"
    _render(pdf_path, name)

    text = PdfReader(str(pdf_path)).pages[0].extract_text()
    for ch in SAMPLE.replace(" ", ""):
        assert ch in text, (ch, text)

    wqy_fonts = _wqy_fonts(pdf_path)
    assert wqy_fonts
    for font in wqy_fonts:
        assert font["/Subtype"] == "/TrueType"
        descriptor = font["/FontDescriptor"].get_object()
        font_file = descriptor["/FontFile2"].get_object()
        assert len(font_file.get_data()) > 0
        base = str(font["/BaseFont"])
        # A subset's name carries a six-letter tag, and reportlab appends the
        # collection's face index: /ABCDEF+WenQuanYiMicroHei-0
        tag, _, postscript = base.lstrip("/").partition("+")
        assert len(tag) == 6 and tag.isupper(), base
        assert postscript == "WenQuanYiMicroHei-0"


def test_rendering_uses_only_the_bundled_font_file(tmp_path, monkeypatch):
    """No system font is involved: reportlab does not use fontconfig, and the
    font it embeds is read from the bundled file, not found on a search path."""
    from reportlab import rl_config

    monkeypatch.setattr(rl_config, "TTFSearchPath", [])
    name = fonts.register_reportlab_font("WQYMicroHeiBundledOnly")
    font = pdfmetrics.getFont(name)
    used = Path(font.face.filename).resolve()
    assert used.is_relative_to((resources_dir() / "fonts").resolve())
    assert used == fonts.bundled_font_path().resolve()

    pdf_path = tmp_path / "bundled.pdf"
    _render(pdf_path, name)
    wqy_fonts = _wqy_fonts(pdf_path)
    assert wqy_fonts
    for font in wqy_fonts:
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_fonts_module_does_not_import_qt():
    code = (
        "import sys, windowdesk.fonts\n"
        "qt = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'PyQt6', 'PyQt5', 'PySide2', 'reportlab')]\n"
        "assert not qt, qt\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
