"""Database work off the GUI thread, the way Vorta runs its jobs: prepare on the GUI thread,
run on one worker thread, deliver the outcome by a queued signal. No nested event loop: the
GUI thread returns to its loop at once and never waits for the database.

One worker per window keeps the lane's calls in order (a scan, then the step after it).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from checkpoint.errors import CheckpointError

Done = Callable[[Any], None]
Failed = Callable[[CheckpointError], None]


class Jobs(QObject):
    """Runs callables on the window's database thread; ``then``/``failed`` run on the GUI."""

    _finished = Signal(object)
    idle = Signal()  # no job is waiting or running any more

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool: ThreadPoolExecutor | None = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="desk-db"
        )
        self.pending = 0
        self._serial = 0
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}  # GUI thread only
        self.peak = 0  # most jobs queued at once (for tests and benchmarks)
        # Emitted from the worker thread: delivered on the GUI thread by the event loop.
        self._finished.connect(self._deliver)

    def submit(
        self, work: Callable[[], Any], then: Done | None = None, failed: Failed | None = None
    ) -> bool:
        """Queue ``work``; False once shut down. ``then``/``failed`` stay on the GUI thread:
        the worker never holds (and so never drops the last reference to) a screen's code."""
        if self._pool is None:
            return False
        self.pending += 1
        self.peak = max(self.peak, self.pending)
        self._serial += 1
        key = self._serial
        self._callbacks[key] = (then, failed)
        future = self._pool.submit(work)
        finished = self._finished
        future.add_done_callback(lambda f: finished.emit((f, key)))
        return True

    def _deliver(self, payload: tuple[Future[Any], int]) -> None:
        future, key = payload
        then, failed = self._callbacks.pop(key)
        self.pending -= 1
        try:
            try:
                result = future.result()
            except CheckpointError as exc:
                if failed is not None:
                    failed(exc)
                return
            if then is not None:
                then(result)
        finally:
            if self.pending == 0:
                self.idle.emit()

    def shutdown(self) -> None:
        """Finish the jobs under way and stop the thread (idempotent)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
