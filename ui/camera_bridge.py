"""Thin Qt adapter over ``scanners.ScanPipeline``: plain callbacks in, Qt signals out.

The pipeline calls back on its own threads. This bridge never touches a widget from there: the
callbacks only emit private signals, which Qt queues to the bridge's (GUI) thread, where the
public signals are emitted. The preview is pulled, not pushed: a timer on the GUI thread takes
the newest frame at display rate and converts it to a QImage by copying, so a slow repaint
never backs frames up; the copies go into one reused image (``PreviewImages``).

Decoding runs in the desk's process by default, with the interpreter's switch interval at
0.2 ms while the camera runs (``DESK_SWITCH_INTERVAL_S``), so the decode thread gets the lock
back within a fifth of a millisecond after each OpenCV call instead of five;
``CHECKPOINT_DECODE_WORKER=1`` decodes in a worker process instead (``isolate_decode``; on the
2-core lane machine it costs more CPU and ~37 MiB: docs/scanning.md). Where a code is seen but not
read, the aiming aid is drawn onto the preview image here: a box around the region and the hint
for the driver (调暗手机亮度 / 倾斜手机 / 靠近一点), so any widget showing the frame shows the aid.
"""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPolygonF

from scanners import (
    AimHint,
    CameraControls,
    CodesDecoded,
    DecodedCode,
    FrameReady,
    ScanPipeline,
    SourceBack,
    SourceEnded,
    SourceLost,
    SourceOpened,
    StatusEvent,
    UnreadRegion,
)
from scanners.pipeline import LIVE_SWITCH_INTERVAL_S

AIM_COLOUR = QColor("#ffb300")  # amber: seen, not yet read (read codes are outlined in green)
# The desk process's switch interval while the camera runs (Python's default is 5 ms).
DESK_SWITCH_INTERVAL_S = LIVE_SWITCH_INTERVAL_S


def _qimage_format(frame: np.ndarray) -> QImage.Format:
    if frame.ndim == 2:
        return QImage.Format.Format_Grayscale8
    if frame.ndim == 3 and frame.shape[2] == 3:
        return QImage.Format.Format_BGR888
    raise ValueError(f"cannot show a frame of shape {frame.shape}")


def frame_to_qimage(frame: np.ndarray) -> QImage:
    """A QImage that owns a copy of a BGR (or grey) uint8 frame."""
    frame = np.ascontiguousarray(frame)
    height, width = frame.shape[:2]
    view = QImage(frame.data, width, height, frame.strides[0], _qimage_format(frame))
    return view.copy()  # the view borrows numpy's memory; the copy owns its pixels


class PreviewImages:
    """The one QImage the preview's frames are copied into, so that showing 15–30 frames a
    second does not allocate a 2.7 MB image for each (glibc maps and unmaps blocks that large:
    issue 14's memory and CPU).

    The preview keeps only a copy scaled to its size (``CameraView.set_frame``), so the image is
    free again when the next frame comes. If something still holds it (a test keeping every
    frame), Qt copies it before the write, as QImage's implicit sharing does: what a receiver
    holds is never written to.
    """

    def __init__(self) -> None:
        self._image: QImage | None = None

    def fill(self, frame: np.ndarray) -> QImage:
        """The image, now holding a copy of ``frame`` (BGR or grey uint8)."""
        fmt = _qimage_format(frame)
        height, width = frame.shape[:2]
        image = self._image
        if image is None or (image.width(), image.height(), image.format()) != (width, height,
                                                                                  fmt):
            image = self._image = QImage(width, height, fmt)
        row = width * (1 if frame.ndim == 2 else frame.shape[2])
        pixels = np.frombuffer(image.bits(), np.uint8)  # bits(): Qt detaches if shared
        target = pixels.reshape(height, image.bytesPerLine())[:, :row]
        np.copyto(target, frame.reshape(height, row))
        return image


