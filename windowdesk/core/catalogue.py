"""Service items (事项目录) and their materials checklists.

The county publishes the catalogue as JSON (``resources/catalogue/township.json`` is
the bundled one). ``load_catalogue`` checks it thoroughly and turns it into frozen
dataclasses; every problem raises ``CatalogueError`` naming the item and the field.
All limits are in working days. ``ServiceItem.to_dict``/``from_dict`` round-trip
exactly, so an item can be stored as JSON with the catalogue version it came from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

from windowdesk.core.errors import NotFoundError, ValidationError
from windowdesk.i18n import N_, _
from windowdesk.paths import resources_dir

BUNDLED_PATH = ("catalogue", "township.json")


class CatalogueError(ValidationError):
    """The catalogue data is malformed; the message names the entry and the field."""


class ItemType(Enum):
    LICENSING = "licensing"  # 行政许可
    CONFIRMATION = "confirmation"  # 行政确认
    BENEFIT = "benefit"  # 行政给付
    PUBLIC_SERVICE = "public_service"  # 公共服务
    OTHER_POWER = "other_power"  # 其他行政权力

    @property
    def label(self) -> str:
        return _(_TYPE_LABELS[self.value])


class ItemKind(Enum):
    IMMEDIATE = "immediate"  # 即办件
    PROMISED = "promised"  # 承诺件

    @property
    def label(self) -> str:
        return _(_KIND_LABELS[self.value])


_TYPE_LABELS = {"licensing": N_("Administrative licensing"),
                "confirmation": N_("Administrative confirmation"),
                "benefit": N_("Administrative payment"), "public_service": N_("Public service"),
                "other_power": N_("Other administrative power")}
_KIND_LABELS = {"immediate": N_("Immediate item"), "promised": N_("Committed item")}


class _Plain:
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(frozen=True)
class Material(_Plain):
    code: str
    name: str
    required: bool = True
    original: bool = True
    copy: bool = False
    copies: int = 1
    notes: str = ""
    source: str = ""


@dataclass(frozen=True)
class SpecialProcedure(_Plain):
    """A 特别程序 (公示, 评定 …) whose time is not counted in the limit."""

    name: str
    limit: int  # working days


@dataclass(frozen=True)
class Window(_Plain):
    code: str
    name: str
    department: str


@dataclass(frozen=True, kw_only=True)
class ServiceItem:
    code: str
    name: str
    type: ItemType
    department: str
    window: str
    kind: ItemKind
    statutory_limit: int  # working days
    committed_limit: int  # working days; 0 for immediate items
    special_procedures: tuple[SpecialProcedure, ...] = ()
    conditions: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    fees: str = ""
    proxy_allowed: bool = False
    location: str = ""
    phone: str = ""
    supervision_phone: str = ""
    procedure: tuple[str, ...] = ()
    materials: tuple[Material, ...]

    @property
    def is_immediate(self) -> bool:
        return self.kind is ItemKind.IMMEDIATE

    def material(self, code: str) -> Material:
        for material in self.materials:
            if material.code == code:
                return material
        raise NotFoundError(_("The item {item} has no material with the code {code}.").format(
            item=self.code, code=code))

    def required_material_codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.materials if m.required)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values, keys in catalogue order (``from_dict`` reverses it)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update(
            type=self.type.value, kind=self.kind.value,
            special_procedures=[p.to_dict() for p in self.special_procedures],
            conditions=list(self.conditions), legal_basis=list(self.legal_basis),
            procedure=list(self.procedure), materials=[m.to_dict() for m in self.materials])
        return data

    @classmethod
    def from_dict(cls, data: Any) -> ServiceItem:
        """Check and build one item (its window is not checked without a catalogue)."""
        return _parse_item(data, 0, None)


@dataclass(frozen=True)
class Catalogue:
    version: str
    published: date
    publisher: str
    windows: tuple[Window, ...]
    items: tuple[ServiceItem, ...]  # in file order
    _by_code: dict[str, ServiceItem] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {item.code: item for item in self.items})

    @classmethod
    def bundled(cls) -> Catalogue:
        return cls.from_file(resources_dir().joinpath(*BUNDLED_PATH))

    @classmethod
    def from_file(cls, path: Path) -> Catalogue:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CatalogueError(_("The service catalogue {path} could not be read: {error}")
                                 .format(path=path, error=exc)) from exc
        return load_catalogue(data)

    def item(self, code: str) -> ServiceItem:
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFoundError(
                _("There is no service item with the code {code} in catalogue {version}.")
                .format(code=code, version=self.version)) from None

    def window(self, code: str) -> Window:
        for window in self.windows:
            if window.code == code:
                return window
        raise NotFoundError(_("There is no window with the code {code} in catalogue {version}.")
                            .format(code=code, version=self.version))

    def items_for_window(self, code: str) -> tuple[ServiceItem, ...]:
        return tuple(item for item in self.items if item.window == code)

    def to_dict(self) -> dict[str, Any]:
        return {"catalogue": {"version": self.version, "published": self.published.isoformat(),
                              "publisher": self.publisher},
                "windows": [w.to_dict() for w in self.windows],
                "items": [i.to_dict() for i in self.items]}

    def content_hash(self) -> str:
        """sha256 of the canonical JSON of windows and items (not the version header)."""
        content = {"windows": [w.to_dict() for w in self.windows],
                   "items": [i.to_dict() for i in self.items]}
        text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- checking ------------------------------------------------------------------------

def _fail(message: str, **values: Any) -> NoReturn:
    raise CatalogueError(message.format(**values))


class _Entry:
    """Typed access to one JSON object; every failure names ``where`` and the field."""

    def __init__(self, data: Any, where: str, allowed: tuple[str, ...]) -> None:
        if not isinstance(data, dict):
            _fail(_("Service catalogue, {where}: the entry must be a JSON object."), where=where)
        for key in data:
            if key not in allowed:
                _fail(_('Service catalogue, {where}: the field "{field}" is not recognised.'),
                      where=where, field=key)
        self.data, self.where = data, where

    def _get(self, key: str, default: Any) -> Any:
        if key not in self.data:
            if default is None:
                _fail(_('Service catalogue, {where}: the field "{field}" is missing.'),
                      where=self.where, field=key)
            return default
        return self.data[key]

    def _wrong(self, key: str, expected: str) -> NoReturn:
        _fail(_('Service catalogue, {where}: the field "{field}" must be {expected}.'),
              where=self.where, field=key, expected=expected)

    def text(self, key: str, default: str | None = None) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            self._wrong(key, _("text"))
        if default is None and not value.strip():
            _fail(_('Service catalogue, {where}: the field "{field}" must not be empty.'),
                  where=self.where, field=key)
        return value

    def number(self, key: str, minimum: int = 0, default: int | None = None) -> int:
        value = self._get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong(key, _("a whole number"))
        if value < 0:
            _fail(_('Service catalogue, {where}: the field "{field}" must not be negative '
                    "(it is {value})."), where=self.where, field=key, value=value)
        if value < minimum:
            _fail(_('Service catalogue, {where}: the field "{field}" must be at least 1 '
                    "(it is {value})."), where=self.where, field=key, value=value)
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            self._wrong(key, _("true or false"))
        return value

    def array(self, key: str, required: bool = False) -> list[Any]:
        value = self._get(key, None if required else [])
        if not isinstance(value, list):
            self._wrong(key, _("a list"))
        return value

    def texts(self, key: str) -> tuple[str, ...]:
        values = self.array(key)
        if not all(isinstance(v, str) and v.strip() for v in values):
            self._wrong(key, _("a list of non-empty texts"))
        return tuple(values)


_ITEM_FIELDS = ("code", "name", "type", "department", "window", "kind", "statutory_limit",
                "committed_limit", "special_procedures", "conditions", "legal_basis", "fees",
                "proxy_allowed", "location", "phone", "supervision_phone", "procedure",
                "materials")
_MATERIAL_FIELDS = ("code", "name", "required", "original", "copy", "copies", "notes", "source")


def _where(data: Any, named: str, numbered: str, index: int, **values: Any) -> str:
    """Name an entry by its code, or by its position when it has none."""
    code = data.get("code") if isinstance(data, dict) else None
    if isinstance(code, str) and code.strip():
        return named.format(code=code, **values)
    return numbered.format(index=index + 1, **values)


def _parse_material(data: Any, item: str, index: int) -> Material:
    where = _where(data, _("item {item}, material {code}"),
                   _("item {item}, material no. {index}"), index, item=item)
    entry = _Entry(data, where, _MATERIAL_FIELDS)
    material = Material(
        code=entry.text("code"), name=entry.text("name"),
        required=entry.flag("required", True), original=entry.flag("original", True),
        copy=entry.flag("copy", False), copies=entry.number("copies", 1, 1),
        notes=entry.text("notes", ""), source=entry.text("source", ""))
    if not (material.original or material.copy):
        _fail(_("Service catalogue, {where}: a material must be asked for as an original, "
                "a copy or both."), where=where)
    return material


def _parse_item(data: Any, index: int, window_codes: set[str] | None) -> ServiceItem:
    where = _where(data, _("item {code}"), _("item no. {index}"), index)
    entry = _Entry(data, where, _ITEM_FIELDS)
    code = entry.text("code")
    values: dict[str, str] = {key: entry.text(key) for key in ("name", "department", "window")}
    type_value, kind_value = entry.text("type"), entry.text("kind")
    if type_value not in _TYPE_LABELS:
        _fail(_('Service catalogue, {where}: "{value}" is not a known item type.'),
              where=where, value=type_value)
    if kind_value not in _KIND_LABELS:
        _fail(_('Service catalogue, {where}: "{value}" is not a known item kind '
                "(immediate or promised)."), where=where, value=kind_value)
    kind = ItemKind(kind_value)
    if window_codes is not None and values["window"] not in window_codes:
        _fail(_('Service catalogue, {where}: the window "{value}" is not defined in the '
                "catalogue."), where=where, value=values["window"])
    statutory = entry.number("statutory_limit")
    committed = entry.number("committed_limit")
    if kind is ItemKind.IMMEDIATE and committed != 0:
        _fail(_("Service catalogue, {where}: an immediate item must have a committed limit "
                "of 0, not {committed}."), where=where, committed=committed)
    if kind is ItemKind.PROMISED:
        entry.number("committed_limit", minimum=1)
    if committed > statutory:
        _fail(_("Service catalogue, {where}: the committed limit ({committed} working days) "
                "is longer than the statutory limit ({statutory} working days)."),
              where=where, committed=committed, statutory=statutory)
    procedures = []
    for number, raw in enumerate(entry.array("special_procedures"), start=1):
        sub = _Entry(raw, _("item {code}, special procedure no. {index}").format(
            code=code, index=number), ("name", "limit"))
        procedures.append(SpecialProcedure(name=sub.text("name"), limit=sub.number("limit", 1)))
    raw_materials = entry.array("materials", required=True)
    if not raw_materials:
        _fail(_("Service catalogue, {where}: the item lists no materials."), where=where)
    materials = tuple(_parse_material(raw, code, i) for i, raw in enumerate(raw_materials))
    seen: set[str] = set()
    for material in materials:
        if material.code in seen:
            _fail(_("Service catalogue, {where}: the material code {material} is used more "
                    "than once."), where=where, material=material.code)
        seen.add(material.code)
    return ServiceItem(
        code=code, type=ItemType(type_value), kind=kind, statutory_limit=statutory,
        committed_limit=committed, special_procedures=tuple(procedures),
        conditions=entry.texts("conditions"), legal_basis=entry.texts("legal_basis"),
        fees=entry.text("fees", ""), proxy_allowed=entry.flag("proxy_allowed", False),
        location=entry.text("location", ""), phone=entry.text("phone", ""),
        supervision_phone=entry.text("supervision_phone", ""),
        procedure=entry.texts("procedure"), materials=materials, **values)


def load_catalogue(data: Any) -> Catalogue:
    """Check a published catalogue (parsed JSON) and build it; raises ``CatalogueError``."""
    top = _Entry(data, _("the catalogue file"), ("catalogue", "windows", "items"))
    header = _Entry(top._get("catalogue", None), _("catalogue header"),
                    ("version", "published", "publisher"))
    version, publisher = header.text("version"), header.text("publisher")
    published_text = header.text("published")
    try:
        published = date.fromisoformat(published_text)
    except ValueError:
        header._wrong("published", _("a date (YYYY-MM-DD)"))
    windows: list[Window] = []
    for index, raw in enumerate(top.array("windows", required=True)):
        where = _where(raw, _("window {code}"), _("window no. {index}"), index)
        entry = _Entry(raw, where, ("code", "name", "department"))
        window = Window(code=entry.text("code"), name=entry.text("name"),
                        department=entry.text("department"))
        if any(w.code == window.code for w in windows):
            _fail(_("Service catalogue: the window code {code} is used more than once."),
                  code=window.code)
        windows.append(window)
    window_codes = {w.code for w in windows}
    items: list[ServiceItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(top.array("items", required=True)):
        item = _parse_item(raw, index, window_codes)
        if item.code in seen:
            _fail(_("Service catalogue: the item code {code} is used more than once."),
                  code=item.code)
        seen.add(item.code)
        items.append(item)
    return Catalogue(version=version, published=published, publisher=publisher,
                     windows=tuple(windows), items=tuple(items))
