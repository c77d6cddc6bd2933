"""Local first: lanes record into their own SQLite; the sender delivers to a real PostgreSQL
server, exactly once, in order, with each lane's audit chain checked by the server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sync_lanes import (
    CREW,
    DUTY,
    SH,
    SHIFT_NO,
    LaneLaptop,
    make_lane,
    set_up_server,
    table_counts,
)

from checkpoint.config import Settings, load_settings
from checkpoint.domain import Role
from checkpoint.errors import ConfigError, StorageError
from checkpoint.reports.data import shift_report
from checkpoint.storage import audit
from checkpoint.storage.db import open_database
from checkpoint.storage.models import AuditEvent, LaneAuditEvent, StaffMember, SyncOutbox
from checkpoint.sync import outbox
from checkpoint.sync.server import SyncRefused, apply_batch, held_chain
from checkpoint.team.site import ensure_place

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def lane(pg_url: str, tmp_path: Path) -> Iterator[LaneLaptop]:
    """A lane that has joined a fresh server: the server's staff list is on it."""
    set_up_server(pg_url, tmp_path / "srv")
    laptop = make_lane(tmp_path, "1号车道", pg_url)
    laptop.sender.send_once()
    yield laptop
    laptop.close()


# Nothing listens on port 1: the server is "down".
DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def _report_totals(url: str, data_dir: Path) -> tuple[int, int, dict[str, int]]:
    db = open_database(url, migrate=False)
    try:
        with db.session() as s:
            site = ensure_place(s, Settings(data_dir=data_dir)).site
            r = shift_report(s, site, SH, DUTY, SHIFT_NO)
            return (
                r.figures.vehicles,
                r.figures.people,
                {row.key: row.vehicles for row in r.figures.by_disposition},
            )
    finally:
        db.dispose()


def test_two_lanes_arrive_once_and_the_checkpoint_report_adds_up(
    pg_url: str, tmp_path: Path
) -> None:
    set_up_server(pg_url, tmp_path / "srv")
    lanes = [make_lane(tmp_path, f"{n}号车道", pg_url) for n in (1, 2)]
    try:
        for lane in lanes:
            lane.sender.send_once()  # the staff list flows down
        counts = []
        for n, lane in enumerate(lanes):
            shift = lane.open_shift()
            lane.record(shift, 12 + n, seed=n)
            counts.append(lane.counts())
        results = [lane.sender.send_once() for lane in lanes]
        assert [r.waiting for r in results] == [0, 0]
        assert all(r.sent > 0 for r in results)
        # a second pass has nothing to send
        assert [lane.sender.send_once().sent for lane in lanes] == [0, 0]
        server = open_database(pg_url, migrate=False)
        try:
            for lane, local in zip(lanes, counts, strict=True):
                held = table_counts(server, lane.lane_id)
                assert {k: v for k, v in held.items() if k != "shift"} == {
                    k: v for k, v in local.items() if k != "shift"
                }
            assert table_counts(server)["shift"] == 1  # one shift, two lanes
            with server.session() as s:
                for lane in lanes:
                    with lane.db.session() as ls:
                        local_events = audit.count(ls, ensure_place(ls, lane.settings).site.id)
                    held_events = s.scalars(
                        select(LaneAuditEvent.seq).where(LaneAuditEvent.lane_id == lane.lane_id)
                    ).all()
                    assert sorted(held_events) == list(range(1, local_events + 1))
        finally:
            server.dispose()
        lane_totals = [_report_totals(lane.settings.database_url, tmp_path) for lane in lanes]
        vehicles, people, by_disp = _report_totals(pg_url, tmp_path)
        assert vehicles == sum(t[0] for t in lane_totals) == 25
        assert people == sum(t[1] for t in lane_totals)
        assert by_disp == {k: sum(t[2][k] for t in lane_totals) for k in by_disp}
    finally:
        for lane in lanes:
            lane.close()


def test_a_batch_the_server_already_committed_lands_once(pg_url: str, lane: LaneLaptop) -> None:
    lane.record(lane.open_shift(), 5, seed=3)
    with lane.db.session() as s:
        batch = outbox.read_batch(s, lane.lane_id, 10_000)
    assert batch is not None
    server = open_database(pg_url, migrate=False)
    try:
        # the server commits, then the lane "dies" before forgetting the batch
        with server.engine.begin() as conn:
            apply_batch(conn, batch, lane.name)
        before = table_counts(server)
        result = lane.sender.send_once()
        assert result.waiting == 0
        assert table_counts(server) == before == {**lane.counts()}
        with server.engine.connect() as conn:
            head = held_chain(conn, lane.lane_id)
        with lane.db.session() as s:
            last = s.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
        assert head is not None and head[0] == last
    finally:
        server.dispose()


