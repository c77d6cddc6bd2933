"""Switching language from the menu: the window comes back in English, still signed in, and the
vehicle under way is where it was."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator

import pytest
from desk_helpers import settle
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from checkpoint.cli.common import open_db
from checkpoint.config import load_settings
from checkpoint.domain import Step
from ui.i18n import install_translators
from ui.main_window import WindowHost


@pytest.fixture
def host(qtbot: QtBot) -> Iterator[WindowHost]:
    settings = load_settings(demo=True)
    db = open_db(settings)
    h = WindowHost(db, settings, demo=True, camera=False, dark=False, muted=True)
    yield h
    h.shutdown()
    if h.window is not None:
        h.window.close()
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translators(app, "zh_CN")  # the next test starts in Chinese again
    db.dispose()


def test_switching_to_english_keeps_the_session_and_the_vehicle(
    qtbot: QtBot, host: WindowHost
) -> None:
    w = host.build("zh_CN")  # the host owns its windows: it deletes this one on the switch
    settle(qtbot, w)
    s = w.screen_
    assert s is not None and w.session is not None
    staff = w.session.staff.name
    qtbot.keyClicks(s.guide.plate_edit, "A12345")
    qtbot.keyClick(s.guide.plate_edit, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert s.state.step is Step.VERIFY
    english = next(a for a in w.findChildren(QAction) if a.text() == "English")
    english.trigger()
    w2 = host.window
    assert w2 is not None and w2 is not w
    settle(qtbot, w2)
    qtbot.addWidget(w2)
    assert w2.session is not None and w2.session.staff.name == staff  # still signed in
    s2 = w2.screen_
    assert s2 is not None
    assert s2.state.step is Step.VERIFY and s2.state.vehicle is not None
    assert s2.state.vehicle.plate == "浙A12345"  # the vehicle under way came back
    tabs = [w2.tabs.tabText(i) for i in range(w2.tabs.count())]
    assert tabs[0].startswith("Inspect") and tabs[1].startswith("Ledger")
    assert any(name in w2.header.text() for name in ("Night", "Day", "Evening"))  # shift name
