"""The ledger across shifts (search, export of what is shown) and the point chief's team service."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from leader_world import MORNING, PINS, TZ, Person, World, make_world
from sqlalchemy import select

from checkpoint.cli import main
from checkpoint.domain import CodeColour, Disposition, Role, VehicleType
from checkpoint.reports.export import LEDGER_HEADER
from checkpoint.storage import ledger
from checkpoint.storage.ledger import LedgerFilter
from checkpoint.storage.models import AuditEvent, Shift, Site, StaffMember
from checkpoint.team.auth import AuthError, PermissionDenied, authenticate, require
from checkpoint.team.auth import Permission as P
from checkpoint.team.members import Team
from checkpoint.team.rota import close_shift, open_shift
from checkpoint.team.staff import StaffError

AT = MORNING
NEXT = datetime(2022, 4, 19, 10, 0, tzinfo=TZ)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = make_world(db_url, AT)
    w.vehicle("浙A12345", AT)
    w.vehicle("苏A12345", AT + timedelta(minutes=1), [Person(colour=CodeColour.YELLOW)])
    w.vehicle("浙B88888", AT + timedelta(minutes=2), vehicle_type=VehicleType.CAR)
    with w.db.session() as s:
        site = s.get(Site, w.site_id)
        assert site is not None
        shift = s.get(Shift, w.shift_id)
        assert shift is not None
        close_shift(s, shift, closed_by=w.staff["王建国"], handover_to=None, at=AT)
        nxt = open_shift(s, site, leader=w.staff["王建国"], tz=TZ, at=NEXT)
        w.shift_id = nxt.id
    w.vehicle("浙A12399", NEXT, lane_id=w.add_lane("2号车道"))
    yield w
    w.db.dispose()


def _plates(w: World, f: LedgerFilter) -> list[str]:
    return sorted(r.plate for r in ledger.fetch(w.db, f))


def test_search_across_shifts_is_province_aware(world: World) -> None:
    assert _plates(world, LedgerFilter(plate="浙A123")) == ["浙A12345", "浙A12399"]
    assert _plates(world, LedgerFilter(plate="浙江a1·23")) == ["浙A12345", "浙A12399"]
    # without a province the plate matches anywhere: both provinces' A12345
    assert _plates(world, LedgerFilter(plate="a12345")) == ["浙A12345", "苏A12345"]
    assert _plates(world, LedgerFilter(plate="江苏")) == ["苏A12345"]
    day1 = LedgerFilter(first_date=date(2022, 4, 18), last_date=date(2022, 4, 18))
    assert _plates(world, day1) == ["浙A12345", "浙B88888", "苏A12345"]
    assert _plates(world, LedgerFilter(first_date=date(2022, 4, 19))) == ["浙A12399"]
    test_lane = LedgerFilter(disposition=Disposition.TEST_LANE)
    assert _plates(world, test_lane) == ["苏A12345"]
    assert ledger.count(world.db, LedgerFilter(staff_id=world.staff["徐丽"].id)) == 4
    assert ledger.count(world.db, LedgerFilter(staff_id=world.staff["赵点长"].id)) == 0


def test_export_writes_what_is_shown(world: World, tmp_path: Path) -> None:
    out = tmp_path / "shown.csv"
    f = LedgerFilter(plate="浙")
    with pytest.raises(PermissionDenied):
        ledger.export(world.db, f, out, TZ, staff=world.staff["徐丽"])
    assert ledger.export(world.db, f, out, TZ, staff=world.staff["王建国"]) == 3
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == LEDGER_HEADER
    assert [r[4] for r in rows[1:]] == ["浙A***45", "浙B***88", "浙A***99"]
    assert [r[2] for r in rows[1:]] == ["1号车道", "1号车道", "2号车道"]


def test_cli_search_prints_json_and_exports(
    world: World,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CHECKPOINT_PIN", PINS["王建国"])
    out = tmp_path / "found.xlsx"
    args = ["ledger", "search", "--plate", "浙A", "--lane", "2号车道", "--as", "王建国",
            "--db", db_url, "--json", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == 1 and data["rows"][0]["plate"] == "浙A12399"
    assert data["exported"] == 1 and out.exists()
    assert main(["ledger", "show", data["rows"][0]["id"], "--as", "王建国", "--db", db_url,
                 "--json"]) == 0  # fmt: skip
    shown = json.loads(capsys.readouterr().out)
    assert shown["plate"] == "浙A12399" and shown["back_entry"] is None
    assert main(["ledger", "search", "--disposition", "nowhere", "--as", "王建国",
                 "--db", db_url]) == 2  # fmt: skip
    assert "--disposition" in capsys.readouterr().err


def test_the_point_chief_runs_the_team(world: World) -> None:
    team = Team(world.db, world.settings)
    chief, leader = world.staff["赵点长"], world.staff["王建国"]
    with pytest.raises(PermissionDenied):
        team.add("陈志", Role.INSPECTOR, "5555", by=leader)
    with pytest.raises(AuthError):
        team.add("陈志", Role.INSPECTOR, "12", by=chief)
    added = team.add("陈志", Role.INSPECTOR, "5555", by=chief)
    assert (added.role, added.has_pin, added.active) == (Role.INSPECTOR, True, True)
    with pytest.raises(StaffError, match="already"):
        team.add("陈志", Role.GUIDE, None, by=chief)
    assert team.change_role("陈志", Role.LEADER, by=chief).role is Role.LEADER
    # five wrong PINs lock the account; the chief lifts it and resets the PIN
    with world.db.session() as s:
        site = s.get(Site, world.site_id)
        assert site is not None
        for _ in range(5):
            with pytest.raises(AuthError):
                authenticate(s, site, "陈志", "0000", at=AT)
    member = next(m for m in team.members() if m.name == "陈志")
    assert member.locked(AT + timedelta(minutes=1))
    assert not team.unlock("陈志", by=chief).locked(AT + timedelta(minutes=1))
    team.reset_pin("陈志", "7777", by=chief)
    with world.db.session() as s:
        site = s.get(Site, world.site_id)
        assert site is not None
        assert authenticate(s, site, "陈志", "7777").name == "陈志"
    retired = team.retire("陈志", by=chief)
    assert not retired.active
    with world.db.session() as s:
        row = s.scalars(select(StaffMember).where(StaffMember.name == "陈志")).one()
        with pytest.raises(PermissionDenied, match="disabled"):
            require(row, P.RUN_INSPECTION)
        actions = [
            e.action
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.subject == str(row.id), AuditEvent.action.like("staff.%"))
                .order_by(AuditEvent.seq)
            )
        ]
    assert actions == [
        "staff.add", "staff.passwd", "staff.role", "staff.unlock", "staff.passwd", "staff.retire",
    ]  # fmt: skip
    # kept in old records: still listed, marked retired
    assert [m.active for m in team.members() if m.name == "陈志"] == [False]
    with pytest.raises(StaffError, match="own account"):
        team.retire("赵点长", by=chief)
    with pytest.raises(StaffError, match="only active point chief"):
        team.change_role("赵点长", Role.LEADER, by=chief)


def test_a_lane_with_a_server_does_not_change_its_copy_of_the_team(world: World) -> None:
    """One owner per record: the staff list is the server's; a lane's copy is not edited."""
    from dataclasses import replace

    lane = replace(world.settings, server_url="postgresql+psycopg://u@checkpoint-server/db")
    team = Team(world.db, lane)
    chief = world.staff["赵点长"]
    if world.db.engine.dialect.name != "sqlite":
        # a desk writing straight to the server's PostgreSQL changes the team there
        assert not team.owned_by_server
        assert team.add("陈志", Role.INSPECTOR, "5555", by=chief).name == "陈志"
        return
    assert team.owned_by_server
    with pytest.raises(StaffError, match="server") as raised:
        team.add("陈志", Role.INSPECTOR, "5555", by=chief)
    assert raised.value.code == "staff.on_server"
    assert all(m.name != "陈志" for m in team.members())  # read, yes; nothing written
