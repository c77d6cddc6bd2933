"""Run the desk's database work off the GUI thread when the database is on the network.

The desk controller is written step by step ("save, then show the next step"), and every
database call goes through a runner. For a networked PostgreSQL server the runner does the work
on one database thread and keeps the GUI thread's event loop turning meanwhile: the window
repaints, the camera preview moves and the busy indicator shows, while user input waits (it is
excluded from the nested loop, so no second step can start). An embedded SQLite file is fast
(p99 ≈ 1.3 ms a step, bench/bench_storage.py) and its connections belong to the thread that made
them, so it runs inline.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from PySide6.QtCore import QEventLoop, QObject, Signal

from checkpoint.db import Database, is_sqlite
from ui.desk import Runner, run_inline

T = TypeVar("T")


class _Done(QObject):
    finished = Signal()


class ThreadedRunner:
    """Runs one database action at a time on its own thread; the GUI keeps painting."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="desk-db")
        self.waits = 0  # how many calls had to wait in the nested loop (for tests)

    def __call__(self, fn: Callable[[], T]) -> T:
        future = self._pool.submit(fn)
        if not future.done():
            self.waits += 1
            done = _Done()
            loop = QEventLoop()
            # Emitted from the worker thread: a queued call of quit() on the GUI thread.
            done.finished.connect(loop.quit)
            future.add_done_callback(lambda _f: done.finished.emit())
            if not future.done():
                loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
        return future.result()

    def shutdown(self) -> None:
        """Finish the action under way and stop the thread."""
        self._pool.shutdown(wait=True)


def runner_for(db: Database) -> Runner:
    """Inline for SQLite, a :class:`ThreadedRunner` for a database server."""
    return run_inline if is_sqlite(db.engine) else ThreadedRunner()