def test_the_server_refuses_a_chain_that_does_not_continue_and_the_lane_says_so(
    pg_url: str, tmp_path: Path, lane: LaneLaptop
) -> None:
    shift = lane.open_shift()
    lane.record(shift, 3, seed=1)
    lane.sender.send_once()
    lane.record(shift, 2, seed=2)
    # someone edits a waiting audit event by hand
    with lane.db.session() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        s.execute(update(AuditEvent).where(AuditEvent.id == last.id).values(subject="forged"))
        waiting = outbox.waiting(s)
    with pytest.raises(SyncRefused, match=f"event {last.seq} was altered"):
        lane.sender.send_once()
    status = lane.sender.status()
    assert status.refused and not status.online
    assert status.waiting == waiting > 0  # nothing lost: still waiting on the lane
    assert status.error is not None and "refused lane 1号车道" in status.error

    # A reinstalled laptop claiming the same lane starts a new chain: refused, not merged.
    twin = make_lane(tmp_path / "reinstalled", "1号车道", pg_url)
    try:
        twin.sender.send_once()
        with pytest.raises(SyncRefused, match="event 1 differs"):
            with twin.db.session() as s:
                site = ensure_place(s, twin.settings).site
                leader = s.scalars(select(StaffMember).where(StaffMember.role == "leader")).one()
                audit.record(s, site.id, leader.id, "shift.note", None, {"n": 1})
            twin.sender.send_once()
    finally:
        twin.close()


def test_offline_the_lane_keeps_everything_and_says_since_when(tmp_path: Path) -> None:
    lane = make_lane(tmp_path, "1号车道", DOWN)
    try:
        with pytest.raises(StorageError, match="cannot be reached"):
            lane.sender.send_once()
        status = lane.sender.status()
        assert not status.online and status.offline_since is not None
        assert status.server == "postgresql+psycopg://postgres@127.0.0.1:1/none"
        first_down = status.offline_since
        with pytest.raises(StorageError):
            lane.sender.send_once()
        assert lane.sender.status().offline_since == first_down  # since the first failure
    finally:
        lane.close()


def test_back_off_grows_and_is_bounded(tmp_path: Path) -> None:
    lane = make_lane(tmp_path, "1号车道", DOWN, base_backoff=0.5, max_backoff=8.0, interval=2.0)
    try:
        assert lane.sender.next_delay() == 2.0
        delays = []
        for _ in range(8):
            assert isinstance(lane.sender.attempt(), StorageError)
            delays.append(lane.sender.next_delay())
        assert delays[0] <= 0.5 and delays[3] > 1.0
        assert all(d <= 8.0 for d in delays) and delays[-1] >= 4.0
    finally:
        lane.close()


def test_background_sender_delivers_and_stops(pg_url: str, tmp_path: Path) -> None:
    set_up_server(pg_url, tmp_path / "srv")
    lane = make_lane(tmp_path, "1号车道", pg_url, interval=0.2)
    seen: list[int] = []
    lane.sender.subscribe(lambda st: seen.append(st.waiting))
    try:
        lane.sender.start()
        deadline = time.monotonic() + 30
        while not lane.sender.status().online and time.monotonic() < deadline:
            time.sleep(0.05)
        lane.record(lane.open_shift(), 4, seed=5)
        lane.sender.wake()
        while lane.sender.status().waiting and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lane.sender.status().waiting == 0
        assert lane.sender.status().last_sent_at is not None
        assert seen and seen[-1] == 0
    finally:
        lane.close()
    assert not lane.sender.running
    assert not [t for t in threading.enumerate() if t.name == "checkpoint-sync"]


