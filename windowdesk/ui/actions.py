"""The desk's commands, declared once: menus, the toolbar, shortcuts and the help screen
are all built from ``ACTIONS`` (as Picard declares its actions).

A window that shows the actions has a method ``act_<name>`` for each one it offers.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from windowdesk.i18n import N_, _


@dataclass(frozen=True)
class ActionSpec:
    name: str
    text: str  # N_()-marked; translated when the action is made
    shortcut: str = ""
    tip: str = ""
    menu: str = "case"  # desk | case | view | tools | help
    toolbar: bool = False


MENUS = {
    "desk": N_("&Desk"),
    "case": N_("&Case"),
    "view": N_("&View"),
    "tools": N_("&Tools"),
    "help": N_("&Help"),
}

ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("new_case", N_("New case (intake)"), "F2", N_("Register an application at the window"), "desk", True),
    ActionSpec("new_inquiry", N_("Log an inquiry"), "F3", N_("Record a question that is not (yet) a case"), "desk", True),
    ActionSpec("search", N_("Search"), "F4", N_("Search by case number, name, ID number or phone; a scanner types here"),
               "desk", True),
    ActionSpec("refresh", N_("Refresh lists"), "F5", N_("Read the lists again"), "view", True),
    ActionSpec("show_queue", N_("My queue"), "Ctrl+1", "", "view"),
    ActionSpec("show_incoming", N_("Incoming"), "Ctrl+2", "", "view"),
    ActionSpec("show_inquiries", N_("Inquiry log"), "Ctrl+3", "", "view"),
    ActionSpec("show_results", N_("Search results"), "Ctrl+4", "", "view"),
    ActionSpec("case_action", N_("Act on the case…"), "F6", N_("The actions the selected case allows now"), "case", True),
    ActionSpec("print_case", N_("Print a form of the case…"), "Ctrl+P",
               N_("Preview, print or save the case's notices and slips"), "case", True),
    ActionSpec("print_book", N_("Print the registration book…"), "", N_("A window's registration book for a period"),
               "desk"),
    ActionSpec("print_guide", N_("Print a service guide…"), "", N_("An item's service guide, to hand out or post"),
               "desk"),
    ActionSpec("sync", N_("Sync"), "F9", N_("Exchange cases with the county now (it also happens every minute)"),
               "desk", True),
    ActionSpec("presence", N_("Set my presence…"), "F8", N_("On duty, out, in a meeting or on leave (A/B posts)"), "desk"),
    ActionSpec("back_up", N_("Back up now"), "", N_("Copy the desk's file to the backups folder"), "tools"),
    ActionSpec("check_file", N_("Check the desk's file"), "", N_("SQLite integrity, every case against its log, case numbers"),
               "tools"),
    ActionSpec("sync_status", N_("Sync status…"), "", N_("How this desk stands with the county server"), "tools"),
    ActionSpec("export_sync_file", N_("Export sync file…"), "",
               N_("Write the records waiting to send to a file, to carry to a desk of the township (no network)"),
               "tools"),
    ActionSpec("import_sync_file", N_("Import sync file…"), "",
               N_("Take in a sync file carried from a desk with no network; it is forwarded to the county"), "tools"),
    ActionSpec("enroll", N_("Enroll with the county…"), "",
               N_("Enroll this new desk with the county server, once"), "tools"),
    ActionSpec("center_settings", N_("Center settings…"), "", N_("The center's details printed on every form"),
               "tools"),
    ActionSpec("rebuild", N_("Rebuild from the case log"), "", N_("Replay every case's events into its current state"),
               "tools"),
    ActionSpec("sign_out", N_("Sign out"), "Ctrl+Shift+Q", "", "desk"),
    ActionSpec("help_keys", N_("Keyboard shortcuts"), "F1", "", "help"),
)


def make_actions(window: QWidget) -> dict[str, QAction]:
    """A QAction per spec that ``window`` handles (it has ``act_<name>``)."""
    made: dict[str, QAction] = {}
    for spec in ACTIONS:
        handler = getattr(window, f"act_{spec.name}", None)
        if handler is None:
            continue
        action = QAction(_(spec.text), window)
        action.setObjectName(f"action_{spec.name}")
        if spec.shortcut:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.tip:
            action.setStatusTip(_(spec.tip))
            action.setToolTip(f"{_(spec.tip)} ({spec.shortcut})" if spec.shortcut else _(spec.tip))
        action.triggered.connect(lambda _checked=False, h=handler: h())
        made[spec.name] = action
    return made


def shortcut_table() -> list[tuple[str, str]]:
    """(keys, what they do) for the help screen."""
    return [(QKeySequence(s.shortcut).toString(QKeySequence.SequenceFormat.NativeText), _(s.text))
            for s in ACTIONS if s.shortcut]
