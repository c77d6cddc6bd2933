"""Staff sign-in and permissions: who may do what, checked in the domain for every action.

Secrets (a PIN of at least 4 digits or a password of at least 6 characters) are stored only
as argon2 hashes. Five wrong tries lock the account for five minutes. Every sign-in, failed
try and lock-out is an audit event. The desk hides buttons a role may not use, but the check
that counts is :func:`require`, called by the domain functions themselves.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint import audit
from checkpoint.domain import Role
from checkpoint.errors import CheckpointError
from checkpoint.models import Site, StaffMember, utcnow

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
MIN_PIN_DIGITS = 4
MIN_PASSWORD_CHARS = 6

_HASHER = PasswordHasher()


class Permission(StrEnum):
    """Things a staff member may be allowed to do."""

    RUN_INSPECTION = "run_inspection"
    OPEN_CLOSE_SHIFT = "open_close_shift"
    OVERRIDE_DISPOSITION = "override_disposition"
    CORRECT_RECORD = "correct_record"
    PRINT_REPORT = "print_report"
    EXPORT = "export"
    MANAGE_STAFF = "manage_staff"
    MANAGE_POLICY = "manage_policy"
    MANAGE_TRUST = "manage_trust"
    MANAGE_RETENTION = "manage_retention"


_LANE = frozenset({Permission.RUN_INSPECTION})
_LEADER = _LANE | {
    Permission.OPEN_CLOSE_SHIFT,
    Permission.OVERRIDE_DISPOSITION,
    Permission.CORRECT_RECORD,
    Permission.PRINT_REPORT,
    Permission.EXPORT,
}
_ADMIN = frozenset(Permission)

#: The permission matrix: the one place it is written down.
MATRIX: dict[Role, frozenset[Permission]] = {
    Role.VOLUNTEER: _LANE,
    Role.GUIDE: _LANE,
    Role.INSPECTOR: _LANE,
    Role.RECORDER: _LANE,
    Role.LEADER: frozenset(_LEADER),
    Role.ADMIN: _ADMIN,
}

_PERMISSION_TEXT: dict[Permission, tuple[str, str]] = {
    Permission.RUN_INSPECTION: ("查验车辆", "run inspections"),
    Permission.OPEN_CLOSE_SHIFT: ("开班或关班", "open or close a shift"),
    Permission.OVERRIDE_DISPOSITION: ("更改分流建议", "override a suggested disposition"),
    Permission.CORRECT_RECORD: ("更正记录", "correct a saved record"),
    Permission.PRINT_REPORT: ("打印报表", "print reports"),
    Permission.EXPORT: ("导出数据", "export data"),
    Permission.MANAGE_STAFF: ("管理人员", "manage staff"),
    Permission.MANAGE_POLICY: ("管理查验政策", "manage the policy"),
    Permission.MANAGE_TRUST: ("管理信任证书", "manage the trust store"),
    Permission.MANAGE_RETENTION: ("管理数据保留与清除", "manage data retention and purging"),
}


class PermissionDenied(CheckpointError):
    """The staff member's role does not allow the action, or the account is disabled."""


class AuthError(CheckpointError):
    """Sign-in refused: unknown name, wrong secret, locked account, or a too-weak secret."""


def allowed(role: Role, permission: Permission) -> bool:
    """Whether ``role`` may do ``permission``."""
    return permission in MATRIX[role]


def require(staff: StaffMember, permission: Permission) -> None:
    """Raise PermissionDenied unless ``staff`` is active and their role allows ``permission``."""
    try:
        role = Role(staff.role)
    except ValueError as exc:
        raise PermissionDenied(
            f"{staff.name} 的角色 {staff.role!r} 无效 ({staff.name} has an unknown role)."
        ) from exc
    zh, en = _PERMISSION_TEXT[permission]
    if not staff.active:
        raise PermissionDenied(
            f"{staff.name} 的账号已停用，不能{zh} ({staff.name}'s account is disabled; "
            f"they may not {en})."
        )
    if not allowed(role, permission):
        who = ", ".join(f"{r.zh}" for r in Role if allowed(r, permission))
        raise PermissionDenied(
            f"{role.zh}{staff.name} 无权{zh}，需要{who} "
            f"({role.en} {staff.name} may not {en}; this needs "
            f"{' or '.join(r.en.lower() for r in Role if allowed(r, permission))})."
        )


def check_secret_strength(secret: str) -> None:
    """AuthError unless ``secret`` is a PIN of ≥ 4 digits or a password of ≥ 6 characters."""
    if secret != secret.strip() or not secret:
        raise AuthError(
            "PIN/密码不能为空，也不能以空格开头或结尾 (PIN or password is empty or "
            "has leading/trailing spaces)."
        )
    if secret.isdigit():
        if len(secret) < MIN_PIN_DIGITS:
            raise AuthError(
                f"PIN 至少 {MIN_PIN_DIGITS} 位数字 (a PIN needs at least {MIN_PIN_DIGITS} digits)."
            )
    elif len(secret) < MIN_PASSWORD_CHARS:
        raise AuthError(
            f"密码至少 {MIN_PASSWORD_CHARS} 个字符 "
            f"(a password needs at least {MIN_PASSWORD_CHARS} characters)."
        )


