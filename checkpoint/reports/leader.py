"""The leader's part of the reports: 136 responses, corrections and back-entries, per lane.

Computed once here for a set of shifts, laid out by :mod:`checkpoint.reports.pdf` in the shift
handover report and the daily report (每日一报), and part of their JSON and digest. A
correction is listed with its old and new value, so the original of a corrected record stays
on paper; plates are masked as everywhere on paper.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from checkpoint.domain import REPORT_TO_COMMUNITY_ZH, CodeColour, Disposition, VehicleType
from checkpoint.privacy import mask_plate
from checkpoint.storage.models import (
    Correction,
    Inspection,
    Lane,
    PaperEntry,
    Response,
    StaffMember,
)

if TYPE_CHECKING:  # responses brings the policy and credential parsers: only when there are any
    from checkpoint.leader.responses import ResponseView

BACK_ENTRY_ZH = "补录"
NONE_ZH = "无"

FIELD_ZH = {
    "plate": "车牌",
    "vehicle_type": "车型",
    "people_count": "人数",
    "origin": "出发地",
    "destination": "目的地",
    "disposition": "处置",
    "suggested_disposition": "建议处置",
    "report_to_community": REPORT_TO_COMMUNITY_ZH,
    "override_reason": "改判理由",
    "code_colour": "健康码",
    "temperature": "体温",
    "test": "核酸",
    "itinerary_star": "行程卡星号",
}


_DISPOSITIONS = {d.value for d in Disposition}
_VEHICLE_TYPES = {v.value for v in VehicleType}
_COLOURS = {c.value for c in CodeColour}


def field_label(field: str) -> str:
    """A corrected field in Chinese: 车牌, 第2人健康码 ..."""
    if field.startswith("person."):
        _, seq, name = field.split(".", 2)
        return f"第{seq}人{FIELD_ZH.get(name, name)}"
    return FIELD_ZH.get(field, field)


def value_label(field: str, value: str | None) -> str:
    """A stored value as printed: dispositions and types by name, plates masked."""
    if value is None or value == "":
        return NONE_ZH
    name = field.rsplit(".", 1)[-1]
    if name in ("disposition", "suggested_disposition") and value in _DISPOSITIONS:
        return Disposition(value).zh
    if name == "vehicle_type" and value in _VEHICLE_TYPES:
        return VehicleType(value).zh
    if name == "code_colour" and value in _COLOURS:
        return CodeColour(value).zh
    if name == "plate":
        return mask_plate(value)
    if value in ("yes", "no") or name == "report_to_community":
        return "是" if value in ("yes", "True", "true") else "否"
    if name == "test":
        if value == "positive":
            return "阳性"
        if value.startswith("negative:"):
            return f"阴性（{value.split(':', 1)[1]}小时）"
    return value


@dataclass(frozen=True)
class CorrectionLine:
    """One corrected value of one vehicle: when, which field, old → new, why, who."""

    at: datetime
    inspection_id: uuid.UUID
    lane: str
    plate_masked: str
    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    by: str

    @property
    def field_zh(self) -> str:
        """The field in Chinese."""
        return field_label(self.field)

    @property
    def old_zh(self) -> str:
        """The old value as printed."""
        return value_label(self.field, self.old_value)

    @property
    def new_zh(self) -> str:
        """The new value as printed."""
        return value_label(self.field, self.new_value)


@dataclass(frozen=True)
class BackEntryLine:
    """One back-entered file on one lane: how many vehicles and people, who, when."""

    lane: str
    source: str
    vehicles: int
    people: int
    by: str
    at: datetime


@dataclass(frozen=True)
class LaneTally:
    """One lane's part: vehicles, back-entered vehicles, corrected vehicles, 136 responses."""

    lane: str
    vehicles: int
    people: int
    back_entered: int
    corrected: int
    responses: int


@dataclass(frozen=True)
class LeaderSection:
    """Responses, corrections and back-entries of a shift or a day, and their count per lane."""

    responses: tuple[ResponseView, ...]
    corrections: tuple[CorrectionLine, ...]
    back_entries: tuple[BackEntryLine, ...]
    lanes: tuple[LaneTally, ...]

    @property
    def back_entered(self) -> int:
        """Back-entered vehicles in all."""
        return sum(b.vehicles for b in self.back_entries)


