"""Texts with ``{placeholders}``: parsed and type-checked once, filled in for each print.

A placeholder is ``{path}`` or ``{path|formatter}`` / ``{path|formatter:arg}``, chained
left to right. ``path`` is a dotted path of field names (``case.applicant.name``) from
the sheet (or, inside a table or list, from the row), ``.`` for the row itself and ``#``
for the row's number (1, 2, …). ``{{`` and ``}}`` write braces.

Checking happens against the sheet's dataclass field types, so a misspelt field, a
formatter that does not fit the value (``date_cn`` on a name) or a date printed without a
formatter are found when the template is loaded, not when a clerk prints.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, is_dataclass
from datetime import date
from functools import cache, cached_property
from typing import Any, Union, get_args, get_origin, get_type_hints
from xml.sax.saxutils import escape

from windowdesk.i18n import _
from windowdesk.printing.formatters import ANY, FORMATTERS, SEQUENCE, Formatter

ROW_NUMBER = "#"
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
IDEOGRAPHIC_SPACE = "\u3000"
KEPT_SPACE = "\u00a0" * 4  # four no-break spaces of the form font ≈ one ideographic space
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


class PlaceholderError(Exception):
    """A problem in one text of a template; ``str()`` is translated, without the place
    (the template loader adds the file and block)."""


@dataclass(frozen=True)
class Expr:
    """A path with its formatters: what one placeholder (or a ``when``) computes."""

    source: str
    path: tuple[str, ...]  # () is the scope itself; ("#",) the row number
    formatters: tuple[tuple[Formatter, str], ...]
    type: Any  # the type of the result (for checks)

    def value(self, scope: Any, number: int | None = None) -> Any:
        if self.path == (ROW_NUMBER,):
            value: Any = number
        else:
            value = scope
            for name in self.path:
                if value is None:
                    break
                value = getattr(value, name)
        for formatter, arg in self.formatters:
            value = formatter.func(value, arg)
        return value


@dataclass(frozen=True)
class Text:
    """A template text: literal parts and placeholders."""

    source: str
    parts: tuple[str | Expr, ...]

    @cached_property
    def markup_parts(self) -> tuple[str | Expr, ...]:
        # a Paragraph collapses white space, the ideographic space (U+3000) included; the
        # blanks of "　　年　　月　　日" are kept as no-break spaces of about the same width
        return tuple(p.replace(IDEOGRAPHIC_SPACE, KEPT_SPACE) if isinstance(p, str) else p for p in self.parts)

    @property
    def exprs(self) -> tuple[Expr, ...]:
        return tuple(p for p in self.parts if isinstance(p, Expr))

    def plain(self, scope: Any, number: int | None = None) -> str:
        """The text filled in, as plain text."""
        return "".join(p if isinstance(p, str) else _as_text(p.value(scope, number)) for p in self.parts)

    def markup(self, scope: Any, number: int | None = None) -> str:
        """The text filled in for a Paragraph: literal parts are paragraph markup, values
        are escaped (and their line breaks kept)."""
        return "".join(
            p if isinstance(p, str) else escape(_as_text(p.value(scope, number))).replace("\n", "<br/>")
            for p in self.markup_parts
        )

def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


# -- types of the sheets' fields ------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    """``X | None`` → ``X``."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else object
    return tp


def base_class(tp: Any) -> type:
    tp = _unwrap(tp)
    origin = get_origin(tp)
    return origin if isinstance(origin, type) else tp if isinstance(tp, type) else object


def item_type(tp: Any) -> Any | None:
    """The element type of a ``tuple[X, ...]`` field, else None."""
    tp = _unwrap(tp)
    if get_origin(tp) is tuple:
        args = get_args(tp)
        return args[0] if args else object
    return None


@cache
def _hints(cls: type) -> dict[str, Any]:
    """The fields of a sheet's dataclass, and its properties that say what they return
    (facts derived from the fields, such as which wording a notice takes)."""
    hints = dict(get_type_hints(cls))
    for name, member in vars(cls).items():
        if isinstance(member, property) and member.fget is not None:
            returns = get_type_hints(member.fget).get("return")
            if returns is not None:
                hints.setdefault(name, returns)
    return hints


def type_name(tp: Any) -> str:
    tp = _unwrap(tp)
    element = item_type(tp)
    if element is not None:
        return f"list of {type_name(element)}"
    return getattr(base_class(tp), "__name__", str(tp))


