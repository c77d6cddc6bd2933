"""The team as the point chief (点长) manages it: one typed front door for a screen.

Plain calls in, frozen :class:`TeamMember` out, typed errors (StaffError, AuthError,
PermissionDenied). Each call signs nothing in: ``by`` is the signed-in person, re-read from the
database so a retired or demoted account stops at once. Permissions and audit events are those
of the command line (:mod:`checkpoint.team.staff`, :mod:`checkpoint.team.auth`), which do the work.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.errors import Problem
from checkpoint.storage.db import Database
from checkpoint.storage.models import StaffMember, utcnow
from checkpoint.team import auth, staff
from checkpoint.team.site import ensure_place

T = TypeVar("T")


@dataclass(frozen=True)
class TeamMember:
    """One person on the team as the roster screen shows them."""

    id: uuid.UUID
    name: str
    role: Role
    has_pin: bool
    active: bool
    locked_until: datetime | None

    def locked(self, now: datetime | None = None) -> bool:
        """Whether too many wrong PINs lock the account at ``now``."""
        return self.locked_until is not None and self.locked_until > (now or utcnow())


def _member(m: StaffMember) -> TeamMember:
    return TeamMember(
        m.id, m.name, Role(m.role), m.secret_hash is not None, m.active, m.locked_until
    )


class Team:
    """Add, list, re-role, reset, unlock and retire the staff of this installation's site."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings

    @property
    def owned_by_server(self) -> bool:
        """Whether this lane's staff are a copy that flows down from the checkpoint's server
        (``[server] url`` set and this database is not that server): one owner per record, so
        the team is changed on the server, never on a lane's copy the next pull would overwrite."""
        return self.db.is_lane_copy(self.settings.server_url)

    def _run(self, by: StaffMember, act: Callable[[Session, StaffMember], T]) -> T:
        if self.owned_by_server:
            raise staff.StaffError(
                "This lane's staff list comes from the checkpoint's server; change the team "
                "there (checkpoint staff … --db SERVER_URL).",
                code=Problem.STAFF_ON_SERVER,
            )
        with self.db.session() as s:
            actor = s.get(StaffMember, by.id)
            if actor is None:
                raise staff.StaffError(f"{by.name} is not on this site's staff list.")
            return act(s, actor)

    def _find(self, s: Session, name: str) -> StaffMember:
        return staff.get_staff(s, ensure_place(s, self.settings).site, name)

    def members(self) -> tuple[TeamMember, ...]:
        """Everyone, retired included, by role then name."""
        with self.db.session() as s:
            site = ensure_place(s, self.settings).site
            return tuple(_member(m) for m in staff.list_staff(s, site))

    def add(self, name: str, role: Role, pin: str | None, *, by: StaffMember) -> TeamMember:
        """A new staff member with ``role`` and, if given, their PIN."""

        def act(s: Session, actor: StaffMember) -> TeamMember:
            if pin is not None:
                auth.check_secret_strength(pin)
            member = staff.add_staff(s, ensure_place(s, self.settings).site, name, role, by=actor)
            if pin is not None:
                auth.set_secret(s, member, pin, by=actor)
            return _member(member)

        return self._run(by, act)

    def change_role(self, name: str, role: Role, *, by: StaffMember) -> TeamMember:
        """``name`` works as ``role`` from now on."""
        return self._run(
            by, lambda s, actor: _member(staff.change_role(s, self._find(s, name), role, by=actor))
        )

    def reset_pin(self, name: str, pin: str, *, by: StaffMember) -> TeamMember:
        """Set a new PIN for ``name`` (and lift any lock-out)."""

        def act(s: Session, actor: StaffMember) -> TeamMember:
            member = self._find(s, name)
            auth.set_secret(s, member, pin, by=actor)
            return _member(member)

        return self._run(by, act)

    def unlock(self, name: str, *, by: StaffMember) -> TeamMember:
        """Lift a lock-out after too many wrong PINs."""

        def act(s: Session, actor: StaffMember) -> TeamMember:
            member = self._find(s, name)
            auth.unlock(s, member, by=actor)
            return _member(member)

        return self._run(by, act)

    def retire(self, name: str, *, by: StaffMember) -> TeamMember:
        """Disable ``name``'s account; they stay named in old records."""
        return self._run(
            by, lambda s, actor: _member(staff.retire(s, self._find(s, name), by=actor))
        )
