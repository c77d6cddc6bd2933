"""Faults and bad input: a full, read-only or locked SQLite database, a PostgreSQL server that
drops the connection mid-step or cannot be reached, malformed settings and policy files. Each
gives one clear sentence, leaves no partial record, and the same desk carries on afterwards."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, event, func, select, text

from checkpoint.config import Settings
from checkpoint.domain import Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.errors import StorageError
from checkpoint.storage import audit
from checkpoint.storage import db as dbmod
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionStore, PersonEntry
from checkpoint.storage.models import AuditEvent, Inspection, PersonCheck, StaffMember
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2022, 4, 18, 10, 0, tzinfo=SH)


@dataclass
class Lane:
    url: str
    site_id: uuid.UUID
    lane_id: uuid.UUID
    shift_id: uuid.UUID
    staff: StaffMember


def _prepare(url: str, tmp_path: Path) -> Lane:
    db = open_database(url)
    with db.session() as s:
        place = ensure_place(s, Settings(data_dir=tmp_path / "data"))
        leader = add_staff(s, place.site, "王建国", Role.LEADER)
        shift = open_shift(s, place.site, leader=leader, tz=SH, duty_date=date(2022, 4, 18),
                           number=2)  # fmt: skip
        lane = Lane(url, place.site.id, place.lane.id, shift.id, leader)
    db.dispose()
    return lane


def _vehicle(desk: InspectionStore, lane: Lane, n: int = 0) -> uuid.UUID:
    at = AT + timedelta(seconds=n)
    iid = desk.guide(lane.shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR,
                     people_count=1, staff=lane.staff, at=at)  # fmt: skip
    desk.add_person(iid, PersonEntry(Occupant.DRIVER, Verdict.PASS, Disposition.RELEASE,
                                     findings={"pad": "x" * 400}), at=at,
                    staff=lane.staff)  # fmt: skip
    desk.finish_verify(iid, suggested=Disposition.RELEASE, reasons=[], report_to_community=False,
                       policy_version="t", staff=lane.staff, at=at)  # fmt: skip
    desk.record(iid, staff=lane.staff, at=at)
    desk.divert(iid, Disposition.RELEASE, staff=lane.staff, at=at)
    return iid


def _consistent(url: str, lane: Lane) -> tuple[int, int]:
    """(finished inspections, open ones); every step complete in the finished ones; chain ok."""
    db = Database(url)
    try:
        with db.session() as s:
            rows = s.scalars(select(Inspection)).all()
            done = [r for r in rows if r.status == "done"]
            for r in done:
                assert None not in (r.guide_at, r.verify_at, r.record_at, r.divert_at)
                assert len(r.people) == 1
            assert audit.verify_chain(s, lane.site_id).ok
            return len(done), len(rows) - len(done)
    finally:
        db.dispose()


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'lane.db').as_posix()}"


def test_full_sqlite_database(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    lane = _prepare(url, tmp_path)
    db = Database(url)
    pages = sqlite3.connect(tmp_path / "lane.db").execute("PRAGMA page_count").fetchone()[0]

    @event.listens_for(db.engine, "connect")
    def _limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + 6}")

    desk = InspectionStore(db, lane.lane_id)
    saved = 0
    with pytest.raises(StorageError) as err:
        for n in range(500):
            _vehicle(desk, lane, n)
            saved += 1
    assert "is full" in str(err.value) and "free space" in str(err.value)
    db.dispose()
    done, _open = _consistent(url, lane)
    assert done == saved > 0
    # Space freed (the limit lifted): the same kind of desk carries on.
    db2 = Database(url)
    desk2 = InspectionStore(db2, lane.lane_id)
    _vehicle(desk2, lane, 999)
    db2.dispose()
    assert _consistent(url, lane)[0] == saved + 1


def test_read_only_sqlite_database(tmp_path: Path) -> None:
    # We run as root, which ignores file permissions, so the read-only file is simulated with
    # PRAGMA query_only: SQLite then fails writes exactly as for a read-only file.
    url = _sqlite_url(tmp_path)
    lane = _prepare(url, tmp_path)
    db = Database(url)

    @event.listens_for(db.engine, "connect")
    def _ro(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA query_only=ON")

    desk = InspectionStore(db, lane.lane_id)
    with pytest.raises(StorageError, match="is read-only"):
        _vehicle(desk, lane)
    # Reading still works: the desk can show the shift, only saving is refused.
    assert desk.unfinished(lane.shift_id) is None
    db.dispose()
    assert _consistent(url, lane) == (0, 0)


def test_read_only_sqlite_uri(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    lane = _prepare(url, tmp_path)
    path = (tmp_path / "lane.db").as_posix()
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    with pytest.raises(Exception) as err, engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event"))
    assert "read-only" in dbmod.describe_error(err.value, url)
    engine.dispose()
    assert _consistent(url, lane) == (0, 0)


def test_locked_sqlite_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dbmod, "SQLITE_BUSY_TIMEOUT_MS", 200)  # instead of waiting 5 s
    url = _sqlite_url(tmp_path)
    lane = _prepare(url, tmp_path)
    db = Database(url)
    desk = InspectionStore(db, lane.lane_id)
    first = _vehicle(desk, lane, 0)
    other = sqlite3.connect(tmp_path / "lane.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError, match="locked by another program"):
            _vehicle(desk, lane, 1)
    finally:
        other.execute("ROLLBACK")
        other.close()
    second = _vehicle(desk, lane, 2)  # the other writer is gone: carry on
    db.dispose()
    assert first != second and _consistent(url, lane) == (2, 0)


@pytest.fixture
def admin_pg() -> Iterator[Any]:
    url = os.environ.get("CHECKPOINT_TEST_PG_URL")
    if not url:
        pytest.skip("no PostgreSQL server")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_postgresql_connection_dropped_mid_step(pg_url: str, tmp_path: Path, admin_pg: Any) -> None:
    lane = _prepare(pg_url, tmp_path)
    db = Database(pg_url)
    desk = InspectionStore(db, lane.lane_id)
    _vehicle(desk, lane, 0)
    name = db.engine.url.database
    armed = {"on": True}

    @event.listens_for(db.engine, "before_cursor_execute")
    def _server_goes_away(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The server drops this lane's connection just as the step writes its audit event.
        if armed["on"] and statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT"):
            armed["on"] = False
            with admin_pg.connect() as admin:
                admin.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = :d AND pid <> pg_backend_pid()"),
                    {"d": name},
                )  # fmt: skip

    with pytest.raises(StorageError) as err:
        _vehicle(desk, lane, 1)
    message = str(err.value)
    print(f"\nserver gone mid-step: {message}")
    assert "Traceback" not in message and "\n" not in message
    assert "was lost; this step was not saved" in message
    # The guide step whose audit event could not be written left no inspection behind.
    assert _consistent(pg_url, lane) == (1, 0)
    # Between steps the pool replaces dead connections (pool_pre_ping): the desk carries on.
    with admin_pg.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = :d"), {"d": name})  # fmt: skip
    _vehicle(desk, lane, 2)
    db.dispose()
    assert _consistent(pg_url, lane) == (2, 0)


def test_unreachable_postgresql_is_one_sentence() -> None:
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    desk = InspectionStore(db, uuid.uuid4())
    staff = StaffMember(id=uuid.uuid4(), name="王建国", role="leader", active=True)
    with pytest.raises(StorageError, match="cannot be reached"):
        desk.guide(uuid.uuid4(), plate="浙A12345", vehicle_type=VehicleType.CAR, people_count=1,
                   staff=staff, at=AT)  # fmt: skip
    db.dispose()


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "checkpoint", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("[checkpoint]\nsite_name = \n", "not valid TOML"),
        ("[checkpoint]\ntimezone = 'Mars/Base'\n", "Unknown time zone"),
        ("[checkpoint]\nlane = 3\n", "unknown key"),
    ],
)
def test_malformed_settings_file(tmp_path: Path, content: str, fragment: str) -> None:
    cfg = tmp_path / "settings.toml"
    cfg.write_text(content, encoding="utf-8")
    for args in (("audit", "verify"), ("purge",), ("staff", "list")):
        proc = _cli(*args, CHECKPOINT_CONFIG=str(cfg))
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0]


@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda t: t.replace("retention_days = 30", "retention_days = 'month'"), "retention_days"),
        (lambda t: t + "\n[[[broken\n", "not valid TOML"),
        (lambda t: t.replace("validity_hours = 48", "validity_hours = 50", 1), "validity_hours"),
    ],
)
def test_malformed_policy_file(tmp_path: Path, edit: Any, fragment: str) -> None:
    from checkpoint.rules.policy import Policy

    bad = tmp_path / "policy.toml"
    bad.write_text(edit(Policy.load().source.read_text(encoding="utf-8")), encoding="utf-8")
    cfg = tmp_path / "settings.toml"
    cfg.write_text(f'[checkpoint]\npolicy_file = "{bad.as_posix()}"\n', encoding="utf-8")
    proc = _cli("purge", CHECKPOINT_CONFIG=str(cfg))
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "policy" in lines[0]


def test_refused_step_leaves_no_partial_record(tmp_path: Path) -> None:
    url = _sqlite_url(tmp_path)
    lane = _prepare(url, tmp_path)
    db = Database(url)
    desk = InspectionStore(db, lane.lane_id)
    iid = desk.guide(lane.shift_id, plate="浙A12345", vehicle_type=VehicleType.CAR,
                     people_count=1, staff=lane.staff, at=AT)  # fmt: skip
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    from checkpoint.storage.inspections import InspectionError

    with pytest.raises(InspectionError):
        desk.finish_verify(
            iid,
            suggested=Disposition.RELEASE,
            reasons=[],
            report_to_community=False,
            policy_version="t",
            staff=lane.staff,
        )
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before
        assert s.scalar(select(func.count()).select_from(PersonCheck)) == 0
    db.dispose()
