"""Staff sign-in and permissions: who may do what, checked in the domain for every action.

Secrets (a PIN of at least 4 digits or a password of at least 6 characters) are stored only
as argon2 hashes. Five wrong tries lock the account for five minutes, each further lock twice
as long (at most a day) until a good sign-in; twenty wrong tries at one lane, over all
accounts, lock that lane's sign-in for a quarter of an hour. Tries are counted atomically
before the secret is checked, so parallel guesses cannot outrun the count. Every sign-in,
failed try, lock-out and unlock is an audit event. The desk hides buttons a role may not use,
but the check that counts is :func:`require`, called by the domain functions themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import ColumnElement, Table, or_, select, update
from sqlalchemy.orm import Session

from checkpoint.domain import Role
from checkpoint.errors import CheckpointError, Problem
from checkpoint.storage import audit
from checkpoint.storage.models import Lane, Site, StaffMember, utcnow
from checkpoint.sync.keys import staff_key

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)
MAX_LOCKOUT = timedelta(hours=24)
#: Wrong PINs at one lane, over all its accounts, before the lane's sign-in locks.
LANE_MAX_FAILED_ATTEMPTS = 20
LANE_LOCKOUT = timedelta(minutes=15)
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
            f"{staff.name} 的角色 {staff.role!r} 无效 ({staff.name} has an unknown role).",
            code=Problem.UNKNOWN_ROLE, name=staff.name, role=staff.role,
        ) from exc
    zh, en = _PERMISSION_TEXT[permission]
    if not staff.active:
        raise PermissionDenied(
            f"{staff.name} 的账号已停用，不能{zh} ({staff.name}'s account is disabled; "
            f"they may not {en}).",
            code=Problem.ACCOUNT_DISABLED, name=staff.name, permission=permission.value,
        )
    if not allowed(role, permission):
        who = ", ".join(f"{r.zh}" for r in Role if allowed(r, permission))
        raise PermissionDenied(
            f"{role.zh}{staff.name} 无权{zh}，需要{who} "
            f"({role.en} {staff.name} may not {en}; this needs "
            f"{' or '.join(r.en.lower() for r in Role if allowed(r, permission))}).",
            code=Problem.NOT_PERMITTED, name=staff.name, role=role.value,
            permission=permission.value,
        )


def check_secret_strength(secret: str) -> None:
    """AuthError unless ``secret`` is a PIN of ≥ 4 digits or a password of ≥ 6 characters."""
    if secret != secret.strip() or not secret:
        raise AuthError(
            "PIN/密码不能为空，也不能以空格开头或结尾 (PIN or password is empty or "
            "has leading/trailing spaces).",
            code=Problem.SECRET_BLANK,
        )
    if secret.isdigit():
        if len(secret) < MIN_PIN_DIGITS:
            raise AuthError(
                f"PIN 至少 {MIN_PIN_DIGITS} 位数字 (a PIN needs at least {MIN_PIN_DIGITS} digits).",
                code=Problem.PIN_TOO_SHORT, digits=MIN_PIN_DIGITS,
            )
    elif len(secret) < MIN_PASSWORD_CHARS:
        raise AuthError(
            f"密码至少 {MIN_PASSWORD_CHARS} 个字符 "
            f"(a password needs at least {MIN_PASSWORD_CHARS} characters).",
            code=Problem.PASSWORD_TOO_SHORT, chars=MIN_PASSWORD_CHARS,
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
    staff.lockouts = 0
    session.flush()
    audit.record(
        session,
        staff.site_id,
        by.id if by else None,
        "staff.unlock",
        str(staff.id),
        {"name": staff.name},
    )


def unlock_lane(session: Session, lane: Lane, *, by: StaffMember | None) -> None:
    """Lift a lane's sign-in lock (MANAGE_STAFF). Audited as ``lane.unlock``."""
    if by is not None:
        require(by, Permission.MANAGE_STAFF)
    lane.failed_attempts = 0
    lane.locked_until = None
    session.flush()
    audit.record(session, lane.site_id, by.id if by else None, "lane.unlock", str(lane.id), {})


def _clock(instant: datetime, tz: tzinfo | None) -> str:
    return instant.astimezone(tz).strftime("%H:%M")


def lockout_length(lockouts: int) -> timedelta:
    """How long the next lock lasts after ``lockouts`` earlier ones: 5 min, doubling, ≤ 24 h."""
    length: timedelta = LOCKOUT * (2 ** min(lockouts, 16))
    return min(length, MAX_LOCKOUT)


