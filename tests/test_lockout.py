"""PIN lock-out that holds under concurrency, on SQLite and the real PostgreSQL: parallel wrong
PINs are counted one by one, the back-off grows, a lane has its own limit, unlocks are audited."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.storage import audit
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.models import Lane, Site, StaffMember
from checkpoint.team.auth import (
    LANE_LOCKOUT,
    LANE_MAX_FAILED_ATTEMPTS,
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    MAX_LOCKOUT,
    AuthError,
    PermissionDenied,
    authenticate,
    lockout_length,
    set_secret,
    unlock,
    unlock_lane,
)
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

T0 = datetime(2022, 4, 18, 1, 0, tzinfo=UTC)


@dataclass
class Env:
    db: Database
    site: Site
    lane: Lane
    names: dict[Role, str]


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> Iterator[Env]:
    db = open_database(db_url)
    with db.session() as s:
        place = ensure_place(s, Settings(data_dir=tmp_path / "data"))
        names = {}
        for role in (Role.ADMIN, Role.GUIDE, Role.INSPECTOR):
            member = add_staff(s, place.site, f"{role.zh}乙", role)
            set_secret(s, member, "2468")
            names[role] = member.name
        result = Env(db, place.site, place.lane, names)
    yield result
    db.dispose()


def _try(env: Env, name: str, secret: str, at: datetime, lane: Lane | None = None) -> str:
    """'ok' or the refusal's text."""
    try:
        with env.db.session() as s:
            authenticate(s, env.site, name, secret, at=at, tz=UTC, lane=lane)
    except AuthError as exc:
        return str(exc)
    return "ok"


def test_parallel_wrong_pins_lock_the_account_and_the_right_pin_is_refused(env: Env) -> None:
    name = env.names[Role.GUIDE]
    with ThreadPoolExecutor(max_workers=24) as pool:
        outcomes = list(pool.map(lambda _: _try(env, name, "0000", T0), range(24)))
    assert all(o != "ok" for o in outcomes)
    # Only the first five tries were checked at all; the rest met the lock.
    checked = [o for o in outcomes if "wrong PIN" in o or "too many wrong tries" in o]
    assert len(checked) == MAX_FAILED_ATTEMPTS, outcomes
    refused = _try(env, name, "2468", T0 + timedelta(seconds=30))
    assert refused == "账号已锁定至 01:05 (locked until 01:05)."
    with env.db.session() as s:
        actions = [e.action for e in audit.events(s, env.site.id) if e.action.startswith("auth.")]
    assert actions.count("auth.failed") == MAX_FAILED_ATTEMPTS - 1
    assert actions.count("auth.locked") == 1
    assert "auth.sign_in" not in actions


def test_two_parallel_bursts_check_no_more_than_five(env: Env) -> None:
    """Two bursts (as two lanes would send them) still check no more than five PINs."""
    name = env.names[Role.INSPECTOR]
    with ThreadPoolExecutor(max_workers=12) as pool:
        first = list(pool.map(lambda _: _try(env, name, "1111", T0), range(12)))
        second = list(pool.map(lambda _: _try(env, name, "2222", T0), range(12)))
    checked = [o for o in first + second if "wrong PIN" in o or "too many wrong tries" in o]
    assert len(checked) == MAX_FAILED_ATTEMPTS
    assert "locked until" in _try(env, name, "2468", T0 + timedelta(minutes=4))


def test_back_off_doubles_until_a_good_sign_in(env: Env) -> None:
    assert [lockout_length(n) for n in range(3)] == [LOCKOUT, LOCKOUT * 2, LOCKOUT * 4]
    assert lockout_length(40) == MAX_LOCKOUT
    name = env.names[Role.GUIDE]
    at = T0
    expected_until = []
    for lock in range(3):
        for _ in range(MAX_FAILED_ATTEMPTS):
            message = _try(env, name, "9999", at)
        expected_until.append((at + lockout_length(lock)).strftime("%H:%M"))
        assert f"locked until {expected_until[-1]}" in message
        # The right PIN one minute before the lock ends is refused; after it, a new round.
        before_end = at + lockout_length(lock) - timedelta(minutes=1)
        assert "locked until" in _try(env, name, "2468", before_end)
        at = at + lockout_length(lock) + timedelta(seconds=1)
    assert expected_until == ["01:05", "01:15", "01:35"]
    assert _try(env, name, "2468", at) == "ok"
    # A good sign-in resets the back-off: the next lock is five minutes again.
    for _ in range(MAX_FAILED_ATTEMPTS):
        message = _try(env, name, "9999", at)
    assert f"locked until {(at + LOCKOUT).strftime('%H:%M')}" in message


