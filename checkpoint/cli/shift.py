"""``checkpoint shift open|close|status``: the three-shift rota from the command line.

The database layer is imported by the command that needs it, not when the flags are
registered: ``shift status`` usually answers without it (:mod:`checkpoint.cli.rota_read`).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from checkpoint.cli.common import add_db_flag, print_json
from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.errors import CheckpointError, ShiftError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from checkpoint.storage.models import Site, StaffMember
    from checkpoint.team.shiftplan import SlotSpec


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2022-04-18") from exc


def _which(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date", type=_date, help="duty date YYYY-MM-DD (default: now's)")
    p.add_argument("--shift", type=int, help="shift number, e.g. 1, 2 or 3 (default: now's)")
    add_db_flag(p)


def _signed_in(session: Session, site: Site, settings: Settings, name: str) -> StaffMember:
    """The leader opening or closing the shift: signed in with their PIN once the site has
    accounts (``CHECKPOINT_PIN`` or the prompt), and allowed to open and close shifts."""
    from checkpoint.cli.actor import sign_in_as
    from checkpoint.team.auth import Permission

    member = sign_in_as(session, site, settings, name, Permission.OPEN_CLOSE_SHIFT)
    assert member is not None
    return member


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("shift", help="open, close or show the current shift")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    op = verbs.add_parser("open", help="open a shift with its leader and roster")
    op.add_argument("--leader", required=True, help="the shift leader's name (组长)")
    op.add_argument(
        "--member",
        action="append",
        default=[],
        metavar="ROLE:NAME",
        help="a roster entry such as guide:刘洋 (repeatable)",
    )
    _which(op)
    op.set_defaults(func=run_open)
    cl = verbs.add_parser("close", help="close a shift and hand over")
    cl.add_argument("--by", required=True, help="who closes it (the outgoing leader)")
    cl.add_argument("--to", help="the incoming leader")
    cl.add_argument("--note", help="handover note")
    cl.add_argument("--issues", help="open issues for the next shift")
    _which(cl)
    cl.set_defaults(func=run_close)
    st = verbs.add_parser("status", help="which shift is now and whether it is open")
    st.add_argument("--json", action="store_true")
    _which(st)
    st.set_defaults(func=run_status)


def _target(
    args: argparse.Namespace, session: Session, site: Site, tz: ZoneInfo
) -> tuple[date, SlotSpec]:
    from checkpoint.storage.models import utcnow
    from checkpoint.team.rota import active_plan, locate, spec_from_model

    plan = spec_from_model(active_plan(session, site))
    if (args.date is None) != (args.shift is None):
        raise CheckpointError("Give both --date and --shift, or neither for the current shift.")
    if args.date is not None:
        slot = plan.slot(args.shift)
        return args.date, slot
    w = locate(utcnow(), plan, tz)
    return w.duty_date, w.slot


def run_open(args: argparse.Namespace) -> int:
    from checkpoint.cli.common import site_session
    from checkpoint.team.rota import RosterMember, open_shift
    from checkpoint.team.staff import get_staff

    with site_session(args) as (settings, session, site):
        leader = _signed_in(session, site, settings, args.leader)
        roster = []
        for entry in args.member:
            role_text, sep, name = entry.partition(":")
            if not sep or not name:
                raise CheckpointError(f"--member {entry!r} must look like guide:刘洋.")
            try:
                role = Role.parse(role_text)
            except ValueError as exc:
                raise CheckpointError(f"--member {entry!r}: {exc}.") from exc
            roster.append(RosterMember(get_staff(session, site, name).id, role))
        duty_date, slot = _target(args, session, site, settings.tz)
        shift = open_shift(
            session,
            site,
            leader=leader,
            roster=roster,
            tz=settings.tz,
            duty_date=duty_date,
            number=slot.number,
        )
        print(
            f"Opened {shift.duty_date} {slot.name_zh} ({slot.hours_text()}), "
            f"leader {leader.name}, {len(shift.roster)} on the roster."
        )
    return 0


def run_close(args: argparse.Namespace) -> int:
    from checkpoint.cli.common import site_session
    from checkpoint.team.rota import close_shift, find_shift
    from checkpoint.team.staff import get_staff

    with site_session(args) as (settings, session, site):
        duty_date, slot = _target(args, session, site, settings.tz)
        shift = find_shift(session, site, duty_date, slot.number)
        if shift is None:
            raise ShiftError(f"{duty_date} {slot.name_zh} (shift {slot.number}) was never opened.")
        by = _signed_in(session, site, settings, args.by)
        to = get_staff(session, site, args.to) if args.to else None
        close_shift(
            session, shift, closed_by=by, handover_to=to, note=args.note, open_issues=args.issues
        )
        target = f", handed over to {to.name}" if to else ""
        print(f"Closed {duty_date} {slot.name_zh}{target}.")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from checkpoint.cli.rota_read import plain_settings, shift_status

    settings = plain_settings(args.db)
    info = (settings and shift_status(settings, args.date, args.shift)) or _full_status(args)
    if args.json:
        print_json(info)
    else:
        leader = f", leader {info['leader']}" if info["leader"] else ""
        print(
            f"{info['site']}: {info['duty_date']} {info['shift_name']} ({info['hours']}) "
            f"is {info['state']}{leader}."
        )
    return 0


def _full_status(args: argparse.Namespace) -> dict[str, object]:
    """The status through the database layer, which first sets up what is missing."""
    from checkpoint.cli.common import site_session
    from checkpoint.team.rota import find_shift

    with site_session(args, reading=True) as (settings, session, site):
        duty_date, slot = _target(args, session, site, settings.tz)
        shift = find_shift(session, site, duty_date, slot.number)
        state = "not opened" if shift is None else ("closed" if shift.closed_at else "open")
        return {
            "site": site.name,
            "duty_date": duty_date.isoformat(),
            "shift": slot.number,
            "shift_name": slot.name_zh,
            "hours": slot.hours_text(),
            "state": state,
            "leader": shift.leader.name if shift else None,
            "database": settings.database_url if settings.db_url is None else "configured URL",
        }
