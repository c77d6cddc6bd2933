"""Which cameras are attached and which resolutions they accept (for ``checkpoint cameras``)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2

from scanners.sources import default_camera_api, fourcc_text

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
                 api: int | None = None) -> list[CameraInfo]:
    """Probe camera indices 0..max_index-1; for each camera try MJPG at each resolution.

    A resolution counts as accepted when a frame of exactly that size comes back.
    """
    api = default_camera_api() if api is None else api
    found = []
    with _quiet_opencv():
        for index in range(max_index):
            if not _index_may_exist(index):
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
