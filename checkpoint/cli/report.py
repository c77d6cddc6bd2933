"""``checkpoint report shift|day`` (the paper); ``checkpoint export`` (the ledger, CSV/XLSX).

Both read personal data: once the site has accounts they need ``--as NAME`` of someone allowed
to print reports or export, and each is audited. Both only read the database, so they work on
a read-only or full disk (the report's PDF and the export file go wherever ``--out`` says).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from checkpoint.cli.actor import add_as_flag, audited, cli_actor
from checkpoint.cli.common import (
    add_db_flag,
    open_db_for_reading,
    print_json,
    settings_from,
    site_session,
)
from checkpoint.errors import CheckpointError
from checkpoint.team.auth import Permission
from checkpoint.team.site import ensure_place


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2022-04-18") from exc


def _shift_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a shift number such as 1, 2 or 3"
        ) from exc
    if value < 1:
        raise argparse.ArgumentTypeError("shift numbers start at 1")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="the shift handover report or the daily report as PDF")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    sh = kinds.add_parser("shift", help="shift handover report (交接班报告)")
    sh.add_argument("--date", type=_date, required=True, help="duty date YYYY-MM-DD")
    sh.add_argument("--shift", type=_shift_number, required=True, help="shift number, e.g. 1|2|3")
    dy = kinds.add_parser("day", help="daily report (每日一报): the day's shifts side by side")
    dy.add_argument("--date", type=_date, required=True, help="duty date YYYY-MM-DD")
    for q in (sh, dy):
        q.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="PDF to write")
        q.add_argument(
            "--json",
            action="store_true",
            help="also print the report's figures as JSON, to compare with the paper",
        )
        add_as_flag(q)
        add_db_flag(q)
        q.set_defaults(func=run_report)

    ex = sub.add_parser(
        "export", help="the ledger (工作台账) of a shift, a day or a date range as CSV or XLSX"
    )
    ex.add_argument("--date", type=_date, help="one duty date YYYY-MM-DD")
    ex.add_argument("--shift", type=_shift_number, help="only this shift of --date")
    ex.add_argument("--from", dest="first", type=_date, help="first duty date of a range")
    ex.add_argument("--to", dest="last", type=_date, help="last duty date of a range (inclusive)")
    ex.add_argument("--out", type=Path, required=True, metavar="FILE.csv|FILE.xlsx")
    add_as_flag(ex)
    add_db_flag(ex)
    ex.set_defaults(func=run_export)


def run_report(args: argparse.Namespace) -> int:
    from checkpoint.reports.data import report_json, short_digest
    from checkpoint.reports.pdf import save_pdf
    from checkpoint.reports.service import ReportKind, ReportRequest, make_report

    out: Path = args.out
    if out.suffix.lower() != ".pdf":
        raise CheckpointError(f"--out must name a .pdf file, not {out.name!r}.")
    if out.parent and not out.parent.exists():
        raise CheckpointError(f"The folder {out.parent} does not exist.")
    kind = ReportKind(args.kind)
    request = ReportRequest(kind, args.date, args.shift if kind is ReportKind.SHIFT else None)
    settings = settings_from(args)
    db = open_db_for_reading(settings)
    try:
        with db.session() as session:
            site = ensure_place(session, settings).site
            actor = cli_actor(session, site, settings, args, Permission.PRINT_REPORT)
        doc = make_report(db, settings, request)
        with db.session() as session:
            audited(
                session, site, actor, "report.print", request.file_name,
                {"kind": kind.value, "date": args.date.isoformat(), "digest": doc.report.digest},
            )  # fmt: skip
    finally:
        db.dispose()
    save_pdf(doc.pdf, out)
    if args.json:
        data = report_json(doc.report)
        data["file"] = str(out)
        data["pages"] = doc.pages
        print_json(data)
        return 0
    vehicles = doc.report.vehicles
    note = " (no vehicles: an empty report)" if vehicles == 0 else ""
    head = getattr(doc.report, "audit_head", None)
    chain = f"; audit chain head #{head.seq} {head.hash}" if head is not None else ""
    print(
        f"Wrote {out}: {doc.title}, {vehicles} vehicles, {doc.pages} pages, "
        f"digest {short_digest(doc.report.digest)}{note}{chain}."
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from checkpoint.reports.export import LedgerScope, export_ledger

    if args.date is not None and (args.first or args.last):
        raise CheckpointError("Give --date, or --from and --to, not both.")
    if args.date is not None:
        scope = LedgerScope(args.date, args.date, args.shift)
    elif args.first is not None and args.last is not None:
        if args.shift is not None:
            raise CheckpointError("--shift goes with --date, not with a --from/--to range.")
        scope = LedgerScope(args.first, args.last)
    else:
        raise CheckpointError("Give --date YYYY-MM-DD [--shift N], or --from DATE --to DATE.")
    out: Path = args.out
    if out.parent and not out.parent.exists():
        raise CheckpointError(f"The folder {out.parent} does not exist.")
    with site_session(args, reading=True) as (settings, session, site):
        actor = cli_actor(session, site, settings, args, Permission.EXPORT)
        n = export_ledger(session, site, settings.tz, scope, out)
        audited(
            session, site, actor, "export.ledger", out.suffix.lower(),
            {"from": scope.first.isoformat(), "to": scope.last.isoformat(), "rows": n},
        )  # fmt: skip
    print(f"Wrote {n} vehicles of {scope.describe()} to {out}.")
    return 0
