"""The keys of a form template and how each value is checked (the schema of the
mini-language in ``forms/README.md``): each checker takes the raw TOML value and returns
it compiled (texts parsed against the sheet's fields) or raises ``Problem``."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

from reportlab.pdfbase import pdfmetrics

from windowdesk.i18n import _
from windowdesk.printing import styles as st
from windowdesk.printing.placeholders import (
    Expr, PlaceholderError, Text, item_type, parse_expr, parse_text, type_name,
)

PAGE_SIZE_NAMES = ("A4", "A5")
ALIGNS = ("left", "center", "right", "justify")


class Problem(Exception):
    """A problem found while checking; turned into a TemplateError with the place."""


# -- value checkers: (raw value, context) -> compiled value ------------------------------


@dataclass
class Context:
    sheet_type: type
    row_type: Any = None  # the element type of the block's rows, once known


Checker = Callable[[Any, Context], Any]


def _text(markup: bool = False, rows: bool = False) -> Checker:
    def check(raw: Any, ctx: Context) -> Text:
        scope = ctx.row_type if rows else ctx.sheet_type
        text = parse_text(raw, scope, rows=rows)
        _check_glyphs("".join(p for p in text.parts if isinstance(p, str)))
        if markup:
            _check_markup(text)
        return text

    return check


def _printed(raw: Any, ctx: Context) -> str:
    """A fixed text printed as it is."""
    if not isinstance(raw, str):
        raise Problem(_("expected a text, found {value}").format(value=repr(raw)))
    _check_glyphs(raw)
    return raw


def _check_glyphs(text: str) -> None:
    """Every character of a template's own wording must be in the form font (no tofu)."""
    cmap = pdfmetrics.getFont(st.font()).face.charToGlyph
    missing = sorted({c for c in text if ord(c) not in cmap and c not in "\n\t"})
    if missing:
        raise Problem(_("the form font has no {chars} (it would print as a box)").format(
            chars=" ".join(f"'{c}' (U+{ord(c):04X})" for c in missing)))


def _expr(raw: Any, ctx: Context) -> Expr:
    if not isinstance(raw, str):
        raise Problem(_("expected a field path, found {value}").format(value=repr(raw)))
    return parse_expr(raw, ctx.sheet_type, label=raw)


def _rows(raw: Any, ctx: Context) -> Expr:
    expr = _expr(raw, ctx)
    element = item_type(expr.type)
    if element is None:
        raise Problem(_("'{path}' is a {kind}, not a list").format(path=raw, kind=type_name(expr.type)))
    ctx.row_type = element
    return expr


def _of(kind: type, positive: bool = False) -> Checker:
    def check(raw: Any, ctx: Context) -> Any:
        ok = isinstance(raw, kind) and not isinstance(raw, bool) if kind is not bool else isinstance(raw, bool)
        if kind is float and isinstance(raw, int) and not isinstance(raw, bool):
            ok, raw = True, float(raw)
        if not ok or (positive and raw <= 0):
            wanted = _("a positive number") if positive else {
                float: _("a number"), int: _("a whole number"), bool: _("true or false")}.get(kind, _("a text"))
            raise Problem(_("expected {kind}, found {value}").format(kind=wanted, value=repr(raw)))
        return raw

    return check


def _choice(*choices: Any) -> Checker:
    def check(raw: Any, ctx: Context) -> Any:
        if raw not in choices:
            raise Problem(_("expected one of {choices}, found {value}").format(
                choices=", ".join(map(str, choices)), value=repr(raw)))
        return raw

    return check


def _strings(raw: Any, ctx: Context) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) for s in raw):
        raise Problem(_("expected a list of texts, found {value}").format(value=repr(raw)))
    for text in raw:
        _check_glyphs(text)
    return tuple(raw)


def _table_of(schema: dict[str, tuple[Checker, Any]]) -> Checker:
    def check(raw: Any, ctx: Context) -> tuple[Mapping[str, Any], ...]:
        if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
            raise Problem(_("expected a non-empty list of tables {{ … }}, found {value}").format(value=repr(raw)))
        return tuple(check_keys(entry, schema, ctx, _("entry {n}").format(n=n)) for n, entry in enumerate(raw, 1))

    return check


