"""Crash safety: a recording workload killed with SIGKILL at random moments loses nothing it
reported as saved, and leaves a database that passes its integrity check and an intact audit
chain (each audit event commits with its step, or neither does)."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.storage import audit
from checkpoint.storage.db import open_database
from checkpoint.storage.models import Inspection
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

KILLS = 60
WORKLOAD = Path(__file__).with_name("crash_workload.py")
SH = ZoneInfo("Asia/Shanghai")


def _setup(url: str, data_dir: Path) -> tuple[str, str, str, str]:
    db = open_database(url)
    with db.session() as s:
        place = ensure_place(s, Settings(data_dir=data_dir))
        leader = add_staff(s, place.site, "王建国", Role.LEADER)
        shift = open_shift(
            s, place.site, leader=leader, tz=SH, duty_date=date(2022, 4, 18), number=2
        )
        ids = (str(place.lane.id), str(shift.id), str(leader.id), str(place.site.id))
    db.dispose()
    return ids


def _kill_loop(url: str, lane: str, shift: str, staff: str, kills: int) -> tuple[set[str], int]:
    rng = random.Random(20220418)
    saved: set[str] = set()
    survived = 0
    for n in range(kills):
        proc = subprocess.Popen(
            [sys.executable, str(WORKLOAD), url, lane, shift, staff, str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        if first.strip() != "ready":
            proc.kill()
            pytest.fail(f"workload did not start: {first!r} {proc.stderr.read()}")
        time.sleep(rng.uniform(0.05, 0.4))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL, proc.stderr.read()
        survived += 1
        # Only whole lines: a line cut by the kill was never fully reported.
        for line in proc.stdout.read().split("\n")[:-1]:
            saved.add(line.strip())
        proc.stdout.close()
        proc.stderr.close()
    return saved, survived


def _check(url: str, site_id: str, saved: set[str]) -> int:
    db = open_database(url)
    try:
        with db.session() as s:
            rows = {
                str(r.id): r
                for r in s.scalars(select(Inspection).where(Inspection.status == "done"))
            }
            missing = saved - rows.keys()
            assert not missing, f"{len(missing)} inspections reported saved are gone"
            for iid in saved:
                row = rows[iid]
                assert None not in (row.guide_at, row.verify_at, row.record_at, row.divert_at)
                assert row.final_disposition == "release"
                assert len(row.people) == row.people_count >= 1
            report = audit.verify_chain(s, uuid.UUID(site_id))
            assert report.ok, report
            # Every committed step has its audit event: guide + people + verify/record/divert.
            events = {r.action for r in audit.events(s, uuid.UUID(site_id))}
            assert {"inspection.guide", "inspection.divert"} <= events
        return len(saved)
    finally:
        db.dispose()


@pytest.mark.slow
def test_sigkill_during_recording_loses_nothing_saved(tmp_path: Path) -> None:
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path.as_posix()}"
    lane, shift, staff, site = _setup(url, tmp_path / "data")
    saved, survived = _kill_loop(url, lane, shift, staff, KILLS)
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()
    checked = _check(url, site, saved)
    assert survived >= 50 and checked > 50
    print(f"\nSIGKILL figures: kills survived {survived}, records checked {checked}, lost 0")


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkill_on_postgresql_loses_nothing_saved(pg_url: str, tmp_path: Path) -> None:
    lane, shift, staff, site = _setup(pg_url, tmp_path / "data")
    saved, survived = _kill_loop(pg_url, lane, shift, staff, 15)
    checked = _check(pg_url, site, saved)
    assert survived == 15 and checked > 10
    print(f"\nSIGKILL figures (PostgreSQL): kills {survived}, records checked {checked}, lost 0")
