"""The leader's books and the server: back-entries and 136 responses go up with the lane's
records, and a leader's correction of another lane's record goes through the server to the lane
that owns it (real PostgreSQL, real SQLite lanes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sync_lanes import CREW, DUTY, SH, LaneLaptop, joined_lanes

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.leader.backentry import import_paper_ledger
from checkpoint.leader.corrections import CorrectionAsk, Corrector
from checkpoint.leader.responses import ResponseBook
from checkpoint.rules.policy import Policy
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.ledger import CorrectionError
from checkpoint.storage.models import (
    AuditEvent,
    Correction,
    CorrectionRequest,
    Inspection,
    PaperEntry,
    Response,
    ResponseItem,
    StaffMember,
)
from checkpoint.sync.requests import CorrectionRequested, carry_out, correct_anywhere
from checkpoint.team.auth import PermissionDenied
from checkpoint.team.site import ensure_place

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/none"


@pytest.fixture
def lanes(pg_url: str, tmp_path: Path) -> Iterator[tuple[LaneLaptop, LaneLaptop]]:
    """Two lanes that joined a fresh server; lane 2 has recorded and sent 3 vehicles."""
    with joined_lanes(pg_url, tmp_path) as pair:
        yield pair


def _member(lane: LaneLaptop, role: Role) -> StaffMember:
    with lane.db.session() as s:
        return s.scalars(select(StaffMember).where(StaffMember.name == CREW[role])).one()


def _online(lane: LaneLaptop, url: str) -> Settings:
    return replace(lane.settings, server_url=url)


def _plate(db: Database, inspection_id: uuid.UUID) -> str:
    with db.session() as s:
        insp = s.get(Inspection, inspection_id)
        assert insp is not None
        return insp.plate


def _request(url: str, request_id: uuid.UUID) -> CorrectionRequest:
    server = open_database(url, migrate=False)
    try:
        with server.session() as s:
            row = s.get(CorrectionRequest, request_id)
            assert row is not None
            return row
    finally:
        server.dispose()


def _when(lane: LaneLaptop, inspection_id: uuid.UUID) -> datetime:
    with lane.db.session() as s:
        insp = s.get(Inspection, inspection_id)
        assert insp is not None
        return insp.created_at + timedelta(hours=1)


def test_back_entries_and_136_responses_go_up_with_their_ticks(
    pg_url: str, tmp_path: Path, lanes: tuple[LaneLaptop, LaneLaptop]
) -> None:
    lane = lanes[1]
    leader = _member(lane, Role.LEADER)
    paper = tmp_path / "paper.csv"
    paper.write_text(
        "time,plate,vehicle_type,people,origin,destination,disposition,note\n"
        "09:05,浙A12345,car,2,杭州,建德,release,\n"
        "09:20,苏E12345,小客车,1,苏州,建德,核酸检测通道,行程卡带星\n",
        encoding="utf-8",
    )
    noon = _when(lane, lane.recorded[0])
    entered = import_paper_ledger(
        lane.db, lane.settings, paper, DUTY, staff=leader, now=noon + timedelta(hours=3)
    )
    with lane.db.session() as s:
        site_id = ensure_place(s, lane.settings).site.id
    book = ResponseBook(lane.db, site_id, SH, Policy.load(None).response)
    started = book.start(lane.recorded[1], staff=leader, at=noon)
    first = started.measures[0].key
    book.tick(started.id, first, staff=leader, at=noon + timedelta(minutes=5))

    assert lane.sender.send_once().waiting == 0
    server = open_database(pg_url, migrate=False)
    try:
        with server.session() as s:
            held = set(s.scalars(select(PaperEntry.inspection_id)))
            assert held == set(entered.inspection_ids)
            response = s.get(Response, started.id)
            assert response is not None and response.lane_id == lane.lane_id
            items = s.scalars(select(ResponseItem).where(ResponseItem.response_id == started.id))
            ticked = {i.key: i.done_at for i in items}
            assert len(ticked) == len(started.measures)
            assert ticked[first] == noon + timedelta(minutes=5)
            assert [k for k, v in ticked.items() if v is not None] == [first]
    finally:
        server.dispose()
    # closing it later is a change of the lane's own record: it goes up too
    book.close(started.id, staff=leader, note="移交卫健", at=noon + timedelta(hours=1))
    assert lane.sender.send_once().sent >= 1
    server = open_database(pg_url, migrate=False)
    try:
        with server.session() as s:
            response = s.get(Response, started.id)
            assert response is not None and response.close_note == "移交卫健"
    finally:
        server.dispose()


def test_a_correction_of_another_lanes_record_goes_through_the_server_to_its_owner(
    pg_url: str, lanes: tuple[LaneLaptop, LaneLaptop]
) -> None:
    here, owner = lanes
    target = owner.recorded[0]
    old_plate = _plate(owner.db, target)
    at = _when(owner, target)
    ask = CorrectionAsk(target, "plate", "浙B54321", "车牌录错", _member(here, Role.LEADER), at)
    done = correct_anywhere(here.db, _online(here, pg_url), ask)
    assert isinstance(done, CorrectionRequested)
    assert done.owner_lane == "2号车道"
    assert (done.preview.requested.old_value, done.preview.requested.new_value) == (
        old_plate,
        "浙B54321",
    )
    # written on the server as a request; nobody has edited the record yet
    assert _request(pg_url, done.request_id).state == "waiting"
    server = open_database(pg_url, migrate=False)
    try:
        assert _plate(server, target) == old_plate
        assert _plate(owner.db, target) == old_plate
        with here.db.session() as s:
            asked = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "inspection.correct_request")
            ).one()
            assert asked.detail["request"] == str(done.request_id)
        # the owning lane takes it on its next pass, corrects its own record, sends it up
        assert owner.sender.send_once().waiting == 0
        assert _plate(owner.db, target) == "浙B54321"
        assert _plate(server, target) == "浙B54321"
        row = _request(pg_url, done.request_id)
        assert row.state == "applied" and row.settled_at is not None
        with owner.db.session() as s:
            made = s.scalars(select(Correction).where(Correction.request_id == done.request_id))
            assert [(c.field, c.new_value, c.reason) for c in made] == [
                ("plate", "浙B54321", "车牌录错")
            ]
            corrected = s.scalars(
                select(AuditEvent).where(AuditEvent.action == "inspection.correct")
            ).one()
            assert corrected.detail["request"] == str(done.request_id)
            assert corrected.actor_id == _member(here, Role.LEADER).id
        # a pass later changes nothing more
        owner.sender.send_once()
        with server.session() as s:
            n = s.scalar(
                select(func.count())
                .select_from(Correction)
                .where(Correction.request_id == done.request_id)
            )
            assert n == 1
    finally:
        server.dispose()


def test_offline_a_correction_of_another_lanes_record_is_refused_and_nothing_is_written(
    lanes: tuple[LaneLaptop, LaneLaptop],
) -> None:
    here, owner = lanes
    with here.db.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(CorrectionError) as refused:
        leader = _member(here, Role.LEADER)
        ask = CorrectionAsk(owner.recorded[0], "plate", "浙B54321", "车牌录错", leader)
        correct_anywhere(here.db, _online(here, DOWN), ask)
    text = str(refused.value)
    assert "another lane's record" in text and "cannot be reached" in text
    assert text.count(". ") == 0 and text.endswith("nothing was changed.")
    with here.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_the_server_checks_the_request_first_and_the_owner_refuses_what_it_cannot_do(
    pg_url: str, lanes: tuple[LaneLaptop, LaneLaptop]
) -> None:
    here, owner = lanes
    target = owner.recorded[1]
    at = _when(owner, target)
    online = _online(here, pg_url)
    # a bad value is refused at once, with the core's sentence, and no request is written
    with pytest.raises(CorrectionError, match="cannot be corrected"):
        ask = CorrectionAsk(target, "colour", "red", "x", _member(here, Role.LEADER), at)
        correct_anywhere(here.db, online, ask)
    # a guide may not correct records: the server's staff list says so
    with pytest.raises(PermissionDenied):
        ask = CorrectionAsk(target, "plate", "浙B54321", "x", _member(here, Role.GUIDE), at)
        correct_anywhere(here.db, online, ask)
    server = open_database(pg_url, migrate=False)
    try:
        with server.session() as s:
            assert s.scalar(select(func.count()).select_from(CorrectionRequest)) == 0
    finally:
        server.dispose()
    # accepted on the server, but by the time the owner sees it its own leader (offline) has
    # made the same change: the owner refuses with the sentence why, and nothing doubles
    ask = CorrectionAsk(target, "plate", "浙B54321", "车牌录错", _member(here, Role.LEADER), at)
    done = correct_anywhere(here.db, online, ask)
    assert isinstance(done, CorrectionRequested)
    Corrector(owner.db, Policy.load(None)).correct(
        target, "plate", "浙B54321", reason="本车道更正", staff=_member(owner, Role.LEADER), at=at
    )
    owner.sender.send_once()
    row = _request(pg_url, done.request_id)
    assert row.state == "refused"
    assert row.note == "The new value is the same as the saved one."
    with owner.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Correction)) == 1


def test_a_lane_killed_after_correcting_before_sending_does_it_once(
    pg_url: str, lanes: tuple[LaneLaptop, LaneLaptop]
) -> None:
    here, owner = lanes
    target = owner.recorded[2]
    leader = _member(here, Role.LEADER)
    ask = CorrectionAsk(target, "people_count", "4", "后排漏数", leader, _when(owner, target))
    done = correct_anywhere(here.db, _online(here, pg_url), ask)
    assert isinstance(done, CorrectionRequested)
    server = Database(pg_url)
    try:
        # the owner carries it out, then "dies" before its batch reaches the server
        taken = carry_out(
            server, owner.db, owner.lane_id, lambda: Corrector(owner.db, Policy.load(None))
        )
        assert (taken.applied, taken.refused) == (1, 0)
        assert _request(pg_url, done.request_id).state == "waiting"
        owner.sender.send_once()  # restarted: sees its own correction, does not repeat it
    finally:
        server.dispose()
    assert _request(pg_url, done.request_id).state == "applied"
    with owner.db.session() as s:
        fields = s.scalars(select(Correction.field).where(Correction.request_id == done.request_id))
        assert list(fields).count("people_count") == 1


def test_cli_ledger_correct_of_another_lanes_record_says_it_went_to_the_server(
    pg_url: str, lanes: tuple[LaneLaptop, LaneLaptop]
) -> None:
    import json
    import random
    import subprocess
    import sys

    from checkpoint.storage.inspections import InspectionStore
    from checkpoint.storage.models import utcnow
    from checkpoint.sync.drill import LaneDrill
    from checkpoint.team.auth import set_secret
    from checkpoint.team.rota import open_shift

    here, owner = lanes
    server = open_database(pg_url, migrate=False)
    try:
        with server.session() as s:
            leader = s.scalars(
                select(StaffMember).where(StaffMember.name == CREW[Role.LEADER])
            ).one()
            set_secret(s, leader, "8642")
    finally:
        server.dispose()
    # a vehicle of today at lane 2 (the correction window counts back from now)
    with owner.db.session() as s:
        place = ensure_place(s, owner.settings)
        shift = open_shift(s, place.site, leader=s.merge(owner.crew().leader), tz=SH)
        shift_id, starts_at = shift.id, shift.starts_at
    drill = LaneDrill(InspectionStore(owner.db, owner.lane_id), owner.crew(), SH)
    # inside the shift just opened, even a minute after a shift change
    at = max(starts_at, utcnow() - timedelta(minutes=5))
    target = drill.vehicle(shift_id, at, random.Random(5))
    owner.sender.send_once()
    here.sender.send_once()  # lane 1 pulls the leader's PIN
    root = here.settings.data_dir.parent
    config = root / "lane1.toml"
    config.write_text(
        f'[checkpoint]\nlane_name = "1号车道"\n\n[server]\nurl = "{pg_url}"\n', encoding="utf-8"
    )
    run = subprocess.run(
        [
            sys.executable, "-m", "checkpoint", "ledger", "correct", str(target.inspection_id),
            "--field", "plate", "--value", "浙B54321", "--reason", "车牌录错",
            "--as", CREW[Role.LEADER], "--json",
        ],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1],
        env={
            "PATH": "/usr/bin:/bin",
            "CHECKPOINT_DATA_DIR": str(here.settings.data_dir),
            "CHECKPOINT_CONFIG": str(config),
            "CHECKPOINT_PIN": "8642",
        },
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["id"] == str(target.inspection_id) and doc["lane"] == "2号车道"
    assert doc["state"] == "waiting" and doc["changes"][0]["new"] == "浙B54321"
    owner.sender.send_once()
    assert _plate(owner.db, target.inspection_id) == "浙B54321"
    assert _request(pg_url, uuid.UUID(doc["request"])).state == "applied"