def set_secret(
    session: Session,
    staff: StaffMember,
    secret: str,
    *,
    by: StaffMember | None = None,
    at: datetime | None = None,
) -> None:
    """Store the argon2 hash of ``secret`` for ``staff`` and clear any lock-out.

    ``by`` is who sets it (an admin resetting a PIN); without ``by`` it is the person
    themselves. Someone other than the person needs MANAGE_STAFF. Audited as ``staff.passwd``.
    """
    check_secret_strength(secret)
    if by is not None and by.id != staff.id:
        require(by, Permission.MANAGE_STAFF)
    staff.secret_hash = _HASHER.hash(secret)
    staff.failed_attempts = 0
    staff.locked_until = None
    session.flush()
    actor = by or staff
    audit.record(
        session,
        staff.site_id,
        actor.id,
        "staff.passwd",
        str(staff.id),
        {"name": staff.name},
        at=at,
    )


def unlock(session: Session, staff: StaffMember, *, by: StaffMember | None) -> None:
    """Clear a lock-out before it expires (MANAGE_STAFF). Audited as ``staff.unlock``."""
    if by is not None:
        require(by, Permission.MANAGE_STAFF)
    staff.failed_attempts = 0
    staff.locked_until = None
    session.flush()
    audit.record(
        session,
        staff.site_id,
        by.id if by else None,
        "staff.unlock",
        str(staff.id),
        {"name": staff.name},
    )


def _clock(instant: datetime, tz: tzinfo | None) -> str:
    return instant.astimezone(tz).strftime("%H:%M")


def authenticate(
    session: Session,
    site: Site,
    name: str,
    secret: str,
    *,
    at: datetime | None = None,
    tz: tzinfo | None = None,
) -> StaffMember:
    """The active staff member ``name`` if ``secret`` is theirs; AuthError otherwise.

    A failed try, the lock-out it may cause and the audit event are committed before
    AuthError is raised, so a caller's rollback cannot undo the count. ``tz`` is the zone the
    "locked until HH:MM" message is shown in (default: the computer's).
    """
    now = at or utcnow()
    staff = session.scalars(
        select(StaffMember).where(StaffMember.site_id == site.id, StaffMember.name == name.strip())
    ).first()
    if staff is None or not staff.active:
        audit.record(
            session,
            site.id,
            None,
            "auth.unknown",
            None,
            {"name_given": bool(name.strip())},
            at=now,
        )
        session.commit()
        raise AuthError(
            f"没有名为 {name.strip()} 的在岗人员 (no active staff member called {name.strip()!r})."
        )
    if staff.secret_hash is None:
        raise AuthError(
            f"{staff.name} 尚未设置 PIN，请点长设置 ({staff.name} has no PIN yet; "
            "the point chief sets one with `checkpoint staff passwd`)."
        )
    if staff.locked_until is not None and staff.locked_until > now:
        until = _clock(staff.locked_until, tz)
        raise AuthError(f"账号已锁定至 {until} (locked until {until}).")
    if staff.locked_until is not None:  # an expired lock: a fresh set of tries
        staff.locked_until = None
        staff.failed_attempts = 0
    try:
        _HASHER.verify(staff.secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        staff.failed_attempts += 1
        left = MAX_FAILED_ATTEMPTS - staff.failed_attempts
        if left <= 0:
            staff.locked_until = now + LOCKOUT
            staff.failed_attempts = 0
            audit.record(session, site.id, staff.id, "auth.locked", str(staff.id), {}, at=now)
            session.commit()
            until = _clock(staff.locked_until, tz)
            raise AuthError(
                f"PIN 错误次数过多，账号已锁定至 {until} "
                f"(too many wrong tries; locked until {until})."
            ) from None
        audit.record(
            session, site.id, staff.id, "auth.failed", str(staff.id), {"tries_left": left}, at=now
        )
        session.commit()
        tries = "try" if left == 1 else "tries"
        raise AuthError(f"PIN 错误，还可尝试 {left} 次 (wrong PIN, {left} {tries} left).") from None
    if _HASHER.check_needs_rehash(staff.secret_hash):
        staff.secret_hash = _HASHER.hash(secret)
    staff.failed_attempts = 0
    audit.record(session, site.id, staff.id, "auth.sign_in", str(staff.id), {}, at=now)
    session.flush()
    return staff


def needs_first_admin(session: Session, site: Site) -> bool:
    """True while the site has no active admin (点长) with a PIN: the first-run state."""
    found = session.scalars(
        select(StaffMember.id).where(
            StaffMember.site_id == site.id,
            StaffMember.role == Role.ADMIN.value,
            StaffMember.active.is_(True),
            StaffMember.secret_hash.is_not(None),
        )
    ).first()
    return found is None


def create_first_admin(
    session: Session, site: Site, name: str, secret: str, *, at: datetime | None = None
) -> StaffMember:
    """First run: create the point chief (点长) with ``secret``. Refused once one exists."""
    from checkpoint.staff import StaffError, find_staff

    if not needs_first_admin(session, site):
        raise PermissionDenied(
            "已有点长账号，请用点长账号添加人员 (an admin already exists; sign in as the point "
            "chief to add staff)."
        )
    check_secret_strength(secret)
    name = name.strip()
    if not name:
        raise StaffError("A staff member needs a name.")
    member = find_staff(session, site, name)
    if member is None:
        member = StaffMember(id=uuid.uuid4(), site_id=site.id, name=name, role=Role.ADMIN.value)
        session.add(member)
    else:
        member.role = Role.ADMIN.value
        member.active = True
    member.secret_hash = _HASHER.hash(secret)
    member.failed_attempts = 0
    member.locked_until = None
    session.flush()
    audit.record(
        session, site.id, member.id, "staff.first_admin", str(member.id), {"name": name}, at=at
    )
    return member
