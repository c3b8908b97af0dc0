"""中心信息设置: the center's own details printed on every form, edited by an administrator.

Each field is the center settings' own (``windowdesk.services.center``); the dialog
shows them, lets an administrator change them and saves them through the service,
which checks every value. A refused value keeps what was typed and says why.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from windowdesk.core.errors import DomainError
from windowdesk.i18n import _
from windowdesk.services import center
from windowdesk.ui.context import Desk

NUMBER_RANGES = {"reconsideration_days": (1, 365), "litigation_months": (1, 24), "supplement_days": (0, 60)}


class CenterSettingsDialog(QDialog):
    def __init__(self, desk: Desk, parent: QWidget | None = None):
        super().__init__(parent)
        self.desk = desk
        self.setObjectName("center_settings")
        self.setWindowTitle(_("Center settings"))
        info = desk.read(center.center_info)
        intro = QLabel(_("These details are printed on every notice the center gives: the office name and its seal,"
                         " the phones, and where an applicant may seek reconsideration or go to court."))
        intro.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLineEdit | QSpinBox] = {}
        for name in center.FIELDS:
            value = getattr(info, name)
            if name in NUMBER_RANGES:
                widget = QSpinBox(objectName=name)
                widget.setRange(*NUMBER_RANGES[name])
                widget.setValue(int(value))
            else:
                widget = QLineEdit(str(value), objectName=name)
                widget.setMinimumWidth(380)
            self.fields[name] = widget
            label = QLabel(center.label(name))
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.error = QLabel(objectName="error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def values(self) -> dict:
        return {name: (w.value() if isinstance(w, QSpinBox) else w.text()) for name, w in self.fields.items()}

    def save(self) -> bool:
        try:
            self.desk.call(center.set_center_info, self.desk.actor(), self.values())
        except DomainError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.accept()
        return True
