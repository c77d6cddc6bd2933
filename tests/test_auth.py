"""Accounts and permissions: argon2 PINs, lock-out, the first admin, and the permission matrix
enforced by the domain functions themselves (not only by hidden buttons)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from checkpoint.config import Settings
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.storage import audit
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionStore, PersonEntry
from checkpoint.storage.models import Inspection, Site, StaffMember
from checkpoint.storage.retention import purge
from checkpoint.team.auth import (
    LOCKOUT,
    MAX_FAILED_ATTEMPTS,
    AuthError,
    Permission,
    PermissionDenied,
    allowed,
    authenticate,
    create_first_admin,
    needs_first_admin,
    require,
    set_secret,
    unlock,
)
from checkpoint.team.rota import close_shift, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2022, 4, 18, 9, 0, tzinfo=SH)

P = Permission
LANE = {P.RUN_INSPECTION}
LEADER = LANE | {P.OPEN_CLOSE_SHIFT, P.OVERRIDE_DISPOSITION, P.CORRECT_RECORD, P.PRINT_REPORT,
                 P.EXPORT}  # fmt: skip
EXPECTED = {
    Role.VOLUNTEER: LANE,
    Role.GUIDE: LANE,
    Role.INSPECTOR: LANE,
    Role.RECORDER: LANE,
    Role.LEADER: LEADER,
    Role.ADMIN: set(Permission),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("permission", list(Permission))
def test_permission_matrix(role: Role, permission: Permission) -> None:
    assert allowed(role, permission) is (permission in EXPECTED[role])
    member = StaffMember(name="某人", role=role.value, active=True)
    if permission in EXPECTED[role]:
        require(member, permission)
    else:
        with pytest.raises(PermissionDenied) as err:
            require(member, permission)
        assert "无权" in str(err.value) and "may not" in str(err.value)


def test_disabled_account_may_do_nothing() -> None:
    member = StaffMember(name="陈立新", role="admin", active=False)
    for permission in Permission:
        with pytest.raises(PermissionDenied, match="disabled"):
            require(member, permission)


@dataclass
class Env:
    db: Database
    site: Site
    lane_id: object
    staff: dict[Role, StaffMember]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    db = open_database(f"sqlite:///{(tmp_path / 'auth.db').as_posix()}")
    with db.session() as s:
        place = ensure_place(s, Settings(data_dir=tmp_path / "data"))
        staff = {r: add_staff(s, place.site, f"{r.zh}甲", r) for r in Role}
        env = Env(db, place.site, place.lane.id, staff)
    yield env
    db.dispose()


def _open(env: Env, who: Role, number: int = 2) -> object:
    with env.db.session() as s:
        staff = s.get(StaffMember, env.staff[who].id)
        assert staff is not None
        return open_shift(
            s, env.site, leader=staff, tz=SH, duty_date=date(2022, 4, 18), number=number
        ).id


@pytest.mark.parametrize("role", list(Role))
def test_open_and_close_shift_needs_a_leader(env: Env, role: Role) -> None:
    if P.OPEN_CLOSE_SHIFT in EXPECTED[role]:
        shift_id = _open(env, role)
        with env.db.session() as s:
            from checkpoint.storage.models import Shift

            shift = s.get(Shift, shift_id)
            assert shift is not None
            refused = s.get(StaffMember, env.staff[Role.GUIDE].id)
            assert refused is not None
            with pytest.raises(PermissionDenied):
                close_shift(s, shift, closed_by=refused, handover_to=None)
        with env.db.session() as s:
            shift = s.get(Shift, shift_id)
            closer = s.get(StaffMember, env.staff[role].id)
            assert shift is not None and closer is not None
            close_shift(s, shift, closed_by=closer, handover_to=None)
    else:
        with pytest.raises(PermissionDenied, match="open or close a shift"):
            _open(env, role)


def _vehicle_at_divert(env: Env, desk: InspectionStore, shift_id: object, who: Role) -> object:
    staff = env.staff[who]
    iid = desk.guide(shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR,  # type: ignore[arg-type]
                     people_count=1, staff=staff, at=T0)  # fmt: skip
    desk.add_person(iid, PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE), at=T0,
                    staff=staff)  # fmt: skip
    desk.finish_verify(iid, suggested=Disposition.RELEASE, reasons=[], report_to_community=False,
                       policy_version="t", staff=staff, at=T0)  # fmt: skip
    desk.record(iid, staff=staff, at=T0)
    return iid


@pytest.mark.parametrize("role", list(Role))
def test_every_role_runs_inspections_but_only_leaders_override(env: Env, role: Role) -> None:
    shift_id = _open(env, Role.LEADER)
    desk = InspectionStore(env.db, env.lane_id)  # type: ignore[arg-type]
    iid = _vehicle_at_divert(env, desk, shift_id, role)
    staff = env.staff[role]
    if P.OVERRIDE_DISPOSITION in EXPECTED[role]:
        desk.divert(iid, Disposition.TEST_LANE, staff=staff, override_reason="复测", at=T0)  # type: ignore[arg-type]
        approver = staff
    else:
        with pytest.raises(PermissionDenied, match="override"):
            desk.divert(iid, Disposition.TEST_LANE, staff=staff, override_reason="复测", at=T0)  # type: ignore[arg-type]
        # Nothing was saved by the refused step; a leader's approval lets it through.
        approver = env.staff[Role.LEADER]
        desk.divert(iid, Disposition.TEST_LANE, staff=staff, override_reason="复测", at=T0,  # type: ignore[arg-type]
                    approved_by=approver)  # fmt: skip
    with env.db.session() as s:
        row = s.get(Inspection, iid)
        assert row is not None
        assert (row.final_disposition, row.override_by_id, row.divert_by_id) == (
            "test_lane", approver.id, staff.id)  # fmt: skip
        actions = [e.action for e in audit.events(s, env.site.id) if e.subject == str(iid)]
    assert actions == ["inspection.guide", "inspection.person", "inspection.verify",
                       "inspection.record", "inspection.override", "inspection.divert"]  # fmt: skip


def test_a_disabled_account_is_stopped_at_the_next_step(env: Env) -> None:
    shift_id = _open(env, Role.LEADER)
    desk = InspectionStore(env.db, env.lane_id)  # type: ignore[arg-type]
    guide = env.staff[Role.GUIDE]  # the desk's copy, signed in before the account was disabled
    with env.db.session() as s:
        row = s.get(StaffMember, guide.id)
        assert row is not None
        row.active = False
    with pytest.raises(PermissionDenied, match="disabled"):
        desk.guide(shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR, people_count=1,  # type: ignore[arg-type]
                   staff=guide, at=T0)  # fmt: skip
    with env.db.session() as s:
        assert s.scalars(select(Inspection)).first() is None


@pytest.mark.parametrize("role", list(Role))
def test_managing_staff_and_retention_is_for_the_point_chief(env: Env, role: Role) -> None:
    with env.db.session() as s:
        actor = s.get(StaffMember, env.staff[role].id)
        other = s.get(StaffMember, env.staff[Role.VOLUNTEER].id)
        site = s.get(Site, env.site.id)
        assert actor is not None and other is not None and site is not None
        if role is Role.ADMIN:
            add_staff(s, site, "新人", Role.GUIDE, by=actor)
            set_secret(s, other, "4321", by=actor)
            unlock(s, other, by=actor)
            purge(s, site.id, by=actor)
        else:
            with pytest.raises(PermissionDenied):
                add_staff(s, site, "新人", Role.GUIDE, by=actor)
            if actor.id != other.id:
                with pytest.raises(PermissionDenied):
                    set_secret(s, other, "4321", by=actor)
            with pytest.raises(PermissionDenied):
                unlock(s, other, by=actor)
            with pytest.raises(PermissionDenied, match="retention"):
                purge(s, site.id, by=actor)
            set_secret(s, actor, "8765", by=actor)  # everyone may change their own PIN


def test_secrets_are_argon2_and_lock_out_after_five_failures(env: Env) -> None:
    with env.db.session() as s:
        member = s.get(StaffMember, env.staff[Role.GUIDE].id)
        assert member is not None
        for weak in ("123", "abc12", "", " 1234"):
            with pytest.raises(AuthError):
                set_secret(s, member, weak)
        set_secret(s, member, "2468")
        assert member.secret_hash is not None and member.secret_hash.startswith("$argon2id$")
        assert "2468" not in member.secret_hash
    name = env.staff[Role.GUIDE].name
    messages = []
    for n in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthError) as err, env.db.session() as s:
            authenticate(s, env.site, name, "0000", at=T0 + timedelta(seconds=n), tz=SH)
        messages.append(str(err.value))
    assert messages[0].endswith("(wrong PIN, 4 tries left).")
    assert "locked until 09:05" in messages[-1]
    # Locked: even the right PIN is refused until the lock expires.
    with pytest.raises(AuthError, match="locked until 09:05"), env.db.session() as s:
        authenticate(s, env.site, name, "2468", at=T0 + timedelta(minutes=1), tz=SH)
    with env.db.session() as s:
        ok = authenticate(s, env.site, name, "2468", at=T0 + LOCKOUT + timedelta(seconds=5))
        assert ok.failed_attempts == 0
    with env.db.session() as s:
        actions = [e.action for e in audit.events(s, env.site.id) if e.action.startswith("auth.")]
    assert actions == ["auth.failed"] * 4 + ["auth.locked", "auth.sign_in"]


def test_admin_unlocks_early(env: Env) -> None:
    name = env.staff[Role.RECORDER].name
    with env.db.session() as s:
        member = s.get(StaffMember, env.staff[Role.RECORDER].id)
        assert member is not None
        set_secret(s, member, "passw0rd")
    for _ in range(MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthError), env.db.session() as s:
            authenticate(s, env.site, name, "wrong-one", at=T0)
    with env.db.session() as s:
        admin = s.get(StaffMember, env.staff[Role.ADMIN].id)
        member = s.get(StaffMember, env.staff[Role.RECORDER].id)
        assert admin is not None and member is not None
        unlock(s, member, by=admin)
    with env.db.session() as s:
        assert authenticate(s, env.site, name, "passw0rd", at=T0).name == name


def test_unknown_and_pinless_names_are_refused(env: Env) -> None:
    with pytest.raises(AuthError, match="no active staff member"), env.db.session() as s:
        authenticate(s, env.site, "无此人", "1234")
    with pytest.raises(AuthError, match="has no PIN yet"), env.db.session() as s:
        authenticate(s, env.site, env.staff[Role.GUIDE].name, "1234")


def test_first_admin_once(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{(tmp_path / 'first.db').as_posix()}")
    with db.session() as s:
        site = ensure_place(s, Settings(data_dir=tmp_path)).site
        assert needs_first_admin(s, site)
        with pytest.raises(AuthError):
            create_first_admin(s, site, "陈立新", "12")
        create_first_admin(s, site, "陈立新", "135790")
        assert not needs_first_admin(s, site)
        with pytest.raises(PermissionDenied):
            create_first_admin(s, site, "冒名者", "135790")
    with db.session() as s:
        site2 = s.get(Site, site.id)
        assert site2 is not None
        assert authenticate(s, site2, "陈立新", "135790", at=datetime.now(UTC)).role == "admin"
    db.dispose()


def _cli(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checkpoint", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_cli_first_admin_then_staff_changes_need_a_signed_in_admin() -> None:
    assert _cli("staff", "add", "陈立新", "--role", "admin", stdin="246810\n").returncode == 0
    refused = _cli("staff", "add", "刘洋", "--role", "guide")
    assert refused.returncode != 0 and "--as NAME" in refused.stderr
    assert "Traceback" not in refused.stderr
    wrong = _cli("staff", "add", "刘洋", "--role", "guide", "--as", "陈立新", stdin="000000\n")
    assert wrong.returncode != 0 and "4 tries left" in wrong.stderr
    ok = _cli("staff", "add", "刘洋", "--role", "guide", "--pin", "1357", "--as", "陈立新",
              CHECKPOINT_PIN="246810")  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    guide = _cli("staff", "unlock", "陈立新", "--as", "刘洋", stdin="1357\n")
    assert guide.returncode != 0 and "may not manage staff" in guide.stderr
    own = _cli("staff", "passwd", "刘洋", "--as", "刘洋", "--pin", "97531", stdin="1357\n")
    assert own.returncode == 0, own.stderr
    listed = _cli("staff", "list", "--json")
    assert '"has_pin": true' in listed.stdout
    verify = _cli("audit", "verify")
    assert verify.returncode == 0 and "intact" in verify.stdout
