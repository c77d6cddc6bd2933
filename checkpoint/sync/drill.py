"""A lane drill: vehicles driven through the four steps exactly as the desk records them.

For the sync tests, the sync benchmark and training a lane's staff on a spare laptop: every
step goes through :class:`checkpoint.storage.inspections.InspectionStore` (its own transaction, its
audit event, its outbox entry), with findings read "by eye" and judged by the real rules.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from checkpoint.domain import CodeColour, Disposition, Occupant, Role, VehicleType
from checkpoint.lane.judging import reason_dict
from checkpoint.rules.policy import Policy
from checkpoint.rules.verdicts import PersonFindings, evaluate_person, evaluate_vehicle
from checkpoint.storage.inspections import InspectionStore, PersonEntry
from checkpoint.storage.models import StaffMember

_TYPES = (VehicleType.CAR,) * 7 + (VehicleType.TRUCK,) * 2 + (VehicleType.BUS,)


@dataclass(frozen=True)
class DrillCrew:
    """Who works the lane's steps during a drill."""

    guide: StaffMember
    inspector: StaffMember
    recorder: StaffMember
    leader: StaffMember

    @classmethod
    def of(cls, members: dict[Role, StaffMember]) -> DrillCrew:
        """The crew from one member per role."""
        return cls(
            members[Role.GUIDE],
            members[Role.INSPECTOR],
            members[Role.RECORDER],
            members[Role.LEADER],
        )


@dataclass(frozen=True)
class DrilledVehicle:
    """One vehicle the drill recorded: its inspection, and how long each step took to save."""

    inspection_id: uuid.UUID
    step_ms: tuple[float, ...]


class LaneDrill:
    """Drives vehicles through a lane's desk; each call records one vehicle, all four steps."""

    def __init__(
        self, desk: InspectionStore, crew: DrillCrew, tz: ZoneInfo, policy: Policy | None = None
    ) -> None:
        self.desk = desk
        self.crew = crew
        self.tz = tz
        self.policy = policy or Policy.load(None)

    def vehicle(self, shift_id: uuid.UUID, at: datetime, rng: random.Random) -> DrilledVehicle:
        """Record one vehicle guided in at ``at``, all four steps."""
        steps: list[float] = []
        vehicle = rng.choice(_TYPES)
        people = 1 if vehicle is VehicleType.TRUCK else rng.choice((1, 1, 2, 2, 3))
        plate = f"浙A{rng.randrange(10**5):05d}"

        def timed(start: float) -> None:
            steps.append((time.perf_counter() - start) * 1000.0)

        t = time.perf_counter()
        insp = self.desk.guide(
            shift_id,
            plate=plate,
            vehicle_type=vehicle,
            people_count=people,
            staff=self.crew.guide,
            at=at,
        )
        timed(t)
        verify_at = at + timedelta(seconds=rng.randint(15, 60))
        assessments = []
        for seq in range(people):
            occupant = Occupant.DRIVER if seq == 0 else Occupant.PASSENGER
            colour = CodeColour.GREEN if rng.random() < 0.96 else CodeColour.YELLOW
            findings = PersonFindings(
                code_colour=colour,
                code_time=verify_at,
                itinerary_star=False,
                temperature_c=round(rng.gauss(36.5, 0.2), 1),
                plate=plate,
                manual=True,
            )
            a = evaluate_person(
                findings, self.policy, verify_at, vehicle, occupant=occupant, tz=self.tz
            )
            assessments.append(a)
            entry = PersonEntry(
                occupant=occupant,
                verdict=a.verdict,
                disposition=a.disposition,
                reasons=tuple(reason_dict(r) for r in a.reasons),
                report_to_community=a.report_to_community,
                code_colour=colour,
                temperature=findings.temperature_c,
                findings={"code_colour": colour.value, "temperature": findings.temperature_c},
                manual=True,
            )
            t = time.perf_counter()
            self.desk.add_person(insp, entry, at=verify_at, staff=self.crew.inspector)
            timed(t)
        outcome = evaluate_vehicle(assessments)
        t = time.perf_counter()
        self.desk.finish_verify(
            insp,
            suggested=outcome.disposition,
            reasons=[reason_dict(r) for r in outcome.reasons],
            report_to_community=outcome.report_to_community,
            policy_version=self.policy.version_label,
            staff=self.crew.inspector,
            at=verify_at,
        )
        timed(t)
        t = time.perf_counter()
        self.desk.record(insp, staff=self.crew.recorder, at=verify_at + timedelta(seconds=5))
        timed(t)
        final: Disposition = outcome.disposition
        t = time.perf_counter()
        self.desk.divert(insp, final, staff=self.crew.leader, at=verify_at + timedelta(seconds=10))
        timed(t)
        return DrilledVehicle(insp, tuple(steps))
