"""The ``checkpoint`` command line.

Each module in this package that defines ``register(subparsers)`` adds its own subcommands
(``init``, ``staff``, ``verify``, ``decode``, ``report`` ...); a subcommand sets ``func`` to a
handler ``(args) -> int``. Errors reach the person as one plain sentence on stderr and a
non-zero exit code, never a traceback.

Start-up is kept short: a command line that names a known command imports only the module
that registers it (``COMMANDS``), and ``--version`` imports none; help, an unknown command or
no command at all imports every module, so a command missing from ``COMMANDS`` still works,
only slower (tests/test_cli_foundation.py checks the table against the modules).
"""

from __future__ import annotations

import argparse
import gc
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

# Which module of this package registers each top-level command.
COMMANDS: dict[str, str] = {
    "audit": "audit",
    "cameras": "decode",
    "codes": "codes",
    "decode": "decode",
    "demo": "demo",
    "export": "report",
    "init": "init",
    "ledger": "ledger",
    "purge": "purge",
    "report": "report",
    "response": "response",
    "risk-areas": "risk_areas",
    "shift": "shift",
    "site-key": "site_key",
    "staff": "staff",
    "sync": "sync",
    "trust": "trust",
    "verify": "verify",
}

log = logging.getLogger(__name__)


def _all_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(__path__))


def _modules_for(argv: Sequence[str] | None) -> list[str]:
    """The subcommand modules ``argv`` needs: one for a known command, none for --version."""
    if argv is None:
        return _all_modules()
    # The top-level parser has no option that takes a value: the first word is the command.
    command = next((a for a in argv if not a.startswith("-")), None)
    if command is None:
        only_version = bool(argv) and all(len(a) > 2 and "--version".startswith(a) for a in argv)
        return [] if only_version else _all_modules()
    module = COMMANDS.get(command)
    return [module] if module is not None else _all_modules()


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: only the subcommand module it needs, every module without it."""
    parser = argparse.ArgumentParser(
        prog="checkpoint",
        description="Checkpoint Desk (卡口查验台): command line for the checkpoint's data.",
    )
    parser.add_argument("--version", action="version", version=f"checkpoint-desk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _modules_for(argv):
        module = importlib.import_module(f"{__name__}.{name}")
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
    """Run one command; returns the process exit code.

    ``argv`` None is the process's own command line (the console script, ``python -m``):
    then the cyclic garbage collector waits until the command's modules are loaded and leaves
    them out of its passes from then on (its passes over a few hundred thousand freshly
    imported objects cost a command more than the garbage they find). A call from within a
    running program (argv given) leaves the collector alone.
    """
    process = argv is None
    words = list(sys.argv[1:] if argv is None else argv)
    if process:
        gc.disable()
    try:
        parser = build_parser(words)
        args = parser.parse_args(words)
    finally:
        if process:
            gc.freeze()
            gc.enable()
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
