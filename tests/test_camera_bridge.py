"""The Qt adapter: signals arrive on the GUI thread, frames are copied, nothing is left running."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QThread
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from scanners import CodesDecoded, ImageFolderSource, SyntheticSource
from scanners.synthetic import render_qr
from ui.camera_bridge import CameraBridge, frame_to_qimage


@pytest.fixture
def bridge(qtbot: object) -> Iterator[CameraBridge]:
    b = CameraBridge(dedupe_seconds=0.0, retry_initial_s=0.05, retry_max_s=0.1)
    yield b
    b.stop()
    b.deleteLater()


def test_frame_to_qimage_copies_the_pixels() -> None:
    frame = np.zeros((4, 6, 3), np.uint8)
    frame[:, :, 2] = 200  # red in BGR
    image = frame_to_qimage(frame)
    frame[:] = 0
    assert image.width() == 6 and image.height() == 4
    assert image.pixelColor(1, 1).red() == 200
    grey = frame_to_qimage(np.full((3, 3), 77, np.uint8))
    assert grey.pixelColor(0, 0).red() == 77


def test_codes_and_frames_arrive_as_signals_on_the_gui_thread(
    qtbot: object, bridge: CameraBridge
) -> None:
    gui = QApplication.instance().thread()  # type: ignore[union-attr]
    threads: list[bool] = []
    codes: list[CodesDecoded] = []
    frames: list[tuple[QImage, list[object]]] = []
    bridge.codesDecoded.connect(
        lambda e: (threads.append(QThread.currentThread() is gui), codes.append(e))
    )
    bridge.frameReady.connect(
        lambda img, outl: (
            threads.append(QThread.currentThread() is gui),
            frames.append((img, outl)),
        )
    )
    with qtbot.waitSignal(bridge.sourceBack, timeout=5000):  # type: ignore[attr-defined]
        bridge.start(SyntheticSource(["健康码 绿码"], seed=9))
    qtbot.waitUntil(lambda: bool(codes) and len(frames) >= 3, timeout=10000)  # type: ignore[attr-defined]
    bridge.stop()
    assert codes[0].codes[0].text == "健康码 绿码"
    assert all(threads)
    image = frames[-1][0]
    assert (image.width(), image.height()) == (1280, 720)
    assert bridge.pipeline is None


def test_source_lost_and_back_signals(qtbot: object, bridge: CameraBridge, tmp_path: Path) -> None:
    folder = tmp_path / "cam"
    folder.mkdir()
    canvas = np.full((300, 400, 3), 210, np.uint8)
    qr = render_qr("BACK", module_px=5)
    canvas[10 : 10 + qr.shape[0], 10 : 10 + qr.shape[1]] = qr[:, :, None]
    assert cv2.imwrite(str(folder / "1.png"), canvas)
    with qtbot.waitSignal(bridge.sourceBack, timeout=5000):  # type: ignore[attr-defined]
        bridge.start(ImageFolderSource(folder, fps=30))
    with qtbot.waitSignal(bridge.sourceLost, timeout=5000) as lost:  # type: ignore[attr-defined]
        folder.rename(tmp_path / "gone")
    assert "folder" in lost.args[0]
    with qtbot.waitSignal(bridge.sourceBack, timeout=5000):  # type: ignore[attr-defined]
        (tmp_path / "gone").rename(folder)
    bridge.stop()
    bridge.stop()
