"""The team: staff members with their usual role (see domain.Role)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint.domain import Role
from checkpoint.errors import CheckpointError, Problem
from checkpoint.storage import audit
from checkpoint.storage.models import Site, StaffMember
from checkpoint.sync.keys import staff_key
from checkpoint.team.auth import Permission, require


class StaffError(CheckpointError):
    """A staff operation that cannot be done (duplicate name, unknown person)."""


def add_staff(
    session: Session,
    site: Site,
    name: str,
    role: Role,
    *,
    by: StaffMember | None = None,
    at: datetime | None = None,
) -> StaffMember:
    """Add ``name`` with ``role``; StaffError if the name is taken at this site.

    ``by`` (the signed-in point chief) needs MANAGE_STAFF; None is the set-up before any
    admin exists, or the demo seed. Audited as ``staff.add``.
    """
    if by is not None:
        require(by, Permission.MANAGE_STAFF)
    name = name.strip()
    if not name:
        raise StaffError("A staff member needs a name.", code=Problem.NAME_MISSING)
    if find_staff(session, site, name) is not None:
        raise StaffError(
            f"There is already a staff member called {name!r}.", code=Problem.NAME_TAKEN, name=name
        )
    member = StaffMember(id=staff_key(site.id, name), site_id=site.id, name=name, role=role.value)
    session.add(member)
    session.flush()
    audit.record(
        session,
        site.id,
        by.id if by else None,
        "staff.add",
        str(member.id),
        {"role": role.value},
        at=at,
    )
    return member


def find_staff(session: Session, site: Site, name: str) -> StaffMember | None:
    """The staff member called ``name`` at ``site``, if any."""
    return session.scalars(
        select(StaffMember).where(StaffMember.site_id == site.id, StaffMember.name == name.strip())
    ).first()


def get_staff(session: Session, site: Site, name: str) -> StaffMember:
    """The staff member called ``name``; StaffError naming them if there is none."""
    member = find_staff(session, site, name)
    if member is None:
        raise StaffError(f"No staff member called {name!r}; add them with `checkpoint staff add`.")
    return member


def list_staff(session: Session, site: Site) -> list[StaffMember]:
    """Everyone at ``site``, by role then name."""
    order = {r.value: i for i, r in enumerate(Role)}
    rows = session.scalars(select(StaffMember).where(StaffMember.site_id == site.id)).all()
    return sorted(rows, key=lambda m: (order.get(m.role, 99), m.name))


def _other_active_admins(session: Session, member: StaffMember) -> int:
    return len(
        session.scalars(
            select(StaffMember.id).where(
                StaffMember.site_id == member.site_id,
                StaffMember.role == Role.ADMIN.value,
                StaffMember.active.is_(True),
                StaffMember.id != member.id,
            )
        ).all()
    )


def _keep_an_admin(session: Session, member: StaffMember, doing: str) -> None:
    if (
        member.role == Role.ADMIN.value
        and member.active
        and not _other_active_admins(session, member)
    ):
        raise StaffError(
            f"{member.name} is the only active point chief (点长); add another before {doing}.",
            code=Problem.LAST_POINT_CHIEF, name=member.name,
        )


def change_role(
    session: Session,
    member: StaffMember,
    role: Role,
    *,
    by: StaffMember,
    at: datetime | None = None,
) -> StaffMember:
    """Give ``member`` another usual role (MANAGE_STAFF). The last active point chief keeps
    the role. Audited as ``staff.role``."""
    require(by, Permission.MANAGE_STAFF)
    if member.role == role.value:
        raise StaffError(
            f"{member.name} already has the role {role.zh} ({role.value}).",
            code=Problem.ALREADY_HAS_ROLE, name=member.name, role=role.value,
        )
    if role is not Role.ADMIN:
        _keep_an_admin(session, member, "changing their role")
    old = member.role
    member.role = role.value
    session.flush()
    audit.record(
        session,
        member.site_id,
        by.id,
        "staff.role",
        str(member.id),
        {"from": old, "to": role.value},
        at=at,
    )
    return member


def retire(
    session: Session, member: StaffMember, *, by: StaffMember, at: datetime | None = None
) -> StaffMember:
    """Disable ``member``'s account (MANAGE_STAFF): they can no longer sign in or act, and stay
    named in the records they made. Audited as ``staff.retire``."""
    require(by, Permission.MANAGE_STAFF)
    if member.id == by.id:
        raise StaffError(
            "You cannot retire your own account; ask another point chief.",
            code=Problem.RETIRE_SELF,
        )
    if not member.active:
        raise StaffError(
            f"{member.name} is already retired.", code=Problem.ALREADY_RETIRED, name=member.name
        )
    _keep_an_admin(session, member, "retiring them")
    member.active = False
    session.flush()
    audit.record(session, member.site_id, by.id, "staff.retire", str(member.id), {}, at=at)
    return member
