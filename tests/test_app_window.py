"""The app starts, shows site, duty date, shift and where the data lives; --screenshot works."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from desk_helpers import settle
from pytestqt.qtbot import QtBot

from checkpoint.cli.common import open_db
from checkpoint.config import load_settings
from checkpoint.storage.models import utcnow
from checkpoint.team.rota import DEFAULT_PLAN, locate
from ui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[1]


def test_header_shows_site_duty_date_shift_camera_and_data_location(qtbot: QtBot) -> None:
    settings = load_settings()
    db = open_db(settings)
    window = MainWindow(db, settings, camera=False, muted=True)
    qtbot.addWidget(window)
    settle(qtbot, window)
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


def test_a_real_window_under_xvfb(tmp_path: Path) -> None:
    """The desk on a real X server (Xvfb, the xcb platform), not only offscreen."""
    xvfb_run = shutil.which("xvfb-run")
    if xvfb_run is None:
        if os.environ.get("CI"):
            pytest.fail("xvfb-run is missing under CI (.ci/run installs xvfb)")
        pytest.skip("xvfb-run not installed (apt-get install xvfb xauth)")
    out = tmp_path / "xcb.png"
    proc = subprocess.run(
        [xvfb_run, "-a", "-s", "-screen 0 1366x860x24", sys.executable, str(REPO / "app.py"),
         "--demo", "--screenshot", str(out)],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "QT_QPA_PLATFORM": "xcb"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_display_is_one_sentence_not_an_abort() -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, str(REPO / "app.py")], capture_output=True, text=True, timeout=120,
        env=env,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("app.py: no display found")
