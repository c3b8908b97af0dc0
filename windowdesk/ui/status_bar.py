"""The main window's status bar: who is signed in, the desk's code, the sync state (and,
at a village point long offline, the hint to carry its records by sync file) and a
missing holiday schedule. Each says the essential in a few words with the details in its
tooltip, and a text still too long is elided: the bar fits 1366×768, the smallest
screen the desk is made for, and leaves room on the left for the passing messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from windowdesk.i18n import _

if TYPE_CHECKING:
    from windowdesk.ui.mainwindow import MainWindow

USER_CHARS = 20  # widths in CJK characters of the body font
SYNC_CHARS = 18  # the longest state (数据库为复制或恢复件，需重新登记) whole


def fit(label: QLabel, text: str, chars: int, tip: str = "") -> None:
    """``text`` in ``label``, elided to ``chars`` characters; the whole of it (when cut)
    and ``tip`` in the tooltip."""
    label.ensurePolished()  # a style sheet may make the font bold
    metrics = label.fontMetrics()
    shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, metrics.horizontalAdvance("中") * chars)
    label.setText(shown)
    label.setToolTip("\n".join(t for t in (text if shown != text else "", tip) if t))


def build(window: "MainWindow") -> None:
    bar = window.statusBar()
    # apart from each other by a thin rule (the labels' own style sheets keep it)
    bar.setStyleSheet("QStatusBar QLabel { border: none; border-left: 1px solid #b0bec5; padding: 0 8px; }")
    window.status_user = QLabel(objectName="status_user")
    window.status_node = QLabel(objectName="status_node")
    window.status_sync = window.sync.label
    window.status_carry = window.sync.carry_label
    window.status_calendar = QLabel(objectName="status_calendar")
    window.status_calendar.setStyleSheet("color: #c62828;")
    for label in (window.status_user, window.status_node, window.status_sync, window.status_carry,
                  window.status_calendar):
        bar.addPermanentWidget(label)
    window.status_node.setText(_("Desk {node}").format(node=window.desk.store.node_code))
    today = window.desk.today()
    missing = window.desk.calendar().missing_years([today.year, today.year + 1])
    window.status_calendar.setVisible(bool(missing))
    if missing:
        years = "、".join(map(str, missing))
        window.status_calendar.setText(_("No holiday schedule for {years}").format(years=years))
        window.status_calendar.setToolTip(
            _("No holiday schedule for {years}: add it before deadlines reach it").format(years=years) + "\n" + _(
                "Deadlines in a year without its schedule can only be counted with plain weekends. An administrator"
                " installs the State Council's schedule when it is published (windowdesk calendar-add)."))


def show_user(window: "MainWindow", windows: str) -> None:
    """张敏 · 在岗 · 民政窗口、…: the windows on duty last, as they are cut first; the role in the tooltip."""
    user = window.desk.user
    fit(window.status_user, f"{user.name} · {user.presence.label} · {windows}", USER_CHARS,
        f"{user.name}（{user.role.label}）\n" + _("Windows on duty: {windows}").format(windows=windows))
