"""Sign-in and shift at the lane (登录与开班): the Qt-free service the sign-in screen asks.

The first run creates the point chief; a PIN is checked (lock-out and audit by
``checkpoint.team.auth``); whoever signs in joins the open shift, and a leader who signs in
while none is open opens it with its roster (after an early handover: the next shift, early).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.errors import CheckpointError, Problem
from checkpoint.storage.db import Database
from checkpoint.storage.models import StaffMember as StaffMember  # who is signed in, for ui/
from checkpoint.storage.models import utcnow
from checkpoint.team.auth import authenticate, create_first_admin, needs_first_admin
from checkpoint.team.rota import RosterMember, current_open_shift, join_shift, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import list_staff


@dataclass(frozen=True)
class SignInPage:
    """What the sign-in screen shows: the first-run form, or the names to pick from."""

    first_run: bool
    people: tuple[tuple[str, Role], ...]


@dataclass(frozen=True)
class SignInResult:
    """Who signed in, the shift they joined (None: no shift is open) and the active team."""

    staff: StaffMember
    shift_id: uuid.UUID | None
    team: tuple[StaffMember, ...]


class Accounts:
    """The site's staff at the lane: first run, sign-in, opening the shift."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    def page(self) -> SignInPage:
        """The first-run form, or the active staff by name."""
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            first = needs_first_admin(s, place.site)
            people = tuple(
                (m.name, Role(m.role)) for m in list_staff(s, place.site) if m.active
            )
        return SignInPage(first, people)

    def create_point_chief(self, name: str, pin: str) -> None:
        """First run: the point chief (点长) with ``pin``; AuthError says what is wrong."""
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            create_first_admin(s, place.site, name, pin)

    def sign_in(self, name: str, pin: str) -> SignInResult:
        """Check ``pin``; join the open shift if there is one."""
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            staff = authenticate(s, place.site, name, pin, tz=self.settings.tz)
            shift = current_open_shift(s, place.site)
            if shift is not None:
                join_shift(s, shift, staff)
            team = tuple(m for m in list_staff(s, place.site) if m.active)
            return SignInResult(staff, shift.id if shift is not None else None, team)

    def open_shift(self, leader: StaffMember, roster: Sequence[RosterMember]) -> uuid.UUID:
        """Open the shift the rota says is now (after an early handover: the next one, early)
        with ``roster``, led by ``leader``; its id."""
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            me = s.get(StaffMember, leader.id)
            if me is None:
                raise CheckpointError(
                    f"{leader.name} is not on this site's staff list.",
                    code=Problem.NOT_ON_STAFF, name=leader.name,
                )
            shift = open_shift(s, place.site, leader=me, roster=list(roster),
                               tz=self.settings.tz, at=utcnow())  # fmt: skip
            return shift.id
