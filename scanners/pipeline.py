"""The scan pipeline (扫码流水线): frames in, decoded codes and status out, nothing ever waits.

- A capture thread reads the source as fast as it delivers and keeps only the newest frame (a
  one-slot buffer), so the camera driver never queues stale pictures.
- One decode worker takes the newest frame whenever it is free; frames that arrived meanwhile
  are dropped, not queued, so decoding never falls behind the camera.
- A payload seen again within ``dedupe_seconds`` of its last sighting is reported once: a phone
  held up for ten seconds is one scan, not three hundred.
- ``isolate_decode=True`` decodes in a worker process fed through shared memory
  (:mod:`scanners.decode_worker`), so decoding never holds the GUI's interpreter lock; it falls
  back to this process, with a logged sentence, if the worker cannot start.
- A camera the desk can control (:class:`~scanners.exposure.ControllableSource`) gets its
  exposure stepped by :class:`~scanners.exposure.ExposureController` while a code-like region is
  in view but unread; regions seen but not read reach the preview with an aiming hint.
- When the source fails the pipeline reports :class:`SourceLost`, reopens it with exponential
  back-off and reports :class:`SourceBack`; callers (manual entry) are never blocked meanwhile.

Events are plain dataclasses handed to plain callbacks, called on the pipeline's threads: a GUI
adapts them to its own event loop (see ``ui/camera_bridge.py``). The preview can instead pull
:meth:`ScanPipeline.latest_frame` at display rate (latest wins).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from scanners.booth import inside
from scanners.codes import DecodedCode, DecodeResult, UnreadRegion
from scanners.decoders import CascadeDecoder, Decoder
from scanners.exposure import CameraControls, ControllableSource, ExposureController
from scanners.sources import EndOfStream, FrameSource, SourceInfo

if TYPE_CHECKING:
    from scanners.decode_worker import ProcessDecoder

log = logging.getLogger(__name__)

# Live frames get this much decode time; a missed code gets another chance in the next frame.
# (Stages are skipped on estimates, so a frame may overrun it a little: the target is p95 10 ms.)
LIVE_BUDGET_MS = 8.0
# The interpreter's switch interval a desk sets while its camera runs (Python's default: 5 ms):
# the decode thread gives the lock up at every OpenCV call and waits up to this long to win it
# back from a busy thread (the lane's job, the GUI). In the desk (bench_desk, idle 2-core
# machine) 1 ms gave a decode p95 of 17.6–17.7 ms, 0.2 ms 11.9–15.9 ms and 0.1 ms no better,
# with frame → verdict no worse (44.6–46.4 ms p95 against 47.3–53.3).
LIVE_SWITCH_INTERVAL_S = 0.0002

_E = TypeVar("_E")
# Outlines older than this are not drawn on the preview (the phone has moved on).
OUTLINE_MAX_AGE_S = 0.5


@dataclass(frozen=True, slots=True)
class FrameReady:
    """A frame for the preview: a private copy, with the outlines of the latest decoded codes."""

    frame: np.ndarray
    seq: int
    captured_at: float  # time.monotonic()
    outlines: tuple[DecodedCode, ...] = ()
    #: code-like regions seen but not read in the latest decoded frame, with the driver's hint
    unread: tuple[UnreadRegion, ...] = ()


@dataclass(frozen=True, slots=True)
class CodesDecoded:
    """Codes newly seen (not within the dedupe window) in one frame."""

    codes: tuple[DecodedCode, ...]
    frame_seq: int
    captured_at: float  # time.monotonic() of the frame's capture
    decoded_at: float  # time.monotonic() when decoding finished
    ms: float  # the decoder's time for this frame, in the process that decoded it

    @property
    def latency_ms(self) -> float:
        """Capture to report."""
        return (self.decoded_at - self.captured_at) * 1000.0


@dataclass(frozen=True, slots=True)
class SourceOpened:
    """The source started delivering (the first time)."""

    info: SourceInfo


@dataclass(frozen=True, slots=True)
class SourceLost:
    """The source failed (camera unplugged...); the pipeline keeps trying to reopen it."""

    reason: str
    at: float  # time.monotonic()


@dataclass(frozen=True, slots=True)
class SourceBack:
    """The source works again after a loss."""

    info: SourceInfo
    down_seconds: float


@dataclass(frozen=True, slots=True)
class SourceEnded:
    """A finite source (video file, folder without looping) has no more frames."""

    name: str


StatusEvent = SourceOpened | SourceLost | SourceBack | SourceEnded


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """A snapshot of the pipeline's health, for a status bar and the benchmark."""

    running: bool
    source_ok: bool
    source_info: SourceInfo | None
    capture_fps: float
    decode_fps: float
    decode_ms_mean: float
    decode_ms_p95: float
    frames_captured: int
    frames_decoded: int
    frames_dropped: int
    codes_reported: int
    reconnect_attempts: int
    decode_where: str = "in process"  # or "worker process", "starting"
    camera: CameraControls | None = None  # what a controllable camera accepted, read back
    #: what handing a frame to the decoder adds to ``decode_ms`` (a worker process: the copy
    #: into shared memory, the pipe, winning the interpreter lock back; in process: ~0)
    handoff_ms_p95: float = 0.0
    #: capture → decoded, every decoded frame: waiting for the decoder, the hand-off, decoding
    latency_ms_mean: float = 0.0
    latency_ms_p95: float = 0.0
    #: CPU time of the decode thread per frame, in this process (decoding in process; the
    #: hand-off with a worker process), a figure the machine's load does not inflate
    decode_cpu_ms_mean: float = 0.0
    decode_cpu_ms_p95: float = 0.0


