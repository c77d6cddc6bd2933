"""Frame sources behind one interface: USB camera, video file, image folder, synthetic demo.

A source is opened, read frame by frame (``read`` blocks until the next frame is due) and closed.
It raises :class:`SourceError` when it fails (camera unplugged, folder gone); the pipeline then
reports the loss and reopens it with back-off. Finite sources raise :class:`EndOfStream`.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from scanners.codes import ImageReadError, ScanError
from scanners.decoders import read_image
from scanners.synthetic import FrameRenderer

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})


class SourceError(ScanError):
    """A frame source cannot be opened or stopped delivering frames."""


class EndOfStream(Exception):
    """A finite source (video file, image folder without looping) has delivered every frame."""


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """What an opened source delivers; for a camera, what it actually gave, not what we asked."""

    name: str
    width: int
    height: int
    fps: float | None = None
    fourcc: str | None = None
    detail: str = ""

    def describe(self) -> str:
        """One line for a status bar: ``USB camera 0: 1280×720 MJPG 30 fps``."""
        parts = [f"{self.name}: {self.width}×{self.height}"]
        if self.fourcc:
            parts.append(self.fourcc)
        if self.fps:
            parts.append(f"{self.fps:.0f} fps")
        text = " ".join(parts)
        return f"{text} ({self.detail})" if self.detail else text


@runtime_checkable
class FrameSource(Protocol):
    """Where frames come from. Used by one capture thread at a time."""

    @property
    def name(self) -> str:
        """Human-readable name (``USB camera 0``, a file name, ``demo``)."""
        ...

    def open(self) -> SourceInfo:
        """Start delivering; raises SourceError when impossible."""
        ...

    def read(self) -> np.ndarray:
        """The next BGR frame, blocking until it is due; SourceError, EndOfStream."""
        ...

    def close(self) -> None:
        """Release the device or file; safe to call twice or when not open."""
        ...


class _Pacer:
    """Sleeps so that successive ``wait`` calls return at a steady rate."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / fps if fps > 0 else 0.0
        self._next = 0.0

    def wait(self) -> None:
        if self.period <= 0:
            return
        now = time.monotonic()
        if self._next <= now - self.period:  # fell behind (or first frame): restart the clock
            self._next = now
        elif self._next > now:
            time.sleep(self._next - now)
        self._next += self.period


def fourcc_text(code: float) -> str | None:
    """A FOURCC as read back from OpenCV (``MJPG``, ``YUYV``), None when unknown."""
    value = int(code)
    if value <= 0:
        return None
    text = "".join(chr((value >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and text.strip() else None


def default_camera_api() -> int:
    """DirectShow on Windows (MSMF opens slowly and ignores MJPG there), V4L2 on Linux."""
    if sys.platform == "win32":
        return int(cv2.CAP_DSHOW)
    if sys.platform.startswith("linux"):
        return int(cv2.CAP_V4L2)
    return int(cv2.CAP_ANY)


class CameraSource:
    """A USB camera through OpenCV, asked for MJPG at 1280×720 (what it gives is reported).

    A read that fails a few times in a row (unplugged, driver gone) raises SourceError.
    """

    def __init__(self, index: int = 0, width: int = 1280, height: int = 720, *,
                 fourcc: str | None = "MJPG", fps: float = 30.0, api: int | None = None,
                 max_failed_reads: int = 5) -> None:
        self.index = index
        self.width = width
        self.height = height
        self.fourcc = fourcc
        self.fps = fps
        self.api = default_camera_api() if api is None else api
        self.max_failed_reads = max_failed_reads
        self._cap: cv2.VideoCapture | None = None

    @property
    def name(self) -> str:
        return f"USB camera {self.index}"

    def open(self) -> SourceInfo:
        self.close()
        cap = cv2.VideoCapture(self.index, self.api)
        if not cap.isOpened():
            cap.release()
            raise SourceError(
                f"camera {self.index} cannot be opened: is it plugged in and not used by "
                "another program?"
            )
        # Order matters on DirectShow: the pixel format first, then the size.
        if self.fourcc:
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*self.fourcc))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        cap.set(cv2.CAP_PROP_FPS, self.fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the driver's queue only adds latency
        ok, frame = cap.read()
        if not ok or frame is None:
            cap.release()
            raise SourceError(f"camera {self.index} opened but delivers no picture")
        self._cap = cap
        height, width = frame.shape[:2]
        got_fourcc = fourcc_text(cap.get(cv2.CAP_PROP_FOURCC))
        fps = cap.get(cv2.CAP_PROP_FPS) or None
        wanted = f"asked for {self.fourcc or 'any format'} {self.width}×{self.height}"
        detail = "" if (width, height) == (self.width, self.height) else wanted
        return SourceInfo(name=f"{self.name} ({cap.getBackendName()})", width=width,
                          height=height, fps=fps, fourcc=got_fourcc, detail=detail)

    def read(self) -> np.ndarray:
        cap = self._cap
        if cap is None:
            raise SourceError(f"{self.name} is not open")
        for _ in range(self.max_failed_reads):
            ok, frame = cap.read()
            if ok and frame is not None:
                return frame
            time.sleep(0.02)
        raise SourceError(f"{self.name} stopped delivering pictures (unplugged?)")

    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


class VideoFileSource:
    """A video file played at its own frame rate (or as fast as read when ``realtime=False``)."""

    def __init__(self, path: str | Path, *, loop: bool = True, realtime: bool = True) -> None:
        self.path = Path(path)
        self.loop = loop
        self.realtime = realtime
        self._cap: cv2.VideoCapture | None = None
        self._pacer = _Pacer(0)

    @property
    def name(self) -> str:
        return self.path.name

    def open(self) -> SourceInfo:
        self.close()
        if not self.path.is_file():
            raise SourceError(f"video file not found: {self.path}")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"not a video OpenCV can play: {self.path}")
        self._cap = cap
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        self._pacer = _Pacer(fps if self.realtime else 0)
        return SourceInfo(name=self.name, width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                          height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), fps=fps,
                          fourcc=fourcc_text(cap.get(cv2.CAP_PROP_FOURCC)))

    def read(self) -> np.ndarray:
        cap = self._cap
        if cap is None:
            raise SourceError(f"{self.name} is not open")
        self._pacer.wait()
        ok, frame = cap.read()
        if not ok and self.loop:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = cap.read()
        if not ok or frame is None:
            if self.loop:
                raise SourceError(f"{self.name} cannot be read any more")
            raise EndOfStream(self.name)
        return frame

    def close(self) -> None:
        cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


