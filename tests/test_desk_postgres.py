"""The desk on a real PostgreSQL server: saving a step never freezes the window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from collections.abc import Iterator

import pytest
from desk_helpers import settle
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot
from sqlalchemy import create_engine, select, text

from checkpoint.cli.common import open_db
from checkpoint.config import load_settings
from checkpoint.domain import Step, VehicleType
from checkpoint.storage.db import Database
from checkpoint.storage.models import Inspection
from ui.main_window import MainWindow


@pytest.fixture
def pg_window(qtbot: QtBot, pg_url: str) -> Iterator[tuple[MainWindow, Database]]:
    settings = load_settings(db_url=pg_url, demo=True)
    db = open_db(settings)
    w = MainWindow(db, settings, demo=True, muted=True, dark=False, camera=False)
    qtbot.addWidget(w)
    w.show()
    w.demo_sign_in()
    settle(qtbot, w)
    yield w, db
    w.shutdown()
    db.dispose()


def test_a_step_waiting_on_the_server_keeps_the_window_alive(
    qtbot: QtBot, pg_window: tuple[MainWindow, Database], pg_url: str
) -> None:
    w, db = pg_window
    s = w.screen_
    assert s is not None
    qtbot.keyClicks(s.guide.plate_edit, "A12345")

    # Another lane holds this site's audit-chain row: our guide step must wait for it.
    other_engine = create_engine(pg_url)
    other = other_engine.connect()
    other.execute(text("SELECT seq FROM audit_head FOR UPDATE"))
    release = threading.Timer(0.8, other.commit)
    ticks: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    release.start()
    try:
        qtbot.keyClick(s.guide.plate_edit, Qt.Key.Key_Return)  # returns at once
        waiting = w.jobs.pending
        settle(qtbot, w)
        during = len(ticks)
    finally:
        timer.stop()
        release.join()
        other.close()
        other_engine.dispose()
    # The GUI thread ran its timers while the step waited (blocked, it would have run none).
    assert during >= 5
    assert waiting == 1  # the GUI thread did not wait for the server
    assert s.state.step is Step.VERIFY
    with db.session() as session:
        assert session.scalars(select(Inspection.plate)).all() == ["浙A12345"]


def test_input_during_a_save_starts_no_second_step(
    qtbot: QtBot, pg_window: tuple[MainWindow, Database],
) -> None:
    w, db = pg_window
    controller = w.controller
    assert controller is not None
    controller.busy = True  # as while the runner waits on the server for another step
    try:
        assert controller.guide("浙B12345", VehicleType.CAR, 1) is False
    finally:
        controller.busy = False
    with db.session() as session:
        assert session.scalars(select(Inspection.plate)).all() == []
    assert controller.guide("浙B12345", VehicleType.CAR, 1) is True
    settle(qtbot, w)
    with db.session() as session:
        assert session.scalars(select(Inspection.plate)).all() == ["浙B12345"]
