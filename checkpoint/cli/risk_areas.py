"""``checkpoint risk-areas import FILE.csv|list``: today's risk areas (中高风险地区)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from checkpoint.cli.actor import add_as_flag, audited, cli_actor
from checkpoint.cli.common import add_db_flag, print_json, site_session
from checkpoint.config import load_settings
from checkpoint.rules.risk_areas import RiskLevel, import_csv, load
from checkpoint.team.auth import Permission


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``risk-areas import`` and ``risk-areas list``."""
    p = subparsers.add_parser("risk-areas", help="import or list the risk areas")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    imp = verbs.add_parser(
        "import",
        help="replace the risk-area list with a CSV",
        description="CSV columns: region_code,name,level,effective_from,effective_to "
        "(level high/medium/low or 高/中/低; effective_to may be empty).",
    )
    imp.add_argument("file", type=Path, metavar="FILE.csv")
    imp.add_argument(
        "--replace-with-empty",
        action="store_true",
        help="accept a file with a header and no areas: the list becomes empty",
    )
    add_as_flag(imp)
    add_db_flag(imp)
    imp.set_defaults(func=run_import)
    ls = verbs.add_parser("list", help="list the imported risk areas")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=run_list)


def run_import(args: argparse.Namespace) -> int:
    with site_session(args) as (settings, session, site):
        actor = cli_actor(session, site, settings, args, Permission.MANAGE_POLICY)
        listing = import_csv(
            settings.data_dir,
            args.file,
            datetime.now(UTC),
            replace_with_empty=args.replace_with_empty,
        )
        audited(
            session, site, actor, "risk_areas.import", None,
            {"areas": len(listing.areas), "source": args.file.name[:60]},
        )  # fmt: skip
    counts = {lv: sum(a.level is lv for a in listing.areas) for lv in RiskLevel}
    summary = ", ".join(f"{n} {lv.code}" for lv, n in counts.items() if n)
    print(
        f"Imported {len(listing.areas)} risk areas from {args.file.name}"
        + (f" ({summary})." if summary else ".")
    )
    return 0


def run_list(args: argparse.Namespace) -> int:
    listing = load(load_settings().data_dir)
    rows = [
        {
            "region_code": a.region_code,
            "name": a.name,
            "level": a.level.code,
            "effective_from": a.effective_from.isoformat(),
            "effective_to": a.effective_to.isoformat() if a.effective_to else None,
        }
        for a in listing.areas
    ]
    if args.json:
        print_json(
            {
                "imported_at": listing.imported_at.isoformat() if listing.imported_at else None,
                "source": listing.source,
                "areas": rows,
            }
        )
        return 0
    if listing.imported_at is None:
        print("No risk areas imported yet (checkpoint risk-areas import FILE.csv).")
        return 0
    for a in listing.areas:
        until = a.effective_to.isoformat() if a.effective_to else "…"
        print(f"{a.region_code}\t{a.level.zh}\t{a.name}\t{a.effective_from.isoformat()}–{until}")
    print(f"{len(rows)} areas, imported {listing.imported_at.isoformat()} from {listing.source}.")
    return 0
