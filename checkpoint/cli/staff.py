"""``checkpoint staff add|list``: the team."""

from __future__ import annotations

import argparse

from checkpoint.cli.common import add_db_flag, print_json, site_session
from checkpoint.domain import Role
from checkpoint.errors import CheckpointError
from checkpoint.staff import add_staff, list_staff


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("staff", help="add or list staff members")
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="add a staff member")
    add.add_argument("name")
    roles = ", ".join(f"{r.value} ({r.zh})" for r in Role)
    add.add_argument("--role", required=True, help=f"one of: {roles}")
    add_db_flag(add)
    add.set_defaults(func=run_add)
    ls = verbs.add_parser("list", help="list staff members")
    ls.add_argument("--json", action="store_true", help="print JSON")
    add_db_flag(ls)
    ls.set_defaults(func=run_list)


def run_add(args: argparse.Namespace) -> int:
    try:
        role = Role.parse(args.role)
    except ValueError as exc:
        raise CheckpointError(str(exc).capitalize() + ".") from exc
    with site_session(args) as (_settings, session, site):
        member = add_staff(session, site, args.name, role)
        print(f"Added {member.name} as {role.zh} ({role.value}).")
    return 0


def run_list(args: argparse.Namespace) -> int:
    with site_session(args) as (_settings, session, site):
        rows = [(m.name, Role(m.role)) for m in list_staff(session, site)]
    if args.json:
        print_json([{"name": n, "role": r.value, "role_zh": r.zh} for n, r in rows])
    else:
        for name, role in rows:
            print(f"{role.zh}\t{role.value}\t{name}")
    return 0
