"""Flags and helpers shared by subcommands: ``--db`` and turning flags into settings."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from checkpoint.config import Settings, load_settings


def add_db_flag(parser: argparse.ArgumentParser) -> None:
    """``--db URL``: falls back to CHECKPOINT_DB_URL, then the embedded SQLite default."""
    parser.add_argument(
        "--db",
        metavar="URL",
        default=None,
        help="database URL (sqlite:///FILE or postgresql+psycopg://...); "
        "default: CHECKPOINT_DB_URL, then the embedded SQLite file",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with this command's flags applied on top of file and environment."""
    return load_settings(db_url=getattr(args, "db", None))


def print_json(obj: Any) -> None:
    """One JSON document on stdout, Chinese kept readable."""
    json.dump(obj, sys.stdout, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
