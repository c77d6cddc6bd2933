"""A small checkpoint for the leader's tests: a team with PINs, an open shift, and vehicles that
go through the four steps with people judged by the real rules engine and policy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from checkpoint.config import Settings, load_settings
from checkpoint.credentials.trust import TrustStore
from checkpoint.domain import CodeColour, Disposition, Occupant, Role, VehicleType
from checkpoint.lane.findings import ManualReading, PersonDraft
from checkpoint.lane.judging import Verifier, vehicle_reasons
from checkpoint.rules.policy import Policy
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.inspections import InspectionStore
from checkpoint.storage.models import Lane, StaffMember
from checkpoint.team import auth
from checkpoint.team.rota import RosterMember, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

TZ = ZoneInfo("Asia/Shanghai")
# a Monday morning in the day shift (白班, shift 2) of the default rota
MORNING = datetime(2022, 4, 18, 10, 0, tzinfo=TZ)
PINS = {"赵点长": "2468", "王建国": "1357", "徐丽": "1234"}
ROLES = {"赵点长": Role.ADMIN, "王建国": Role.LEADER, "徐丽": Role.RECORDER}


@dataclass(frozen=True)
class Person:
    """What the inspector read for one person: colour, test hours (None: no test), temperature."""

    colour: CodeColour = CodeColour.GREEN
    test_hours: int | None = 20
    temperature: float = 36.5
    star: bool = False


@dataclass
class World:
    settings: Settings
    db: Database
    site_id: uuid.UUID
    lane_id: uuid.UUID
    shift_id: uuid.UUID
    staff: dict[str, StaffMember]
    start: datetime
    policy: Policy = field(default_factory=Policy.load)
    desks: dict[uuid.UUID, InspectionStore] = field(default_factory=dict)

    def desk(self, lane_id: uuid.UUID | None = None) -> InspectionStore:
        lane = lane_id or self.lane_id
        if lane not in self.desks:
            self.desks[lane] = InspectionStore(self.db, lane)
        return self.desks[lane]

    def add_lane(self, name: str) -> uuid.UUID:
        with self.db.session() as s:
            lane = Lane(site_id=self.site_id, name=name)
            s.add(lane)
            s.flush()
            return lane.id

    def vehicle(
        self,
        plate: str,
        at: datetime,
        people: Sequence[Person] = (Person(),),
        *,
        vehicle_type: VehicleType = VehicleType.CAR,
        final: Disposition | None = None,
        lane_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """One vehicle through the four steps at ``at``; the final disposition is the rules'
        suggestion unless ``final`` overrides it (allowed by the leader)."""
        verifier = Verifier(self.policy, TrustStore(), settings=self.settings)
        desk = self.desk(lane_id)
        recorder = self.staff["徐丽"]
        iid = desk.guide(
            self.shift_id, plate=plate, vehicle_type=vehicle_type, people_count=len(people),
            staff=recorder, at=at,
        )  # fmt: skip
        judged = []
        for seq, p in enumerate(people, start=1):
            draft = PersonDraft(
                Occupant.DRIVER if seq == 1 else Occupant.PASSENGER,
                manual=ManualReading(p.colour, p.star, p.test_hours),
                temperature=p.temperature,
            )
            j = verifier.judge(draft, seq, at, vehicle_type, plate)
            desk.add_person(iid, j.entry, at=at, staff=recorder)
            judged.append(j)
        vehicle = verifier.vehicle([j.assessment for j in judged])
        desk.finish_verify(
            iid, suggested=vehicle.disposition, reasons=vehicle_reasons(judged),
            report_to_community=vehicle.report_to_community,
            policy_version=self.policy.version_label, staff=recorder, at=at,
        )  # fmt: skip
        desk.record(iid, staff=recorder, at=at)
        chosen = final or vehicle.disposition
        desk.divert(
            iid, chosen, staff=recorder, at=at + timedelta(seconds=5),
            override_reason="组长同意" if chosen is not vehicle.disposition else None,
            approved_by=self.staff["王建国"] if chosen is not vehicle.disposition else None,
        )  # fmt: skip
        return iid


def make_world(db_url: str, at: datetime) -> World:
    """A site with 点长 赵点长, 组长 王建国 and 录入员 徐丽 (PINs in PINS), and the shift holding
    ``at`` opened by 王建国."""
    settings = load_settings(db_url=db_url)
    db = open_database(db_url)
    with db.session() as s:
        place = ensure_place(s, settings)
        staff = {}
        for name, role in ROLES.items():
            member = add_staff(s, place.site, name, role)
            auth.set_secret(s, member, PINS[name])
            staff[name] = member
        shift = open_shift(
            s, place.site, leader=staff["王建国"], tz=settings.tz, at=at,
            roster=[RosterMember(staff["徐丽"].id, Role.RECORDER)],
        )  # fmt: skip
        return World(settings, db, place.site.id, place.lane.id, shift.id, staff, shift.starts_at)


@contextmanager
def world_at(db_url: str, at: datetime) -> Iterator[World]:
    """:func:`make_world`, disposed of afterwards."""
    w = make_world(db_url, at)
    try:
        yield w
    finally:
        w.db.dispose()
