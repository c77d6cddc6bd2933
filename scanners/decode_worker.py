"""Decoding in a worker process (解码子进程), fed through shared memory.

zxing-cpp holds the interpreter lock while it decodes, so in the desk's process every decode
competes with the GUI thread (issue 14: p95 24 ms inside the desk against 3.9 ms alone). Here
the frame goes, as it is (BGR, one copy), into a shared-memory buffer; the worker process
converts it to grey, decodes it with the cascade and answers through a pipe with plain
dataclasses. The pipeline's decode thread only copies and waits on the pipe (no lock held), so
the GUI keeps the interpreter to itself.

- One frame at a time, synchronous for the caller: the pipeline's one-slot buffer already makes
  the latest frame win, so no queue forms here either.
- The worker is started with the ``spawn`` method (the only one on Windows and in the PyInstaller
  bundle, where ``multiprocessing.freeze_support()`` in ``app.py`` lets the executable act as the
  worker). Until it reports ready, frames are decoded in this process.
- If it cannot start, does not come up in time or dies, decoding continues in this process and
  one sentence says so in the log: scanning never stops because of the worker.
- ``close`` ends the worker, waits for it and removes the shared memory; no child is left.
"""

from __future__ import annotations

import contextlib
import logging
import mmap
import multiprocessing
import multiprocessing.connection
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from multiprocessing import resource_tracker
from typing import Any

import numpy as np

from scanners.codes import DecodeResult
from scanners.decoders import CascadeDecoder, to_grey
from scanners.synthetic import booth_light_frame

log = logging.getLogger(__name__)

_REPLY_TIMEOUT_S = 2.0  # a decode that takes this long means the worker is stuck or gone


@dataclass(frozen=True, slots=True)
class _BufferRef:
    """How the worker finds a shared buffer: a tag name (Windows) or a file path (elsewhere)."""

    name: str
    size: int


class _SharedBuffer:
    """A block of memory both processes map. Windows: a named mapping; POSIX: a file in
    /dev/shm (memory-backed) mapped by both. No multiprocessing.shared_memory: its resource
    tracker outlives the worker as an extra process."""

    def __init__(self, size: int, ref: _BufferRef | None = None) -> None:
        self._path: str | None = None
        if sys.platform == "win32":
            name = ref.name if ref else f"checkpoint-decode-{os.getpid()}-{uuid.uuid4().hex}"
            self.ref = _BufferRef(name, size)
            self.map = mmap.mmap(-1, size, tagname=name)
            return
        if ref is None:
            folder = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
            fd, path = tempfile.mkstemp(prefix="checkpoint-decode-", dir=folder)
            os.ftruncate(fd, size)
            self._path = path
        else:
            fd = os.open(ref.name, os.O_RDWR)
            path = ref.name
        try:
            self.map = mmap.mmap(fd, size)
        finally:
            os.close(fd)
        self.ref = _BufferRef(path, size)

    def array(self, height: int, width: int, channels: int = 1) -> np.ndarray:
        """An image view of the first height×width×channels bytes (drop it before ``close``)."""
        view = np.frombuffer(self.map, np.uint8, count=height * width * channels)
        return view.reshape((height, width, channels) if channels > 1 else (height, width))

    def close(self) -> None:
        """Unmap; the creating side also removes the file."""
        self.map.close()
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path)
            self._path = None


def _worker_main(conn: multiprocessing.connection.Connection, budget_ms: float | None) -> None:
    """The worker process: attach buffers as told, decode each frame, answer, until told to end."""
    decoder = CascadeDecoder(budget_ms=budget_ms)
    # Warm up before reporting ready: every stage's first call pays one-off set-up (hundreds
    # of milliseconds in all), which the desk would otherwise see on its first frames.
    for category in ("glare", "low_light"):
        decoder.scan(to_grey(booth_light_frame(category, "WARM-UP 预热", 0)))
    buffer: _SharedBuffer | None = None
    conn.send(("ready", os.getpid()))
    try:
        while True:
            try:
                msg = conn.recv()
            except EOFError:  # the desk went away
                return
            if msg is None:
                return
            if msg[0] == "attach":
                if buffer is not None:
                    buffer.close()
                buffer = _SharedBuffer(msg[1].size, msg[1])
                continue
            _, height, width, channels = msg
            assert buffer is not None
            frame = buffer.array(height, width, channels)
            try:
                # The decoder's time, in the process doing it: grey conversion and cascade.
                t0 = time.perf_counter()
                codes, unread = decoder.scan(to_grey(frame))
                ms = (time.perf_counter() - t0) * 1000.0
                conn.send(("result", codes, tuple(unread), ms))
            except Exception as exc:  # one bad frame must not end the worker
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
            finally:
                del frame
    finally:
        if buffer is not None:
            buffer.close()
        conn.close()


