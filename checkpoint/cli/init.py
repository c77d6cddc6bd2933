"""``checkpoint init``: create or upgrade the database and set up the site."""

from __future__ import annotations

import argparse

from checkpoint.cli.common import add_db_flag, open_db, settings_from
from checkpoint.storage.db import current_revision, head_revision, upgrade
from checkpoint.storage.retention import purge_for_settings
from checkpoint.team.site import ensure_place


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create or upgrade the database")
    add_db_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    db = open_db(settings)  # migrates to head, copying an SQLite file aside first
    try:
        _before, _after, backup = upgrade(db)
        with db.session() as s:
            place = ensure_place(s, settings)
            site_name, lane_name = place.site.name, place.lane.name
        rev = current_revision(db)
        assert rev == head_revision()
        print(f"Database ready at {db.safe_url} (schema {rev}).")
        print(f"Site: {site_name}, lane: {lane_name}.")
        purged = purge_for_settings(db, settings, limit=None)  # all that is due
        if purged.inspections:
            print(
                f"Removed personal data of {purged.inspections} vehicles older than "
                f"{purged.cutoff.date().isoformat()} (retention policy)."
            )
        if backup is not None:
            print(f"A copy of the database before migrating is at {backup}.")
    finally:
        db.dispose()
    return 0
