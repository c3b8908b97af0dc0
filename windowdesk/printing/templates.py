"""Loading and checking the declarative form templates (``forms/*.toml``).

A template is read once and kept (until its file changes). Everything is checked when it
is loaded: unknown keys and block types, placeholders against the sheet's fields,
formatters against the values they format, paragraph markup. Every error is a
``TemplateError`` naming the file and the block. The mini-language is described in
``forms/README.md``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from reportlab.lib.pagesizes import A4, A5, landscape, portrait
from reportlab.lib.units import mm

from windowdesk.core.errors import DomainError
from windowdesk.i18n import _
from windowdesk.paths import forms_dir
from windowdesk.printing.placeholders import Expr, PlaceholderError, Text
from windowdesk.printing.schema import (
    BLOCKS, COMMON, MARGINS, MIN_MARGINS_MM, PAGE, TITLE, Context, Problem, check_keys,
)
from windowdesk.printing.sheets import (
    AcceptanceNotice, FormKind, OneTimeNotice, RefusalNotice, RegistrationBook, SatisfactionSlip,
    ServiceGuide,
)

SHEET_TYPES: dict[FormKind, type] = {
    FormKind.ACCEPTANCE: AcceptanceNotice,
    FormKind.ONE_TIME_NOTICE: OneTimeNotice,
    FormKind.REFUSAL: RefusalNotice,
    FormKind.SATISFACTION: SatisfactionSlip,
    FormKind.BOOK: RegistrationBook,
    FormKind.GUIDE: ServiceGuide,
}
PAGE_SIZES = {"A4": A4, "A5": A5}  # the names schema.PAGE_SIZE_NAMES allows


class TemplateError(DomainError):
    """A form template that cannot be used; ``str()`` names the file and the block."""


@dataclass(frozen=True)
class Page:
    size: tuple[float, float]  # points, oriented
    margins: tuple[float, float, float, float]  # top, right, bottom, left, points
    font_size: float
    running_header: Text | None  # on every page after the first
    page_numbers: str  # always | multi (only when there is more than one page) | never


@dataclass(frozen=True)
class Title:
    text: Text
    above: Text | None
    below: Text | None
    size: float


@dataclass(frozen=True)
class Block:
    type: str
    number: int  # 1-based, as error messages count
    when: Expr | None
    unless: Expr | None
    options: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.options[key]

    def shown(self, sheet: Any) -> bool:
        if self.when is not None and not self.when.value(sheet):
            return False
        return self.unless is None or not self.unless.value(sheet)


@dataclass(frozen=True)
class Template:
    kind: FormKind
    path: Path
    sheet_type: type
    page: Page
    title: Title
    blocks: tuple[Block, ...]


def _page(raw: Any, ctx: Context) -> Page:
    if not isinstance(raw, dict):
        raise Problem(_("[page]: expected a table"))
    margins_raw = raw.get("margins")
    if not isinstance(margins_raw, dict):
        raise Problem(_("[page]: 'margins' must be a table { top = …, right = …, bottom = …, left = … } in mm"))
    margins = check_keys(margins_raw, MARGINS, ctx, "[page] margins")
    for side, least in MIN_MARGINS_MM.items():
        if margins[side] < least:
            raise Problem(_("[page] margins: {side} must be at least {least} mm (the page number, running "
                            "header and reprint mark print there)").format(side=side, least=least))
    options = check_keys({k: v for k, v in raw.items() if k != "margins"}, PAGE, ctx, "[page]")
    size = PAGE_SIZES[options["size"]]
    size = landscape(size) if options["orientation"] == "landscape" else portrait(size)
    return Page(size=size, margins=tuple(margins[s] * mm for s in ("top", "right", "bottom", "left")),
                font_size=options["font_size"], running_header=options["running_header"],
                page_numbers=options["page_numbers"])


def _block(raw: Any, number: int, ctx: Context) -> Block:
    kind = raw.get("type") if isinstance(raw, dict) else None
    where = _("block {n}").format(n=number)
    if kind not in BLOCKS:
        raise Problem(_("{where}: unknown block type {kind}; known: {known}").format(
            where=where, kind=repr(kind), known=", ".join(BLOCKS)))
    ctx.row_type = None
    body = {k: v for k, v in raw.items() if k != "type"}
    options = dict(check_keys(body, {**COMMON, **BLOCKS[kind]}, ctx, f"{where} ({kind})"))
    when, unless = options.pop("when"), options.pop("unless")
    if kind == "checkboxes" and (options["options"] is None) == (options["items"] is None):
        raise Problem(_("{where} (checkboxes): give either 'options' or 'items'").format(where=where))
    if kind == "checkboxes" and options["items"] is not None and ctx.row_type is not str:
        raise Problem(_("{where} (checkboxes): 'items' must be a list of texts").format(where=where))
    return Block(kind, number, when, unless, MappingProxyType(options))


def parse_template(data: Mapping[str, Any], path: Path, kind: FormKind | None = None) -> Template:
    """Check a parsed TOML document; TemplateError naming ``path`` and the block."""
    try:
        unknown = sorted(set(data) - {"form", "page", "title", "blocks"})
        if unknown:
            raise Problem(_("unknown top-level key {keys}; known: form, page, title, blocks").format(
                keys=", ".join(unknown)))
        try:
            form = FormKind(data.get("form"))
        except ValueError:
            raise Problem(_("'form' must name one of the forms: {known}").format(
                known=", ".join(k.value for k in FormKind))) from None
        if kind is not None and form != kind:
            raise Problem(_("this is the template of '{found}', not of '{wanted}'").format(
                found=form.value, wanted=kind.value))
        ctx = Context(SHEET_TYPES[form])
        page = _page(data.get("page"), ctx)
        if not isinstance(data.get("title"), dict):
            raise Problem(_("[title]: expected a table with at least text = \"…\""))
        t = check_keys(data["title"], TITLE, ctx, "[title]")
        title = Title(t["text"], t["above"], t["below"], t["size"])
        blocks_raw = data.get("blocks")
        if not isinstance(blocks_raw, list) or not blocks_raw:
            raise Problem(_("no [[blocks]]"))
        blocks = tuple(_block(raw, n, ctx) for n, raw in enumerate(blocks_raw, 1))
    except (Problem, PlaceholderError) as err:
        raise TemplateError(_("Form template {file}: {problem}").format(file=path, problem=err)) from None
    return Template(form, path, ctx.sheet_type, page, title, blocks)


def template_path(kind: FormKind | str) -> Path:
    return forms_dir() / f"{FormKind(kind).value}.toml"


def load_template(kind: FormKind | str) -> Template:
    """The template of a form, from ``forms_dir()``; read again only when its file changed."""
    path = template_path(kind)
    try:
        status = path.stat()
    except OSError:
        raise TemplateError(_("Form template {file} is missing").format(file=path)) from None
    return _load_cached(path, FormKind(kind), (status.st_mtime_ns, status.st_size))


def load_template_file(path: str | Path, kind: FormKind | None = None) -> Template:
    """Read and check one template file (not cached)."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except OSError as err:
        raise TemplateError(_("Form template {file} cannot be read: {error}").format(
            file=path, error=err.strerror or err)) from None
    except tomllib.TOMLDecodeError as err:
        raise TemplateError(_("Form template {file} is not valid TOML: {error}").format(
            file=path, error=err)) from None
    return parse_template(data, path, kind)


@lru_cache(maxsize=32)
def _load_cached(path: Path, kind: FormKind, stamp: tuple[int, int]) -> Template:
    return load_template_file(path, kind)
