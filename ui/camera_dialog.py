"""The camera dialog (摄像头设置): the cameras found, which one to use, and the settings the running
camera actually accepted, read back, refreshed while the dialog is open.

Thin: everything shown comes from a :class:`scanners.cameras.CameraReport` (plain values, no
Qt) that ``report()`` returns; the cameras are probed with ``scanners.cameras.list_cameras`` on a
worker thread (opening devices blocks). Picking one emits ``cameraChosen(index)``; the window
restarts the camera with it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scanners.cameras import CameraInfo, CameraReport, SourceKind, list_cameras
from scanners.exposure import CameraControls, LoopPhase, LoopState

if TYPE_CHECKING:
    from ui.main_window import MainWindow

log = logging.getLogger("checkpoint.desk")
REFRESH_MS = 500


class CameraDialog(QDialog):
    """Shows ``report()`` every half second; lists cameras found by ``lister`` (in the
    background); ``cameraChosen(int)`` when the inspector picks one."""

    cameraChosen = Signal(int)
    _found = Signal(object)

    def __init__(self, report: Callable[[], CameraReport], *,
                 lister: Callable[[frozenset[int]], list[CameraInfo]] | None = None,
                 can_choose: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("摄像头设置"))
        self.setObjectName("cameraDialog")
        self.setMinimumWidth(560)
        self.report = report
        self.lister = lister or (lambda skip: list_cameras(skip=skip))
        self.can_choose = can_choose
        self._pool: ThreadPoolExecutor | None = None
        self._found.connect(self._listed, Qt.ConnectionType.QueuedConnection)
        self.shown: CameraReport | None = None
        self.cameras: list[CameraInfo] = []

        layout = QVBoxLayout(self)
        self.state_label = QLabel()
        self.state_label.setObjectName("cameraState")
        font = self.state_label.font()
        font.setBold(True)
        font.setPointSize(font.pointSize() + 2)
        self.state_label.setFont(font)
        layout.addWidget(self.state_label)

        accepted = QGroupBox(self.tr("摄像头实际接受的设置(读回)"))
        form = QFormLayout(accepted)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for key, label in (
            ("mode", self.tr("分辨率")),
            ("fps", self.tr("帧率")),
            ("fourcc", self.tr("像素格式")),
            ("exposure_mode", self.tr("曝光模式")),
            ("exposure", self.tr("曝光值")),
            ("gain", self.tr("增益")),
            ("focus", self.tr("对焦")),
            ("loop", self.tr("曝光调节")),
        ):
            value = QLabel()
            value.setObjectName(f"camera_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            value.setMinimumWidth(400)  # a wrapping label otherwise asks for too little
            self.values[key] = value
            form.addRow(label, value)
        layout.addWidget(accepted)

        found = QGroupBox(self.tr("找到的摄像头"))
        fl = QVBoxLayout(found)
        self.camera_list = QListWidget()
        self.camera_list.setMinimumHeight(90)
        self.camera_list.currentRowChanged.connect(lambda _row: self._buttons())
        fl.addWidget(self.camera_list)
        self.list_note = QLabel()
        self.list_note.setWordWrap(True)
        fl.addWidget(self.list_note)
        row = QHBoxLayout()
        self.rescan_button = QPushButton(self.tr("重新查找"))
        self.rescan_button.clicked.connect(self.rescan)
        self.use_button = QPushButton(self.tr("使用所选摄像头"))
        self.use_button.clicked.connect(self.use_selected)
        row.addWidget(self.rescan_button)
        row.addStretch(1)
        row.addWidget(self.use_button)
        fl.addLayout(row)
        layout.addWidget(found)

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refresh()
        self.rescan()

    def showEvent(self, event: QShowEvent) -> None:
        """Refreshed while open."""
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()
        pool, self._pool = self._pool, None
        if pool is not None:  # a probe under way finishes on its own (seconds at most)
            pool.shutdown(wait=False)

    # -- the running camera ---------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the report again and show it."""
        r = self.report()
        self.shown = r
        self.state_label.setText(self.state_text(r))
        self.state_label.setStyleSheet(f"color: {'#2e7d32' if r.connected else '#c62828'};")
        dash = "—"
        v = self.values
        v["mode"].setText(f"{r.width}×{r.height}" if r.width and r.height else dash)
        if r.connected and r.fps:
            v["fps"].setText(self.tr("{0:.0f} fps(实测 {1:.1f} fps)").format(r.fps, r.capture_fps))
        elif r.connected:
            v["fps"].setText(self.tr("实测 {0:.1f} fps").format(r.capture_fps))
        else:
            v["fps"].setText(dash)
        v["fourcc"].setText(r.fourcc or dash)
        c = r.controls
        v["exposure_mode"].setText(self.exposure_mode_text(r))
        v["exposure"].setText(self.exposure_text(c) if c is not None else dash)
        v["gain"].setText(f"{c.gain:g}" if c is not None and c.gain is not None
                          else self._not_offered(c))
        v["focus"].setText(self.focus_text(c))
        v["loop"].setText(self.loop_text(r.loop, c))
        self._buttons()

    def state_text(self, r: CameraReport) -> str:
        if r.kind is SourceKind.NONE or not r.connected:
            return self.tr("未连接摄像头")
        if r.kind is SourceKind.USB:
            return self.tr("USB 摄像头 {0}").format(r.index) + f" — {r.name}"
        if r.kind is SourceKind.DEMO:
            return self.tr("演示摄像头(DEMO)")
        if r.kind is SourceKind.TEST:
            return self.tr("曝光测试摄像头")
        return self.tr("视频来源: ") + r.name

    def exposure_mode_text(self, r: CameraReport) -> str:
        c = r.controls
        if not r.connected:
            return "—"
        if c is None:
            return self.tr("不可调(此来源不受查验台控制)")
        if not c.manual_exposure:
            return self.tr("摄像头不接受手动曝光,保持自动曝光(照常扫码)")
        if c.auto_exposure:
            return self.tr("自动")
        return self.tr("手动,第 {0:+d} 档").format(c.step or 0)

    def exposure_text(self, c: CameraControls) -> str:
        if c.exposure is None:
            return self._not_offered(c)
        ms = c.exposure_ms()
        if ms is None:
            return f"{c.exposure:g}"
        return self.tr("{0:g}({1:.1f} 毫秒)").format(c.exposure, ms)

    def focus_text(self, c: CameraControls | None) -> str:
        if c is None:
            return "—"
        if c.autofocus:
            return self.tr("自动对焦")
        if c.focus is not None:
            return f"{c.focus:g}"
        return self._not_offered(c)

    def loop_text(self, loop: LoopState | None, c: CameraControls | None) -> str:
        if c is None:
            return "—"
        if not c.manual_exposure or loop is None:
            return self.tr("不调节(摄像头自动曝光)")
        if loop.phase is LoopPhase.STEPPING:
            text = self.tr("正在试第 {0:+d} 档,还剩 {1} 档").format(loop.step or 0,
                                                                   loop.steps_left)
        elif loop.phase is LoopPhase.WATCHING:
            text = self.tr("看到未读出的码,准备调节")
        else:
            text = self.tr("待机(自动曝光)")
        if loop.last_good is not None:
            text += self.tr(";上次读出: 第 {0:+d} 档").format(loop.last_good)
        if loop.refocuses:
            text += self.tr(";已重新对焦 {0} 次").format(loop.refocuses)
        return text

    def _not_offered(self, c: CameraControls | None) -> str:
        return "—" if c is None else self.tr("不支持")

    # -- the cameras found ----------------------------------------------------------------------

    def rescan(self) -> None:
        """Probe the cameras again, in the background (the one in use is not reopened)."""
        shown = self.shown
        skip = frozenset({shown.index}) if shown is not None and shown.index is not None else (
            frozenset())
        self.rescan_button.setEnabled(False)
        self.list_note.setText(self.tr("正在查找摄像头…"))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camera-probe")
        self._pool.submit(self._probe, skip)

    def _probe(self, skip: frozenset[int]) -> None:
        """On the probe thread: opening devices blocks."""
        try:
            found = self.lister(skip)
        except Exception:  # a driver's quirk: say nothing was found rather than fail
            log.exception("probing the cameras failed")
            found = []
        with contextlib.suppress(RuntimeError):  # the dialog was deleted meanwhile
            self._found.emit(found)  # queued to the GUI thread

    def _listed(self, cameras: list[CameraInfo]) -> None:
        self.cameras = sorted(cameras, key=lambda c: c.index)
        self.rescan_button.setEnabled(True)
        self.camera_list.clear()
        shown = self.shown
        if shown is not None and shown.kind is SourceKind.USB and shown.index is not None:
            item = QListWidgetItem(self.tr("摄像头 {0}(正在使用)").format(shown.index))
            item.setData(Qt.ItemDataRole.UserRole, shown.index)
            self.camera_list.addItem(item)
        for cam in self.cameras:
            sizes = ", ".join(f"{w}×{h}" for w, h in cam.resolutions) or (
                f"{cam.width}×{cam.height}")
            item = QListWidgetItem(self.tr("摄像头 {0}").format(cam.index)
                                   + f" ({cam.backend}, {cam.fourcc or '?'}): {sizes}")
            item.setData(Qt.ItemDataRole.UserRole, cam.index)
            self.camera_list.addItem(item)
        if self.camera_list.count() == 0:
            self.list_note.setText(self.tr("未找到其他摄像头"))
        elif not self.can_choose:
            self.list_note.setText(self.tr("演示模式使用演示摄像头"))
        else:
            self.list_note.setText("")
        self._buttons()

    def _buttons(self) -> None:
        item = self.camera_list.currentItem()
        self.use_button.setEnabled(self.can_choose and item is not None)

    def use_selected(self) -> None:
        item = self.camera_list.currentItem()
        if item is not None and self.can_choose:
            self.cameraChosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))


def open_for_window(window: MainWindow) -> CameraDialog:
    """Show the camera dialog for the main window's running camera (one at a time)."""
    from scanners.cameras import camera_report

    dialog = getattr(window, "camera_dialog", None)
    if isinstance(dialog, CameraDialog) and dialog.isVisible():
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def report() -> CameraReport:
        bridge = window.bridge
        return camera_report(getattr(bridge, "pipeline", None))

    dialog = CameraDialog(report, can_choose=not window.demo, parent=window)
    dialog.cameraChosen.connect(window.switch_camera)
    dialog.setModal(False)
    dialog.show()
    return dialog
