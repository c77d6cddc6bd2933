"""The camera dialog (摄像头设置) against real pipelines: the demo camera, the fake camera that
obeys exposure (the loop steps it and the dialog shows the step the camera accepted), one that
refuses manual exposure, no camera at all; picking a camera; opening it from the main window."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from checkpoint.cli.common import open_db
from checkpoint.config import load_settings
from scanners import ExposureSimSource, ScanPipeline, SyntheticSource
from scanners.cameras import CameraInfo, CameraReport, SourceKind, camera_report
from scanners.exposure import LoopPhase
from ui.camera_dialog import CameraDialog

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
TIMEOUT_MS = 20_000


@pytest.fixture
def running() -> Iterator[list[ScanPipeline]]:
    started: list[ScanPipeline] = []
    yield started
    for pipeline in started:
        pipeline.stop()


def start(running: list[ScanPipeline], source: object) -> ScanPipeline:
    pipeline = ScanPipeline(source, dedupe_seconds=0.0)  # type: ignore[arg-type]
    pipeline.start()
    running.append(pipeline)
    return pipeline


def dialog_for(qtbot: QtBot, pipeline: ScanPipeline | None, **kw: object) -> CameraDialog:
    kw.setdefault("lister", lambda skip: [])
    dialog = CameraDialog(lambda: camera_report(pipeline), **kw)  # type: ignore[arg-type]
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def shows(dialog: CameraDialog, key: str) -> str:
    return dialog.values[key].text()


def test_the_demo_camera_shows_its_mode_and_that_the_desk_does_not_steer_it(
        qtbot: QtBot, running: list[ScanPipeline]) -> None:
    pipeline = start(running, SyntheticSource(["CKP1:DEMO-" + B45[:20]], fps=15.0))
    dialog = dialog_for(qtbot, pipeline)
    qtbot.waitUntil(lambda: dialog.state_label.text() == "演示摄像头(DEMO)", timeout=TIMEOUT_MS)
    assert shows(dialog, "mode") == "1280×720"
    assert shows(dialog, "fps").startswith("15 fps")
    assert "不可调" in shows(dialog, "exposure_mode")
    assert shows(dialog, "loop") == "—" and shows(dialog, "exposure") == "—"
    dialog.close()


def test_the_fake_exposure_camera_shows_the_step_the_loop_set_and_the_camera_accepted(
        qtbot: QtBot, running: list[ScanPipeline]) -> None:
    # a floodlit screen: unread on automatic exposure, so the loop steps darker
    camera = ExposureSimSource("CKP1:DIALOG-" + B45[:30], scene="glare", seed=0, fps=15.0)
    pipeline = start(running, camera)
    dialog = dialog_for(qtbot, pipeline)
    qtbot.waitUntil(lambda: dialog.state_label.text() == "曝光测试摄像头", timeout=TIMEOUT_MS)
    # refreshed while open: from automatic to the manual step the camera took
    qtbot.waitUntil(lambda: shows(dialog, "exposure_mode").startswith("手动"),
                    timeout=TIMEOUT_MS)
    shown = dialog.shown
    assert shown is not None and shown.controls is not None
    assert shown.controls.step is not None and shown.controls.step < 0
    assert shows(dialog, "exposure_mode") in {f"手动,第 {s:+d} 档" for s in range(-4, 0)}
    assert shows(dialog, "gain") == "0" and shows(dialog, "focus") == "自动对焦"
    assert shows(dialog, "exposure") in {f"{s:g}" for s in range(-4, 0)}
    # and what the loop is doing: trying a step, or back on automatic after a read
    qtbot.waitUntil(lambda: "上次读出" in shows(dialog, "loop")
                    or "正在试第" in shows(dialog, "loop"), timeout=TIMEOUT_MS)
    loop = dialog.shown.loop if dialog.shown else None
    assert loop is not None and loop.phase in (LoopPhase.STEPPING, LoopPhase.AUTOMATIC,
                                               LoopPhase.WATCHING)
    dialog.close()


def test_a_camera_refusing_manual_exposure_says_so_and_keeps_scanning(
        qtbot: QtBot, running: list[ScanPipeline]) -> None:
    camera = ExposureSimSource("CKP1:REFUSE-" + B45[:30], scene="glare", seed=1, fps=15.0,
                               refuse_manual=True)
    pipeline = start(running, camera)
    dialog = dialog_for(qtbot, pipeline)
    qtbot.waitUntil(lambda: "不接受手动曝光" in shows(dialog, "exposure_mode"),
                    timeout=TIMEOUT_MS)
    assert shows(dialog, "loop") == "不调节(摄像头自动曝光)"
    decoded = pipeline.stats().frames_decoded
    qtbot.waitUntil(lambda: pipeline.stats().frames_decoded > decoded + 3, timeout=TIMEOUT_MS)
    assert set(camera.steps_seen) == {None}  # it stayed on automatic and went on delivering
    dialog.close()


def test_no_camera_says_so(qtbot: QtBot, running: list[ScanPipeline]) -> None:
    dialog = dialog_for(qtbot, None)
    assert dialog.state_label.text() == "未连接摄像头"
    assert all(shows(dialog, key) == "—" for key in ("mode", "fps", "exposure_mode", "loop"))
    dialog.close()
    from ui.scenarios import NoCamera

    failing = start(running, NoCamera())
    dialog = dialog_for(qtbot, failing)
    qtbot.waitUntil(lambda: failing.stats().reconnect_attempts > 0, timeout=TIMEOUT_MS)
    dialog.refresh()
    assert dialog.state_label.text() == "未连接摄像头"
    dialog.close()


def test_the_real_camera_probe_runs_in_the_background_and_lists_what_it_finds(
        qtbot: QtBot) -> None:
    dialog = CameraDialog(lambda: CameraReport(kind=SourceKind.NONE, connected=False))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.rescan_button.isEnabled(), timeout=TIMEOUT_MS)
    if not any(Path(f"/dev/video{i}").exists() for i in range(8)):
        assert dialog.camera_list.count() == 0
        assert dialog.list_note.text() == "未找到其他摄像头"
    assert dialog.camera_list.count() == len(dialog.cameras)
    dialog.close()


def test_picking_a_camera_asks_for_it_and_demo_mode_does_not_offer_it(qtbot: QtBot) -> None:
    found = [CameraInfo(index=2, backend="V4L2", width=640, height=480, fourcc="YUYV",
                        resolutions=[(640, 480), (1280, 720)])]
    dialog = CameraDialog(lambda: CameraReport(kind=SourceKind.NONE, connected=False),
                          lister=lambda skip: found)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.camera_list.count() == 1, timeout=TIMEOUT_MS)
    assert "摄像头 2" in dialog.camera_list.item(0).text()
    assert "1280×720" in dialog.camera_list.item(0).text()
    dialog.camera_list.setCurrentRow(-1)
    assert not dialog.use_button.isEnabled()  # nothing selected
    dialog.camera_list.setCurrentRow(0)
    with qtbot.waitSignal(dialog.cameraChosen, timeout=TIMEOUT_MS) as chosen:
        qtbot.mouseClick(dialog.use_button, Qt.MouseButton.LeftButton)
    assert chosen.args == [2]
    dialog.close()
    demo = CameraDialog(lambda: CameraReport(kind=SourceKind.DEMO, connected=True),
                        lister=lambda skip: found, can_choose=False)
    qtbot.addWidget(demo)
    demo.show()
    qtbot.waitUntil(lambda: demo.camera_list.count() == 1, timeout=TIMEOUT_MS)
    demo.camera_list.setCurrentRow(0)
    assert not demo.use_button.isEnabled()
    assert demo.list_note.text() == "演示模式使用演示摄像头"
    demo.close()


def test_the_main_window_opens_it_from_the_menu_shortcut_and_the_header(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui.main_window import MainWindow

    monkeypatch.setenv("CHECKPOINT_DECODE_WORKER", "0")
    settings = load_settings(demo=True)
    db = open_db(settings)
    try:
        w = MainWindow(db, settings, demo=True, camera=True, muted=True, dark=False)
        qtbot.addWidget(w)
        w.show()
        w.demo_sign_in()
        qtbot.waitUntil(lambda: w.controller is not None and w.bridge is not None,
                        timeout=TIMEOUT_MS)
        assert 'href="camera"' in w.camera_label.text()
        w.camera_action.trigger()
        dialog = w.camera_dialog
        assert isinstance(dialog, CameraDialog) and dialog.isVisible()
        qtbot.waitUntil(lambda: dialog.state_label.text() == "演示摄像头(DEMO)",
                        timeout=TIMEOUT_MS)
        assert w.camera_action.shortcut().toString() == "Ctrl+K"
        w.camera_label.linkActivated.emit("camera")  # the header's camera state, clicked
        assert w.camera_dialog is dialog  # one dialog, raised again
        dialog.close()
        w.shutdown()
    finally:
        db.dispose()


def test_the_camera_dialog_scenario_is_a_png_of_exactly_the_size(tmp_path: Path) -> None:
    import struct
    import subprocess
    import sys

    out = tmp_path / "camera_dialog.png"
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve().parents[1] / "app.py"), "--demo",
         "--size", "1280x720", "--scenario", "camera-dialog", "--screenshot", str(out),
         "--lang", "en"],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 720)