class ImageFolderSource:
    """The images of a folder (sorted by name), one per frame at ``fps``, looping by default.

    The folder is read afresh on every frame, so it behaves like a device: remove or rename the
    folder and reading fails (SourceError); put it back and it can be reopened.
    """

    def __init__(self, folder: str | Path, *, fps: float = 10.0, loop: bool = True) -> None:
        self.folder = Path(folder)
        self.loop = loop
        self._pacer = _Pacer(fps)
        self.fps = fps
        self._files: list[Path] = []
        self._pos = 0

    @property
    def name(self) -> str:
        return f"folder {self.folder.name}"

    def _list(self) -> list[Path]:
        try:
            entries = sorted(os.scandir(self.folder), key=lambda e: e.name)
        except OSError as exc:
            raise SourceError(f"image folder cannot be read: {self.folder} "
                              f"({exc.strerror or exc})") from exc
        return [Path(e.path) for e in entries
                if e.is_file() and Path(e.name).suffix.lower() in IMAGE_SUFFIXES]

    def open(self) -> SourceInfo:
        files = self._list()
        if not files:
            raise SourceError(f"no images in folder {self.folder}")
        first = self._load(files[0])
        self._files, self._pos = files, 0
        height, width = first.shape[:2]
        return SourceInfo(name=self.name, width=width, height=height, fps=self.fps,
                          detail=f"{len(files)} images")

    def _load(self, path: Path) -> np.ndarray:
        try:
            return read_image(path)
        except ImageReadError as exc:
            raise SourceError(str(exc)) from exc

    def read(self) -> np.ndarray:
        if not self._files:
            raise SourceError(f"{self.name} is not open")
        self._pacer.wait()
        if self._pos >= len(self._files):
            if not self.loop:
                raise EndOfStream(self.name)
            self._pos = 0
        path = self._files[self._pos]
        self._pos += 1
        if not self.folder.is_dir():
            raise SourceError(f"image folder has gone: {self.folder}")
        return self._load(path)

    def close(self) -> None:
        self._files = []


class SyntheticSource:
    """Demo camera: phones showing QR codes with the given payloads, gently moving, with glare,
    blur and noise, at ``fps``. ``set_payloads`` changes what the phones show, from any thread.
    """

    def __init__(self, payloads: list[str], *, fps: float = 30.0,
                 size: tuple[int, int] = (1280, 720), seed: int = 0, blur: float = 1.0,
                 glare: float = 0.55, noise: float = 4.0, motion: float = 1.0) -> None:
        self.fps = fps
        self._lock = threading.Lock()
        self._renderer = FrameRenderer(payloads, size, seed=seed, blur=blur, glare=glare,
                                       noise=noise, motion=motion)
        self._pacer = _Pacer(fps)
        self._n = 0

    @property
    def name(self) -> str:
        return "demo camera"

    @property
    def payloads(self) -> list[str]:
        """What the phones currently show."""
        with self._lock:
            return self._renderer.payloads

    def set_payloads(self, payloads: list[str]) -> None:
        """Show other codes from the next frame on (empty list: nobody holds up a phone)."""
        with self._lock:
            self._renderer.set_payloads(payloads)

    def open(self) -> SourceInfo:
        width, height = self._renderer.size
        return SourceInfo(name=self.name, width=width, height=height, fps=self.fps,
                          detail="synthetic")

    def read(self) -> np.ndarray:
        self._pacer.wait()
        with self._lock:
            frame = self._renderer.render(self._n)
        self._n += 1
        return frame

    def close(self) -> None:
        """Nothing to release."""
