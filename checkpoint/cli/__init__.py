"""The ``checkpoint`` command line.

Each module in this package that defines ``register(subparsers)`` adds its own subcommands
(``init``, ``staff``, ``verify``, ``decode``, ``report`` ...); a subcommand sets ``func`` to a
handler ``(args) -> int``. Errors reach the person as one plain sentence on stderr and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from checkpoint import __version__
from checkpoint.errors import CheckpointError

EXIT_ERROR = 2
EXIT_INTERNAL = 70

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every subcommand module registered."""
    parser = argparse.ArgumentParser(
        prog="checkpoint",
        description="Checkpoint Desk (卡口查验台): command line for the checkpoint's data.",
    )
    parser.add_argument("--version", action="version", version=f"checkpoint-desk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def _log_internal_error(exc: Exception) -> Path | None:
    """Write the traceback to the CLI's log file in the data directory; its path, if written."""
    from checkpoint import logfile
    from checkpoint.config import default_data_dir, load_settings

    try:
        data_dir = load_settings().data_dir
    except CheckpointError:
        data_dir = default_data_dir()
    path = logfile.configure(data_dir, "cli")
    log.error("internal error", exc_info=exc)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        code: int = func(args)
    except CheckpointError as exc:
        print(f"checkpoint: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("checkpoint: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # the contract: one sentence, never a traceback
        where = _log_internal_error(exc)
        detail = f" (details in {where})" if where else ""
        print(f"checkpoint: internal error: {type(exc).__name__}: {exc}{detail}", file=sys.stderr)
        return EXIT_INTERNAL
    return code
