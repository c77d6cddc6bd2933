"""交班 in the GUI: the leader closes the shift with the handover, and the report that prints
carries the handover note; with a vehicle under way, handover waits."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from desk_helpers import settle
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from checkpoint.cli.common import open_db
from checkpoint.config import Settings, load_settings
from checkpoint.domain import Step
from checkpoint.storage.db import Database
from checkpoint.storage.models import AuditEvent, Shift, StaffMember, utcnow
from ui.main_window import MainWindow

TIMEOUT_MS = 20_000


@pytest.fixture
def window(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[MainWindow, Database, Path]]:
    settings: Settings = load_settings(demo=True)
    db = open_db(settings)
    w = MainWindow(db, settings, demo=True, muted=True, dark=False, camera=False)
    qtbot.addWidget(w)
    w.show()
    w.demo_sign_in()
    settle(qtbot, w)
    out = tmp_path / "printed.pdf"

    def choose_printer(printer: QPrinter, parent: QWidget, pages: int) -> bool:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(out))
        return True  # the leader's second click: 打印

    w.report_options = {"choose_printer": choose_printer}
    yield w, db, out
    w.shutdown()
    db.dispose()


def test_handover_closes_the_shift_and_prints_the_report_with_the_note(
    qtbot: QtBot, window: tuple[MainWindow, Database, Path]
) -> None:
    w, db, out = window
    assert w.session is not None
    leader = w.session.staff.name
    w.handover_action.trigger()
    settle(qtbot, w)
    dialog = w.handover_dialog
    assert dialog is not None and dialog.isVisible()
    with db.session() as s:  # handing over long before the end leaves the lane without a shift
        left = s.scalars(select(Shift.ends_at)).one() - utcnow()
    assert dialog.warning.isVisible() == (left > timedelta(minutes=15))
    assert ("无法登记车辆" in dialog.warning.text()) == (left > timedelta(minutes=15))
    incoming = dialog.incoming.findText("李红梅")
    assert incoming > 0
    dialog.incoming.setCurrentIndex(incoming)
    dialog.note.setPlainText("交接正常，测温枪电池已更换。")  # non-ASCII: set directly
    dialog.issues.setPlainText("二号车道摄像头偶尔断开。")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)  # click one: 交班
    settle(qtbot, w)

    with db.session() as s:
        shift = s.scalars(select(Shift)).one()
        incoming_id = s.scalars(select(StaffMember.id).where(StaffMember.name == "李红梅")).one()
        assert shift.closed_at is not None and shift.handover_to_id == incoming_id
        assert shift.handover_note == "交接正常，测温枪电池已更换。"
        assert shift.open_issues == "二号车道摄像头偶尔断开。"
        closer = s.scalars(select(StaffMember.name).where(StaffMember.id == shift.closed_by_id))
        assert closer.one() == leader
        actions = s.scalars(select(AuditEvent.action)).all()
        assert "shift.close" in actions
    assert w.session is None and w.stack.currentIndex() == 0  # back at sign-in

    report = w.report_dialog
    assert report is not None
    view = report.view  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: out.exists() and out.stat().st_size > 0, timeout=TIMEOUT_MS)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(view.document.pdf)).pages)
    assert "测温枪电池已更换" in text and "二号车道摄像头偶尔断开" in text
    view.wait_idle()
    report.close()


def test_no_handover_while_a_vehicle_is_under_way(
    qtbot: QtBot, window: tuple[MainWindow, Database, Path]
) -> None:
    w, db, _ = window
    s = w.screen_
    assert s is not None
    qtbot.keyClicks(s.guide.plate_edit, "A12345")
    qtbot.keyClick(s.guide.plate_edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert s.state.step is Step.VERIFY
    assert w.open_handover() is None
    assert "请先完成当前车辆" in s.error_bar.text()
    with db.session() as sess:
        assert sess.scalars(select(Shift.closed_at)).one() is None