def test_the_lane_limit_counts_wrong_pins_over_all_accounts(env: Env, tmp_path: Path) -> None:
    with env.db.session() as s:
        for i in range(5):
            member = add_staff(s, env.site, f"志愿者{i}", Role.VOLUNTEER)
            set_secret(s, member, "1357")
    names = [f"志愿者{i}" for i in range(5)]
    at = T0
    tries = 0
    for name in names:  # four wrong PINs each: no account locks, the lane counts them all
        for _ in range(MAX_FAILED_ATTEMPTS - 1):
            if tries < LANE_MAX_FAILED_ATTEMPTS:
                _try(env, name, "0000", at, env.lane)
                tries += 1
    assert tries == LANE_MAX_FAILED_ATTEMPTS
    refused = _try(env, names[0], "1357", at + timedelta(minutes=1), env.lane)
    assert "sign-in at this lane is locked" in refused
    # Another lane is not affected; the admin passes the lane lock to lift it.
    assert _try(env, names[0], "1357", at + timedelta(minutes=1)) == "ok"
    admin_name = env.names[Role.ADMIN]
    assert _try(env, admin_name, "2468", at + timedelta(minutes=1), env.lane) == "ok"
    with env.db.session() as s:
        guide = s.get(StaffMember, _id(env, env.names[Role.GUIDE]))
        lane = s.get(Lane, env.lane.id)
        admin = s.get(StaffMember, _id(env, admin_name))
        assert guide is not None and lane is not None and admin is not None
        with pytest.raises(PermissionDenied):
            unlock_lane(s, lane, by=guide)
    with env.db.session() as s:
        lane = s.get(Lane, env.lane.id)
        admin = s.get(StaffMember, _id(env, admin_name))
        assert lane is not None and admin is not None
        unlock_lane(s, lane, by=admin)
    assert _try(env, names[1], "1357", at + timedelta(minutes=2), env.lane) == "ok"
    # Without an unlock the lane's lock ends by itself.
    assert LANE_LOCKOUT > LOCKOUT
    with env.db.session() as s:
        actions = [e.action for e in audit.events(s, env.site.id)]
    assert "auth.lane_locked" in actions and "lane.unlock" in actions


def _id(env: Env, name: str) -> object:
    with env.db.session() as s:
        member = s.query(StaffMember).filter_by(site_id=env.site.id, name=name).one()
        return member.id


def test_unlock_is_audited_and_resets_the_back_off(env: Env) -> None:
    name = env.names[Role.GUIDE]
    for _ in range(MAX_FAILED_ATTEMPTS * 2):
        _try(env, name, "0000", T0 + timedelta(minutes=6) * (_ // MAX_FAILED_ATTEMPTS))
    with env.db.session() as s:
        member = s.get(StaffMember, _id(env, name))
        admin = s.get(StaffMember, _id(env, env.names[Role.ADMIN]))
        assert member is not None and admin is not None
        assert member.lockouts == 2 and member.locked_until is not None
        unlock(s, member, by=admin)
    with env.db.session() as s:
        member = s.get(StaffMember, _id(env, name))
        assert member is not None and member.lockouts == 0 and member.locked_until is None
        last = list(audit.events(s, env.site.id))[-1]
        assert last.action == "staff.unlock" and last.actor_id == _id(env, env.names[Role.ADMIN])


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes; Windows relies on the folder's ACL")
def test_database_file_and_data_folder_are_private(tmp_path: Path) -> None:
    data_dir = Settings(data_dir=tmp_path / "private" / "data").ensure_data_dir()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    path = data_dir / "checkpoint.db"
    db = open_database(f"sqlite:///{path.as_posix()}")
    with db.session() as s:
        ensure_place(s, Settings(data_dir=data_dir))
    for part in (path, path.with_name("checkpoint.db-wal")):
        assert stat.S_IMODE(part.stat().st_mode) == 0o600, part
    db.dispose()
    # An older install's 0644 file is narrowed when it is next opened.
    path.chmod(0o644)
    open_database(f"sqlite:///{path.as_posix()}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