@dataclass(slots=True)
class _Slot:
    frame: np.ndarray | None = None
    seq: int = 0
    captured_at: float = 0.0


@dataclass(slots=True)
class _Counters:
    captured: int = 0
    decoded: int = 0
    dropped: int = 0
    reported: int = 0
    attempts: int = 0
    capture_times: deque[float] = field(default_factory=lambda: deque(maxlen=90))
    decode_times: deque[float] = field(default_factory=lambda: deque(maxlen=90))
    decode_ms: deque[float] = field(default_factory=lambda: deque(maxlen=300))
    handoff_ms: deque[float] = field(default_factory=lambda: deque(maxlen=300))
    latency_ms: deque[float] = field(default_factory=lambda: deque(maxlen=300))
    cpu_ms: deque[float] = field(default_factory=lambda: deque(maxlen=300))


def _p95(values: deque[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0


def _mean(values: deque[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _rate(times: deque[float]) -> float:
    if len(times) < 2:
        return 0.0
    span = times[-1] - times[0]
    if span <= 0 or time.monotonic() - times[-1] > 2.0:
        return 0.0
    return (len(times) - 1) / span


class _SwitchInterval:
    """The interpreter's switch interval, shortened while any pipeline that asked runs: the
    first to start saves the process's own value, the last to stop puts it back."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders: list[float] = []
        self._saved = 0.0

    def hold(self, seconds: float) -> None:
        with self._lock:
            if not self._holders:
                self._saved = sys.getswitchinterval()
            self._holders.append(seconds)
            sys.setswitchinterval(min(self._holders))

    def release(self, seconds: float) -> None:
        with self._lock:
            self._holders.remove(seconds)
            sys.setswitchinterval(min(self._holders) if self._holders else self._saved)


_SWITCH = _SwitchInterval()


class ScanPipeline:
    """Capture thread + one decode worker between a FrameSource and plain callbacks.

    Callbacks run on the pipeline's threads and must return quickly; an exception in one is
    logged and does not stop the pipeline. ``start`` opens the source on the capture thread;
    ``stop`` ends and joins both threads and closes the source; it is idempotent.
    """

    def __init__(
        self,
        source: FrameSource,
        decoder: Decoder | None = None,
        on_frame: Callable[[FrameReady], None] | None = None,
        on_codes: Callable[[CodesDecoded], None] | None = None,
        on_status: Callable[[StatusEvent], None] | None = None,
        dedupe_seconds: float = 3.0,
        *,
        retry_initial_s: float = 0.5,
        retry_max_s: float = 5.0,
        isolate_decode: bool = False,
        exposure: ExposureController | None = None,
        switch_interval_s: float | None = None,
    ) -> None:
        """``switch_interval_s``: the interpreter's switch interval while the pipeline runs
        (a desk: :data:`LIVE_SWITCH_INTERVAL_S`); restored when the last such pipeline stops."""
        self.source = source
        self.switch_interval_s = switch_interval_s
        self._held_interval: float | None = None
        self._own_decoder: ProcessDecoder | None = None  # the opt-in worker
        if decoder is None and isolate_decode:
            # here, not at the top: multiprocessing only when the worker is asked for
            from scanners.decode_worker import ProcessDecoder

            decoder = self._own_decoder = ProcessDecoder(budget_ms=LIVE_BUDGET_MS)
        self.decoder: Decoder = decoder or CascadeDecoder(budget_ms=LIVE_BUDGET_MS)
        self.exposure: ExposureController | None = None
        if isinstance(source, ControllableSource):
            self.exposure = exposure or ExposureController()
        self.on_frame = on_frame
        self.on_codes = on_codes
        self.on_status = on_status
        self.dedupe_seconds = dedupe_seconds
        self.retry_initial_s = retry_initial_s
        self.retry_max_s = retry_max_s
        self._cond = threading.Condition()
        self._slot = _Slot()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._counters = _Counters()
        self._seen: dict[bytes, float] = {}
        self._outlines: tuple[DecodedCode, ...] = ()
        self._outlines_at = 0.0
        self._unread: tuple[UnreadRegion, ...] = ()
        self._unread_at = 0.0
        self._source_ok = False
        self._info: SourceInfo | None = None
        self._lifecycle = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the threads are running."""
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        """Start capturing and decoding; the source is opened on the capture thread."""
        with self._lifecycle:
            if self._threads:
                raise RuntimeError("the scan pipeline is already running")
            self._stop.clear()
            self._slot = _Slot()
            if self.switch_interval_s is not None:
                _SWITCH.hold(self.switch_interval_s)
                self._held_interval = self.switch_interval_s
            self._threads = [
                threading.Thread(target=self._capture_loop, name="scan-capture", daemon=True),
                threading.Thread(target=self._decode_loop, name="scan-decode", daemon=True),
            ]
            for t in self._threads:
                t.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop both threads, wait for them and close the source. Safe to call repeatedly."""
        with self._lifecycle:
            self._stop.set()
            with self._cond:
                self._cond.notify_all()
            for t in self._threads:
                if t is not threading.current_thread():
                    t.join(timeout)
                    if t.is_alive():
                        log.warning("%s did not stop within %.1f s", t.name, timeout)
            self._threads = []
            if self._own_decoder is not None:
                self._own_decoder.close()
            if self._held_interval is not None:
                _SWITCH.release(self._held_interval)
                self._held_interval = None

    def __enter__(self) -> ScanPipeline:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what callers can ask ------------------------------------------------------------------

    def latest_frame(self, after_seq: int = 0, *, copy: bool = True) -> FrameReady | None:
        """A copy of the newest frame if it is newer than ``after_seq`` (else None).

        ``copy=False`` hands out the pipeline's own array, for a caller that copies it anyway
        (the preview's QImage) and never writes to it: one 720p copy less per preview frame."""
        with self._cond:
            frame, seq, at = self._slot.frame, self._slot.seq, self._slot.captured_at
        if frame is None or seq <= after_seq:
            return None
        # Frames are never written after publication, so copying outside the lock is safe.
        outlines, unread = self._current_marks()
        return FrameReady(frame=frame.copy() if copy else frame, seq=seq, captured_at=at,
                          outlines=outlines, unread=unread)

    def reset_dedupe(self) -> None:
        """Forget what was seen: the next sighting of any payload is reported again."""
        with self._cond:
            self._seen.clear()

    def stats(self) -> PipelineStats:
        """A consistent snapshot of rates and counters."""
        with self._cond:
            c = self._counters
            return PipelineStats(
                running=self.running,
                source_ok=self._source_ok,
                source_info=self._info,
                capture_fps=_rate(c.capture_times),
                decode_fps=_rate(c.decode_times),
                decode_ms_mean=_mean(c.decode_ms),
                decode_ms_p95=_p95(c.decode_ms),
                frames_captured=c.captured,
                frames_decoded=c.decoded,
                frames_dropped=c.dropped,
                codes_reported=c.reported,
                reconnect_attempts=c.attempts,
                decode_where=getattr(self.decoder, "where", "in process"),
                camera=self.camera_controls(),
                handoff_ms_p95=_p95(c.handoff_ms),
                latency_ms_mean=_mean(c.latency_ms),
                latency_ms_p95=_p95(c.latency_ms),
                decode_cpu_ms_mean=_mean(c.cpu_ms),
                decode_cpu_ms_p95=_p95(c.cpu_ms),
            )

    def camera_controls(self) -> CameraControls | None:
        """Exposure, gain and focus as the camera accepted them (None: not controllable)."""
        source = self.source
        return source.controls() if isinstance(source, ControllableSource) else None

    # -- internals -----------------------------------------------------------------------------

    def _current_marks(self) -> tuple[tuple[DecodedCode, ...], tuple[UnreadRegion, ...]]:
        """The outlines of recently read codes and the recently seen unread regions."""
        now = time.monotonic()
        with self._cond:
            outlines = self._outlines if now - self._outlines_at <= OUTLINE_MAX_AGE_S else ()
            unread = self._unread if now - self._unread_at <= OUTLINE_MAX_AGE_S else ()
            return outlines, unread

    def _emit(self, callback: Callable[[_E], None] | None, event: _E) -> None:
        if callback is None:
            return
        try:
            callback(event)
        except Exception:  # a broken subscriber must not kill the camera
            log.exception("scan pipeline callback %r failed", callback)

    def _capture_loop(self) -> None:
        source = self.source
        opened = False
        lost_at: float | None = None
        backoff = self.retry_initial_s
        try:
            while not self._stop.is_set():
                if not opened:
                    try:
                        info = source.open()
                    except Exception as exc:  # SourceError, or a driver's own exception
                        with self._cond:
                            self._counters.attempts += 1
                        if lost_at is None:
                            lost_at = time.monotonic()
                            self._set_source(False, None)
                            self._emit(self.on_status, SourceLost(str(exc), lost_at))
                        self._stop.wait(backoff)
                        backoff = min(backoff * 2.0, self.retry_max_s)
                        continue
                    opened = True
                    backoff = self.retry_initial_s
                    self._set_source(True, info)
                    event: StatusEvent = (
                        SourceOpened(info) if lost_at is None
                        else SourceBack(info, time.monotonic() - lost_at)
                    )
                    lost_at = None
                    self._emit(self.on_status, event)
                try:
                    frame = source.read()
                except EndOfStream:
                    self._set_source(False, self._info)
                    self._emit(self.on_status, SourceEnded(source.name))
                    return
                except Exception as exc:
                    source.close()
                    opened = False
                    lost_at = time.monotonic()
                    self._set_source(False, None)
                    self._emit(self.on_status, SourceLost(str(exc), lost_at))
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2.0, self.retry_max_s)
                    continue
                self._publish(frame)
        finally:
            source.close()
            with self._cond:
                self._source_ok = False
                self._cond.notify_all()

    def _set_source(self, ok: bool, info: SourceInfo | None) -> None:
        with self._cond:
            self._source_ok = ok
            if info is not None:
                self._info = info

    def _publish(self, frame: np.ndarray) -> None:
        now = time.monotonic()
        with self._cond:
            slot = self._slot
            slot.frame, slot.seq, slot.captured_at = frame, slot.seq + 1, now
            seq = slot.seq
            self._counters.captured += 1
            self._counters.capture_times.append(now)
            self._cond.notify_all()
        if self.on_frame is not None:
            outlines, unread = self._current_marks()
            self._emit(self.on_frame, FrameReady(frame=frame.copy(), seq=seq, captured_at=now,
                                                 outlines=outlines, unread=unread))

    def _decode_loop(self) -> None:
        if self._own_decoder is not None:
            self._own_decoder.start()  # here, not on the caller's (GUI) thread
        last_seq = 0
        while True:
            with self._cond:
                while not self._stop.is_set() and self._slot.seq <= last_seq:
                    self._cond.wait()
                if self._stop.is_set():
                    return
                frame, seq, captured_at = self._slot.frame, self._slot.seq, self._slot.captured_at
                self._counters.dropped += seq - last_seq - 1
            last_seq = seq
            assert frame is not None
            called, cpu = time.perf_counter(), time.thread_time()
            try:
                result = self.decoder.decode(frame)
            except Exception:
                log.exception("decoding a frame failed")
                continue
            cpu_ms = (time.thread_time() - cpu) * 1000.0
            handoff = max((time.perf_counter() - called) * 1000.0 - result.ms, 0.0)
            done = time.monotonic()
            self._steer_camera(result)
            fresh = self._register(result, done, (handoff, (done - captured_at) * 1000.0, cpu_ms))
            if fresh:
                self._emit(self.on_codes, CodesDecoded(codes=fresh, frame_seq=seq,
                                                       captured_at=captured_at, decoded_at=done,
                                                       ms=result.ms))

    def _steer_camera(self, result: DecodeResult) -> None:
        controller, source = self.exposure, self.source
        if controller is None or not isinstance(source, ControllableSource):
            return
        request = controller.observe(result)
        if request is None:
            return
        try:
            source.request_exposure(request.step)
            if request.refocus:
                source.request_refocus()
        except Exception:  # a camera driver's quirk must not stop decoding
            log.exception("the camera refused an exposure request")

    def _register(self, result: DecodeResult, now: float,
                  times: tuple[float, float, float]) -> tuple[DecodedCode, ...]:
        """Record a decoded frame (``times``: hand-off, capture → decoded and the decode
        thread's CPU, ms); returns the codes not seen within the dedupe window."""
        codes = result.codes
        with self._cond:
            c = self._counters
            c.decoded += 1
            c.decode_times.append(now)
            c.decode_ms.append(result.ms)
            c.handoff_ms.append(times[0])
            c.latency_ms.append(times[1])
            c.cpu_ms.append(times[2])
            if codes:
                self._outlines, self._outlines_at = tuple(codes), now
            if result.unread:
                self._unread, self._unread_at = result.unread, now
            elif codes:
                # A box whose code now reads goes at once; another phone's box stays until it
                # ages out (live, the search for phones beside a code that reads skips frames).
                self._unread = tuple(
                    u for u in self._unread
                    if not any(inside(u.points, *code.center()) for code in codes)
                )
            fresh = []
            for code in codes:
                last = self._seen.get(code.raw)
                self._seen[code.raw] = now  # sliding: reported again only after a real absence
                if last is None or now - last > self.dedupe_seconds:
                    fresh.append(code)
            if len(self._seen) > 256:
                horizon = now - self.dedupe_seconds
                self._seen = {k: t for k, t in self._seen.items() if t >= horizon}
            c.reported += len(fresh)
            return tuple(fresh)
