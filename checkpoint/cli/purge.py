"""``checkpoint purge``: remove personal fields older than the policy's retention period."""

from __future__ import annotations

import argparse
from datetime import timedelta

from checkpoint.cli.actor import add_as_flag, cli_actor
from checkpoint.cli.common import add_db_flag, site_session
from checkpoint.errors import CheckpointError
from checkpoint.rules.policy import Policy
from checkpoint.storage.retention import purge
from checkpoint.team.auth import Permission


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "purge", help="purge personal data older than the retention period (policy, 30 days)"
    )
    p.add_argument("--days", type=int, help="retention in days (default: the policy's)")
    add_as_flag(p)
    add_db_flag(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with site_session(args) as (settings, session, site):
        if args.days is not None:
            if args.days < 1:
                raise CheckpointError("--days must be at least 1.")
            retention = timedelta(days=args.days)
        else:
            retention = Policy.load(settings.policy_file).retention
        actor = cli_actor(session, site, settings, args, Permission.MANAGE_RETENTION)
        result = purge(session, site.id, retention=retention, by=actor)
    print(
        f"Purged personal data of {result.inspections} inspections "
        f"({result.people} people, {result.scans} scans) older than "
        f"{result.cutoff.astimezone(settings.tz):%Y-%m-%d %H:%M}."
    )
    return 0