_STAFF: Table = StaffMember.__table__  # type: ignore[assignment]
_LANE_T: Table = Lane.__table__  # type: ignore[assignment]


def _not_locked(table: Table, now: datetime) -> ColumnElement[bool]:
    return or_(table.c.locked_until.is_(None), table.c.locked_until <= now)


@dataclass(frozen=True)
class _Try:
    """A counted sign-in try: its number since the last good one (None: the account is
    locked) and the account's lock, as the count left them."""

    number: int | None
    locked_until: datetime | None


def _claim_try(session: Session, staff: StaffMember, lane: Lane | None, now: datetime) -> _Try:
    """Count this try before the secret is checked, in one committed transaction.

    The transaction starts with the UPDATE (the caller's work is committed first), and each
    UPDATE ... RETURNING holds the row's lock (PostgreSQL) or the database's write lock
    (SQLite) until the commit, so parallel tries are counted one after another and at most
    MAX_FAILED_ATTEMPTS of them are ever checked per lock period. The try that reaches the
    limit locks the account at once (a right PIN lifts it again). AuthError if the lane is
    locked.
    """
    session.commit()
    if lane is not None and staff.role != Role.ADMIN.value:
        # Admins pass a lane lock (someone must be able to lift it); their own lock still holds.
        row = session.execute(
            update(_LANE_T)
            .where(_LANE_T.c.id == lane.id, _not_locked(_LANE_T, now))
            .values(failed_attempts=_LANE_T.c.failed_attempts + 1)
            .returning(_LANE_T.c.failed_attempts)
        ).first()
        if row is None:
            until = session.scalar(select(_LANE_T.c.locked_until).where(_LANE_T.c.id == lane.id))
            session.rollback()
            shown = _clock(until or now, None)
            raise AuthError(
                f"本车道登录已锁定至 {shown}，请点长解锁 (sign-in at this lane is locked until "
                f"{shown} after too many wrong PINs; the point chief lifts it with "
                "`checkpoint staff unlock --lane`).",
                code=Problem.LANE_LOCKED, until=shown,
            )
        if int(row[0]) >= LANE_MAX_FAILED_ATTEMPTS:
            session.execute(
                update(_LANE_T)
                .where(_LANE_T.c.id == lane.id)
                .values(failed_attempts=0, locked_until=now + LANE_LOCKOUT)
            )
            audit.record(session, staff.site_id, None, "auth.lane_locked", str(lane.id), {}, at=now)
    row = session.execute(
        update(_STAFF)
        .where(_STAFF.c.id == staff.id, _not_locked(_STAFF, now))
        .values(failed_attempts=_STAFF.c.failed_attempts + 1)
        .returning(_STAFF.c.failed_attempts, _STAFF.c.lockouts, _STAFF.c.locked_until)
    ).first()
    if row is None:
        until = session.scalar(select(_STAFF.c.locked_until).where(_STAFF.c.id == staff.id))
        session.commit()  # keeps the lane's count
        return _Try(None, until)
    number, lockouts, until = int(row[0]), int(row[1]), row[2]
    if number >= MAX_FAILED_ATTEMPTS:
        until = now + lockout_length(lockouts)
        session.execute(
            update(_STAFF)
            .where(_STAFF.c.id == staff.id)
            .values(failed_attempts=0, locked_until=until, lockouts=lockouts + 1)
        )
    session.commit()
    return _Try(number, until)


def _release_claim(session: Session, staff: StaffMember, lane: Lane | None, claim: _Try) -> None:
    """The secret was right: clear the account's count and a lock this very try set."""
    values: dict[str, Any] = {"failed_attempts": 0, "lockouts": 0}
    if claim.number is not None and claim.number >= MAX_FAILED_ATTEMPTS:
        values["locked_until"] = None
    session.execute(update(_STAFF).where(_STAFF.c.id == staff.id).values(**values))
    if lane is not None:
        session.execute(update(_LANE_T).where(_LANE_T.c.id == lane.id).values(failed_attempts=0))


def _named(session: Session, site: Site, name: str) -> StaffMember | None:
    return session.scalars(
        select(StaffMember).where(StaffMember.site_id == site.id, StaffMember.name == name.strip())
    ).first()