def leader_section(
    session: Session,
    site_id: uuid.UUID,
    shift_ids: Sequence[uuid.UUID],
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
) -> LeaderSection:
    """The section for the vehicles of ``shift_ids``; responses also when started in
    [starts_at, ends_at) (a response belongs to the shift that had to run it)."""
    in_shifts: ColumnElement[bool] = Inspection.shift_id.in_(list(shift_ids))
    lanes = dict(session.execute(select(Lane.id, Lane.name)).all())

    response_rows = session.scalars(
        select(Response)
        .options(selectinload(Response.items))
        .where(
            Response.site_id == site_id,
            or_(
                Response.inspection_id.in_(select(Inspection.id).where(in_shifts)),
                (Response.started_at >= starts_at) & (Response.started_at < ends_at),
            ),
        )
        .order_by(Response.started_at, Response.id)
    ).all()
    responses: tuple[ResponseView, ...] = ()
    if response_rows:
        from checkpoint.leader.responses import views

        responses = views(session, list(response_rows), tz)

    corrections = tuple(
        CorrectionLine(
            at=c.at.astimezone(tz),
            inspection_id=c.inspection_id,
            lane=lanes.get(lane_id, ""),
            plate_masked=mask_plate(plate),
            field=c.field,
            old_value=c.old_value,
            new_value=c.new_value,
            reason=c.reason,
            by=name,
        )
        for c, plate, lane_id, name in session.execute(
            select(Correction, Inspection.plate, Inspection.lane_id, StaffMember.name)
            .join(Inspection, Inspection.id == Correction.inspection_id)
            .join(StaffMember, StaffMember.id == Correction.staff_id)
            .where(in_shifts)
            .order_by(Correction.at, Correction.id)
        ).all()
    )

    back_entries = tuple(
        BackEntryLine(lanes.get(lane_id, ""), source, int(n), int(p), name, at.astimezone(tz))
        for lane_id, source, name, at, n, p in session.execute(
            select(
                Inspection.lane_id,
                PaperEntry.source,
                StaffMember.name,
                PaperEntry.entered_at,
                func.count(),
                func.coalesce(func.sum(Inspection.people_count), 0),
            )
            .join(Inspection, Inspection.id == PaperEntry.inspection_id)
            .join(StaffMember, StaffMember.id == PaperEntry.entered_by_id)
            .where(in_shifts)
            .group_by(
                Inspection.lane_id, PaperEntry.source, StaffMember.name, PaperEntry.entered_at
            )
            .order_by(PaperEntry.entered_at)
        ).all()
    )

    counts = session.execute(
        select(
            Inspection.lane_id, func.count(), func.coalesce(func.sum(Inspection.people_count), 0)
        )
        .where(in_shifts)
        .group_by(Inspection.lane_id)
    ).all()
    paper_by_lane: dict[str, int] = {}
    for b in back_entries:
        paper_by_lane[b.lane] = paper_by_lane.get(b.lane, 0) + b.vehicles
    corrected_by_lane: dict[str, set[uuid.UUID]] = {}
    for c in corrections:
        corrected_by_lane.setdefault(c.lane, set()).add(c.inspection_id)
    responses_by_lane: dict[str, int] = {}
    for r in responses:
        responses_by_lane[r.lane] = responses_by_lane.get(r.lane, 0) + 1
    tallies = sorted(
        (
            LaneTally(
                lanes.get(lane_id, ""),
                int(n),
                int(p),
                paper_by_lane.get(lanes.get(lane_id, ""), 0),
                len(corrected_by_lane.get(lanes.get(lane_id, ""), ())),
                responses_by_lane.get(lanes.get(lane_id, ""), 0),
            )
            for lane_id, n, p in counts
        ),
        key=lambda t: t.lane,
    )
    return LeaderSection(responses, corrections, back_entries, tuple(tallies))


def leader_json(section: LeaderSection) -> dict[str, Any]:
    """The section as JSON (``--json`` and the report digest)."""

    def when(dt: datetime | None) -> str | None:
        return dt.isoformat() if dt is not None else None

    return {
        "responses": [
            {
                "id": str(r.id),
                "inspection": str(r.inspection_id),
                "lane": r.lane,
                "plate": r.plate_masked,
                "trigger": r.trigger,
                "started_at": when(r.started_at),
                "closed_at": when(r.closed_at),
                "closed_by": r.closed_by,
                "close_note": r.close_note,
                "measures": [
                    {
                        "key": m.key,
                        "label": m.zh,
                        "minutes": m.minutes,
                        "due_at": when(m.due_at),
                        "done_at": when(m.done_at),
                        "done_by": m.done_by,
                        "late": m.late,
                    }
                    for m in r.measures
                ],
            }
            for r in section.responses
        ],
        "corrections": [
            {
                "at": when(c.at),
                "inspection": str(c.inspection_id),
                "lane": c.lane,
                "plate": c.plate_masked,
                "field": c.field,
                "old": c.old_value if c.field != "plate" else c.old_zh,
                "new": c.new_value if c.field != "plate" else c.new_zh,
                "reason": c.reason,
                "by": c.by,
            }
            for c in section.corrections
        ],
        "back_entries": [
            {
                "lane": b.lane,
                "file": b.source,
                "vehicles": b.vehicles,
                "people": b.people,
                "by": b.by,
                "at": when(b.at),
            }
            for b in section.back_entries
        ],
        "back_entered": section.back_entered,
        "lanes": [
            {
                "lane": t.lane,
                "vehicles": t.vehicles,
                "people": t.people,
                "back_entered": t.back_entered,
                "corrected": t.corrected,
                "responses": t.responses,
            }
            for t in section.lanes
        ],
    }
