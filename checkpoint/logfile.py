"""The program's log file: ``<data dir>/logs/<name>.log``, rotated, kept for the support desk.

The app and the command line write tracebacks of unexpected errors here, so the person at the
booth sees one plain sentence and whoever fixes it later still has the details.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

MAX_BYTES = 1_000_000
BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"


def log_path(data_dir: Path, name: str) -> Path:
    """Where ``name``'s log lives."""
    return data_dir / "logs" / f"{name}.log"


def configure(data_dir: Path, name: str, level: int = logging.INFO) -> Path | None:
    """Send the root logger to ``name``'s rotating log file; None if it cannot be written
    (then nothing is logged to a file, and the program still runs)."""
    path = log_path(data_dir, name)
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, RotatingFileHandler) and Path(handler.baseFilename) == path:
            return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    return path
