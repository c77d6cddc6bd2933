"""Helpers for the sync tests: a checkpoint server with its staff, and lanes that record offline."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from checkpoint.config import Settings
from checkpoint.domain import Role
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionStore
from checkpoint.storage.models import Base, Shift, StaffMember
from checkpoint.sync.drill import DrillCrew, LaneDrill
from checkpoint.sync.sender import Sender
from checkpoint.team.rota import find_shift, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

SH = ZoneInfo("Asia/Shanghai")
DUTY = date(2022, 4, 18)
SHIFT_NO = 2  # 08:00-16:00 local
CREW = {
    Role.ADMIN: "李点长",
    Role.LEADER: "王建国",
    Role.GUIDE: "陈引导",
    Role.INSPECTOR: "张查验",
    Role.RECORDER: "刘录入",
}
LANE_TABLES = ("shift", "inspection", "person_check", "credential_scan", "correction")


def set_up_server(url: str, data_dir: Path) -> None:
    """Schema, the site and the team on the server (the server owns the staff)."""
    db = open_database(url)
    try:
        with db.session() as s:
            place = ensure_place(s, Settings(data_dir=data_dir, lane_name="指挥部"))
            for role, name in CREW.items():
                add_staff(s, place.site, name, role)
    finally:
        db.dispose()


@dataclass
class LaneLaptop:
    """One lane's laptop: its own SQLite, its desk, its sender."""

    name: str
    settings: Settings
    db: Database
    sender: Sender
    lane_id: uuid.UUID
    # the inspections :meth:`record` made, oldest first
    recorded: list[uuid.UUID] = field(default_factory=list)

    def crew(self) -> DrillCrew:
        with self.db.session() as s:
            people = {
                Role(m.role): m
                for m in s.scalars(select(StaffMember)).all()
                if m.name in CREW.values()
            }
        return DrillCrew.of(people)

    def open_shift(self) -> Shift:
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            leader = s.scalars(
                select(StaffMember).where(StaffMember.name == CREW[Role.LEADER])
            ).one()
            return open_shift(s, place.site, leader=leader, tz=SH, duty_date=DUTY, number=SHIFT_NO)

    def the_shift(self) -> Shift:
        """The drill's shift, opened on this lane if it is not yet."""
        with self.db.session() as s:
            found = find_shift(s, ensure_place(s, self.settings).site, DUTY, SHIFT_NO)
        return found if found is not None else self.open_shift()

    def record(self, shift: Shift, vehicles: int, seed: int) -> list[float]:
        """Drive ``vehicles`` through all four steps; the step times in ms."""
        rng = random.Random(seed)
        drill = LaneDrill(InspectionStore(self.db, self.lane_id), self.crew(), SH)
        steps: list[float] = []
        at = shift.starts_at + timedelta(minutes=1)
        for _ in range(vehicles):
            done = drill.vehicle(shift.id, at, rng)
            steps += done.step_ms
            self.recorded.append(done.inspection_id)
            at += timedelta(seconds=rng.randint(20, 60))
        return steps

    def counts(self) -> dict[str, int]:
        return table_counts(self.db)

    def close(self) -> None:
        self.sender.stop()
        self.db.dispose()


def make_lane(root: Path, name: str, server_url: str, **options: float) -> LaneLaptop:
    settings = Settings(data_dir=root / name, lane_name=name)
    db = open_database(settings.database_url)
    with db.session() as s:
        lane_id = ensure_place(s, settings).lane.id
    sender = Sender(db, server_url, lane_id, **options)  # type: ignore[arg-type]
    return LaneLaptop(name, settings, db, sender, lane_id)


def table_counts(db: Database, lane_id: uuid.UUID | None = None) -> dict[str, int]:
    """Rows per lane-owned table (one lane's inspections and their children if ``lane_id``)."""
    out: dict[str, int] = {}
    with db.session() as s:
        for name in LANE_TABLES:
            table = Base.metadata.tables[name]
            q = select(func.count()).select_from(table)
            if lane_id is not None and name != "shift":
                insp = Base.metadata.tables["inspection"]
                if name == "inspection":
                    q = q.where(table.c.lane_id == lane_id)
                else:
                    q = q.where(
                        table.c.inspection_id.in_(
                            select(insp.c.id).where(insp.c.lane_id == lane_id)
                        )
                    )
            out[name] = int(s.scalar(q) or 0)
    return out


@contextmanager
def joined_lanes(
    url: str, root: Path, vehicles: int = 3
) -> Iterator[tuple[LaneLaptop, LaneLaptop]]:
    """Two lanes that joined a fresh server; lane 2 has recorded ``vehicles`` and sent them."""
    set_up_server(url, root / "srv")
    pair = (make_lane(root, "1号车道", url), make_lane(root, "2号车道", url))
    try:
        for lane in pair:
            lane.sender.send_once()
        pair[1].record(pair[1].open_shift(), vehicles, seed=7)
        pair[1].sender.send_once()
        yield pair
    finally:
        for lane in pair:
            lane.close()
