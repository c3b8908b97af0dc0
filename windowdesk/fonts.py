"""The bundled CJK font (WenQuanYi Micro Hei) and its registration.

WindowDesk ships ``resources/fonts/wqy-microhei.ttc`` so that Chinese text
renders, on screen and in generated PDFs, on a machine with no Chinese font
installed. The collection holds two faces: index 0 is the proportional
"WenQuanYi Micro Hei", index 1 the monospaced "WenQuanYi Micro Hei Mono".
Both have TrueType (glyf) outlines, so reportlab can embed subsets of them.

This module imports no Qt; reportlab is imported only when a font is
registered with it.
"""

from __future__ import annotations

import os
from pathlib import Path

from windowdesk.paths import resources_dir

FONT_FILE_NAME = "wqy-microhei.ttc"
FONT_FAMILY = "WenQuanYi Micro Hei"
#: Face of the collection used everywhere (the proportional one).
SUBFONT_INDEX = 0
REPORTLAB_FONT_NAME = "WQYMicroHei"


def bundled_font_path() -> Path:
    """Path of the bundled WenQuanYi Micro Hei collection (``.ttc``)."""
    return resources_dir() / "fonts" / FONT_FILE_NAME


def register_reportlab_font(name: str = REPORTLAB_FONT_NAME) -> str:
    """Register the bundled font's first face with reportlab under ``name``.

    Calling it again with the same name is a no-op. Returns ``name``, to be
    used with ``canvas.setFont`` or in paragraph styles. Raises
    ``FileNotFoundError`` if the font file is missing, and ``ValueError`` if
    ``name`` is already registered with reportlab for some other font.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    path = bundled_font_path()
    if name in pdfmetrics.standardFonts:
        raise ValueError(f"{name!r} is one of reportlab's standard PDF fonts")
    if name in pdfmetrics.getRegisteredFontNames():
        face = getattr(pdfmetrics.getFont(name), "face", None)
        filename = getattr(face, "filename", None)
        # reportlab marks a collection's face by its index: b"-0" for face 0.
        subfont = getattr(face, "subfontNameX", None)
        if (
            filename is None
            or not _same_file(filename, path)
            or subfont != f"-{SUBFONT_INDEX}".encode()
        ):
            raise ValueError(
                f"reportlab font name {name!r} is already registered for another font"
            )
        return name
    if not path.is_file():
        raise FileNotFoundError(f"bundled font not found: {path}")
    pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=SUBFONT_INDEX))
    return name


def _same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)
