"""Done-when for issue 15: lanes record through a server outage and a kill -9 while sending, and
every record reaches the server exactly once with the checkpoint's report adding up."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from own_postgres import own_postgres
from sqlalchemy import func, select
from sync_lanes import CREW, DUTY, SH, SHIFT_NO, LaneLaptop, make_lane, set_up_server, table_counts

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.reports.data import shift_report
from checkpoint.storage import audit
from checkpoint.storage.db import open_database
from checkpoint.storage.models import LaneAuditEvent, Shift, StaffMember
from checkpoint.team.rota import close_shift
from checkpoint.team.site import ensure_place

REPO = Path(__file__).resolve().parents[1]
VEHICLES = 200


def _figures(url: str, data_dir: Path) -> tuple[int, int, dict[str, int], dict[str, int]]:
    db = open_database(url, migrate=False)
    try:
        with db.session() as s:
            site = ensure_place(s, Settings(data_dir=data_dir)).site
            f = shift_report(s, site, SH, DUTY, SHIFT_NO).figures
            return (
                f.vehicles,
                f.people,
                {r.key: r.vehicles for r in f.by_disposition},
                {r.key: r.vehicles for r in f.by_vehicle_type},
            )
    finally:
        db.dispose()


def _assert_arrived_once(server_url: str, lanes: list[LaneLaptop]) -> None:
    server = open_database(server_url, migrate=False)
    try:
        for lane in lanes:
            local = lane.counts()
            held = table_counts(server, lane.lane_id)
            assert {k: held[k] for k in held if k != "shift"} == {
                k: local[k] for k in local if k != "shift"
            }
            with lane.db.session() as ls:
                chain = audit.count(ls, ensure_place(ls, lane.settings).site.id)
            with server.session() as s:
                seqs = s.scalars(
                    select(LaneAuditEvent.seq)
                    .where(LaneAuditEvent.lane_id == lane.lane_id)
                    .order_by(LaneAuditEvent.seq)
                ).all()
            assert list(seqs) == list(range(1, chain + 1))
    finally:
        server.dispose()


def _wait_sent(lanes: list[LaneLaptop], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(lane.sender.status().waiting == 0 for lane in lanes):
            return
        time.sleep(0.2)
    raise AssertionError(f"still waiting: {[lane.sender.status() for lane in lanes]}")


def test_two_lanes_record_through_a_server_outage_and_everything_arrives_once(
    tmp_path: Path,
) -> None:
    with own_postgres() as server:
        set_up_server(server.url, tmp_path / "srv")
        lanes = [
            make_lane(tmp_path, f"{n}号车道", server.url, interval=0.3, max_backoff=1.0)
            for n in (1, 2)
        ]
        try:
            for lane in lanes:
                lane.sender.send_once()  # staff flow down while the link is up
            server.stop()
            for lane in lanes:
                lane.sender.start()
            for n, lane in enumerate(lanes):
                lane.record(lane.open_shift(), VEHICLES, seed=100 + n)
            # the leader hands over on lane 1, still offline
            with lanes[0].db.session() as s:
                shift = s.scalars(select(Shift)).one()
                leader = s.scalars(
                    select(StaffMember).where(StaffMember.name == CREW[Role.LEADER])
                ).one()
                close_shift(s, shift, closed_by=leader, handover_to=None, note="交接正常")
            for lane in lanes:
                status = lane.sender.status()
                assert not status.online and status.offline_since is not None
                assert status.waiting > VEHICLES
            server.start()
            for lane in lanes:
                lane.sender.wake()
            _wait_sent(lanes, 180)
            for lane in lanes:
                lane.sender.stop()
                assert lane.sender.status().online
            _assert_arrived_once(server.url, lanes)
            own = [_figures(lane.settings.database_url, tmp_path) for lane in lanes]
            total = _figures(server.url, tmp_path)
            assert total[0] == sum(o[0] for o in own) == 2 * VEHICLES
            assert total[1] == sum(o[1] for o in own)
            for part in (2, 3):
                assert total[part] == {k: sum(o[part][k] for o in own) for k in total[part]}
            check = open_database(server.url, migrate=False)
            try:
                with check.session() as s:
                    assert s.scalar(select(func.count()).select_from(Shift)) == 1
                    assert s.scalars(select(Shift.handover_note)).one() == "交接正常"
            finally:
                check.dispose()
        finally:
            for lane in lanes:
                lane.close()


def _sync_process(root: Path, batch: int) -> subprocess.Popen[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "CHECKPOINT_DATA_DIR": str(root / "lane"),
        "CHECKPOINT_CONFIG": str(root / "settings.toml"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "checkpoint", "sync", "--batch", str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def test_kill_9_while_sending_loses_and_duplicates_nothing(pg_url: str, tmp_path: Path) -> None:
    set_up_server(pg_url, tmp_path / "srv")
    lane = make_lane(tmp_path, "lane", pg_url)
    (tmp_path / "settings.toml").write_text(
        f'[checkpoint]\nlane_name = "lane"\n\n[server]\nurl = "{pg_url}"\n', encoding="utf-8"
    )
    try:
        lane.sender.send_once()
        lane.record(lane.open_shift(), 150, seed=7)
        waiting = [lane.sender.waiting()]
    finally:
        lane.close()
    rng = random.Random(15)
    mid_send_kills = 0
    for _ in range(6):
        proc = _sync_process(tmp_path, batch=rng.choice((3, 7, 11)))
        # kill once sending is under way (start-up time varies with the machine's load) ...
        deadline = time.monotonic() + 120
        while (
            lane.sender.waiting() >= waiting[-1]
            and proc.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.3))  # ... at a random point of a later batch
        os.kill(proc.pid, signal.SIGKILL)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err
        waiting.append(lane.sender.waiting())
        if 0 < waiting[-1] < waiting[-2]:
            mid_send_kills += 1
        if waiting[-1] == 0:
            break
    assert mid_send_kills >= 1, f"no kill landed while sending: {waiting}"
    finish = _sync_process_once(tmp_path)
    assert finish.returncode == 0, finish.stderr
    assert finish.stdout.endswith(", waiting 0\n")
    lane = make_lane(tmp_path, "lane", pg_url)
    try:
        _assert_arrived_once(pg_url, [lane])
    finally:
        lane.close()
    conn = sqlite3.connect(tmp_path / "lane" / "checkpoint.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()


def _sync_process_once(root: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "CHECKPOINT_DATA_DIR": str(root / "lane"),
        "CHECKPOINT_CONFIG": str(root / "settings.toml"),
    }
    return subprocess.run(
        [sys.executable, "-m", "checkpoint", "sync", "--once"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
