"""Any start-up failure of app.py is one sentence in a window (and on stderr), never a silent
exit with the traceback only in the log. Each start here fails for real."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from checkpoint.cli.common import open_db
from checkpoint.config import load_settings
from ui.app import main

REPO = Path(__file__).resolve().parents[1]


def _start_and_read_the_window(qapp: QApplication, argv: list[str]) -> tuple[int, list[str]]:
    """Run main() in this process; read and close the window it shows instead of a desk."""
    seen: list[str] = []

    def answer() -> None:
        box = qapp.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.windowTitle())
            seen.append(box.text())
            box.done(QMessageBox.StandardButton.Close)
            return
        QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)
    code = main(argv)
    return code, seen


def _one_sentence(text: str) -> None:
    assert "Traceback" not in text and "\n" not in text.strip()
    assert text.rstrip().endswith((".", "。"))


def test_an_unusable_database_path_is_one_sentence_in_a_window(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    code, seen = _start_and_read_the_window(
        qapp, ["--db", f"sqlite:///{(blocker / 'checkpoint.db').as_posix()}"]
    )
    assert code == 2
    title, text = seen
    assert title == "卡口查验台无法启动"
    assert str(blocker) in text
    _one_sentence(text)
    assert capsys.readouterr().err.strip() == f"app.py: {text}"


def _damaged_database(data_dir: Path) -> None:
    """A database whose staff table is gone: it opens, but the desk cannot be built on it."""
    settings = load_settings()
    open_db(settings).dispose()
    con = sqlite3.connect(data_dir / "checkpoint.db")
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DROP TABLE staff_member")
    con.commit()
    con.close()


def test_a_failure_while_the_window_is_built_is_one_sentence_not_a_silent_exit(
    qapp: QApplication, qtbot: QtBot, isolated_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _damaged_database(isolated_env)
    code, seen = _start_and_read_the_window(qapp, ["--no-camera"])
    assert code == 2
    assert seen and "staff_member" in seen[1]
    _one_sentence(seen[1])
    assert "app.py: " in capsys.readouterr().err
    assert not [w for w in qapp.topLevelWidgets() if w.isVisible()]  # no half-built desk left


def test_the_same_failure_without_a_screen_is_one_line_on_stderr(
    isolated_env: Path, tmp_path: Path
) -> None:
    _damaged_database(isolated_env)
    proc = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "--screenshot", str(tmp_path / "x.png")],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert proc.returncode == 2
    said = [line for line in proc.stderr.splitlines() if line.startswith("app.py: ")]
    assert len(said) == 1 and "staff_member" in said[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "x.png").exists()
