"""Parts of the intake dialog: the materials checklist model, the applicant's ID check
as typed, and the draft file that keeps what was typed until the case is saved."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QWidget

from windowdesk.core.catalogue import Material, ServiceItem
from windowdesk.core.errors import DomainError
from windowdesk.core.identity import Sex, parse_credit_code, parse_id_number
from windowdesk.core.notices import ReceivedMaterial, missing_materials
from windowdesk.i18n import N_, _

Index = QModelIndex | QPersistentModelIndex
RED = "#c62828"
MISSING = QColor(RED)



def buddy_label(text: str, buddy: QWidget) -> QLabel:
    """A label whose & mnemonic focuses ``buddy``."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def notice_label(name: str, style: str) -> QLabel:
    """A hidden, word-wrapped message line (shown when it has something to say)."""
    label = QLabel(objectName=name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    label.hide()
    return label


# --- the materials checklist ---------------------------------------------------------

COLUMNS = (
    ("received", N_("Received")),
    ("name", N_("Material")),
    ("required", N_("Required")),
    ("asked", N_("Checklist asks")),
    ("original", N_("Original seen")),
    ("copies", N_("Copies")),
    ("notes", N_("Notes")),
)
KEYS = tuple(c[0] for c in COLUMNS)
CHECKED, UNCHECKED = Qt.CheckState.Checked, Qt.CheckState.Unchecked


@dataclass
class _Row:
    material: Material
    received: bool = False
    original: bool = False
    copies: int = 0


def asked_text(m: Material) -> str:
    copies = _("copy ×{count}").format(count=m.copies) if m.copy else ""
    if m.original and copies:
        return _("original + {copies}").format(copies=copies)
    return _("original") if m.original else copies


class MaterialsModel(QAbstractTableModel):
    """One row per material of the item's checklist; ``changed`` after any edit."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.item: ServiceItem | None = None
        self._rows: list[_Row] = []

    def set_item(self, item: ServiceItem | None) -> None:
        self.beginResetModel()
        self.item = item
        self._rows = [_Row(m) for m in item.materials] if item else []
        self.endResetModel()
        self.changed.emit()

    # what the clerk recorded ----------------------------------------------------------

    def received(self) -> list[ReceivedMaterial]:
        return [ReceivedMaterial(r.material.code, r.original, r.copies) for r in self._rows if r.received]

    def missing(self) -> tuple[str, ...]:
        """Codes of required materials not received as asked (core rule, checklist order)."""
        if self.item is None:
            return ()
        return missing_materials(self.item, {r.code: r for r in self.received()})

    def state(self) -> list[list]:
        return [[r.material.code, r.received, r.original, r.copies] for r in self._rows]

    def restore(self, state) -> None:
        by_code = {r.material.code: r for r in self._rows}
        for code, received, original, copies in state or ():
            row = by_code.get(code)
            if row is not None:
                row.received, row.original, row.copies = bool(received), bool(original), max(0, int(copies))
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))
        self.changed.emit()

    def toggle(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self._set_received(row, not self._rows[row].received)

    def _set_received(self, row: int, on: bool) -> None:
        r = self._rows[row]
        if on:  # received as the checklist asks; the clerk corrects it if not
            asked = ReceivedMaterial.as_asked(r.material)
            r.received, r.original, r.copies = True, asked.original, asked.copies
        else:
            r.received, r.original, r.copies = False, False, 0
        self._row_changed(row)

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
        self.changed.emit()

    # the table ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
                return _(COLUMNS[section][1])
            if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
                return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        key = KEYS[index.column()]
        if key in ("received", "original"):
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        elif key == "copies":
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        r, key = self._rows[index.row()], KEYS[index.column()]
        m = r.material
        if role == Qt.ItemDataRole.CheckStateRole and key in ("received", "original"):
            return CHECKED if getattr(r, key) else UNCHECKED
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if key == "copies":
                return r.copies
            return {"name": m.name, "required": _("Required") if m.required else _("Optional"),
                    "asked": asked_text(m), "notes": m.notes}.get(key)
        if role == Qt.ItemDataRole.ToolTipRole and key in ("name", "notes"):
            return "\n".join(t for t in (m.name, m.notes, _("Source: {source}").format(source=m.source)
                                         if m.source else "") if t)
        if role == Qt.ItemDataRole.ForegroundRole and key in ("name", "required") and m.code in self.missing():
            return QBrush(MISSING)
        if role == Qt.ItemDataRole.TextAlignmentRole and key in ("copies", "required"):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.UserRole:
            return m.code
        return None

    def setData(self, index: Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return False
        row, key = index.row(), KEYS[index.column()]
        r = self._rows[row]
        if role == Qt.ItemDataRole.CheckStateRole and key in ("received", "original"):
            on = Qt.CheckState(value) == CHECKED if not isinstance(value, bool) else value
            if key == "received":
                self._set_received(row, on)
            else:
                r.original, r.received = on, r.received or on
                self._row_changed(row)
            return True
        if role == Qt.ItemDataRole.EditRole and key == "copies":
            try:
                copies = int(value)
            except (TypeError, ValueError):
                return False
            if copies < 0:
                return False
            r.copies = copies
            r.received = r.received or copies > 0
            self._row_changed(row)
            return True
        return False


# --- the applicant's document number, checked as typed ---------------------------------

SEX_LABELS = {Sex.MALE: N_("male"), Sex.FEMALE: N_("female")}


@dataclass(frozen=True)
class IdCheck:
    number: str = ""  # normalised, when valid
    info: str = ""  # birth date and sex
    error: str = ""


def check_id_as_typed(text: str, id_type: str, today: date, final: bool = False) -> IdCheck:
    """Check a number once it is long enough (or the clerk has left the field)."""
    text = text.strip()
    if id_type == "resident_id":
        if not text or (len(text) < 18 and not final and len(text) != 15):
            return IdCheck()
        try:
            parsed = parse_id_number(text, today=today)
        except DomainError as exc:
            # 15 characters may be an 18-digit number still being typed: quiet until left
            return IdCheck(error=str(exc)) if final or len(text) >= 18 else IdCheck()
        born = parsed.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
        info = _("born {date}, {sex}, {age} years old").format(
            date=born.isoformat(), sex=_(SEX_LABELS[parsed.sex]), age=age)
        return IdCheck(parsed.number, info)
    if id_type == "credit_code" and (len(text) >= 18 or (final and text)):
        try:
            code = parse_credit_code(text)
        except DomainError as exc:
            return IdCheck(error=str(exc))
        return IdCheck(code.number, code.warning or "")
    return IdCheck()


# --- drafts ---------------------------------------------------------------------------


def draft_path(store_path: Path, clerk: str) -> Path:
    return Path(store_path).parent / "drafts" / f"{clerk}-intake.json"


def write_draft(path: Path, data: dict) -> None:
    """Write atomically: a crash mid-write leaves the previous draft, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def read_draft(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def drop_draft(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
