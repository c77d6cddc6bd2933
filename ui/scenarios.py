"""Scenarios for ``app.py --demo --size WxH --scenario NAME --screenshot FILE``.

Each scenario lays the window out at exactly W×H, plays a situation at the booth through the
desk's own controls (demo camera, demo team, a throw-away data folder) and saves the window as a
PNG of exactly W×H pixels; dialogs the scenario opens are drawn where they stand over the window.
A window whose layout needs more room than W×H is a failure (:class:`DoesNotFit`), not a bigger
picture.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QSize
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from checkpoint.domain import CodeColour, Disposition, Step, VehicleType
from checkpoint.errors import CheckpointError

if TYPE_CHECKING:
    from ui.inspection_screen import InspectionScreen
    from ui.main_window import MainWindow

SCENARIOS = (
    "guide",
    "verify-crowd",
    "divert-override",
    "handover",
    "report-preview",
    "ledger",
    "no-camera",
    "camera-dialog",
    "response-overdue",
)


class ScenarioError(CheckpointError):
    """A scenario could not be played (the desk never reached the state it shows)."""


class DoesNotFit(ScenarioError):
    """The window's layout needs more room than the size asked for."""


def parse_size(text: str) -> QSize:
    """``1366x768`` (or ``1366×768``) as a size; ScenarioError when it is not one."""
    w, sep, h = text.lower().replace("×", "x").partition("x")
    if not (sep and w.isdigit() and h.isdigit() and int(w) >= 320 and int(h) >= 240):
        raise ScenarioError(f"--size wants WIDTHxHEIGHT, e.g. 1366x768 (got {text!r}).")
    return QSize(int(w), int(h))


def settle(seconds: float = 0.3) -> None:
    """Let the event loop run for ``seconds`` (timers, the worker's results, painting)."""
    app = QApplication.instance()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if app is not None:
            app.processEvents()
        time.sleep(0.02)


def wait_for(done: Callable[[], bool], what: str, seconds: float = 20.0) -> None:
    """Run the event loop until ``done()``; ScenarioError naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise ScenarioError(f"The desk did not get to {what} in time.")
        settle(0.05)


class Player:
    """Plays one scenario on ``window`` (shown, not yet signed in)."""

    def __init__(self, window: MainWindow) -> None:
        self.w = window

    # -- small steps a person takes -------------------------------------------------------------

    def idle(self) -> None:
        w = self.w
        wait_for(lambda: w.jobs.pending == 0 and not _busy(w), "the end of a save")

    def sign_in_demo(self) -> None:
        w = self.w
        w.demo_sign_in()
        wait_for(lambda: w.controller is not None and w.jobs.pending == 0, "the inspection desk")
        self.idle()

    def sign_in_as(self, name: str) -> None:
        """Sign in as ``name`` of the demo team (PIN 0000) through the sign-in screen."""
        w = self.w
        if w.session is None:
            self.sign_in_demo()
        w.sign_out()
        self.idle()
        w.signin.select_name(name)
        w.signin.secret.setText("0000")
        w.signin.sign_in()
        wait_for(lambda: w.controller is not None and w.jobs.pending == 0, f"{name}'s desk")
        self.idle()

    def guide(self, plate: str, vt: VehicleType, people: int, shown: int | None = None) -> None:
        """A vehicle through the guide step; the demo camera then shows ``shown`` passes."""
        s = self.screen()
        if self.w.feed is not None and shown is not None:
            self.w.feed.shown = shown
        s.guide.plate_edit.setText(plate)
        s.guide.type_buttons[vt].setChecked(True)
        s.guide.set_people_count(people)
        s.guide.plate_changed()
        s.submit_guide()
        wait_for(lambda: s.state.step is not Step.GUIDE, "the verify step")
        self.idle()

    def scanned(self, n: int) -> None:
        s = self.screen()
        wait_for(lambda: len(s.state.people) >= n or s.state.step is not Step.VERIFY,
                 f"{n} people scanned")  # fmt: skip
        self.idle()

    def enter(self) -> None:
        self.screen().primary_action()
        self.idle()

    def to_divert(self) -> None:
        s = self.screen()
        while s.state.step is not Step.DIVERT:
            self.enter()

    def text(self, zh: str, en: str) -> str:
        """What the person types, in the desk's language."""
        return zh if self.w.lang.startswith("zh") else en

    def screen(self) -> InspectionScreen:
        s = self.w.screen_
        if s is None:
            raise ScenarioError("The inspection desk is not shown.")
        return s

    # -- the scenarios ------------------------------------------------------------------------

    def play(self, name: str) -> None:
        getattr(self, "play_" + name.replace("-", "_"))()

    def play_guide(self) -> None:
        self.sign_in_demo()
        self._one_car("A12345")
        s = self.screen()
        s.guide.plate_edit.setText("B8F2K6")
        s.guide.set_people_count(2)
        s.guide.origin_edit.setText(self.text("杭州市西湖区", "Hangzhou"))
        s.guide.plate_changed()

    def _one_car(self, plate: str) -> None:
        self.guide(plate, VehicleType.CAR, 2)
        self.scanned(2)
        s = self.screen()
        while s.state.step is not Step.GUIDE:
            self.enter()

    def play_verify_crowd(self) -> None:
        # a bus of 9: three show their passes, one phone is read red by eye, five are waiting
        self.sign_in_demo()
        self.guide("A80123", VehicleType.BUS, 9, shown=3)
        self.scanned(3)
        c = self.screen().controller
        if c is None:
            raise ScenarioError("The inspection desk is not attached to its lane.")
        c.new_person()
        self.idle()
        c.read_colour(CodeColour.RED)
        self.idle()

    def play_divert_override(self) -> None:
        # an inspector wants another disposition than suggested: reason typed, the leader's
        # name and PIN asked for
        self.sign_in_as("周敏")
        self.guide("C55K21", VehicleType.CAR, 1, shown=1)
        self.scanned(1)
        self.to_divert()
        s = self.screen()
        s.divert.choose(Disposition.ESCORT)
        s.divert.override_reason.setText(self.text("司机称改道回杭州", "Driver turns back"))
        s.divert.primary()
        wait_for(lambda: s.divert.leader_box.isVisible(), "the leader's prompt")

    def play_handover(self) -> None:
        self.sign_in_demo()
        self._one_car("A12345")
        self.w.open_handover()
        wait_for(lambda: self.w.handover_dialog is not None, "the handover form")
        d = self.w.handover_dialog
        assert d is not None
        d.note.setPlainText(self.text("一切正常,测温枪已充电。", "All well; thermometer charged."))

    def play_report_preview(self) -> None:
        self.sign_in_demo()
        self._one_car("A12345")
        dialog = self.w.preview_report()
        if dialog is None:
            raise ScenarioError("The report preview did not open.")
        view = dialog.view
        wait_for(lambda: len(view.page_labels) > 0 and not view.busy(),
                 "the report preview", 60.0)  # fmt: skip

    def play_ledger(self) -> None:
        self.sign_in_demo()
        self._one_car("A12345")
        self._one_car("B8F2K6")
        self.w.tabs.setCurrentIndex(1)
        self.idle()

    def play_no_camera(self) -> None:
        self.sign_in_demo()
        w = self.w
        self.guide("A12345", VehicleType.CAR, 1)
        wait_for(lambda: w.camera_state == "absent", "the no-camera state")

    def play_camera_dialog(self) -> None:
        """The camera dialog over the desk (显示 → 摄像头设置…), the demo camera running."""
        self.sign_in_demo()
        w = self.w
        self.guide("A12345", VehicleType.CAR, 1)
        w.camera_action.trigger()
        dialog = w.camera_dialog
        wait_for(lambda: dialog.camera_list.count() > 0 or dialog.rescan_button.isEnabled(),
                 "the camera dialog's probe")
        wait_for(lambda: dialog.shown is not None and dialog.shown.connected,
                 "the demo camera in the camera dialog")


    def play_response_overdue(self) -> None:
        # a phone read red by eye: 转运隔离 starts the 136 response; an hour later its measures
        # are overdue and the red banner shows above the desk, on the next vehicle
        self.sign_in_demo()
        self.guide("D66Q88", VehicleType.CAR, 1, shown=0)
        c = self.screen().controller
        desk = self.w.leader_desk
        if c is None or desk is None:
            raise ScenarioError("The leader's desk is not attached to its lane.")
        c.new_person()
        self.idle()
        c.read_colour(CodeColour.RED)
        self.idle()
        self.to_divert()
        self.enter()  # the suggestion: 转运隔离
        later = datetime.now(UTC) + timedelta(hours=1)
        desk.responses.clock = lambda: later
        desk.poll()
        wait_for(lambda: desk.banner.isVisible(), "the overdue banner")
        self._one_car("A12345")


