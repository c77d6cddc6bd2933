"""One global exception hook for the GUI: log the traceback, show one dialog, never a flood.

An unexpected error in a slot must not kill the desk nor bury the inspector in dialogs: the
first one in a while opens a (non-blocking) message, later ones while it is open or within the
quiet period are only logged. Steps already saved stay saved; the message says so.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger("checkpoint.desk")
QUIET_SECONDS = 30.0

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class _ToGui(QObject):
    raised = Signal(object)


class CrashReporter:
    """Installed as ``sys.excepthook`` (and ``threading.excepthook``) while the app runs."""

    def __init__(
        self,
        parent: Callable[[], QWidget | None],
        log_file: Path | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.parent = parent
        self.log_file = log_file
        self.clock = clock
        self.dialog: QMessageBox | None = None
        self.last_shown: float | None = None
        self.logged = 0
        self._to_gui = _ToGui()
        self._to_gui.raised.connect(self._show)  # queued from worker threads

    def install(self) -> None:
        """Become the process's exception hooks."""
        sys.excepthook = self.hook
        threading.excepthook = self._thread_hook

    def hook(self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        """Log ``exc`` with its traceback; show the dialog unless one is open or was just shown."""
        log.error("unexpected error", exc_info=(kind, exc, tb))
        self.logged += 1
        self._to_gui.raised.emit(exc)

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.hook(args.exc_type, args.exc_value, args.exc_traceback)

    def _show(self, exc: BaseException) -> None:
        now = self.clock()
        if self.dialog is not None and self.dialog.isVisible():
            return
        if self.last_shown is not None and now - self.last_shown < QUIET_SECONDS:
            return
        self.last_shown = now
        where = f"\n{self.log_file}" if self.log_file else ""
        box = QMessageBox(self.parent())
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("卡口查验台 Checkpoint Desk")
        box.setText(
            "程序出现意外错误，已记录到日志；已保存的步骤不受影响，可以继续工作。\n"
            "An unexpected error occurred and was logged; saved steps are safe, you can go on."
        )
        box.setInformativeText(f"{type(exc).__name__}: {exc}{where}")
        box.open()  # not exec(): the desk keeps running behind it
        self.dialog = box
