"""Who is doing this, on the command line: ``--as NAME`` and a PIN, once the site has accounts.

Until the site has a point chief (点长) with a PIN, anyone at the computer may set things up
(the events then name no actor); from then on every command that changes records or
reads personal data signs its person in (the PIN is asked for, read from one line of standard
input, or from ``CHECKPOINT_PIN``), is checked for the permission, and is audited. On a
database that cannot be written (a read-only or full disk) a reading command still checks
the PIN, and says that its read could not be audited.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.storage import audit
from checkpoint.storage.models import Lane, Site, StaffMember
from checkpoint.team.auth import (
    AuthError,
    Permission,
    PermissionDenied,
    authenticate,
    needs_first_admin,
    require,
)
from checkpoint.team.staff import get_staff

PIN_ENV = "CHECKPOINT_PIN"


def add_as_flag(parser: argparse.ArgumentParser) -> None:
    """``--as NAME``: who is doing this (their PIN is asked for or read from CHECKPOINT_PIN)."""
    parser.add_argument(
        "--as",
        dest="as_name",
        metavar="NAME",
        help=f"sign in as NAME to do this (PIN from the prompt or ${PIN_ENV})",
    )


def read_optional_secret(prompt: str, *, confirm: bool = False) -> str | None:
    """A PIN from the terminal (hidden), or one line of piped standard input; None when there
    is no terminal and nothing was piped."""
    if sys.stdin is None or not sys.stdin.isatty():
        line = sys.stdin.readline() if sys.stdin is not None else ""
        return line.rstrip("\r\n") or None
    secret = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != secret:
        raise AuthError("两次输入的 PIN 不一致 (the two PINs differ).")
    return secret


def read_secret(prompt: str, *, confirm: bool = False) -> str:
    """Like :func:`read_optional_secret`, but a PIN is required."""
    secret = read_optional_secret(prompt, confirm=confirm)
    if not secret:
        raise AuthError("No PIN given: pass --pin, pipe it in, or run in a terminal.")
    return secret


def cli_actor(
    session: Session,
    site: Site,
    settings: Settings,
    args: argparse.Namespace,
    permission: Permission,
) -> StaffMember | None:
    """The person named by ``--as``, signed in and allowed ``permission``; None while the site
    has no admin yet and no ``--as`` was given."""
    return sign_in_as(session, site, settings, getattr(args, "as_name", None), permission)


def sign_in_as(
    session: Session,
    site: Site,
    settings: Settings,
    name: str | None,
    permission: Permission,
) -> StaffMember | None:
    """``name`` signed in with their PIN (prompt or ``CHECKPOINT_PIN``) and allowed
    ``permission``. Before the first admin exists no PIN is asked for; None if no name."""
    if needs_first_admin(session, site):
        if name is None:
            return None
        member = get_staff(session, site, name)
        require(member, permission)
        return member
    if name is None:
        raise PermissionDenied(
            "此操作需要登录 (sign in for this: add --as NAME; the PIN is asked for or read from "
            f"${PIN_ENV})."
        )
    secret = os.environ.get(PIN_ENV) or read_secret(f"PIN for {name}: ")
    database = session.info.get("database")
    if database is not None and getattr(database, "read_only", False):
        member = authenticate(session, site, name, secret, tz=settings.tz, counted=False)
        require(member, permission)
        print(
            f"checkpoint: the database cannot be written, so this read by {member.name} is not "
            "in the audit trail.",
            file=sys.stderr,
        )
        return member
    lane = session.scalars(
        select(Lane).where(Lane.site_id == site.id, Lane.name == settings.lane_name)
    ).first()
    member = authenticate(session, site, name, secret, tz=settings.tz, lane=lane)
    require(member, permission)
    return member


def audited(
    session: Session,
    site: Site,
    actor: StaffMember | None,
    action: str,
    subject: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append the command's audit event (no names or ID numbers in ``detail``); skipped on a
    database that cannot be written (the sign-in said so)."""
    database = session.info.get("database")
    if database is not None and getattr(database, "read_only", False):
        return
    audit.record(session, site.id, actor.id if actor else None, action, subject, detail)
