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
from scanners.exposure import CameraControls
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
    #: exposure, gain and focus as the camera accepted them at opening (None: not a camera the
    #: desk can control); the running values: ``ScanPipeline.camera_controls()``
    controls: CameraControls | None = None

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


# OpenCV's values for CAP_PROP_AUTO_EXPOSURE and the unit of CAP_PROP_EXPOSURE differ per API:
# V4L2 passes the UVC values (1 manual, 3 aperture priority) and exposure in 100 µs; DirectShow
# and Media Foundation take 0.25/0.75 and exposure as log2 of seconds (-6 is 1/64 s).
_V4L2_MANUAL, _V4L2_AUTO = 1.0, 3.0
_LOG2_MANUAL, _LOG2_AUTO = 0.25, 0.75


class CvCameraControl:
    """Exposure (gain, focus) of an OpenCV capture: steps applied and what was accepted read back.

    Step ``k`` is ``2**k`` times the exposure the camera had chosen on automatic; where the frame
    time caps the exposure, the rest goes to gain. A camera that does not take manual exposure
    (the value read back does not move) is left on automatic for good.
    """

    def __init__(self, cap: cv2.VideoCapture, api: int, fps: float) -> None:
        self.cap = cap
        self.linear = api == int(cv2.CAP_V4L2)
        self.manual_value, self.auto_value = ((_V4L2_MANUAL, _V4L2_AUTO) if self.linear
                                              else (_LOG2_MANUAL, _LOG2_AUTO))
        self.fps = fps or 30.0
        self.base_exposure = cap.get(cv2.CAP_PROP_EXPOSURE)
        if self.linear and self.base_exposure <= 0:
            self.base_exposure = 156.0  # ~1/64 s
        elif not self.linear and not -14 <= self.base_exposure <= 0:
            self.base_exposure = -6.0
        self.base_gain = cap.get(cv2.CAP_PROP_GAIN)
        self.manual_ok: bool | None = None  # unknown until the first manual request
        self.step: int | None = None

    def _exposure_for(self, step: int) -> tuple[float, int]:
        """The exposure value for a step and the steps left over for gain."""
        if self.linear:
            longest = 10000.0 / self.fps  # one frame time, in 100 µs
            wanted = self.base_exposure * 2.0 ** step
            value = min(max(wanted, 1.0), longest)
            over = round(float(np.log2(wanted / value))) if wanted > value else 0
            return value, over
        longest = float(np.floor(np.log2(1.0 / self.fps)))
        wanted = self.base_exposure + step
        value = min(max(wanted, -13.0), longest)
        return value, int(wanted - value) if wanted > value else 0

    def apply(self, step: int | None) -> None:
        """Use exposure step ``step`` (None: automatic); read back whether it was taken."""
        cap = self.cap
        if step is None or self.manual_ok is False:
            cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, self.auto_value)
            if self.base_gain >= 0:
                cap.set(cv2.CAP_PROP_GAIN, self.base_gain)
            self.step = None
            return
        value, over = self._exposure_for(step)
        cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, self.manual_value)
        took = cap.set(cv2.CAP_PROP_EXPOSURE, value)
        if self.manual_ok is None:
            self.manual_ok = bool(took) and abs(cap.get(cv2.CAP_PROP_EXPOSURE) - value) <= max(
                0.05 * abs(value), 0.5)
            if not self.manual_ok:
                cap.set(cv2.CAP_PROP_AUTO_EXPOSURE, self.auto_value)
                return
        if over and self.base_gain >= 0:
            cap.set(cv2.CAP_PROP_GAIN, max(self.base_gain, 8.0) * 2.0 ** over)
        self.step = step

    def refocus(self) -> None:
        """Autofocus off and on again, where the camera offers it."""
        if self.cap.get(cv2.CAP_PROP_AUTOFOCUS) >= 0 and self.cap.set(cv2.CAP_PROP_AUTOFOCUS, 0):
            self.cap.set(cv2.CAP_PROP_AUTOFOCUS, 1)

    def controls(self) -> CameraControls:
        """The settings as the camera reports them now."""
        cap = self.cap

        def value(prop: int) -> float | None:
            v = cap.get(prop)
            return float(v) if v != -1 else None

        autofocus = value(cv2.CAP_PROP_AUTOFOCUS)
        return CameraControls(
            manual_exposure=self.manual_ok is not False,
            auto_exposure=self.step is None,
            step=self.step,
            exposure=value(cv2.CAP_PROP_EXPOSURE),
            gain=value(cv2.CAP_PROP_GAIN),
            focus=value(cv2.CAP_PROP_FOCUS),
            autofocus=None if autofocus is None else autofocus > 0,
            detail="100 µs units" if self.linear else "log2 seconds",
        )


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
        self._control: CvCameraControl | None = None
        self._lock = threading.Lock()
        self._pending_step: list[int | None] = []
        self._pending_refocus = False
        self._controls = CameraControls(manual_exposure=False, auto_exposure=True, step=None)

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
        self._control = CvCameraControl(cap, self.api, fps or self.fps)
        with self._lock:
            self._pending_step.clear()
            self._controls = self._control.controls()
        return SourceInfo(name=f"{self.name} ({cap.getBackendName()})", width=width,
                          height=height, fps=fps, fourcc=got_fourcc, detail=detail,
                          controls=self._controls)

    def controls(self) -> CameraControls:
        """Exposure, gain and focus as the camera last reported them."""
        with self._lock:
            return self._controls

    def request_exposure(self, step: int | None) -> None:
        """Exposure step ``step`` (None: automatic) from the next frame on; any thread."""
        with self._lock:
            self._pending_step.append(step)

    def request_refocus(self) -> None:
        """Focus again before the next frame, where the camera offers it; any thread."""
        with self._lock:
            self._pending_refocus = True

    def _apply_pending(self) -> None:
        """On the capture thread, between reads: the driver is never called from two threads."""
        control = self._control
        with self._lock:
            steps, self._pending_step = self._pending_step, []
            refocus, self._pending_refocus = self._pending_refocus, False
        if control is None or not (steps or refocus):
            return
        if steps:
            control.apply(steps[-1])
        if refocus:
            control.refocus()
        readback = control.controls()
        with self._lock:
            self._controls = readback

    def read(self) -> np.ndarray:
        cap = self._cap
        if cap is None:
            raise SourceError(f"{self.name} is not open")
        self._apply_pending()
        for _ in range(self.max_failed_reads):
            ok, frame = cap.read()
            if ok and frame is not None:
                return frame
            time.sleep(0.02)
        raise SourceError(f"{self.name} stopped delivering pictures (unplugged?)")

    def close(self) -> None:
        cap, self._cap = self._cap, None
        self._control = None
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

    Cheap on purpose, like a real USB camera (whose frames cost the desk almost nothing): a
    rendered 720p frame costs ~6 ms of CPU, on the same two cores as decoding and the GUI, so
    each phone change renders only ``cycle`` frames, lazily, and the camera then plays them
    back and forth (0, 1, …, cycle − 1, …, 1, 0, …) — the phones keep swaying a little. With
    nobody holding up a phone one frame is shown. Frames are shared and read-only.
    """

    def __init__(self, payloads: list[str], *, fps: float = 30.0,
                 size: tuple[int, int] = (1280, 720), seed: int = 0, blur: float = 1.0,
                 glare: float = 0.55, noise: float = 4.0, motion: float = 1.0,
                 cycle: int = 8) -> None:
        if cycle < 1:
            raise ValueError("a demo camera needs at least one frame to show")
        self.fps = fps
        self.cycle = cycle
        self._lock = threading.Lock()
        self._renderer = FrameRenderer(payloads, size, seed=seed, blur=blur, glare=glare,
                                       noise=noise, motion=motion)
        self._shown = list(payloads)
        self._pending: list[str] | None = None  # applied by the capture thread at its next read
        self._frames: dict[int, np.ndarray] = {}
        self._pacer = _Pacer(fps)
        self._n = 0
        self.rendered = 0  # frames rendered so far (the rest were played back)

    @property
    def name(self) -> str:
        return "demo camera"

    @property
    def payloads(self) -> list[str]:
        """What the phones show (from the next frame on, after ``set_payloads``)."""
        with self._lock:
            return list(self._shown)

    def set_payloads(self, payloads: list[str]) -> None:
        """Show other codes from the next frame on (empty list: nobody holds up a phone).

        Returns at once (it is called on the GUI thread); the capture thread renders."""
        if len(payloads) > 4:
            raise ValueError("at most four phones fit in the frame")
        with self._lock:
            self._shown = list(payloads)
            self._pending = list(payloads)

    def open(self) -> SourceInfo:
        width, height = self._renderer.size
        return SourceInfo(name=self.name, width=width, height=height, fps=self.fps,
                          detail="synthetic")

    def _position(self, n: int, count: int) -> int:
        """Frame ``n`` of the playback: back and forth over ``count`` rendered frames."""
        if count == 1:
            return 0
        p = n % (2 * count - 2)
        return p if p < count else 2 * count - 2 - p

    def read(self) -> np.ndarray:
        self._pacer.wait()
        with self._lock:
            pending, self._pending = self._pending, None
        renderer = self._renderer  # used by the capture thread only
        if pending is not None:
            renderer.set_payloads(pending)
            self._frames = {}
            self._n = 0
        k = self._position(self._n, self.cycle if renderer.payloads else 1)
        self._n += 1
        frame = self._frames.get(k)
        if frame is None:
            frame = renderer.render(k)
            frame.flags.writeable = False
            self._frames[k] = frame
            self.rendered += 1
        return frame

    def close(self) -> None:
        """Nothing to release."""


class ExposureSimSource:
    """A fake camera that obeys exposure: the same phone, brighter or darker as the step changes.

    ``scene="glare"``: a phone screen under a floodlight; on automatic exposure a specular hot
    spot and its bloom wash out the middle of the code, a darker exposure brings it back, far too
    dark loses it in noise. ``scene="night"``: a dimmed screen in a dark cabin; automatic
    exposure leaves it too dark and noisy, a brighter one reads. ``refuse_manual``: a camera
    that ignores exposure requests (stays automatic). Frames are deterministic per (step, n).
    """

    SCENES = ("glare", "night")

    def __init__(self, payload: str, *, scene: str = "glare", size: tuple[int, int] = (1280, 720),
                 fps: float = 30.0, seed: int = 0, refuse_manual: bool = False) -> None:
        if scene not in self.SCENES:
            raise ValueError(f"unknown scene {scene!r}; choose one of {', '.join(self.SCENES)}")
        self.scene = scene
        self.fps = fps
        self.refuse_manual = refuse_manual
        self._renderer = FrameRenderer([payload], size, seed=seed, blur=0.8, glare=0.0,
                                       noise=0.0, motion=0.3)
        self._rng_seed = seed
        self._noise_patterns: list[np.ndarray] | None = None
        self._pacer_period = 1.0 / fps if fps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._step: int | None = None
        self._pending: list[int | None] = []
        self._n = 0
        self.refocus_requests = 0
        self.steps_seen: list[int | None] = []  # the step each delivered frame was taken with

    @property
    def name(self) -> str:
        return f"exposure test camera ({self.scene})"

    def frame_at(self, step: int | None, n: int) -> np.ndarray:
        """Frame ``n`` as taken at exposure step ``step`` (None: automatic)."""
        base = self._renderer.render(n).astype(np.float32) * (1.0 / 255.0)
        height, width = base.shape[:2]
        (_, corners), = self._renderer.code_outlines(n)
        cx = float(corners[:, 0].mean())
        top, bottom = float(corners[:, 1].min()), float(corners[:, 1].max())
        cy = top + 0.38 * (bottom - top)  # where the code sits on the screen
        phone_w = float(corners[:, 0].max() - corners[:, 0].min())
        if self.scene == "glare":
            sigma = 0.13 * phone_w
            gx = np.exp(-((np.arange(width, dtype=np.float32) - cx) ** 2) / (2 * sigma * sigma))
            gy = np.exp(-((np.arange(height, dtype=np.float32) - cy) ** 2) / (2 * sigma * sigma))
            spot = 1.6 * np.outer(gy, gx)  # a Gaussian is separable: no full-frame exp
            radiance: np.ndarray = base * 1.1 + spot[:, :, None]
            read_noise = 2.0
        else:
            radiance = base * 0.022
            read_noise = 5.0
        linear = radiance * (2.0 ** (step or 0))
        excess = np.maximum(linear - 1.0, 0.0)
        # Bloom is a wide blur: computed at a quarter of the size, it costs a sixteenth.
        small = cv2.resize(excess, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
        small = cv2.GaussianBlur(small, (0, 0), 0.003 * width)
        bloom = cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR)
        out = (linear + 0.8 * bloom) * 255.0
        out += self._noise(n, step, read_noise, out.shape)
        frame: np.ndarray = np.clip(out, 0, 255).astype(np.uint8)
        return frame

    def _noise(self, n: int, step: int | None, sigma: float,
                shape: tuple[int, ...]) -> np.ndarray:
        """Sensor noise: one of eight fixed patterns, picked by frame and step."""
        if self._noise_patterns is None or self._noise_patterns[0].shape != shape:
            rng = np.random.default_rng(self._rng_seed + 17)
            self._noise_patterns = [rng.standard_normal(shape, dtype=np.float32)
                                    for _ in range(8)]
        return self._noise_patterns[(n * 3 + (step or 0)) % 8] * np.float32(sigma)

    def open(self) -> SourceInfo:
        width, height = self._renderer.size
        return SourceInfo(name=self.name, width=width, height=height, fps=self.fps,
                          detail="synthetic", controls=self.controls())

    def read(self) -> np.ndarray:
        if self._pacer_period:
            now = time.monotonic()
            if self._next > now:
                time.sleep(self._next - now)
            self._next = max(self._next, now) + self._pacer_period
        with self._lock:
            if self._pending and not self.refuse_manual:
                self._step = self._pending[-1]
            self._pending.clear()
            step, n = self._step, self._n
            self._n += 1
            self.steps_seen.append(step)
        return self.frame_at(step, n)

    def close(self) -> None:
        """Nothing to release."""

    def controls(self) -> CameraControls:
        with self._lock:
            step = self._step
        if self.refuse_manual:
            return CameraControls(manual_exposure=False, auto_exposure=True, step=None)
        return CameraControls(manual_exposure=True, auto_exposure=step is None, step=step,
                              exposure=float(step or 0), gain=0.0, autofocus=True)

    def request_exposure(self, step: int | None) -> None:
        with self._lock:
            self._pending.append(step)

    def request_refocus(self) -> None:
        with self._lock:
            self.refocus_requests += 1
