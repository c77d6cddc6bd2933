"""The leader's screens hooked into the main window after sign-in: the 136 tab and the
overdue banner (every lane), the shift at a glance, and the team for the point chief.

The window gives one slot for the banner (above the tabs) and calls :meth:`LeaderDesk.attach`
once per sign-in; everything else (tabs, menu, polling on the window's 30-second timer) is set
up here, so the window itself stays as it is.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QBoxLayout, QMenu

from checkpoint.domain import Role, Step
from checkpoint.lane.events import StepDone
from checkpoint.team.auth import Permission, allowed
from ui.response_panel import OverdueBanner, ResponsePanel
from ui.shift_glance import ShiftGlancePanel
from ui.team_view import TeamDialog

if TYPE_CHECKING:
    from ui.main_window import MainWindow


class LeaderDesk(QObject):
    """The leader's part of one signed-in window."""

    def __init__(self, window: MainWindow, session: Any, slot: QBoxLayout) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        lang = window.lang
        self.banner = OverdueBanner()
        slot.addWidget(self.banner)
        self.glance = ShiftGlancePanel(window.db, window.settings, session.shift_id, window.jobs,
                                       lang=lang)  # fmt: skip
        window.tabs.addTab(self.glance, self.tr("班况  Ctrl+3"))
        self.responses = ResponsePanel(window.db, window.settings, session.staff, window.jobs,
                                       lang=lang)  # fmt: skip
        self.responses.overdueChanged.connect(lambda items: self.banner.show_overdue(items, lang))
        self.responses_tab = window.tabs.addTab(self.responses, self.tr("136 应急  Ctrl+4"))
        self.banner.openRequested.connect(self.show_responses)
        self.menu = QMenu(self.tr("组长"), window)
        self.glance_action = QAction(self.tr("班况"), window)
        self.glance_action.setShortcut("Ctrl+3")
        self.glance_action.triggered.connect(lambda: window.tabs.setCurrentWidget(self.glance))
        self.menu.addAction(self.glance_action)
        window.addAction(self.glance_action)
        self.responses_action = QAction(self.tr("136 应急处置"), window)
        self.responses_action.setShortcut("Ctrl+4")
        self.responses_action.triggered.connect(self.show_responses)
        self.menu.addAction(self.responses_action)
        window.addAction(self.responses_action)
        self.team_action = QAction(self.tr("团队管理…"), window)
        self.team_action.setEnabled(allowed(Role(session.staff.role), Permission.MANAGE_STAFF))
        self.team_action.triggered.connect(self.open_team)
        self.menu.addAction(self.team_action)
        self.backentry_action = QAction(self.tr("补录纸质台账…"), window)
        self.backentry_action.setEnabled(allowed(Role(session.staff.role),
                                                 Permission.CORRECT_RECORD))  # fmt: skip
        self.backentry_action.triggered.connect(self.open_backentry)
        self.menu.addAction(self.backentry_action)
        self.team_dialog: TeamDialog | None = None
        self.menu_action = window.menuBar().addMenu(self.menu)
        window.stepSaved.connect(self._step_saved)
        window._timer.timeout.connect(self.poll)
        self.ledger = window.ledger  # its details start a 136 response by hand
        if self.ledger is not None:
            self.ledger.responseStarted.connect(self._response_started)
        self.poll()

    @classmethod
    def attach(cls, window: MainWindow, session: Any, slot: QBoxLayout,
               old: LeaderDesk | None) -> LeaderDesk:  # fmt: skip
        """The leader's screens for ``session`` (replacing those of an earlier sign-in)."""
        if old is not None:
            old.dispose()
        return cls(window, session, slot)

    def dispose(self) -> None:
        """Take the banner, menu and connections away (sign-out, or the next sign-in)."""
        w = self.window
        w.stepSaved.disconnect(self._step_saved)
        w._timer.timeout.disconnect(self.poll)
        if self.ledger is not None:
            with contextlib.suppress(RuntimeError):  # the ledger went with the last sign-in
                self.ledger.responseStarted.disconnect(self._response_started)
        w.removeAction(self.responses_action)
        w.removeAction(self.glance_action)
        self.glance.deleteLater()
        w.menuBar().removeAction(self.menu_action)
        self.banner.hide()
        self.banner.deleteLater()
        self.responses.deleteLater()
        self.deleteLater()

    def open_team(self) -> TeamDialog | None:
        """团队管理 (point chief): the roster and its actions."""
        if not self.team_action.isEnabled():
            return None
        w = self.window
        dialog = TeamDialog(w.db, w.settings, self.session.staff, w.jobs, lang=w.lang, parent=w)
        self.team_dialog = dialog
        dialog.open()
        return dialog

    def open_backentry(self) -> None:
        w = self.window
        if w.ledger is not None:
            w.tabs.setCurrentWidget(w.ledger)
            w.ledger.open_backentry()

    def poll(self) -> None:
        """Every ~30 s: the open responses and the overdue measures of every lane."""
        self.responses.poll()

    def show_responses(self) -> None:
        self.window.tabs.setCurrentWidget(self.responses)

    def _response_started(self, _view: object) -> None:
        """A response started by hand from the ledger: read it and show the 136 tab."""
        self.responses.poll()
        self.show_responses()

    def _step_saved(self, event: StepDone) -> None:
        self.glance.on_step(event)
        if event.step is Step.DIVERT:  # a divert may have started a response
            self.responses.poll()
