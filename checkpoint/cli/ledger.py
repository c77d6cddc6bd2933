"""``checkpoint ledger import|correct|search|show``: the shift leader's books from the command line.

``ledger import FILE.csv|FILE.xlsx --date YYYY-MM-DD --as NAME`` enters a paper ledger (补录),
all or nothing; ``ledger correct ID --field F --value V --reason TEXT --as NAME`` corrects a
finished record, which the core then judges again; ``ledger search`` finds vehicles across
shifts (and ``--out`` exports what it found); ``ledger show ID`` prints one record with its
corrections. Every verb signs its person in (``--as``; PIN from the prompt or CHECKPOINT_PIN).
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from checkpoint.cli.actor import add_as_flag, sign_in_as
from checkpoint.cli.common import add_db_flag, open_db, print_json, settings_from
from checkpoint.config import Settings
from checkpoint.domain import Disposition
from checkpoint.errors import CheckpointError
from checkpoint.storage.db import Database
from checkpoint.storage.models import Lane, StaffMember
from checkpoint.team.auth import Permission, PermissionDenied
from checkpoint.team.site import ensure_place


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2022-04-18") from exc


def _record_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a record number (the 记录编号 of the ledger, a UUID)"
        ) from exc


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from checkpoint.leader.corrections import field_help

    p = sub.add_parser("ledger", help="the leader's books: back-entry, corrections, search")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    imp = verbs.add_parser("import", help="enter a paper ledger afterwards (补录), all or nothing")
    imp.add_argument("file", type=Path, metavar="FILE.csv|FILE.xlsx")
    imp.add_argument("--date", type=_date, required=True, help="duty date YYYY-MM-DD")
    imp.add_argument("--json", action="store_true", help="print the result as JSON")
    imp.set_defaults(func=run_import)

    cor = verbs.add_parser("correct", help="correct a finished record (组长/点长); re-judged")
    cor.add_argument("id", type=_record_id, metavar="ID", help="the record number (记录编号)")
    cor.add_argument("--field", required=True, help=field_help())
    cor.add_argument("--value", required=True, help="the corrected value")
    cor.add_argument("--reason", required=True, help="why (kept with the record)")
    cor.add_argument("--json", action="store_true", help="print the result as JSON")
    cor.set_defaults(func=run_correct)

    se = verbs.add_parser("search", help="find vehicles across shifts and days")
    se.add_argument("--plate", default="", help="part of a plate; 浙A1 matches from the start")
    se.add_argument("--from", dest="first", type=_date, help="first duty date")
    se.add_argument("--to", dest="last", type=_date, help="last duty date (inclusive)")
    names = ", ".join(f"{d.value} ({d.zh})" for d in Disposition)
    se.add_argument("--disposition", help=f"one of {names}")
    se.add_argument("--lane", help="lane name, e.g. 1号车道")
    se.add_argument("--staff", help="someone who did a step of the vehicle")
    se.add_argument("--limit", type=int, default=200, help="rows to print (default 200)")
    se.add_argument("--out", type=Path, metavar="FILE.csv|FILE.xlsx", help="export all matches")
    se.add_argument("--json", action="store_true", help="print JSON")
    se.set_defaults(func=run_search)

    sh = verbs.add_parser("show", help="one record with its people, steps and corrections")
    sh.add_argument("id", type=_record_id, metavar="ID")
    sh.add_argument("--json", action="store_true", help="print JSON")
    sh.set_defaults(func=run_show)

    for verb in (imp, cor, se, sh):
        add_as_flag(verb)
        add_db_flag(verb)


@contextmanager
def signed_in(
    args: argparse.Namespace, permission: Permission
) -> Iterator[tuple[Settings, Database, StaffMember]]:
    """Settings, the database and the person of ``--as``, signed in and allowed ``permission``."""
    settings = settings_from(args)
    db = open_db(settings)
    try:
        with db.session() as s:
            place = ensure_place(s, settings)
            actor = sign_in_as(s, place.site, settings, args.as_name, permission)
        if actor is None:
            raise PermissionDenied(
                "The leader's books name who does this: add --as NAME (a 组长 or 点长)."
            )
        yield settings, db, actor
    finally:
        db.dispose()


def run_import(args: argparse.Namespace) -> int:
    from checkpoint.leader.backentry import import_paper_ledger

    with signed_in(args, Permission.CORRECT_RECORD) as (settings, db, actor):
        result = import_paper_ledger(db, settings, args.file, args.date, staff=actor)
    if args.json:
        print_json(
            {
                "file": result.source,
                "duty_date": result.duty_date.isoformat(),
                "vehicles": result.vehicles,
                "people": result.people,
                "ids": [str(i) for i in result.inspection_ids],
                "shifts_opened": list(result.shifts_opened),
            }
        )
        return 0
    opened = (
        f"; opened shift {', '.join(map(str, result.shifts_opened))} for them"
        if result.shifts_opened
        else ""
    )
    print(
        f"Entered {result.vehicles} vehicles ({result.people} people) of {result.source} "
        f"for {result.duty_date.isoformat()}, marked 补录{opened}."
    )
    return 0


def run_correct(args: argparse.Namespace) -> int:
    # another lane's record is corrected through the server (checkpoint.sync.requests)
    from checkpoint.leader.corrections import CorrectionAsk
    from checkpoint.sync.requests import CorrectionRequested, correct_anywhere

    with signed_in(args, Permission.CORRECT_RECORD) as (settings, db, actor):
        ask = CorrectionAsk(args.id, args.field.strip(), args.value, args.reason, actor)
        done = correct_anywhere(db, settings, ask)
    out = done.preview if isinstance(done, CorrectionRequested) else done
    changes = [out.requested, *out.derived]
    if args.json:
        doc: dict[str, Any] = {
            "id": str(out.inspection_id),
            "changes": [
                {"field": c.field, "old": c.old_value, "new": c.new_value} for c in changes
            ],
            "suggested": out.suggested.value if out.suggested else None,
            "final": out.final.value if out.final else None,
            "response_started": out.response_started,
        }
        if isinstance(done, CorrectionRequested):
            doc |= {"request": str(done.request_id), "lane": done.owner_lane, "state": "waiting"}
        print_json(doc)
        return 0
    for c in changes:
        print(f"{c.field}: {c.old_value or '-'} -> {c.new_value or '-'}")
    if isinstance(done, CorrectionRequested):
        print(
            f"This record belongs to {done.owner_lane}: the correction is written on the "
            f"checkpoint's server (request {done.request_id}) and {done.owner_lane} makes it "
            "when it next reaches the server."
        )
    elif out.response_started:
        print("A 136 response was started for this vehicle.")
    return 0


def _filter(args: argparse.Namespace, db: Database, settings: Settings) -> Any:
    from checkpoint.storage.ledger import LedgerFilter
    from checkpoint.team.staff import get_staff

    disposition = None
    if args.disposition:
        try:
            disposition = Disposition.from_text(args.disposition)
        except ValueError as exc:
            raise CheckpointError(f"--disposition: {exc}.") from None
    lane_id = staff_id = None
    with db.session() as s:
        site = ensure_place(s, settings).site
        if args.lane:
            lane = s.scalars(
                select(Lane).where(Lane.site_id == site.id, Lane.name == args.lane.strip())
            ).first()
            if lane is None:
                raise CheckpointError(f"There is no lane called {args.lane.strip()!r}.")
            lane_id = lane.id
        if args.staff:
            staff_id = get_staff(s, site, args.staff).id
    return LedgerFilter(
        lane_id=lane_id,
        plate=args.plate,
        disposition=disposition,
        first_date=args.first,
        last_date=args.last,
        staff_id=staff_id,
    )


def run_search(args: argparse.Namespace) -> int:
    from checkpoint.storage import ledger

    permission = Permission.EXPORT if args.out is not None else Permission.RUN_INSPECTION
    with signed_in(args, permission) as (settings, db, actor):
        f = _filter(args, db, settings)
        total = ledger.count(db, f)
        rows = ledger.fetch(db, f, 0, max(args.limit, 0))
        written = None
        if args.out is not None:
            written = ledger.export(db, f, args.out, settings.tz, staff=actor)
    if args.json:
        print_json(
            {
                "count": total,
                "rows": [
                    {
                        "id": str(r.id),
                        "at": r.created_at.astimezone(settings.tz).isoformat(),
                        "plate": r.plate,
                        "vehicle_type": r.vehicle_type.value,
                        "people": r.people_count,
                        "suggested": r.suggested.value if r.suggested else None,
                        "final": r.final.value if r.final else None,
                        "status": r.status,
                    }
                    for r in rows
                ],
                "exported": written,
            }
        )
        return 0
    for r in rows:
        final = r.final.zh if r.final else "未完成"
        when = r.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        print(f"{when}\t{r.plate}\t{r.vehicle_type.zh}\t{r.people_count}\t{final}\t{r.id}")
    print(f"{total} vehicles match." + (f" Wrote {written} to {args.out}." if written else ""))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from checkpoint.storage import ledger

    with signed_in(args, Permission.RUN_INSPECTION) as (settings, db, _actor):
        d = ledger.details(db, args.id)
    tz = settings.tz
    data = {
        "id": str(d.row.id),
        "at": d.row.created_at.astimezone(tz).isoformat(),
        "plate": d.row.plate,
        "vehicle_type": d.row.vehicle_type.value,
        "people": d.row.people_count,
        "origin": d.origin,
        "destination": d.destination,
        "suggested": d.row.suggested.value if d.row.suggested else None,
        "final": d.row.final.value if d.row.final else None,
        "override_reason": d.override_reason,
        "back_entry": None
        if d.paper is None
        else {"file": d.paper.source, "line": d.paper.line, "note": d.paper.note,
              "by": d.paper.by, "at": d.paper.at.astimezone(tz).isoformat()},
        "corrections": [
            {"field": c.field, "old": c.old_value, "new": c.new_value, "reason": c.reason,
             "by": c.by, "at": c.at.astimezone(tz).isoformat()}
            for c in d.corrections
        ],
    }  # fmt: skip
    if args.json:
        print_json(data)
        return 0
    for key, value in data.items():
        if key != "corrections":
            print(f"{key}: {value if value is not None else '-'}")
    for c in d.corrections:
        change = f"{c.old_value or '-'} -> {c.new_value or '-'}"
        print(f"corrected {c.field}: {change} ({c.reason}, {c.by})")
    return 0