class CameraBridge(QObject):
    """Owns a ScanPipeline for the GUI and re-emits its events as Qt signals on the GUI thread.

    Signals: ``frameReady(QImage, list[DecodedCode])`` at most ``preview_fps`` times a second,
    ``codesDecoded(CodesDecoded)``, ``sourceLost(str)``, ``sourceBack(str)`` (a description of
    what the source delivers), ``sourceEnded(str)``.
    """

    frameReady = Signal(QImage, list)
    codesDecoded = Signal(object)
    sourceLost = Signal(str)
    sourceBack = Signal(str)
    # the same moment as ``sourceBack``, with the SourceInfo itself (for a translated label)
    sourceOpened = Signal(object)
    sourceEnded = Signal(str)

    _codesFromWorker = Signal(object)
    _statusFromWorker = Signal(object)

    def __init__(self, pipeline_factory: type[ScanPipeline] = ScanPipeline, *,
                 preview_fps: float = 30.0, parent: QObject | None = None,
                 **pipeline_kwargs: object) -> None:
        super().__init__(parent)
        self._factory = pipeline_factory
        # In this process unless told otherwise: CHECKPOINT_DECODE_WORKER=1 decodes in a worker
        # process (it falls back to this process by itself when the worker cannot run).
        pipeline_kwargs.setdefault("isolate_decode",
                                   os.environ.get("CHECKPOINT_DECODE_WORKER", "0") == "1")
        pipeline_kwargs.setdefault("switch_interval_s", DESK_SWITCH_INTERVAL_S)
        self._kwargs = pipeline_kwargs
        self._pipeline: ScanPipeline | None = None
        self._last_seq = 0
        self._images = PreviewImages()
        self._timer = QTimer(self)
        self._timer.setInterval(max(int(1000 / preview_fps), 1))
        self._timer.timeout.connect(self._pull_frame)
        # Queued: the slot runs on this object's (GUI) thread whatever thread emitted.
        self._codesFromWorker.connect(self._deliver_codes, Qt.ConnectionType.QueuedConnection)
        self._statusFromWorker.connect(self._deliver_status, Qt.ConnectionType.QueuedConnection)

    @property
    def pipeline(self) -> ScanPipeline | None:
        """The running pipeline (for stats), or None."""
        return self._pipeline

    def start(self, source: object) -> None:
        """Start scanning ``source`` (a scanners FrameSource); stops a previous one first."""
        self.stop()
        self._last_seq = 0
        self._pipeline = self._factory(
            source,  # type: ignore[arg-type]
            on_codes=self._codesFromWorker.emit,
            on_status=self._statusFromWorker.emit,
            **self._kwargs,  # type: ignore[arg-type]
        )
        self._pipeline.start()
        self._timer.start()

    def stop(self) -> None:
        """Stop the preview timer and the pipeline (joins its threads). Idempotent."""
        self._timer.stop()
        pipeline, self._pipeline = self._pipeline, None
        if pipeline is not None:
            pipeline.stop()

    def camera_controls(self) -> CameraControls | None:
        """Exposure, gain and focus as the camera accepted them (for the camera dialog)."""
        return self._pipeline.camera_controls() if self._pipeline is not None else None

    def hint_text(self, hint: AimHint) -> str:
        """The driver's hint, in the desk's language."""
        if hint is AimHint.DIM_SCREEN:
            return self.tr("调暗手机亮度")
        if hint is AimHint.TILT_PHONE:
            return self.tr("倾斜手机")
        return self.tr("靠近一点")

    def draw_aiming_aid(self, image: QImage, regions: tuple[UnreadRegion, ...]) -> None:
        """Box each region seen but not read and write its hint above it, onto ``image``."""
        if not regions:
            return
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            width = max(image.width() // 320, 2)
            font = QFont(painter.font())
            font.setPixelSize(max(image.height() // 24, 14))
            font.setBold(True)
            painter.setFont(font)
            for region in regions:
                painter.setPen(QPen(AIM_COLOUR, width, Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in region.points]))
                text = self.hint_text(region.hint)
                box = painter.fontMetrics().boundingRect(text).adjusted(-8, -4, 8, 4)
                left = min(p[0] for p in region.points)
                top = min(p[1] for p in region.points)
                y = top - box.height() - width if top - box.height() - width >= 0 else top + width
                label = QRectF(max(left, 0.0), y, box.width(), box.height())
                painter.fillRect(label, QColor(0, 0, 0, 170))
                painter.setPen(AIM_COLOUR)
                painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        finally:
            painter.end()

    def reset_dedupe(self) -> None:
        """Next vehicle: report every payload again even if it was just seen."""
        if self._pipeline is not None:
            self._pipeline.reset_dedupe()

    @Slot()
    def _pull_frame(self) -> None:
        pipeline = self._pipeline
        if pipeline is None:
            return
        # the pipeline's own frame, not a copy: the QImage below is the one copy
        ready: FrameReady | None = pipeline.latest_frame(after_seq=self._last_seq, copy=False)
        if ready is None:
            return
        self._last_seq = ready.seq
        outlines: list[DecodedCode] = list(ready.outlines)
        image = self._images.fill(ready.frame)
        self.draw_aiming_aid(image, ready.unread)
        self.frameReady.emit(image, outlines)

    @Slot(object)
    def _deliver_codes(self, event: CodesDecoded) -> None:
        self.codesDecoded.emit(event)

    @Slot(object)
    def _deliver_status(self, event: StatusEvent) -> None:
        if isinstance(event, SourceLost):
            self.sourceLost.emit(event.reason)
        elif isinstance(event, SourceOpened | SourceBack):
            self.sourceBack.emit(event.info.describe())
            self.sourceOpened.emit(event.info)
        elif isinstance(event, SourceEnded):
            self.sourceEnded.emit(event.name)
