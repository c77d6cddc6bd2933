"""The app starts, shows site, duty date, shift and where the data lives; --screenshot works."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess
import sys
from pathlib import Path

from pytestqt.qtbot import QtBot

from checkpoint.cli.common import open_db
from checkpoint.config import load_settings
from checkpoint.models import utcnow
from checkpoint.rota import DEFAULT_PLAN, locate
from ui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[1]


def test_header_shows_site_duty_date_shift_camera_and_data_location(qtbot: QtBot) -> None:
    settings = load_settings()
    db = open_db(settings)
    window = MainWindow(db, settings, camera=False, muted=True)
    qtbot.addWidget(window)
    w = locate(utcnow(), DEFAULT_PLAN, settings.tz)
    text = window.header.text()
    assert settings.site_name in text and settings.lane_name in text
    assert w.duty_date.isoformat() in text and w.slot.name_zh in text
    assert "未开班" in text  # no leader yet
    assert str(settings.data_dir) in window.data_label.text()
    assert "摄像头" in window.camera_label.text() and "未登录" in window.staff_label.text()
    window.shutdown()
    db.dispose()


def test_demo_screenshot_renders_the_desk_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    proc = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "--demo", "--screenshot", str(out),
         "--lang", "en"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (Path(os.environ["CHECKPOINT_DATA_DIR"]) / "demo.db").exists()
    assert not (Path(os.environ["CHECKPOINT_DATA_DIR"]) / "checkpoint.db").exists()
