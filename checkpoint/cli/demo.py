"""``checkpoint demo seed``: believable traffic for demos, training and benchmarks."""

from __future__ import annotations

import argparse
from datetime import date

from checkpoint.cli.common import add_db_flag, open_db, settings_from
from checkpoint.demo.seeder import seed
from checkpoint.errors import CheckpointError


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from exc
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="demo data")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    sd = verbs.add_parser("seed", help="fill the database with believable demo traffic")
    sd.add_argument("--days", type=_positive, required=True)
    sd.add_argument("--vehicles-per-day", type=_positive, required=True)
    sd.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
    sd.add_argument(
        "--start", type=date.fromisoformat, help="first duty date (default: N days ago)"
    )
    add_db_flag(sd)
    sd.set_defaults(func=run_seed)


def run_seed(args: argparse.Namespace) -> int:
    if args.vehicles_per_day > 50_000:
        raise CheckpointError("--vehicles-per-day above 50000 is not a believable checkpoint.")
    settings = settings_from(args)
    db = open_db(settings)
    try:
        stats = seed(
            db,
            settings,
            days=args.days,
            vehicles_per_day=args.vehicles_per_day,
            seed_value=args.seed,
            start=args.start,
        )
    finally:
        db.dispose()
    print(
        f"Seeded {stats.days} days: {stats.shifts} shifts, {stats.inspections} vehicles, "
        f"{stats.people} people in {stats.seconds:.1f} s."
    )
    return 0
