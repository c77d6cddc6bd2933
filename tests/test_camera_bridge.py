"""The Qt adapter: signals arrive on the GUI thread, frames are copied, nothing is left running."""

from __future__ import annotations

import os
import sys

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
from ui.camera_bridge import DESK_SWITCH_INTERVAL_S, CameraBridge, PreviewImages, frame_to_qimage


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


def _address(image: QImage) -> int:
    return int(np.frombuffer(image.constBits(), np.uint8).ctypes.data)


def test_the_preview_reuses_one_image_and_never_writes_to_one_still_held(qtbot: object) -> None:
    images = PreviewImages()
    frame = np.zeros((72, 128, 3), np.uint8)
    first = images.fill(frame)
    where = _address(first)
    del first
    for value in (10, 20, 30):  # nobody holds on: the same pixels are written again
        frame[:] = value
        image = images.fill(frame)
        assert _address(image) == where and image.pixelColor(5, 5).red() == value
        del image
    frame[:] = 40
    held = QImage(images.fill(frame))  # a receiver keeps this frame
    frame[:] = 50
    after = images.fill(frame)
    assert held.pixelColor(5, 5).red() == 40  # what it holds was not written to
    assert after.pixelColor(5, 5).red() == 50
    grey = images.fill(np.full((8, 8), 77, np.uint8))  # a grey camera: its own format
    assert grey.format() == QImage.Format.Format_Grayscale8 and grey.pixelColor(1, 1).red() == 77


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


def _amber_columns(image: QImage) -> np.ndarray:
    """x of every amber pixel (the aiming aid's colour) in an image."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine())[:, :image.width() * 3].reshape(
        image.height(), image.width(), 3)
    amber = ((rgb[:, :, 0] > 200) & (rgb[:, :, 1] > 120) & (rgb[:, :, 1] < 220)
             & (rgb[:, :, 2] < 90))
    return np.nonzero(amber)[1]


def test_the_aiming_aid_is_drawn_where_a_code_is_seen_but_not_read(
    qtbot: object, bridge: CameraBridge
) -> None:
    from scanners import ExposureSimSource

    camera = ExposureSimSource("CKP1:HINT-0123456789ABCDEFGHIJKLMNOPQRST", scene="glare",
                               seed=0, refuse_manual=True)  # stays blown out: never reads
    frames: list[QImage] = []
    bridge.frameReady.connect(lambda img, outl: frames.append(img))
    bridge.start(camera)
    pipeline = bridge.pipeline
    assert pipeline is not None
    regions = []

    def boxed() -> bool:
        ready = pipeline.latest_frame()
        if ready is not None and ready.unread:
            regions.append(ready.unread[0])
        return bool(regions) and any(len(_amber_columns(f)) > 200 for f in frames[-5:])

    qtbot.waitUntil(boxed, timeout=30000)  # type: ignore[attr-defined]
    controls = bridge.camera_controls()
    bridge.stop()
    assert controls is not None and not controls.manual_exposure
    # the raw camera frame has no amber: the dashed box and the hint's letters were drawn
    assert len(_amber_columns(frame_to_qimage(camera.frame_at(None, 0)))) == 0
    xs = max((_amber_columns(f) for f in frames[-5:]), key=len)
    region = regions[-1]
    # ... around the region that was not read (the phone sways a little between frames)
    left, right = min(p[0] for p in region.points), max(p[0] for p in region.points)
    assert abs(int(np.percentile(xs, 2)) - left) < 40
    assert abs(int(np.percentile(xs, 98)) - right) < 60
    assert bridge.hint_text(region.hint) in ("调暗手机亮度", "倾斜手机")


def test_the_bridge_decodes_in_process_by_default_with_a_short_switch_interval(
    qtbot: object, bridge: CameraBridge
) -> None:
    before = sys.getswitchinterval()
    bridge.start(SyntheticSource(["在进程内"], seed=11))
    pipeline = bridge.pipeline
    assert pipeline is not None
    assert sys.getswitchinterval() == pytest.approx(DESK_SWITCH_INTERVAL_S)
    codes: list[CodesDecoded] = []
    bridge.codesDecoded.connect(codes.append)
    qtbot.waitUntil(lambda: bool(codes), timeout=10000)  # type: ignore[attr-defined]
    assert pipeline.stats().decode_where == "in process"
    bridge.stop()
    assert sys.getswitchinterval() == before
    assert codes[-1].codes[0].text == "在进程内"


def test_the_bridge_decodes_off_the_gui_process_when_asked(
    qtbot: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHECKPOINT_DECODE_WORKER", "1")
    bridge = CameraBridge(dedupe_seconds=0.0)
    try:
        bridge.start(SyntheticSource(["WORKER 子进程"], seed=10))
        pipeline = bridge.pipeline
        assert pipeline is not None
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: pipeline.stats().decode_where == "worker process", timeout=60000)
        codes: list[CodesDecoded] = []
        bridge.reset_dedupe()
        bridge.codesDecoded.connect(codes.append)
        qtbot.waitUntil(lambda: bool(codes), timeout=10000)  # type: ignore[attr-defined]
    finally:
        bridge.stop()
        bridge.deleteLater()
    assert codes[-1].codes[0].text == "WORKER 子进程"
