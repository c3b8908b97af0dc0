"""Every message box the desk shows goes through here, so tests patch one place and no
dialog can ever block a test run.

``tell`` and ``warn`` inform; ``confirm`` asks a yes/no question; ``report_error``
shows an unexpected error with a report the clerk can copy for the administrator.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from windowdesk.i18n import _


def tell(parent: QWidget | None, text: str) -> None:
    QMessageBox.information(parent, _("WindowDesk"), text)


def warn(parent: QWidget | None, text: str) -> None:
    QMessageBox.warning(parent, _("WindowDesk"), text)


def confirm(parent: QWidget | None, text: str) -> bool:
    answer = QMessageBox.question(parent, _("WindowDesk"), text,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def report_error(parent: QWidget | None, summary: str, details: str) -> None:
    box = QMessageBox(QMessageBox.Icon.Critical, _("WindowDesk"), summary, QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(_("The details below were also written to the log file. Copy them for the administrator."))
    box.setDetailedText(details)
    box.exec()
