"""The desk's main window: the lists on the left, the case on the right, the status bar
below. Commands come from ``windowdesk.ui.actions``; the window only routes them."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMainWindow,
    QRadioButton,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from windowdesk.core.codes import Presence, Role
from windowdesk.i18n import _
from windowdesk.services import accounts
from windowdesk.services.catalogue_read import current_item_names
from windowdesk.ui.actions import ACTIONS, MENUS, make_actions, shortcut_table
from windowdesk.ui.context import Desk
from windowdesk.ui.detail import CaseDetail
from windowdesk.ui.lists import IncomingPanel, InquiryPanel, QueuePanel, SearchPanel
from windowdesk.ui.sync_desk import DeskSync


class MainWindow(QMainWindow):
    signed_out = Signal()  # the clerk signed out: the desk goes back to the sign-in

    def __init__(self, desk: Desk, settings: QSettings):
        super().__init__()
        self.desk, self.settings = desk, settings
        self.setObjectName("main_window")
        self.dialogs: list[QWidget] = []  # open non-modal dialogs (kept alive, and for tests)
        self.queue = QueuePanel(desk)
        self.incoming = IncomingPanel(desk)
        self.inquiries = InquiryPanel(desk)
        self.search = SearchPanel(desk)
        self.tabs = QTabWidget(objectName="tabs")
        self.overseer = desk.user.role in (Role.SUPERVISOR, Role.ADMIN)
        queue_title = (_("My cases at the village point") if desk.is_agent
                       else _("All open cases") if self.overseer else _("My queue"))
        self.tabs.addTab(self.queue, queue_title)
        if not desk.is_agent:
            self.tabs.addTab(self.incoming, _("Incoming"))
        self.tabs.addTab(self.inquiries, _("Inquiry log"))
        self.tabs.addTab(self.search, _("Search"))
        self.detail = CaseDetail(desk)
        splitter = QSplitter(Qt.Orientation.Horizontal, objectName="splitter")
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([780, 560])
        self.splitter = splitter

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 0)
        if desk.is_agent:
            banner = QLabel(_("Village proxy point: cases are registered on this laptop without a network. "
                              "Cases you hand over reach the township window when this desk next syncs.")
                            if desk.enrolled() else
                            _("Village proxy point: cases are registered on this desk. It is not enrolled with the "
                              "county, so the cases you hand over are taken over at the township window on this "
                              "same desk."), objectName="agent_banner")
            banner.setWordWrap(True)
            banner.setStyleSheet("background: #fff8e1; border: 1px solid #f9a825; padding: 6px;")
            banner.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            layout.addWidget(banner)
        layout.addWidget(splitter)
        self.setCentralWidget(central)

        self.sync = DeskSync(self)
        self.actions = make_actions(self)
        if not self._may_enroll():  # once, by an administrator, on a new empty desk
            self.actions.pop("enroll").deleteLater()
        if desk.user.role not in (Role.SUPERVISOR, Role.ADMIN):  # rebuilding is for those who look after the desk
            self.actions.pop("rebuild").deleteLater()
        if desk.user.role is not Role.ADMIN:  # the center settings are printed under the seal
            self.actions.pop("center_settings").deleteLater()
        self._build_menus()
        self._build_status_bar()
        self.sync.show_status(self.sync.status)
        for table in (self.queue.table, self.incoming.table, self.inquiries.table, self.search.table):
            table.case_chosen.connect(self.detail.show_case_soon)
            table.case_opened.connect(self.detail.show_case)
        self.inquiries.new_inquiry.connect(self.act_new_inquiry)
        self.inquiries.make_case.connect(self.inquiry_to_case)
        desk.signals.case_changed.connect(lambda _case_id: self.refresh_lists())
        desk.signals.open_case.connect(self.detail.show_case)
        self.queue.set_items([(code, name) for code, name, _window in desk.read(current_item_names)])
        self._restore()
        self.refresh_session()
        self.refresh_lists()
        self.sweep()
        self.queue.table.setFocus()  # keyboard first: the arrows move in the queue at once

    # layout --------------------------------------------------------------------

    def _build_menus(self) -> None:
        menus = {key: self.menuBar().addMenu(_(text)) for key, text in MENUS.items()}
        toolbar = self.addToolBar(_("Commands"))
        toolbar.setObjectName("toolbar")
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for spec in ACTIONS:
            action = self.actions.get(spec.name)
            if action is None:
                continue
            menus[spec.menu].addAction(action)
            if spec.toolbar:
                toolbar.addAction(action)

    def _build_status_bar(self) -> None:
        from windowdesk.ui import status_bar

        status_bar.build(self)

    def sweep(self) -> None:
        """Art. 32: applications left without a one-time notice for five working days are
        deemed accepted. The desk applies it on the background helper at start and on F5."""
        if self.desk.background is None or self.desk.is_agent:
            return
        desk = self.desk

        def done(changed):
            if changed:
                self.refresh_lists()
                self.statusBar().showMessage(_("{count} applications were deemed accepted (no notice within five "
                                               "working days).").format(count=len(changed)), 15000)

        def sweep():
            from windowdesk.services.intake import sweep_deemed_acceptance

            return desk.call(sweep_deemed_acceptance)

        desk.background.run(sweep, done=done)

    def refresh_session(self) -> None:
        from windowdesk.ui import status_bar

        user = self.desk.user
        names = self.desk.window_names()
        all_windows = set(self.desk.windows) >= set(names) and len(names) > 3
        windows = _("all windows") if all_windows else "、".join(names.get(w, w) for w in self.desk.windows)
        status_bar.show_user(self, windows)
        self.setWindowTitle(_("WindowDesk — {name}, {windows}").format(name=user.name, windows=windows))
        covers = self.desk.read(accounts.covering, user.code)
        self.queue.set_covered(covers)

    def refresh_lists(self, changed=None) -> None:
        """Read the lists again, keeping each one's selection and scroll position; with
        ``changed`` (case ids a sync round brought), only the lists they touch."""
        for panel in (self.queue, self.incoming, self.inquiries, self.search):
            query = panel.table.case_model.query
            if changed is None or panel.table.touched_by(changed) or (
                    isinstance(panel, QueuePanel) and panel.query() != query):
                panel.reload()
        count = self.incoming.table.case_model.rowCount()
        if not self.desk.is_agent:
            index = self.tabs.indexOf(self.incoming)
            self.tabs.setTabText(index, _("Incoming ({count})").format(count=count) if count else _("Incoming"))

    # remembered geometry and columns ----------------------------------------------

    def _restore(self) -> None:
        geometry = self.settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1320, 720)
        splitter = self.settings.value("main/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        for panel in (self.queue, self.incoming, self.inquiries, self.search):
            panel.table.restore_state(self.settings)

    def save_state(self) -> None:
        self.settings.setValue("main/geometry", self.saveGeometry())
        self.settings.setValue("main/splitter", self.splitter.saveState())
        for panel in (self.queue, self.incoming, self.inquiries, self.search):
            panel.table.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event) -> None:
        self.save_state()
        self.sync.close()
        if self.desk.background is not None:
            self.desk.background.wait()
        super().closeEvent(event)

    # commands (one per entry in ui.actions.ACTIONS) ---------------------------------

    def _keep(self, dialog: QWidget) -> QWidget:
        # Dialogs delete themselves on close: forget each one when Qt destroys it.
        self.dialogs.append(dialog)
        dialog.destroyed.connect(lambda _obj=None, d=dialog: self.dialogs.remove(d) if d in self.dialogs else None)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open() if isinstance(dialog, QDialog) else dialog.show()
        return dialog

    def act_new_case(self, inquiry=None):
        from windowdesk.ui.intake import IntakeDialog

        return self._keep(IntakeDialog(self.desk, self, inquiry=inquiry, proxy=self.desk.is_agent))

    def act_new_inquiry(self):
        from windowdesk.ui.inquiry import InquiryDialog

        return self._keep(InquiryDialog(self.desk, self))

    def inquiry_to_case(self, case_id: str):
        from windowdesk.services.common import load_case

        return self.act_new_case(inquiry=self.desk.read(load_case, case_id))

    def act_search(self):
        self.tabs.setCurrentWidget(self.search)
        self.search.focus()

    def act_refresh(self):
        self.refresh_session()
        self.refresh_lists()
        self.sweep()

    def act_show_queue(self):
        self.tabs.setCurrentWidget(self.queue)
        self.queue.table.setFocus()

    def act_show_incoming(self):
        if not self.desk.is_agent:
            self.tabs.setCurrentWidget(self.incoming)
            self.incoming.table.setFocus()

    def act_show_inquiries(self):
        self.tabs.setCurrentWidget(self.inquiries)
        self.inquiries.table.setFocus()

    def act_show_results(self):
        self.tabs.setCurrentWidget(self.search)
        self.search.table.setFocus()

    def act_case_action(self):
        """The selected case's actions as a menu: arrows and Enter, no mouse needed."""
        return self._case_menu(self.detail.actions_menu, self.detail.actions_box,
                               _("Nothing can be done on this case from your windows now."))

    def act_print_case(self):
        """The selected case's forms as a menu (Ctrl+P)."""
        return self._case_menu(self.detail.print_menu, self.detail.print_box, _("This record has no form to print."))

    def _case_menu(self, make_menu, anchor: QWidget, empty: str):
        if self.detail.state is None:
            self.statusBar().showMessage(_("Choose a case in a list first."), 5000)
            return None
        menu = make_menu()
        if menu.isEmpty():
            self.statusBar().showMessage(empty, 5000)
            return None
        menu.popup(self.detail.mapToGlobal(anchor.geometry().topLeft()))
        return menu

    def act_print_book(self):
        from windowdesk.ui.printing import BookDialog

        return self._keep(BookDialog(self.desk, self))

    def act_print_guide(self):
        from windowdesk.ui.printing import GuideDialog

        return self._keep(GuideDialog(self.desk, self))

    def act_center_settings(self):
        from windowdesk.ui.center_settings import CenterSettingsDialog

        return self._keep(CenterSettingsDialog(self.desk, self))

    def act_presence(self):
        return self._keep(PresenceDialog(self))

    def act_sign_out(self):
        self.close()
        self.signed_out.emit()

    def act_help_keys(self):
        return self._keep(ShortcutHelp(self))

    def act_back_up(self):
        from windowdesk.ui import maintenance

        return maintenance.back_up(self.desk, self)

    def act_check_file(self):
        from windowdesk.ui import maintenance

        return maintenance.check(self.desk, self)

    def act_sync(self):
        self.sync.sync_now()

    def act_sync_status(self):
        return self._keep(self.sync.status_dialog())

    def act_export_sync_file(self):
        return self.sync.files.export()

    def act_import_sync_file(self):
        return self.sync.files.import_()

    def _may_enroll(self) -> bool:
        from windowdesk.ui.sync_dialogs import holds_no_events

        status = self.sync.status
        if self.desk.user.role is not Role.ADMIN:
            return False
        if status.enrolled:  # a copy or a restored backup is enrolled again, under a new code
            return status.standing == "copied"
        return self.desk.read(holds_no_events)

    def act_enroll(self):
        return self._keep(self.sync.enroll_dialog())

    def act_rebuild(self):
        from windowdesk.ui import maintenance

        return maintenance.rebuild(self.desk, self, after=self.refresh_lists)


class PresenceDialog(QDialog):
    """在岗 / 外出 / 会议 / 请假: while the A clerk is away, the B clerk carries the window."""

    def __init__(self, window: MainWindow):
        super().__init__(window)
        self.main = window
        self.setWindowTitle(_("Set my presence"))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("While you are away, your B-post colleague sees your cases in their queue.")))
        self.choices: dict[Presence, QRadioButton] = {}
        for presence in Presence:
            button = QRadioButton(presence.label, objectName=f"presence_{presence.value}")
            button.setChecked(presence is window.desk.user.presence)
            self.choices[presence] = button
            layout.addWidget(button)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        chosen = next(p for p, b in self.choices.items() if b.isChecked())
        desk = self.main.desk
        desk.user = desk.call(accounts.set_presence, desk.user.code, str(chosen))
        desk.signals.session_changed.emit()
        self.main.refresh_session()
        self.accept()


class ShortcutHelp(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(_("Keyboard shortcuts"))
        rows = shortcut_table()
        table = QTableWidget(len(rows), 2, objectName="shortcut_table")
        table.setHorizontalHeaderLabels([_("Keys"), _("Command")])
        for i, (keys, text) in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(keys))
            table.setItem(i, 1, QTableWidgetItem(text))
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(420, 420)