REQUIRED = object()
MM = _of(float, positive=True)
SIZE = _of(float, positive=True)
COMMON: dict[str, tuple[Checker, Any]] = {
    "when": (_expr, None),
    "unless": (_expr, None),
    "space_before": (_of(float), 0.0),
    "space_after": (_of(float), 0.0),
}
COLUMN = {
    "header": (_printed, REQUIRED),
    "value": (_text(rows=True), REQUIRED),
    "width": (_of(float, positive=True), REQUIRED),
    "align": (_choice("left", "center", "right"), "left"),
}
SIGNATURE_LINES = _table_of({"label": (_text(), REQUIRED), "value": (_text(), "")})
BLOCKS: dict[str, dict[str, tuple[Checker, Any]]] = {
    "text": {"text": (_text(markup=True), REQUIRED), "align": (_choice(*ALIGNS), "justify"),
             "size": (SIZE, None), "indent": (_of(float), 0.0)},
    "heading": {"text": (_text(markup=True), REQUIRED), "size": (SIZE, None)},
    "fields": {
        "items": (_table_of({"label": (_text(), REQUIRED), "value": (_text(), REQUIRED),
                             "wide": (_of(bool), False)}), REQUIRED),
        "columns": (_choice(1, 2, 3), 2), "qr": (_text(), None), "label_width": (MM, None), "size": (SIZE, None),
    },
    "table": {"rows": (_rows, REQUIRED), "columns": (_table_of(COLUMN), REQUIRED),
              "empty": (_printed, "无"), "size": (SIZE, None)},
    "list": {"items": (_rows, REQUIRED), "item": (_text(markup=True, rows=True), "{.}"),
             "numbering": (_choice("1.", "（1）", "•", "none"), "1."), "empty": (_printed, "无"),
             "size": (SIZE, None)},
    "checkboxes": {"options": (_strings, None), "items": (_rows, None), "label": (_text(), None),
                   "size": (SIZE, None)},
    "lines": {"count": (_of(int, positive=True), 3), "label": (_text(), None)},
    "signatures": {"items": (SIGNATURE_LINES, REQUIRED)},
    "seal": {"name": (_text(), REQUIRED), "date": (_text(), REQUIRED), "label": (_printed, "（盖章）"),
             "width": (MM, 76.0), "height": (MM, 30.0), "beside": (SIGNATURE_LINES, None)},
    "qr": {"value": (_text(), REQUIRED), "size": (MM, 24.0), "caption": (_text(), None),
           "align": (_choice("left", "center", "right"), "right")},
    "tear_off": {"text": (_printed, "沿虚线剪下")},
    "spacer": {"height": (MM, REQUIRED)},
    "page_break": {},
    "ledger": {"rows": (_rows, REQUIRED), "columns": (_table_of(COLUMN), REQUIRED), "heading": (_text(), None),
               "chunk": (_of(int, positive=True), 100), "size": (SIZE, 8.0)},
}
# a raw value computed before the others (rows fix the scope of the row texts)
_FIRST = ("items", "rows")


def check_keys(raw: Mapping[str, Any], schema: Mapping[str, tuple[Checker, Any]], ctx: Context,
                where: str) -> Mapping[str, Any]:
    unknown = sorted(set(raw) - set(schema))
    if unknown:
        raise Problem(_("{where}: unknown key {keys}; known: {known}").format(
            where=where, keys=", ".join(unknown), known=", ".join(schema)))
    out: dict[str, Any] = {}
    for key in sorted(schema, key=lambda k: k not in _FIRST):
        checker, default = schema[key]
        if key not in raw:
            if default is REQUIRED:
                raise Problem(_("{where}: the key '{key}' is missing").format(where=where, key=key))
            out[key] = None if default is None else checker(default, ctx)
            continue
        try:
            out[key] = checker(raw[key], ctx)
        except (PlaceholderError, Problem) as err:
            raise Problem(f"{where}, {key}: {err}") from None
    return MappingProxyType(out)


def _check_markup(text: Text) -> None:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus.paraparser import ParaParser

    sample = "".join(p if isinstance(p, str) else "x" for p in text.parts)
    if "<" not in sample and "&" not in sample:
        return
    parser = ParaParser()
    try:
        result = parser.parse(sample, ParagraphStyle("check"))
    except ValueError as err:
        result, detail = None, str(err)
    else:
        detail = "; ".join(getattr(parser, "errors", []) or [])
    if result is None or result[1] is None:
        raise PlaceholderError(_("bad paragraph markup in \"{text}\": {detail}").format(
            text=text.source, detail=detail))


# -- the page and the title ----------------------------------------------------------------

PAGE = {
    "size": (_choice(*PAGE_SIZE_NAMES), "A4"),
    "orientation": (_choice("portrait", "landscape"), "portrait"),
    "font_size": (SIZE, 11.0),
    "running_header": (_text(), None),
    "page_numbers": (_choice("always", "multi", "never"), "multi"),
}
MIN_MARGINS_MM = {"top": 16, "right": 10, "bottom": 15, "left": 10}
MARGINS = {side: (MM, REQUIRED) for side in ("top", "right", "bottom", "left")}
TITLE = {"text": (_text(markup=True), REQUIRED), "above": (_text(markup=True), None),
         "below": (_text(markup=True), None), "size": (SIZE, 18.0)}
