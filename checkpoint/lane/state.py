"""The immutable state of a lane the screen renders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from checkpoint.domain import Disposition, Step, VehicleType, Verdict
from checkpoint.lane.judging import Judged, PersonView


@dataclass(frozen=True)
class VehicleFacts:
    """What the guide recorded (plate, type, people, route)."""

    plate: str
    vehicle_type: VehicleType
    people_count: int
    origin: str | None = None
    destination: str | None = None


@dataclass(frozen=True)
class Banner:
    """The divert step's verdict: colour (the vehicle verdict), suggestion, reasons."""

    verdict: Verdict
    suggested: Disposition
    reasons: tuple[dict[str, Any], ...]
    report_to_community: bool


class Notice(StrEnum):
    """A short, non-error message under the camera."""

    SCAN_IGNORED = "scan_ignored"  # codes before a plate was entered
    ALREADY_ATTACHED = "already_attached"
    NOT_A_CREDENTIAL = "not_a_credential"  # 不是健康码/通行码
    PART_WAITING = "part_waiting"  # a split card: more parts to scan
    CORRECTED = "corrected"
    PERSON_REMOVED = "person_removed"
    DEMO_REFUSED = "demo_refused"  # a DEMO pass at a real lane: not added to anyone


@dataclass(frozen=True)
class LaneState:
    """Everything the inspection screen shows; a new object after every call."""

    step: Step = Step.GUIDE
    inspection_id: uuid.UUID | None = None
    vehicle: VehicleFacts | None = None
    people: tuple[Judged, ...] = ()
    selected: int | None = None  # index into people
    banner: Banner | None = None
    last: tuple[str, Disposition] | None = None  # previous vehicle's plate and disposition
    last_people: tuple[PersonView, ...] = ()  # who was in the previous vehicle, as judged
    notice: Notice | None = None
    not_credential_count: int = 0  # texts this vehicle that were no credential
    parts_waiting: tuple[int, int] | None = None  # (seen, needed) of a split card
    may_finish_verify: bool = False

    @property
    def missing_people(self) -> int:
        """How many announced people are not checked yet."""
        if self.vehicle is None:
            return 0
        return max(self.vehicle.people_count - len(self.people), 0)

    def worst_verdict(self) -> Verdict:
        """The most severe verdict among the people (pass when none)."""
        order = list(Verdict)
        return max((j.view.verdict for j in self.people), key=order.index, default=Verdict.PASS)

    def reason_lines(self, lang: str) -> list[str]:
        """The banner's reasons as plain sentences, each with the person it concerns."""
        if self.banner is None:
            return []
        out = []
        for r in self.banner.reasons:
            text = str(r.get("zh" if lang.startswith("zh") else "en") or r.get("code"))
            seq = r.get("person")
            who = next((j.view for j in self.people if j.view.seq == seq), None)
            if who is not None:
                text = f"{who.occupant.label(lang)} {who.holder or f'#{seq}'}: {text}"
            out.append(text)
        return out
