"""The desk at the booth: a 9-person bus and an inspector's override with a leader's PIN through
the keyboard alone (keys go to whatever has the focus); the camera unplugged mid-shift and the
inspector going on by eye; the production desk never falls back to the demo camera."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from pathlib import Path
from typing import Any

import numpy as np
import test_desk_flow
from desk_helpers import settle, signed_in
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from test_desk_flow import codes

from checkpoint.cli.common import open_db
from checkpoint.config import Settings, load_settings
from checkpoint.demo.passes import DemoPerson, mint_demo_passes
from checkpoint.domain import CodeColour, Step
from checkpoint.storage.db import Database
from checkpoint.storage.models import AuditEvent, Inspection, Shift, StaffMember, utcnow
from scanners import SourceError, SourceInfo
from ui.main_window import MainWindow

TIMEOUT_MS = 20_000
env = test_desk_flow.env  # the demo database (fixture)


def focused() -> QWidget:
    w = QApplication.focusWidget()
    assert w is not None, "nothing has the keyboard focus"
    return w


def press(qtbot: QtBot, w: MainWindow, key: Qt.Key,
          mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:  # fmt: skip
    """One key, to whatever has the focus, as a person at the booth presses it."""
    qtbot.keyClick(focused(), key, mod)
    settle(qtbot, w)


def type_in(qtbot: QtBot, text: str) -> None:
    """Typing into the focused field (non-ASCII arrives as the input method commits it)."""
    target = focused()
    assert isinstance(target, QLineEdit), type(target).__name__
    if text.isascii():
        qtbot.keyClicks(target, text)
    else:
        target.insert(text)


def window(qtbot: QtBot, db: Database, settings: Settings, **kw: object) -> MainWindow:
    kw.setdefault("demo", True)
    kw.setdefault("camera", False)
    kw.setdefault("dark", False)
    w = MainWindow(db, settings, muted=True, **kw)  # type: ignore[arg-type]
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=TIMEOUT_MS)
    # the sign-in names are read on the database thread; the page takes keys once they are in
    qtbot.waitUntil(lambda: not w.signin.busy and QApplication.focusWidget() is not None,
                    timeout=TIMEOUT_MS)  # fmt: skip
    return w


def plate_and_enter(qtbot: QtBot, w: MainWindow, rest: str) -> None:
    """The guide step by keyboard: the plate typed (home province), Enter."""
    type_in(qtbot, rest)
    press(qtbot, w, Qt.Key.Key_Return)


def leader_desk(qtbot: QtBot, db: Database, settings: Settings,
                plate: str = "") -> tuple[MainWindow, Any]:  # fmt: skip
    """The demo window with its first leader signed in (and ``plate`` guided by keyboard);
    the window and its inspection screen."""
    w = window(qtbot, db, settings)
    w.demo_sign_in()
    signed_in(qtbot, w)
    assert w.screen_ is not None
    if plate:
        plate_and_enter(qtbot, w, plate)
    return w, w.screen_


def test_a_bus_of_nine_through_the_keyboard_alone(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w, s = leader_desk(qtbot, db, settings)
    # the plate field has the focus after sign-in: the first plate typed is not lost
    assert focused() is s.guide.plate_edit
    type_in(qtbot, "A80123")
    for _ in range(8):  # Ctrl+↑ works in the plate field too
        press(qtbot, w, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, w, Qt.Key.Key_F3)  # 客车
    assert s.guide.people_count() == 9
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.VERIFY and s.state.vehicle is not None
    assert s.state.vehicle.people_count == 9
    # three show their passes to the camera, the other six are read by eye
    w.deliver_codes(codes(*mint_demo_passes("浙A80123", [DemoPerson()] * 3, utcnow())))
    qtbot.waitUntil(lambda: len(s.state.people) == 3, timeout=TIMEOUT_MS)
    settle(qtbot, w)
    for i in range(6):
        press(qtbot, w, Qt.Key.Key_F9)
        press(qtbot, w, Qt.Key.Key_F7 if i == 0 else Qt.Key.Key_F5)
    assert len(s.state.people) == 9 and s.state.missing_people == 0
    # every row is there (the list scrolls) and the main action is still on screen
    assert len(s.verify.rows) == 9
    targets = s.verify.findChildren(QAbstractButton) + s.verify.findChildren(QLineEdit)
    small = [b.text() for b in targets if b.isVisible() and b.height() < 40]
    assert small == []  # a gloved hand hits every target
    assert s.verify.finish_button.isVisible()
    assert s.verify.finish_button.mapTo(w, s.verify.finish_button.rect().bottomLeft()).y() <= 768
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.RECORD
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.DIVERT and s.state.banner is not None
    assert all(b.height() >= 40 for b in s.divert.disposition_buttons.values())
    assert "乘客" in s.divert.people_label.text() and s.divert.people_label.text().count("·") == 8
    reasons = s.divert.reasons_label.text()
    assert reasons.count("乘客") >= 1 and "红码" in reasons
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.GUIDE
    # after the vehicle the plate field has the focus again
    assert focused() is s.guide.plate_edit
    with db.session() as ss:
        insp = ss.scalars(select(Inspection).where(Inspection.plate == "浙A80123")).one()
        assert insp.status == "done" and len(insp.people) == 9
        assert insp.final_disposition == insp.suggested_disposition
    w.shutdown()


def _sign_in(qtbot: QtBot, w: MainWindow, name: str) -> None:
    w.demo_sign_in()
    signed_in(qtbot, w)
    w.sign_out()
    settle(qtbot, w)
    w.signin.select_name(name)
    w.signin.secret.setFocus()
    type_in(qtbot, "0000")
    press(qtbot, w, Qt.Key.Key_Return)
    signed_in(qtbot, w)


def test_an_inspectors_override_with_a_leaders_pin_by_keyboard(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = window(qtbot, db, settings)
    _sign_in(qtbot, w, "周敏")  # an inspector: may not override on their own
    s = w.screen_
    assert s is not None and w.session is not None and w.session.staff.name == "周敏"
    assert focused() is s.guide.plate_edit
    type_in(qtbot, "C55K21")
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.VERIFY
    press(qtbot, w, Qt.Key.Key_F9)
    press(qtbot, w, Qt.Key.Key_F6)  # a yellow code read by eye
    press(qtbot, w, Qt.Key.Key_Return)
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.DIVERT and s.state.banner is not None
    suggested = s.state.banner.suggested
    assert "Enter" in s.divert.disposition_buttons[suggested].text()
    press(qtbot, w, Qt.Key.Key_F1)  # 放行, not what is suggested: a reason is asked for
    assert s.divert.override_box.isVisible() and focused() is s.divert.override_reason
    # the suggested button no longer claims Enter while the override form is open
    assert "Enter" not in s.divert.disposition_buttons[suggested].text()
    # Esc goes back to the step's normal keys; F1 opens the form again
    press(qtbot, w, Qt.Key.Key_Escape)
    assert not s.divert.override_box.isVisible()
    press(qtbot, w, Qt.Key.Key_F1)
    assert focused() is s.divert.override_reason
    type_in(qtbot, "复测正常")
    press(qtbot, w, Qt.Key.Key_Return)
    # no right to override: the leader's name and PIN, at the lane
    assert s.divert.leader_box.isVisible() and focused() is s.divert.leader_name
    type_in(qtbot, "王建国")
    press(qtbot, w, Qt.Key.Key_Tab)
    assert focused() is s.divert.leader_pin
    type_in(qtbot, "9999")
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.DIVERT and s.error_bar.isVisible()
    assert "PIN 错误" in s.error_bar.text()  # the backend's sentence, in the desk's language
    s.divert.leader_pin.setFocus()
    type_in(qtbot, "0000")
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.GUIDE, s.error_bar.text()
    assert not s.error_bar.isVisible()
    with db.session() as ss:
        insp = ss.scalars(select(Inspection).where(Inspection.plate == "浙C55K21")).one()
        leader = ss.scalars(select(StaffMember).where(StaffMember.name == "王建国")).one()
        inspector = ss.scalars(select(StaffMember).where(StaffMember.name == "周敏")).one()
        assert insp.final_disposition == "release" and insp.override_reason == "复测正常"
        assert (insp.override_by_id, insp.divert_by_id) == (leader.id, inspector.id)
        ev = ss.scalars(
            select(AuditEvent).where(AuditEvent.action == "lane.override_authorised")
        ).one()
        assert ev.detail["leader"] == "王建国" and ev.detail["requested_by"] == "周敏"
    w.shutdown()


def test_a_stop_downgraded_to_release_is_confirmed_twice(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    # a leader: may override, but a released stop is confirmed again
    w, s = leader_desk(qtbot, *env, plate="D12345")
    press(qtbot, w, Qt.Key.Key_F9)
    press(qtbot, w, Qt.Key.Key_F7)  # red code
    press(qtbot, w, Qt.Key.Key_Return)
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.banner is not None
    assert s.state.banner.suggested.value in ("quarantine", "persuade_return")
    press(qtbot, w, Qt.Key.Key_F1)
    type_in(qtbot, "误读")
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.DIVERT  # not yet: the reasons being overruled are shown
    assert s.divert.confirm_box.isVisible() and "红码" in s.divert.confirm_label.text()
    assert not s.divert.leader_box.isVisible()
    press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.step is Step.GUIDE and s.state.last is not None
    assert s.state.last[1].value == "release"
    w.shutdown()


class UnpluggableCamera:
    """A USB camera a test can unplug and plug in again (frames are a grey picture)."""

    name = "USB camera 0"

    def __init__(self) -> None:
        self.plugged = threading.Event()
        self.plugged.set()
        self.opened = 0

    def open(self) -> SourceInfo:
        if not self.plugged.is_set():
            raise SourceError("camera 0 cannot be opened: is it plugged in?")
        self.opened += 1
        return SourceInfo(self.name, 64, 48, 30.0)

    def read(self) -> np.ndarray:
        if not self.plugged.is_set():
            raise SourceError("camera 0 stopped delivering frames")
        self.plugged.wait(0.03)
        return np.full((48, 64, 3), 128, np.uint8)

    def close(self) -> None:
        """Nothing to release."""


def test_the_camera_unplugged_mid_shift_and_the_inspector_goes_on_by_eye(
    qtbot: QtBot, tmp_path: Path
) -> None:
    settings = load_settings(demo=False)
    db = open_db(settings)
    cam = UnpluggableCamera()
    try:
        w = window(qtbot, db, settings, demo=False, camera=True, camera_source=lambda: cam)
        w.demo_sign_in()  # the team (on this real database) and an open shift
        signed_in(qtbot, w)
        s = w.screen_
        assert s is not None
        qtbot.waitUntil(lambda: w.camera_ok, timeout=TIMEOUT_MS)
        assert w.feed is None and "DEMO" not in w.camera_text
        type_in(qtbot, "E12345")
        press(qtbot, w, Qt.Key.Key_Return)
        assert s.state.step is Step.VERIFY
        cam.plugged.clear()  # unplugged
        qtbot.waitUntil(lambda: not w.camera_ok, timeout=TIMEOUT_MS)
        assert "可人工核验" in w.camera_text and "DEMO" not in w.camera_text
        assert "可人工核验" in s.verify.camera_status.text()
        assert w.feed is None  # no demo camera stands in
        press(qtbot, w, Qt.Key.Key_F9)
        press(qtbot, w, Qt.Key.Key_F5)
        press(qtbot, w, Qt.Key.Key_Return)
        press(qtbot, w, Qt.Key.Key_Return)
        press(qtbot, w, Qt.Key.Key_Return)
        assert s.state.step is Step.GUIDE and s.state.last is not None
        with db.session() as ss:
            insp = ss.scalars(select(Inspection).where(Inspection.plate == "浙E12345")).one()
            assert insp.status == "done" and not insp.demo
            assert [p.code_colour for p in insp.people] == [CodeColour.GREEN.value]
        cam.plugged.set()  # plugged in again: picked up without a restart
        qtbot.waitUntil(lambda: w.camera_ok, timeout=TIMEOUT_MS)
        assert cam.opened >= 2
        w.shutdown()
    finally:
        db.dispose()


def test_no_camera_at_all_is_said_and_never_replaced_by_the_demo_camera(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from ui.scenarios import NoCamera

    settings = load_settings(demo=False)
    db = open_db(settings)
    try:
        w = window(qtbot, db, settings, demo=False, camera=True, camera_source=NoCamera)
        w.demo_sign_in()
        signed_in(qtbot, w)
        qtbot.waitUntil(lambda: "未连接摄像头" in w.camera_text, timeout=TIMEOUT_MS)
        assert not w.camera_ok and w.feed is None
        assert w.screen_ is not None and "未连接摄像头" in w.screen_.camera.text()
        w.shutdown()
    finally:
        db.dispose()


def test_a_correction_takes_what_the_guide_takes_and_the_error_bar_clears_in_place(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    w, s = leader_desk(qtbot, *env, plate="G12345")
    w.deliver_codes(codes(*mint_demo_passes("浙G12345", [DemoPerson()], utcnow())))
    qtbot.waitUntil(lambda: s.state.step is Step.RECORD, timeout=TIMEOUT_MS)
    settle(qtbot, w)
    r = s.record
    button_at = r.correct_button.mapTo(w, r.correct_button.rect().topLeft())
    r.correct_field.setCurrentIndex(r.correct_field.findData("plate"))
    r.correct_value.setText("GI2345")  # a letter I: the guide step refuses it too
    r.correct_reason.setText("看错车牌")
    qtbot.mouseClick(r.correct_button, Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    assert s.error_bar.isVisible()
    assert "字母 I 和 O" in s.error_bar.text()  # in the desk's language, not the backend's
    # the red bar did not move the controls under it
    assert r.correct_button.mapTo(w, r.correct_button.rect().topLeft()) == button_at
    r.correct_value.setFocus()
    qtbot.keyClick(r.correct_value, Qt.Key.Key_Backspace)
    settle(qtbot, w)
    assert not s.error_bar.isVisible()  # the input is being fixed: the bar goes
    r.correct_value.setText("G12346")  # no province: the home province, as on the guide step
    qtbot.mouseClick(r.correct_button, Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    assert not s.error_bar.isVisible(), s.error_bar.text()
    assert s.state.vehicle is not None and s.state.vehicle.plate == "浙G12346"
    # the vehicle type is a choice, the same one again is said in Chinese
    r.correct_field.setCurrentIndex(r.correct_field.findData("vehicle_type"))
    assert r.correct_type.isVisible() and not r.correct_value.isVisible()
    r.correct_type.setCurrentIndex(r.correct_type.findData("car"))
    r.correct_reason.setText("核对车型")
    qtbot.mouseClick(r.correct_button, Qt.MouseButton.LeftButton)
    settle(qtbot, w)
    assert "新值与已保存的相同" in s.error_bar.text()
    # everyone is on the divert step and, after it, on the "last vehicle" strip
    while s.state.step is not Step.DIVERT:
        press(qtbot, w, Qt.Key.Key_Return)
    assert "驾驶员" in s.divert.people_label.text()
    press(qtbot, w, Qt.Key.Key_Return)
    last = s.guide.last_label.text()
    assert "浙G12346" in last and "驾驶员" in last and "绿码" in last
    w.shutdown()


def test_ctrl_d_switches_the_theme_at_the_first_press(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, settings = env
    w = window(qtbot, db, settings, dark=True)
    assert w.dark and w.dark_action.isChecked()
    press(qtbot, w, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert not w.dark
    w.shutdown()


def test_after_an_early_handover_the_incoming_leader_opens_the_next_shift_at_once(
    qtbot: QtBot, env: tuple[Database, Settings]
) -> None:
    db, _settings = env
    w, _s = leader_desk(qtbot, *env)
    w.open_handover()
    qtbot.waitUntil(lambda: w.handover_dialog is not None, timeout=TIMEOUT_MS)
    dialog = w.handover_dialog
    assert dialog is not None
    dialog.incoming.setCurrentIndex(dialog.incoming.findText("李红梅"))
    dialog.print_box.setChecked(False)
    dialog.accept()  # 交班, before the shift's end
    qtbot.waitUntil(lambda: w.session is None, timeout=TIMEOUT_MS)
    settle(qtbot, w)
    w.signin.select_name("李红梅")
    assert focused() is w.signin.secret  # the PIN field, ready for the incoming leader
    type_in(qtbot, "0000")
    press(qtbot, w, Qt.Key.Key_Return)
    assert w.signin.stack.currentIndex() == 1  # no shift open: she opens one, at once
    press(qtbot, w, Qt.Key.Key_Return)
    signed_in(qtbot, w)
    s = w.screen_
    assert s is not None and w.session is not None and w.session.staff.name == "李红梅"
    settle(qtbot, w)
    assert "李红梅" in w.header.text()  # the header shows the shift that opened early
    plate_and_enter(qtbot, w, "H12345")
    press(qtbot, w, Qt.Key.Key_F9)
    press(qtbot, w, Qt.Key.Key_F5)
    for _ in range(3):
        press(qtbot, w, Qt.Key.Key_Return)
    assert s.state.last is not None and s.state.last[0] == "浙H12345"
    with db.session() as ss:
        first, second = ss.scalars(select(Shift).order_by(Shift.opened_at)).all()
        assert first.closed_at is not None and second.closed_at is None
        assert second.starts_at <= second.opened_at < second.ends_at  # an early start
        insp = ss.scalars(select(Inspection).where(Inspection.plate == "浙H12345")).one()
        assert insp.shift_id == second.id and insp.status == "done"
        opened = ss.scalars(
            select(AuditEvent).where(AuditEvent.action == "shift.open",
                                     AuditEvent.subject == str(second.id))
        ).one()  # fmt: skip
        assert opened.detail["early_start"] is True
    w.shutdown()