class ProcessDecoder:
    """The cascade in a worker process; a :class:`~scanners.decoders.Decoder` for the pipeline.

    ``decode`` returns what the cascade found; its ``ms`` is the decoder's time in the process
    that decoded (the worker's grey conversion and cascade, ``worker_ms``), as for a decoder
    in this process. What the hand-off adds (the copy into shared memory, the pipe, winning
    this interpreter's lock back) is the caller's wall time for ``decode`` minus ``ms``: the
    pipeline reports it apart (``PipelineStats.handoff_ms_p95``).
    """

    name = "auto (worker process)"

    def __init__(self, budget_ms: float | None = None, *, start_timeout_s: float = 30.0) -> None:
        self.budget_ms = budget_ms
        self.start_timeout_s = start_timeout_s
        self._local = CascadeDecoder(budget_ms=budget_ms)  # until ready, and as the fallback
        self._process: Any = None
        self._conn: multiprocessing.connection.Connection | None = None
        self._buffer: _SharedBuffer | None = None
        self._started_at = 0.0
        self._ready = False
        self._failed = False
        self._owns_tracker = False
        self.worker_ms = 0.0

    @property
    def where(self) -> str:
        """``worker process``, ``starting`` or ``in process`` (fallback or not started)."""
        if self._ready:
            return "worker process"
        if self._process is not None and not self._failed:
            return "starting"
        return "in process"

    def start(self) -> None:
        """Spawn the worker (returns at once; frames are decoded here until it is ready)."""
        if self._process is not None or self._failed:
            return
        try:
            ctx = multiprocessing.get_context("spawn")
            self._owns_tracker = getattr(resource_tracker._resource_tracker, "_fd", 0) is None
            parent, child = ctx.Pipe(duplex=True)
            process = ctx.Process(target=_worker_main, args=(child, self.budget_ms),
                                  name="checkpoint-decode", daemon=True)
            process.start()
            child.close()
        except Exception as exc:  # OSError, a frozen app without freeze_support, ...
            lines = str(exc).strip().splitlines()
            self._fall_back(f"the decode worker could not start "
                            f"({lines[0] if lines else type(exc).__name__})")
            return
        self._process, self._conn, self._started_at = process, parent, time.monotonic()

    def _fall_back(self, why: str) -> None:
        log.warning("Decoding runs in the desk's own process: %s.", why)
        self._failed = True
        self._ready = False
        self._end_worker()

    def _check_ready(self) -> bool:
        conn = self._conn
        if self._ready or self._failed or conn is None:
            return self._ready
        try:
            if conn.poll():
                msg = conn.recv()
                self._ready = msg[0] == "ready"
        except (EOFError, OSError):
            self._fall_back("the decode worker ended while starting")
            return False
        if not self._ready and time.monotonic() - self._started_at > self.start_timeout_s:
            self._fall_back(f"the decode worker did not start within {self.start_timeout_s:.0f} s")
        return self._ready

    def decode(self, image: np.ndarray) -> DecodeResult:
        if not self._check_ready():
            result = self._local.decode(image)
            self.worker_ms = result.ms
            return result
        try:
            self._send_frame(image)
            reply = self._reply()
        except (EOFError, OSError, TimeoutError) as exc:
            self._fall_back(f"the decode worker stopped answering ({exc or type(exc).__name__})")
            return self.decode(image)
        if reply[0] == "error":
            log.error("the decode worker could not decode a frame: %s", reply[1])
            return DecodeResult(codes=[], ms=0.0)
        _, codes, unread, worker_ms = reply
        self.worker_ms = worker_ms
        return DecodeResult(codes=codes, ms=worker_ms, unread=unread)

    def _send_frame(self, image: np.ndarray) -> None:
        """The frame as it is (BGR or grey: one copy, no conversion here) into shared memory."""
        conn = self._conn
        assert conn is not None
        if image.dtype != np.uint8 or image.ndim not in (2, 3):
            image = to_grey(image)
        height, width = image.shape[:2]
        channels = image.shape[2] if image.ndim == 3 else 1
        buffer = self._buffer
        if buffer is None or buffer.ref.size < height * width * channels:
            if buffer is not None:
                buffer.close()
            self._buffer = buffer = _SharedBuffer(height * width * channels)
            conn.send(("attach", buffer.ref))
        view = buffer.array(height, width, channels)
        np.copyto(view, image)
        del view
        conn.send(("frame", height, width, channels))

    def _reply(self) -> tuple[Any, ...]:
        conn = self._conn
        assert conn is not None
        if not conn.poll(_REPLY_TIMEOUT_S):
            raise TimeoutError(f"no answer within {_REPLY_TIMEOUT_S:.0f} s")
        reply: tuple[Any, ...] = conn.recv()
        return reply

    def _end_worker(self) -> None:
        process, conn, self._process, self._conn = self._process, self._conn, None, None
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(None)
        if process is not None:
            process.join(3.0)
            if process.is_alive():
                process.terminate()
                process.join(3.0)
            process.close()
        if conn is not None:
            conn.close()
        if self._buffer is not None:
            self._buffer.close()
            self._buffer = None
        if self._owns_tracker:
            # spawn on POSIX starts multiprocessing's resource tracker; it would outlive us
            resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]
            self._owns_tracker = False

    def close(self) -> None:
        """End the worker and wait for it; decoding (if called again) continues in process."""
        self._end_worker()
        self._ready = False
