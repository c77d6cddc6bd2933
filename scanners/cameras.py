"""Which cameras are attached and which resolutions they accept (for ``checkpoint cameras``),
and what the running camera accepted, as plain values for the camera dialog (摄像头设置).
"""

from __future__ import annotations

import contextlib
import enum
import sys
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from scanners.exposure import CameraControls, LoopState
from scanners.pipeline import ScanPipeline
from scanners.sources import (
    CameraSource,
    ExposureSimSource,
    SyntheticSource,
    default_camera_api,
    fourcc_text,
)

COMMON_RESOLUTIONS: tuple[tuple[int, int], ...] = (
    (640, 480), (800, 600), (1280, 720), (1920, 1080),
)


@dataclass(frozen=True, slots=True)
class CameraInfo:
    """One camera: its index, the OpenCV backend, its default mode and the sizes it accepted."""

    index: int
    backend: str
    width: int
    height: int
    fourcc: str | None
    resolutions: list[tuple[int, int]] = field(default_factory=list)


@contextlib.contextmanager
def _quiet_opencv() -> Iterator[None]:
    """Probing absent indices makes OpenCV log warnings; they mean nothing to the person."""
    logging = cv2.utils.logging
    previous = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    try:
        yield
    finally:
        logging.setLogLevel(previous)


def _index_may_exist(index: int) -> bool:
    if sys.platform.startswith("linux"):
        return Path(f"/dev/video{index}").exists()
    return True


def list_cameras(max_index: int = 8, resolutions: Sequence[tuple[int, int]] = COMMON_RESOLUTIONS,
                 api: int | None = None, skip: Collection[int] = ()) -> list[CameraInfo]:
    """Probe camera indices 0..max_index-1; for each camera try MJPG at each resolution.

    A resolution counts as accepted when a frame of exactly that size comes back. Indices in
    ``skip`` (the camera the desk has open: opening it twice fails on DirectShow and would
    disturb its stream) are not probed.
    """
    api = default_camera_api() if api is None else api
    found = []
    with _quiet_opencv():
        for index in range(max_index):
            if index in skip or not _index_may_exist(index):
                continue
            cap = cv2.VideoCapture(index, api)
            try:
                if not cap.isOpened():
                    continue
                ok, frame = cap.read()
                if not ok or frame is None:
                    continue
                height, width = frame.shape[:2]
                fourcc = fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))
                accepted = []
                for w, h in resolutions:
                    cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
                    cap.set(cv2.CAP_PROP_FRAME_WIDTH, w)
                    cap.set(cv2.CAP_PROP_FRAME_HEIGHT, h)
                    ok, frame = cap.read()
                    if ok and frame is not None and frame.shape[1] == w and frame.shape[0] == h:
                        accepted.append((w, h))
                found.append(CameraInfo(index=index, backend=cap.getBackendName(), width=width,
                                        height=height, fourcc=fourcc, resolutions=accepted))
            finally:
                cap.release()
    return found


class SourceKind(enum.Enum):
    """What kind of frame source the desk is scanning (the dialog names it in its language)."""

    NONE = "none"  # no pipeline
    USB = "usb"  # a camera through OpenCV
    DEMO = "demo"  # the synthetic demo camera
    TEST = "test"  # the fake camera that obeys exposure
    OTHER = "other"  # a video file or an image folder


@dataclass(frozen=True, slots=True)
class CameraReport:
    """Everything the camera dialog shows, read from the running pipeline; no Qt.

    ``connected``: frames are coming. The mode (size, fps, FOURCC) is what the camera gave, not
    what was asked; ``controls`` what it accepted of exposure, gain and focus, read back (None: a
    source the desk does not control); ``loop`` what the exposure loop is doing now.
    """

    kind: SourceKind
    connected: bool
    name: str = ""
    index: int | None = None  # the USB camera's index
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    fourcc: str | None = None
    capture_fps: float = 0.0  # measured over the last seconds
    controls: CameraControls | None = None
    loop: LoopState | None = None
    reconnects: int = 0


def _kind(source: object) -> SourceKind:
    if isinstance(source, CameraSource):
        return SourceKind.USB
    if isinstance(source, SyntheticSource):
        return SourceKind.DEMO
    if isinstance(source, ExposureSimSource):
        return SourceKind.TEST
    return SourceKind.OTHER


def camera_report(pipeline: ScanPipeline | None) -> CameraReport:
    """The running camera as the dialog shows it (cheap: cached values, no driver call)."""
    if pipeline is None:
        return CameraReport(kind=SourceKind.NONE, connected=False)
    source = pipeline.source
    stats = pipeline.stats()
    info = stats.source_info
    connected = stats.running and stats.source_ok and info is not None
    return CameraReport(
        kind=_kind(source),
        connected=connected,
        name=info.name if info is not None else source.name,
        index=source.index if isinstance(source, CameraSource) else None,
        width=info.width if connected and info is not None else None,
        height=info.height if connected and info is not None else None,
        fps=info.fps if connected and info is not None else None,
        fourcc=info.fourcc if connected and info is not None else None,
        capture_fps=stats.capture_fps if connected else 0.0,
        controls=stats.camera if connected else None,
        loop=(pipeline.exposure.state()
              if connected and pipeline.exposure is not None and stats.camera is not None
              else None),
        reconnects=stats.reconnect_attempts,
    )
