"""``checkpoint staff add|list|passwd|unlock``: the team and their PINs.

Until the site has a point chief (点长) with a PIN, anyone at the computer may set the team up;
``staff add NAME --role admin`` creates that first admin. From then on, changing the team needs
``--as NAME`` of someone allowed to (the PIN is asked for, or read from ``CHECKPOINT_PIN``).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from checkpoint.cli.actor import add_as_flag, cli_actor, read_optional_secret, read_secret
from checkpoint.cli.common import add_db_flag, print_json, site_session
from checkpoint.domain import Role
from checkpoint.errors import CheckpointError
from checkpoint.storage.models import Lane
from checkpoint.team.auth import (
    Permission,
    create_first_admin,
    needs_first_admin,
    set_secret,
    unlock,
    unlock_lane,
)
from checkpoint.team.staff import add_staff, get_staff, list_staff


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("staff", help="add or list staff members, set PINs, unlock accounts")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="add a staff member")
    add.add_argument("name")
    roles = ", ".join(f"{r.value} ({r.zh})" for r in Role)
    add.add_argument("--role", required=True, help=f"one of: {roles}")
    add.add_argument("--pin", help="their PIN or password (default: asked for; admins need one)")
    add_as_flag(add)
    add_db_flag(add)
    add.set_defaults(func=run_add)
    ls = verbs.add_parser("list", help="list staff members")
    ls.add_argument("--json", action="store_true", help="print JSON")
    add_db_flag(ls)
    ls.set_defaults(func=run_list)
    pw = verbs.add_parser("passwd", help="set or change someone's PIN")
    pw.add_argument("name")
    pw.add_argument("--pin", help="the new PIN (default: asked for)")
    add_as_flag(pw)
    add_db_flag(pw)
    pw.set_defaults(func=run_passwd)
    un = verbs.add_parser("unlock", help="lift a lock-out after too many wrong PINs")
    un.add_argument("name", nargs="?", help="whose account (or give --lane)")
    un.add_argument(
        "--lane",
        nargs="?",
        const="",
        metavar="LANE",
        help="lift a lane's sign-in lock instead (default: this computer's lane)",
    )
    add_as_flag(un)
    add_db_flag(un)
    un.set_defaults(func=run_unlock)


def run_add(args: argparse.Namespace) -> int:
    try:
        role = Role.parse(args.role)
    except ValueError as exc:
        raise CheckpointError(str(exc).capitalize() + ".") from exc
    with site_session(args) as (settings, session, site):
        if role is Role.ADMIN and needs_first_admin(session, site) and args.as_name is None:
            secret = args.pin or read_optional_secret(f"New PIN for {args.name}: ", confirm=True)
            if secret is None:
                # No terminal and no --pin (a setup script): the point chief is added, and the
                # site stays open to anyone at this computer until they have a PIN.
                member = add_staff(session, site, args.name, role)
                print(f"Added {member.name} as {role.zh} ({role.value}) without a PIN.")
                print(
                    f"checkpoint: until {member.name} has a PIN, anyone at this computer may "
                    f"manage the team; set it with `checkpoint staff passwd {member.name}` or "
                    "at the app's first start.",
                    file=sys.stderr,
                )
                return 0
            member = create_first_admin(session, site, args.name, secret)
            print(f"Added {member.name} as the first {role.zh} ({role.value}), with a PIN.")
            return 0
        actor = cli_actor(session, site, settings, args, Permission.MANAGE_STAFF)
        member = add_staff(session, site, args.name, role, by=actor)
        if args.pin:
            set_secret(session, member, args.pin, by=actor)
        print(f"Added {member.name} as {role.zh} ({role.value}).")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    with site_session(args) as (settings, session, site):
        member = get_staff(session, site, args.name)
        if args.as_name is not None and args.as_name.strip() == member.name:
            actor = cli_actor(session, site, settings, args, Permission.RUN_INSPECTION)
        else:
            actor = cli_actor(session, site, settings, args, Permission.MANAGE_STAFF)
        secret = args.pin or read_secret(f"New PIN for {member.name}: ", confirm=True)
        set_secret(session, member, secret, by=actor)
        print(f"PIN set for {member.name}.")
    return 0


def run_unlock(args: argparse.Namespace) -> int:
    if (args.name is None) == (args.lane is None):
        raise CheckpointError("Give the name of whose account to unlock, or --lane.")
    with site_session(args) as (settings, session, site):
        actor = cli_actor(session, site, settings, args, Permission.MANAGE_STAFF)
        if args.lane is not None:
            name = args.lane or settings.lane_name
            lane = session.scalars(
                select(Lane).where(Lane.site_id == site.id, Lane.name == name)
            ).first()
            if lane is None:
                raise CheckpointError(f"There is no lane called {name!r} at {site.name}.")
            unlock_lane(session, lane, by=actor)
            print(f"Unlocked sign-in at {lane.name}.")
            return 0
        member = get_staff(session, site, args.name)
        unlock(session, member, by=actor)
        print(f"Unlocked {member.name}.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with site_session(args, reading=True) as (_settings, session, site):
        rows = [
            (m.name, Role(m.role), m.secret_hash is not None, m.active)
            for m in list_staff(session, site)
        ]
    if args.json:
        print_json(
            [
                {"name": n, "role": r.value, "role_zh": r.zh, "has_pin": pin, "active": active}
                for n, r, pin, active in rows
            ]
        )
    else:
        for name, role, pin, _active in rows:
            print(f"{role.zh}\t{role.value}\t{name}\t{'PIN' if pin else '-'}")
    return 0