def resolve_path(scope_type: Any, path: tuple[str, ...], source: str) -> Any:
    """The type at ``path`` from ``scope_type``; PlaceholderError naming the bad part."""
    tp = scope_type
    walked: list[str] = []
    for name in path:
        cls = _unwrap(tp)
        if not (isinstance(cls, type) and is_dataclass(cls)):
            raise PlaceholderError(_("{placeholder}: '{path}' has no fields (it is a {kind})").format(
                placeholder=source, path=".".join(walked) or ".", kind=type_name(tp)))
        hints = _hints(cls)
        if name not in hints:
            raise PlaceholderError(_("{placeholder}: unknown field '{field}'; {kind} has {known}").format(
                placeholder=source, field=".".join([*walked, name]), kind=cls.__name__,
                known=", ".join(hints)))
        tp = hints[name]
        walked.append(name)
    return tp


def _accepts(formatter: Formatter, tp: Any) -> bool:
    if ANY in formatter.accepts:
        return True
    cls = base_class(tp)
    return any(issubclass(cls, a) for a in formatter.accepts if a is not SEQUENCE) or (
        SEQUENCE in formatter.accepts and item_type(tp) is not None)


def parse_expr(source: str, scope_type: Any, *, rows: bool = False, label: str | None = None) -> Expr:
    """Parse ``path|fmt:arg|…`` against ``scope_type``. ``rows``: ``#`` is allowed."""
    label = label or "{" + source + "}"
    head, *chain = [part.strip() for part in source.split("|")] if source.strip() else [""]
    if head == ROW_NUMBER:
        if not rows:
            raise PlaceholderError(_("{placeholder}: the row number # exists only in tables and lists").format(
                placeholder=label))
        path: tuple[str, ...] = (ROW_NUMBER,)
        tp: Any = int
    elif head == ".":
        path, tp = (), scope_type
    else:
        path = tuple(head.split("."))
        if not all(_NAME.match(p) for p in path):
            raise PlaceholderError(_("{placeholder}: '{path}' is not a field path").format(
                placeholder=label, path=head))
        tp = resolve_path(scope_type, path, label)
    formatters = []
    for item in chain:
        name, colon, arg = item.partition(":")
        formatter = FORMATTERS.get(name.strip())
        if formatter is None:
            raise PlaceholderError(_("{placeholder}: unknown formatter '{name}'; known: {known}").format(
                placeholder=label, name=name.strip(), known=", ".join(FORMATTERS)))
        if formatter.arg == "required" and not colon:
            raise PlaceholderError(_("{placeholder}: the formatter '{name}' needs an argument ({usage})").format(
                placeholder=label, name=name, usage=formatter.doc))
        if formatter.arg == "none" and colon:
            raise PlaceholderError(_("{placeholder}: the formatter '{name}' takes no argument").format(
                placeholder=label, name=name))
        if not _accepts(formatter, tp):
            raise PlaceholderError(_("{placeholder}: the formatter '{name}' does not apply to a {kind}").format(
                placeholder=label, name=name, kind=type_name(tp)))
        problem = formatter.check_arg(arg, base_class(tp)) if formatter.check_arg else None
        if problem:
            raise PlaceholderError(_("{placeholder}: bad argument of '{name}': {problem}").format(
                placeholder=label, name=name, problem=problem))
        formatters.append((formatter, arg))
        if formatter.returns is not ANY:
            tp = formatter.returns
    return Expr(source, path, tuple(formatters), tp)


def _check_printable(expr: Expr, label: str) -> None:
    cls = base_class(expr.type)
    if item_type(expr.type) is not None:
        hint = _("use a list or table block, or the formatter join")
    elif issubclass(cls, bool):
        hint = _("use the formatter bool:YES/NO")
    elif issubclass(cls, date):
        hint = _("use a date formatter such as date_cn")
    elif is_dataclass(cls):
        hint = _("name one of its fields")
    else:
        return
    raise PlaceholderError(_("{placeholder}: a {kind} cannot be printed as it is; {hint}").format(
        placeholder=label, kind=type_name(expr.type), hint=hint))


def parse_text(source: str, scope_type: Any, *, rows: bool = False) -> Text:
    """Parse a template text with placeholders; every value must be printable."""
    if not isinstance(source, str):
        raise PlaceholderError(_("expected a text, found {value}").format(value=repr(source)))
    parts: list[str | Expr] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(source):
        literal.append(source[position:match.start()])
        position = match.end()
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif match.group(1) is None:
            raise PlaceholderError(_("unbalanced brace in \"{text}\" (write two braces for a brace)").format(
                text=source))
        else:
            label = token
            expr = parse_expr(match.group(1), scope_type, rows=rows, label=label)
            _check_printable(expr, label)
            if literal:
                parts.append("".join(literal))
                literal = []
            parts.append(expr)
    literal.append(source[position:])
    if "".join(literal):
        parts.append("".join(literal))
    return Text(source, tuple(parts))

