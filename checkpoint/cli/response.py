"""``checkpoint response list|tick|close|start``: the 136 response from the command line.

``list`` shows every open response of the checkpoint (all lanes) with its measures, ``--overdue``
only the measures past due; ``tick ID KEY`` marks a measure done; ``close ID [--note]`` closes a
response (组长/点长); ``start RECORD_ID`` starts one by hand for a vehicle.
"""

from __future__ import annotations

import argparse
import uuid
from datetime import datetime

from checkpoint.cli.actor import add_as_flag
from checkpoint.cli.common import add_db_flag, print_json
from checkpoint.cli.ledger import signed_in
from checkpoint.config import Settings
from checkpoint.leader.responses import ResponseBook, ResponseView
from checkpoint.rules.policy import Policy
from checkpoint.storage.db import Database
from checkpoint.storage.models import StaffMember
from checkpoint.team.auth import Permission


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an id (a UUID)") from exc


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("response", help="the 136 response: open measures, tick, close")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="open responses of every lane with their measures")
    ls.add_argument("--overdue", action="store_true", help="only measures past due")
    ls.add_argument("--json", action="store_true", help="print JSON")
    ls.set_defaults(func=run_list)
    tick = verbs.add_parser("tick", help="mark a measure done")
    tick.add_argument("id", type=_uuid, metavar="ID", help="the response id")
    tick.add_argument("key", help="the measure's key, e.g. hold_report")
    tick.set_defaults(func=run_tick)
    close = verbs.add_parser("close", help="close a response (组长/点长)")
    close.add_argument("id", type=_uuid, metavar="ID", help="the response id")
    close.add_argument("--note", help="why, when measures are left undone")
    close.set_defaults(func=run_close)
    start = verbs.add_parser("start", help="start a response by hand for a vehicle (组长/点长)")
    start.add_argument("record", type=_uuid, metavar="RECORD_ID", help="the record number")
    start.set_defaults(func=run_start)
    for verb in (ls, tick, close, start):
        add_as_flag(verb)
        add_db_flag(verb)


def _book(settings: Settings, db: Database, actor: StaffMember) -> ResponseBook:
    return ResponseBook(db, actor.site_id, settings.tz, Policy.load(settings.policy_file).response)


def _show(r: ResponseView, now: datetime) -> None:
    state = "closed" if r.closed else "open"
    print(
        f"{r.id}\t{r.lane}\t{r.plate_masked}\t{r.trigger_zh}\t{r.started_at:%m-%d %H:%M}\t{state}"
    )
    for m in r.measures:
        if m.done_at is not None:
            done = f"done {m.done_at:%H:%M} {m.done_by or ''}"
        else:
            done = "OVERDUE" if m.overdue(now) and not r.closed else "open"
        print(f"  {m.key}\t{m.minutes} min\tdue {m.due_at:%H:%M}\t{done}\t{m.zh}")


def run_list(args: argparse.Namespace) -> int:
    from checkpoint.reports.leader import LeaderSection, leader_json
    from checkpoint.storage.models import utcnow

    with signed_in(args, Permission.RUN_INSPECTION) as (settings, db, actor):
        book = _book(settings, db, actor)
        now = utcnow().astimezone(settings.tz)
        late = book.overdue(now)
        open_ = book.open_responses()
    if args.overdue and args.json:
        print_json(
            [
                {
                    "response": str(o.response_id),
                    "lane": o.lane,
                    "plate": o.plate_masked,
                    "key": o.key,
                    "label": o.zh,
                    "due_at": o.due_at.isoformat(),
                    "minutes_late": o.minutes_late,
                }
                for o in late
            ]
        )
    elif args.overdue:
        for o in late:
            print(f"{o.lane}\t{o.plate_masked}\t{o.zh}\t{o.minutes_late} min late\t{o.response_id}")
    elif args.json:
        print_json(leader_json(LeaderSection(open_, (), (), ()))["responses"])
    else:
        for r in open_:
            _show(r, now)
        if not open_:
            print("No open 136 response.")
    return 0


def run_tick(args: argparse.Namespace) -> int:
    with signed_in(args, Permission.RUN_INSPECTION) as (settings, db, actor):
        r = _book(settings, db, actor).tick(args.id, args.key.strip(), staff=actor)
    m = next(m for m in r.measures if m.key == args.key.strip())
    late = " (late)" if m.late else ""
    print(f"Ticked {m.key} ({m.zh}) at {m.done_at:%H:%M}{late}.")
    return 0


def run_close(args: argparse.Namespace) -> int:
    with signed_in(args, Permission.OPEN_CLOSE_SHIFT) as (settings, db, actor):
        r = _book(settings, db, actor).close(args.id, staff=actor, note=args.note)
    print(f"Closed the 136 response of {r.plate_masked} at {r.closed_at:%H:%M}.")
    return 0


def run_start(args: argparse.Namespace) -> int:
    with signed_in(args, Permission.OVERRIDE_DISPOSITION) as (settings, db, actor):
        r = _book(settings, db, actor).start(args.record, staff=actor)
    print(f"Started the 136 response {r.id} for {r.plate_masked}.")
    return 0
