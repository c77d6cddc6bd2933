"""Waiting for the desk's database thread in GUI tests: the window runs its database work on a
worker and shows the outcome when it arrives, so a test waits for that, as a person would."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from ui.main_window import MainWindow

TIMEOUT_MS = 20_000


def settle(qtbot: QtBot, w: MainWindow) -> None:
    """Wait until every database job of ``w`` is done and its outcome shown."""
    qtbot.waitUntil(lambda: w.jobs.pending == 0, timeout=TIMEOUT_MS)


def signed_in(qtbot: QtBot, w: MainWindow) -> None:
    """Wait until the desk is attached to its lane after sign-in."""
    qtbot.waitUntil(lambda: w.controller is not None and w.jobs.pending == 0, timeout=TIMEOUT_MS)