class NoCamera:
    """A lane with no camera plugged in: every attempt to open it fails."""

    name = "USB camera 0"

    def open(self) -> object:
        from scanners import SourceError

        raise SourceError("camera 0 cannot be opened: is it plugged in?")

    def read(self) -> object:
        from scanners import SourceError

        raise SourceError("camera 0 is not open")

    def close(self) -> None:
        """Nothing is open."""


def _busy(w: MainWindow) -> bool:
    c = w.controller
    return c is not None and c.busy


def check_fits(w: QWidget, size: QSize) -> None:
    """DoesNotFit if ``w``'s layout needs more than ``size`` (every control on screen)."""
    need = w.minimumSizeHint().expandedTo(w.minimumSize())
    if need.width() > size.width() or need.height() > size.height():
        raise DoesNotFit(
            f"The window needs {need.width()}×{need.height()} px and does not fit "
            f"{size.width()}×{size.height()}."
        )


def picture(w: QWidget, size: QSize) -> QPixmap:
    """The window with the dialogs it opened drawn over it, exactly ``size`` logical pixels."""
    check_fits(w, size)
    shot = w.grab()
    painter = QPainter(shot)
    for dialog in w.findChildren(QDialog):
        if not dialog.isVisible():
            continue
        check_fits(dialog, size)
        dialog.resize(dialog.size().boundedTo(size - QSize(24, 24)))
        settle(0.2)
        pix = dialog.grab()
        at = QPoint((size.width() - dialog.width()) // 2, (size.height() - dialog.height()) // 2)
        painter.drawPixmap(at, pix)
        painter.setPen(QPen(QColor("#263238"), 2))  # the dialog's edge, as a window frame
        painter.drawRect(at.x(), at.y(), dialog.width() - 1, dialog.height() - 1)
    painter.end()
    return shot


def shoot(w: MainWindow, name: str, size: QSize, target: Path) -> None:
    """Play ``name`` on ``w`` at ``size`` and save the PNG; ScenarioError when impossible."""
    if name not in SCENARIOS:
        raise ScenarioError(f"Unknown scenario {name!r}; one of: {', '.join(SCENARIOS)}.")
    w.setMinimumSize(0, 0)
    w.resize(size)
    w.show()
    settle(0.2)
    Player(w).play(name)
    settle(0.5)
    check_fits(w, size)
    w.resize(size)
    settle(0.2)
    if w.size() != size:
        raise DoesNotFit(
            f"The window is {w.width()}×{w.height()} px, not {size.width()}×{size.height()}."
        )
    shot = picture(w, size)
    if not shot.save(str(target), "PNG"):
        raise ScenarioError(f"Cannot write the screenshot to {target}.")
