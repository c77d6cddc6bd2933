"""Unexpected errors: logged with their traceback, one dialog, never a flood."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from checkpoint import logfile
from ui.crash_dialog import QUIET_SECONDS, CrashReporter


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = logfile.configure(tmp_path, "desk")
    assert path is not None
    yield path
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "baseFilename", None) == str(path)]:
        root.removeHandler(h)
        h.close()


def boom(message: str) -> tuple[type[BaseException], BaseException, object]:
    try:
        raise ZeroDivisionError(message)
    except ZeroDivisionError:
        kind, exc, tb = sys.exc_info()
        assert kind is not None and exc is not None
        return kind, exc, tb


def visible_boxes() -> list[QMessageBox]:
    return [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]


def test_a_burst_of_errors_shows_one_dialog_and_logs_each(qtbot: QtBot, log_file: Path) -> None:
    now = [100.0]
    reporter = CrashReporter(lambda: None, log_file, clock=lambda: now[0])
    for i in range(3):
        reporter.hook(*boom(f"burst {i}"))  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: len(visible_boxes()) == 1)
    assert reporter.logged == 3
    text = log_file.read_text(encoding="utf-8")
    assert text.count("Traceback") == 3 and "burst 2" in text
    box = visible_boxes()[0]
    assert str(log_file) in box.informativeText() and "已保存的步骤不受影响" in box.text()
    box.close()
    reporter.hook(*boom("soon after"))  # type: ignore[arg-type]
    qtbot.wait(50)
    assert visible_boxes() == []  # within the quiet period: logged only
    now[0] += QUIET_SECONDS + 1
    reporter.hook(*boom("later"))  # type: ignore[arg-type]
    qtbot.waitUntil(lambda: len(visible_boxes()) == 1)
    visible_boxes()[0].close()


def test_an_error_in_a_worker_thread_reaches_the_gui(
    qtbot: QtBot, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reporter = CrashReporter(lambda: None, log_file)
    monkeypatch.setattr(threading, "excepthook", reporter._thread_hook)

    def work() -> None:
        raise RuntimeError("decoder thread failed")

    t = threading.Thread(target=work, name="worker")
    t.start()
    t.join()
    qtbot.waitUntil(lambda: len(visible_boxes()) == 1)
    assert "decoder thread failed" in visible_boxes()[0].informativeText()
    assert reporter.logged == 1
    assert "[worker] unexpected error" in log_file.read_text(encoding="utf-8")
    visible_boxes()[0].close()


def test_the_cli_logs_an_internal_error_for_later(tmp_path: Path) -> None:
    from checkpoint.cli import _log_internal_error

    try:
        raise KeyError("missing")
    except KeyError as exc:
        path = _log_internal_error(exc)
    assert path is not None and path.parent.name == "logs"
    assert "KeyError" in path.read_text(encoding="utf-8")
    root = logging.getLogger()
    for h in [h for h in root.handlers if getattr(h, "baseFilename", None) == str(path)]:
        root.removeHandler(h)
        h.close()