def authenticate(
    session: Session,
    site: Site,
    name: str,
    secret: str,
    *,
    at: datetime | None = None,
    tz: tzinfo | None = None,
    lane: Lane | None = None,
    counted: bool = True,
) -> StaffMember:
    """The active staff member ``name`` if ``secret`` is theirs; AuthError otherwise.

    Every try is counted (committed) before the secret is checked, so neither parallel tries
    nor a caller's rollback get past the limit: the fifth wrong PIN locks the account, each
    lock twice as long as the one before (:func:`lockout_length`) until a good sign-in. With
    ``lane``, wrong PINs at that lane across all accounts are limited too (see
    LANE_MAX_FAILED_ATTEMPTS). This call commits the session. ``tz`` is the zone the
    "locked until HH:MM" message is shown in (default: the computer's).

    ``counted=False`` is for a database that cannot be written (a read-only or full disk, for
    commands that only read): a locked account stays locked, but nothing is counted or
    audited; whoever holds a read-only copy of the file can test PINs offline anyway.
    """
    now = at or utcnow()
    staff = _named(session, site, name)
    if not counted:
        return _check_uncounted(staff, name, secret, now, tz)
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
            f"没有名为 {name.strip()} 的在岗人员 (no active staff member called {name.strip()!r}).",
            code=Problem.UNKNOWN_STAFF, name=name.strip(),
        )
    stored_hash = staff.secret_hash
    if stored_hash is None:
        raise AuthError(
            f"{staff.name} 尚未设置 PIN，请点长设置 ({staff.name} has no PIN yet; "
            "the point chief sets one with `checkpoint staff passwd`).",
            code=Problem.NO_PIN_SET, name=staff.name,
        )
    claim = _claim_try(session, staff, lane, now)
    if claim.number is None:
        raise _locked(claim.locked_until or now, tz)
    try:
        _HASHER.verify(stored_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        left = MAX_FAILED_ATTEMPTS - claim.number
        if left <= 0:
            audit.record(session, site.id, staff.id, "auth.locked", str(staff.id), {}, at=now)
            session.commit()
            until = _clock(claim.locked_until or now, tz)
            raise AuthError(
                f"PIN 错误次数过多，账号已锁定至 {until} "
                f"(too many wrong tries; locked until {until}).",
                code=Problem.TOO_MANY_TRIES, until=until,
            ) from None
        audit.record(
            session, site.id, staff.id, "auth.failed", str(staff.id), {"tries_left": left}, at=now
        )
        session.commit()
        tries = "try" if left == 1 else "tries"
        raise AuthError(
            f"PIN 错误，还可尝试 {left} 次 (wrong PIN, {left} {tries} left).",
            code=Problem.WRONG_PIN, left=left,
        ) from None
    _release_claim(session, staff, lane, claim)
    session.refresh(staff)
    if _HASHER.check_needs_rehash(stored_hash):
        staff.secret_hash = _HASHER.hash(secret)
    audit.record(session, site.id, staff.id, "auth.sign_in", str(staff.id), {}, at=now)
    session.flush()
    return staff


def _check_uncounted(
    staff: StaffMember | None, name: str, secret: str, now: datetime, tz: tzinfo | None
) -> StaffMember:
    """The sign-in of :func:`authenticate` with ``counted=False``: no writes at all."""
    if staff is None or not staff.active or staff.secret_hash is None:
        raise AuthError(
            f"没有名为 {name.strip()} 的在岗人员 (no active staff member called {name.strip()!r} "
            "with a PIN).",
            code=Problem.UNKNOWN_STAFF, name=name.strip(),
        )
    if staff.locked_until is not None and staff.locked_until > now:
        raise _locked(staff.locked_until, tz)
    try:
        _HASHER.verify(staff.secret_hash, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AuthError("PIN 错误 (wrong PIN).", code=Problem.WRONG_PIN_UNCOUNTED) from None
    return staff


def _locked(until: datetime, tz: tzinfo | None) -> AuthError:
    shown = _clock(until, tz)
    return AuthError(
        f"账号已锁定至 {shown} (locked until {shown}).", code=Problem.ACCOUNT_LOCKED, until=shown
    )


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
    if not needs_first_admin(session, site):
        raise PermissionDenied(
            "已有点长账号，请用点长账号添加人员 (an admin already exists; sign in as the point "
            "chief to add staff).",
            code=Problem.ADMIN_EXISTS,
        )
    check_secret_strength(secret)
    name = name.strip()
    if not name:
        raise AuthError("A staff member needs a name.", code=Problem.NAME_MISSING)
    member = _named(session, site, name)
    if member is None:
        # the same name-derived id every lane gives this person (checkpoint.team.staff.add_staff)
        member = StaffMember(
            id=staff_key(site.id, name), site_id=site.id, name=name, role=Role.ADMIN.value
        )
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
