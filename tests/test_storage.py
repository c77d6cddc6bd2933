"""Storage on both databases: migrations, the rota's rules, the four steps, the demo seed."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select, text

from checkpoint.config import load_settings
from checkpoint.demo.seeder import seed
from checkpoint.domain import Disposition, Occupant, Role, Step, VehicleType, Verdict
from checkpoint.errors import ShiftError, StorageError
from checkpoint.storage.db import current_revision, head_revision, open_database
from checkpoint.storage.inspections import InspectionError, InspectionStore, PersonEntry, ScanRecord
from checkpoint.storage.models import CredentialScan, Inspection, PersonCheck, Shift
from checkpoint.team.rota import DEFAULT_PLAN, RosterMember, close_shift, locate, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
TABLES = {
    "site", "lane", "staff_member", "shift_plan", "shift_slot", "shift", "shift_roster",
    "inspection", "person_check", "credential_scan", "correction", "audit_event",
}  # fmt: skip


def test_migrates_empty_database_to_head(db_url: str) -> None:
    db = open_database(db_url)
    try:
        assert current_revision(db) == head_revision()
        assert set(inspect(db.engine).get_table_names()) >= TABLES
        open_database(db_url).dispose()  # a second start is a no-op, not an error
    finally:
        db.dispose()


def test_sqlite_runs_in_wal_with_foreign_keys(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    db.dispose()


def test_refuses_a_database_of_someone_else(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StorageError, match="not Checkpoint Desk's"):
        open_database(f"sqlite:///{path}")


def _team(db_url: str):  # type: ignore[no-untyped-def]
    settings = load_settings(db_url=db_url)
    db = open_database(db_url)
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "王建国", Role.LEADER)
        guide = add_staff(s, place.site, "刘洋", Role.GUIDE)
        nxt = add_staff(s, place.site, "李红梅", Role.LEADER)
    return settings, db, place, leader, guide, nxt


def test_shift_cannot_be_opened_twice_and_closes_with_handover(db_url: str) -> None:
    _settings, db, place, leader, guide, nxt = _team(db_url)
    t = datetime(2022, 4, 18, 9, 30, tzinfo=SH)
    with db.session() as s:
        shift = open_shift(
            s, place.site, leader=leader, roster=[RosterMember(guide.id, Role.GUIDE)], tz=SH, at=t
        )
        assert (shift.duty_date, shift.slot_number) == (date(2022, 4, 18), 2)
        assert {(e.role) for e in shift.roster} == {"leader", "guide"}
    with db.session() as s, pytest.raises(ShiftError, match="cannot be opened twice"):
        open_shift(s, place.site, leader=nxt, tz=SH, at=t + timedelta(hours=1))
    with db.session() as s:
        row = s.scalars(select(Shift)).one()
        close_shift(s, row, closed_by=leader, handover_to=nxt, note="一切正常", at=t)
    with db.session() as s:
        row = s.scalars(select(Shift)).one()
        assert row.handover_to_id == nxt.id and row.handover_note == "一切正常"
        with pytest.raises(ShiftError, match="already closed"):
            close_shift(s, row, closed_by=leader, handover_to=None)
    db.dispose()


def test_joining_an_open_shift_puts_you_on_its_roster_once(db_url: str) -> None:
    from checkpoint.storage.audit import events
    from checkpoint.team.rota import join_shift

    _settings, db, place, leader, guide, nxt = _team(db_url)
    t = datetime(2022, 4, 18, 9, 30, tzinfo=SH)
    with db.session() as s:
        shift = open_shift(s, place.site, leader=leader, tz=SH, at=t)
        join_shift(s, shift, guide, at=t)
        join_shift(s, shift, guide, at=t)  # signing in twice changes nothing
        join_shift(s, shift, nxt, role=Role.INSPECTOR, at=t)
    with db.session() as s:
        row = s.scalars(select(Shift)).one()
        assert sorted((e.staff.name, e.role) for e in row.roster) == [
            ("刘洋", "guide"),
            ("李红梅", "inspector"),
            ("王建国", "leader"),
        ]
        joins = [e for e in events(s, place.site.id) if e.action == "shift.join"]
        assert len(joins) == 2
        close_shift(s, row, closed_by=leader, handover_to=nxt, at=t)
    with db.session() as s, pytest.raises(ShiftError, match="cannot be joined"):
        join_shift(s, s.scalars(select(Shift)).one(), guide)
    db.dispose()


def test_four_steps_commit_each_step(db_url: str) -> None:
    _settings, db, place, leader, guide, _ = _team(db_url)
    t = datetime(2022, 4, 18, 2, 0, tzinfo=SH)
    with db.session() as s:
        shift_id = open_shift(s, place.site, leader=leader, tz=SH, at=t).id
    desk = InspectionStore(db, place.lane.id)
    events: list[Step] = []
    desk.subscribe(lambda e: events.append(e.step))
    iid = desk.guide(
        shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR, people_count=2,
        staff=guide, at=t, started_at=t - timedelta(seconds=12),
    )  # fmt: skip
    assert desk.unfinished(shift_id) is not None
    with pytest.raises(InspectionError, match="step"):
        desk.record(iid, staff=leader, at=t)
    scan = ScanRecord("CKP1", "checkpoint-pass", "DEMO", "valid", "valid", "ab" * 32, demo=True)
    desk.add_person(
        iid,
        PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE, scans=(scan,)),
        at=t, staff=leader,
    )
    desk.add_person(
        iid,
        PersonEntry(
            Occupant.PASSENGER, Verdict.ATTENTION, Disposition.TEST_LANE,
            reasons=({"code": "code.yellow", "zh": "黄码", "en": "Yellow"},),
        ),
        at=t, staff=leader,
    )  # fmt: skip
    desk.finish_verify(
        iid, suggested=Disposition.TEST_LANE, reasons=[{"code": "code.yellow"}],
        report_to_community=False, policy_version="test-1", staff=leader, at=t,
    )  # fmt: skip
    desk.record(iid, staff=leader, at=t + timedelta(seconds=10))
    with pytest.raises(InspectionError, match="needs a reason"):
        desk.divert(iid, Disposition.RELEASE, staff=leader, at=t)
    desk.divert(iid, Disposition.RELEASE, staff=leader, override_reason="复测正常", at=t)
    assert events == [Step.GUIDE, Step.VERIFY, Step.RECORD, Step.DIVERT]
    with db.session() as s:
        row = s.get(Inspection, iid)
        assert row is not None
        assert (row.status, row.suggested_disposition, row.final_disposition) == (
            "done",
            "test_lane",
            "release",
        )
        assert row.override_reason == "复测正常" and row.policy_version == "test-1"
        assert row.guide_at is not None and row.guide_started_at is not None
        assert row.guide_at - row.guide_started_at == timedelta(seconds=12)
        assert [p.occupant for p in row.people] == ["driver", "passenger"]
        assert s.scalar(select(func.count()).select_from(CredentialScan)) == 1
    assert desk.unfinished(shift_id) is None
    db.dispose()


def test_guiding_outside_the_shift_is_refused(db_url: str) -> None:
    _settings, db, place, leader, guide, _ = _team(db_url)
    t = datetime(2022, 4, 18, 7, 59, tzinfo=SH)
    with db.session() as s:
        shift_id = open_shift(s, place.site, leader=leader, tz=SH, at=t).id
    desk = InspectionStore(db, place.lane.id)
    with pytest.raises(ShiftError, match="outside shift"):
        desk.guide(
            shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR, people_count=1,
            staff=guide, at=t + timedelta(minutes=2),
        )  # fmt: skip
    db.dispose()


@pytest.mark.slow
def test_demo_seed_two_busy_days_every_record_in_its_shift(db_url: str) -> None:
    settings = load_settings(db_url=db_url)
    db = open_database(db_url)
    stats = seed(db, settings, days=2, vehicles_per_day=3500, seed_value=7, start=date(2022, 4, 18))
    assert (stats.shifts, stats.inspections) == (6, 7000)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Inspection)) == 7000
        assert s.scalar(select(func.count()).select_from(PersonCheck)) == stats.people
        shifts = {sh.id: sh for sh in s.scalars(select(Shift))}
        per_shift: Counter[tuple[date, int]] = Counter()
        for created_at, shift_id in s.execute(select(Inspection.created_at, Inspection.shift_id)):
            w = locate(created_at, DEFAULT_PLAN, SH)
            sh = shifts[shift_id]
            assert (w.duty_date, w.slot.number) == (sh.duty_date, sh.slot_number)
            per_shift[(sh.duty_date, sh.slot_number)] += 1
        assert sum(per_shift.values()) == 7000 and len(per_shift) == 6
        # day/night profile: the day shift is busier than the night shift on each day
        for d in (date(2022, 4, 18), date(2022, 4, 19)):
            assert per_shift[(d, 2)] > 2 * per_shift[(d, 1)]
        types = Counter(s.scalars(select(Inspection.vehicle_type)))
        assert 0.65 < types["car"] / 7000 < 0.75 and 0.2 < types["truck"] / 7000 < 0.3
        finals = Counter(s.scalars(select(Inspection.final_disposition)))
        assert finals["release"] / 7000 > 0.6
        assert finals["quarantine"] > 0 and finals["test_lane"] > 0 and finals["escort"] > 0
        plates = list(s.scalars(select(Inspection.plate)))
        assert sum(p.startswith("浙") for p in plates) / 7000 > 0.7
        assert all(sh.closed_at is not None and sh.handover_to_id for sh in shifts.values())
    db.dispose()


def test_same_seed_same_data(tmp_path: Path) -> None:
    def plates(name: str) -> list[tuple[str, str]]:
        url = f"sqlite:///{tmp_path / name}"
        db = open_database(url)
        seed(db, load_settings(db_url=url), days=1, vehicles_per_day=200, seed_value=3,
             start=date(2022, 4, 18))  # fmt: skip
        with db.session() as s:
            rows = s.execute(
                select(Inspection.plate, Inspection.final_disposition).order_by(
                    Inspection.created_at, Inspection.plate
                )
            ).all()
        db.dispose()
        return [(p, d or "") for p, d in rows]

    assert plates("a.db") == plates("b.db")


def test_an_old_sqlite_file_is_copied_aside_then_migrated(tmp_path: Path) -> None:
    from alembic import command

    from checkpoint.storage.db import Database, _alembic_config, upgrade

    path = tmp_path / "lane.db"
    url = f"sqlite:///{path}"
    old = Database(url)
    command.upgrade(_alembic_config(old), "0001")  # a database left by the first release
    with old.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO site (id, name, created_at) VALUES (:id, '老卡口', :at)"),
            {"id": "0123456789abcdef0123456789abcdef", "at": "2022-04-18 00:00:00"},
        )
    old.dispose()
    before, after, backup = upgrade(Database(url))
    assert (before, after) == ("0001", head_revision())
    assert backup is not None and backup.exists() and backup != path
    import sqlite3

    with sqlite3.connect(backup) as conn:  # the copy is the old schema, with the old data
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT name FROM site").fetchall() == [("老卡口",)]
    db = open_database(url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM site")).scalar() == "老卡口"
        cols = {c["name"] for c in inspect(conn).get_columns("inspection")}
        assert {"guide_started_at", "purged_at"} <= cols
    db.dispose()