def _cli(args: list[str], env_root: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "CHECKPOINT_DATA_DIR": str(env_root / "data"),
        "CHECKPOINT_CONFIG": str(env_root / "settings.toml"),
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-m", "checkpoint", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


def test_cli_sync_and_status(pg_url: str, tmp_path: Path) -> None:
    set_up_server(pg_url, tmp_path / "srv")
    lane = make_lane(tmp_path, "data", pg_url)  # the CLI's data dir: tmp_path/data
    try:
        lane.sender.send_once()
        lane.record(lane.open_shift(), 2, seed=4)
        waiting = lane.sender.waiting()
    finally:
        lane.close()
    (tmp_path / "settings.toml").write_text('[checkpoint]\nlane_name = "data"\n', encoding="utf-8")

    down = _cli(["sync", "--once", "--server", DOWN], tmp_path)
    assert down.returncode == 2
    assert down.stdout == f"sent 0, waiting {waiting}\n"
    assert down.stderr.count("\n") == 1 and "cannot be reached" in down.stderr
    st = _cli(["sync", "status", "--json", "--server", DOWN], tmp_path)
    doc = json.loads(st.stdout)
    assert list(doc)[:4] == ["server", "online", "waiting", "last_sent_at"]
    assert doc["online"] is False and doc["waiting"] == waiting and doc["last_sent_at"] is None

    (tmp_path / "settings.toml").write_text(
        f'[checkpoint]\nlane_name = "data"\n\n[server]\nurl = "{pg_url}"\n', encoding="utf-8"
    )
    up = _cli(["sync", "--once"], tmp_path)
    assert up.returncode == 0, up.stderr
    assert up.stdout == f"sent {waiting}, waiting 0\n"
    doc = json.loads(_cli(["sync", "status", "--json"], tmp_path).stdout)
    assert doc["online"] is True and doc["waiting"] == 0 and doc["last_sent_at"]
    assert doc["server"] == pg_url  # no password in it to hide
    plain = _cli(["sync", "status"], tmp_path)
    assert "online, 0 waiting" in plain.stdout

    none = _cli(["sync", "--once"], tmp_path, CHECKPOINT_CONFIG=str(tmp_path / "absent.toml"))
    assert none.returncode == 2 and "No server is configured" in none.stderr


def test_server_setting_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "settings.toml"
    monkeypatch.setenv("CHECKPOINT_CONFIG", str(cfg))
    cfg.write_text('[server]\nurl = "postgresql+psycopg://u@h/db"\n', encoding="utf-8")
    assert load_settings().server_url == "postgresql+psycopg://u@h/db"
    cfg.write_text('[server]\nurl = "sqlite:///x.db"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="The server must be PostgreSQL"):
        load_settings()
    cfg.write_text("[server]\nurl = 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="url must be a string"):
        load_settings()
    cfg.write_text('[server]\nhost = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="one key, url"):
        load_settings()


def test_outbox_is_seeded_for_old_records_and_filled_with_each_commit(tmp_path: Path) -> None:
    from alembic import command

    from checkpoint.storage.db import Database, _alembic_config
    from checkpoint.team.rota import open_shift
    from checkpoint.team.staff import add_staff

    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(_alembic_config(db), "0005b")
    # a lane that recorded before sync existed (the revision before sync's)
    with db.session() as s:
        place = ensure_place(s, Settings(data_dir=tmp_path))
        leader = add_staff(s, place.site, CREW[Role.LEADER], Role.LEADER)
        open_shift(s, place.site, leader=leader, tz=SH, duty_date=DUTY, number=SHIFT_NO)
    command.upgrade(_alembic_config(db), "head")
    with db.session() as s:
        seeded = s.execute(select(SyncOutbox.table_name).order_by(SyncOutbox.seq)).scalars().all()
    # the shift, its roster and its three audit events (one is the leader account's digest)
    assert seeded == ["shift", "shift_roster", "audit_event", "audit_event", "audit_event"]
    # a change and its outbox entry commit together, or neither does
    with pytest.raises(RuntimeError), db.session() as s:
        audit.record(s, place.site.id, leader.id, "shift.note", None, {})
        raise RuntimeError("power cut")
    with db.session() as s:
        assert outbox.waiting(s) == 5
        audit.record(s, place.site.id, leader.id, "shift.note", None, {})
    with db.session() as s:
        assert outbox.waiting(s) == 6
    db.dispose()


def test_staff_changes_on_the_server_flow_down_and_lockouts_stay_local(
    pg_url: str, lane: LaneLaptop
) -> None:
    guide = CREW[Role.GUIDE]
    with lane.db.session() as s:
        local = s.scalars(select(StaffMember).where(StaffMember.name == guide)).one()
        local.failed_attempts = 2  # the lane's own lock-out counter
    server = open_database(pg_url, migrate=False)
    try:
        with server.session() as s:
            s.execute(
                update(StaffMember)
                .where(StaffMember.name == guide)
                .values(role="inspector", secret_hash="pbkdf2$new", active=False)
            )
    finally:
        server.dispose()
    lane.sender.send_once()
    with lane.db.session() as s:
        local = s.scalars(select(StaffMember).where(StaffMember.name == guide)).one()
        assert (local.role, local.secret_hash, local.active) == (
            "inspector",
            "pbkdf2$new",
            False,
        )
        assert local.failed_attempts == 2
    assert lane.sender.status().staff_pulled_at is not None


def test_a_lane_database_made_before_it_joined_is_refused_with_a_reason(
    pg_url: str, tmp_path: Path
) -> None:
    import uuid

    from checkpoint.storage.models import Site

    set_up_server(pg_url, tmp_path / "srv")
    # a staff member added on the lane long ago, under a random id the server does not know
    legacy = make_lane(tmp_path, "1号车道", pg_url)
    try:
        with legacy.db.session() as s:
            site = ensure_place(s, legacy.settings).site
            for role, name in CREW.items():
                s.add(StaffMember(id=uuid.uuid4(), site_id=site.id, name=name, role=role.value))
        legacy.record(legacy.open_shift(), 1, seed=1)
        with pytest.raises(SyncRefused, match="could not store lane 1号车道's records"):
            legacy.sender.send_once()
        assert legacy.sender.status().refused
    finally:
        legacy.close()
    # a site row with a random id (before ids were derived from the name)
    old_db = open_database(Settings(data_dir=tmp_path / "old" / "9号车道").database_url)
    with old_db.session() as s:
        s.add(Site(id=uuid.uuid4(), name=Settings().site_name))
    old_db.dispose()
    other = make_lane(tmp_path / "old", "9号车道", pg_url)
    try:
        with other.db.session() as s:
            audit.record(s, ensure_place(s, other.settings).site.id, None, "lane.start", None)
        with pytest.raises(SyncRefused, match="already has a site called"):
            other.sender.send_once()
    finally:
        other.close()


def test_trust_store_risk_areas_and_policy_flow_down_and_say_how_old(
    pg_url: str, tmp_path: Path
) -> None:
    from checkpoint.sync.sender import lane_sender

    set_up_server(pg_url, tmp_path / "srv")
    chief = tmp_path / "chief"
    (chief / "trust").mkdir(parents=True)
    (chief / "trust" / "issuer-a.pem").write_bytes(b"-----BEGIN PUBLIC KEY-----\nA\n")
    (chief / "trust" / "issuer-b.jwks").write_bytes(b'{"keys": []}')
    (chief / "risk-areas.json").write_text('{"areas": []}', encoding="utf-8")
    policy = REPO / "resources" / "policy" / "default.toml"
    (tmp_path / "chief.toml").write_text(
        f'[checkpoint]\npolicy_file = "{policy.as_posix()}"\n\n[server]\nurl = "{pg_url}"\n',
        encoding="utf-8",
    )
    env = {"CHECKPOINT_CONFIG": str(tmp_path / "chief.toml")}
    first = _cli(["sync", "publish"], chief.parent, CHECKPOINT_DATA_DIR=str(chief), **env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("published 4 files (4 changed)")

    laptop = make_lane(tmp_path, "1号车道", pg_url)
    sender = lane_sender(laptop.db, laptop.lane_id, pg_url, data_dir=laptop.settings.data_dir)
    assert sender is not None
    try:
        sender.send_once()
        lane_dir = laptop.settings.data_dir
        assert (lane_dir / "trust" / "issuer-b.jwks").read_bytes() == b'{"keys": []}'
        assert (lane_dir / "risk-areas.json").read_text(encoding="utf-8") == '{"areas": []}'
        assert (lane_dir / "policy.toml").read_bytes() == policy.read_bytes()
        # the lane now judges by the server's policy
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CHECKPOINT_DATA_DIR", str(lane_dir))
            assert load_settings().policy_file == lane_dir / "policy.toml"
        # a key withdrawn on the server is withdrawn on the lane
        (chief / "trust" / "issuer-a.pem").unlink()
        again = _cli(["sync", "publish"], chief.parent, CHECKPOINT_DATA_DIR=str(chief), **env)
        assert again.stdout.startswith("published 3 files (1 changed)")
        sender.send_once()
        assert sorted(p.name for p in (lane_dir / "trust").iterdir()) == ["issuer-b.jwks"]
        assert sender.status().staff_pulled_at is not None
    finally:
        sender.stop()
        laptop.close()
