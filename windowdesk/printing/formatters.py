"""The named formatters a template may apply to a value: ``{path|name}`` or ``{path|name:arg}``.

Each formatter says which values it accepts (checked when a template is loaded, against
the sheet's field types) and what it returns, so a chain like ``{due_date|date_cn|or:—}``
is validated before anything is printed. ``None`` (an optional date not set) formats as
the empty string, which ``or:`` can replace.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime
from typing import Any, Callable

from windowdesk.printing.sheets import MaterialLine

ANY = object  # accepts anything
SEQUENCE = tuple  # a tuple field of the sheet


@dataclass(frozen=True)
class Formatter:
    func: Callable[[Any, str], Any]  # (value, arg) -> formatted value
    accepts: tuple[type, ...]  # value types accepted (ANY: all)
    returns: type  # str, bool …
    arg: str  # "none" | "required" | "optional"
    doc: str
    check_arg: Callable[[str, type], str | None] | None = None  # -> an error, or None


_DIGITS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千")


def cn_number(n: int) -> str:
    """0 ≤ n < 10000 in Chinese numerals as laws and notices write them: 60 → 六十,
    15 → 十五, 105 → 一百零五, 1200 → 一千二百 (other numbers in Arabic digits)."""
    if n < 0 or n >= 10_000:
        return str(n)
    if n == 0:
        return _DIGITS[0]
    digits = [int(c) for c in str(n)]
    out: list[str] = []
    zero = False
    for i, d in enumerate(digits):
        if d == 0:
            zero = True
            continue
        if zero and out:
            out.append(_DIGITS[0])
        zero = False
        out.append(_DIGITS[d] + _UNITS[len(digits) - 1 - i])
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


def _none(func: Callable[[Any], str]) -> Callable[[Any, str], str]:
    return lambda value, arg: "" if value is None else func(value)


def _date_cn(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _datetime_cn(value: date) -> str:
    if isinstance(value, datetime):
        return f"{_date_cn(value)} {value:%H:%M}"
    return _date_cn(value)


def _datetime_iso(value: date) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else value.isoformat()


def _split_choice(arg: str) -> tuple[str, str]:
    yes, _sep, no = arg.partition("/")
    return yes, no


_ALREADY_AN_APPLICATION = ("申请", "申领", "申报")


def _application(name: str) -> str:
    """An item's name as the application it is: “高龄津贴申领”, “社会保障卡启用、挂失和解挂”申请
    (no 申请 after a name that already says it)."""
    return f"“{name}”" + ("" if name.endswith(_ALREADY_AN_APPLICATION) else "申请")


def _material_form(m: MaterialLine) -> str:
    parts = []
    if m.original:
        parts.append("原件")
    if m.copies:
        parts.append(f"复印件{m.copies}份")
    return "、".join(parts)


def _count(value: int, unit: str) -> str:
    return f"{value}{unit}" if value else "—"


def _workdays(value: int) -> str:
    return f"{value}个工作日" if value else "即办"


def _or(value: Any, arg: str) -> Any:
    return arg if value is None or value == "" else value


def _join(value: tuple, arg: str) -> str:
    return arg.join(str(v) for v in value)


def _gt(value: int, arg: str) -> bool:
    return value is not None and value > int(arg)


def _percent(value: Any, arg: str) -> str:
    numerator, _sep, denominator = arg.partition("/")
    num, den = getattr(value, numerator), getattr(value, denominator)
    return f"{100 * num / den:.1f}%" if den else "—"


def _check_int(arg: str, _type: type) -> str | None:
    return None if arg.lstrip("-").isdigit() else f"'{arg}' is not a whole number"


def _check_choice(arg: str, _type: type) -> str | None:
    return None if "/" in arg else f"'{arg}' is not of the form YES/NO"


def _check_ratio(arg: str, of: type) -> str | None:
    numerator, sep, denominator = arg.partition("/")
    names = {f.name for f in fields(of)} if is_dataclass(of) else set()
    if not sep:
        return f"'{arg}' is not of the form FIELD/FIELD"
    unknown = [n for n in (numerator, denominator) if n not in names]
    return f"no field {', '.join(unknown)}" if unknown else None


FORMATTERS: dict[str, Formatter] = {
    "date_cn": Formatter(_none(_date_cn), (date,), str, "none", "2026年11月23日"),
    "date_iso": Formatter(_none(lambda v: f"{v:%Y-%m-%d}"), (date,), str, "none", "2026-11-23"),
    "datetime_cn": Formatter(_none(_datetime_cn), (date,), str, "none", "2026年11月23日 15:04"),
    "datetime_iso": Formatter(_none(_datetime_iso), (date,), str, "none", "2026-11-23 15:04"),
    "time": Formatter(_none(lambda v: f"{v:%H:%M}"), (datetime,), str, "none", "15:04"),
    "application": Formatter(_none(_application), (str,), str, "none",
                             "an item name as an application: “最低生活保障申请”, “生育登记”申请"),
    "cn_num": Formatter(_none(cn_number), (int,), str, "none", "60 → 六十"),
    "workdays": Formatter(_none(_workdays), (int,), str, "none", "20 → 20个工作日, 0 → 即办"),
    "count": Formatter(lambda v, a: "" if v is None else _count(v, a), (int,), str, "required",
                       "count:份 — 2 → 2份, 0 → —"),
    "material_form": Formatter(_none(_material_form), (MaterialLine,), str, "none",
                               "a material → 原件、复印件2份"),
    "bool": Formatter(lambda v, a: _split_choice(a)[0 if v else 1], (ANY,), str, "required",
                      "bool:YES/NO — YES when the value is true, non-zero or not empty, else NO",
                      _check_choice),
    "or": Formatter(_or, (ANY,), ANY, "required", "or:TEXT — TEXT when the value is empty"),
    "join": Formatter(_none(lambda v: "、".join(map(str, v))), (SEQUENCE,), str, "none",
                      "a list joined with 、"),
    "join_with": Formatter(_join, (SEQUENCE,), str, "required", "join_with:SEP"),
    "gt": Formatter(_gt, (int,), bool, "required", "gt:N — true when the value is above N (for when/unless)",
                    _check_int),
    "percent": Formatter(_percent, (ANY,), str, "required",
                         "percent:A/B — field A of the value as a percentage of field B", _check_ratio),
}
