"""Flags and helpers shared by subcommands: ``--db``, settings from flags, opening the database.

The database layer (SQLAlchemy's ORM, the models) is imported when a command opens the
database, not when its flags are registered: ``checkpoint verify`` never loads it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from checkpoint.config import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from checkpoint.storage.db import Database
    from checkpoint.storage.models import Site


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


def open_db(settings: Settings) -> Database:
    """The configured database, created or migrated to the current schema."""
    from checkpoint.storage.db import open_database

    if settings.db_url is None:
        settings.ensure_data_dir()
    return open_database(settings.database_url)


def open_db_for_reading(settings: Settings) -> Database:
    """The configured database for a command that only reads: no write test of the data
    directory, and a read-only SQLite file is opened read-only (a read-only or full disk)."""
    from checkpoint.storage.db import open_for_reading

    return open_for_reading(settings.database_url)


@contextmanager
def site_session(
    args: argparse.Namespace, *, reading: bool = False
) -> Iterator[tuple[Settings, Session, Site]]:
    """Settings, a committing session and this installation's site, for one command;
    ``reading`` for a command that changes no record (it then works on a read-only disk)."""
    from checkpoint.team.site import ensure_place

    settings = settings_from(args)
    db = open_db_for_reading(settings) if reading else open_db(settings)
    try:
        with db.session() as session:
            place = ensure_place(session, settings)
            yield settings, session, place.site
    finally:
        db.dispose()


def print_json(obj: Any) -> None:
    """One JSON document on stdout, Chinese kept readable."""
    json.dump(obj, sys.stdout, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
