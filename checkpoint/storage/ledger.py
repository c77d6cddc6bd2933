"""The ledger (工作台账): a shift's vehicles read straight from the database, and corrections.

Queries are paged so a table model can show a busy shift without copying it. A correction
keeps the old and the new value, who made it and why (``models.Correction``). The recorder may
correct an inspection while it is still open (the record step); once it is finished, only
someone with ``Permission.CORRECT_RECORD`` (组长, 点长) may.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import aliased

from checkpoint.domain import Disposition, VehicleType
from checkpoint.errors import CheckpointError, Problem
from checkpoint.plates import parse_plate, province_of, search_key
from checkpoint.storage import audit
from checkpoint.storage.db import Database
from checkpoint.storage.inspections import load_with_people
from checkpoint.storage.models import (
    Correction,
    Inspection,
    PaperEntry,
    PersonCheck,
    Shift,
    StaffMember,
    utcnow,
)
from checkpoint.team.auth import Permission, require


class CorrectionError(CheckpointError):
    """A correction that cannot be made (unknown field, bad value, no reason)."""


CORRECTABLE = ("plate", "vehicle_type", "people_count", "origin", "destination")


@dataclass(frozen=True)
class LedgerFilter:
    """Which vehicles to list: a shift, part of a plate, a final disposition, a time range."""

    shift_id: uuid.UUID | None = None
    lane_id: uuid.UUID | None = None
    plate: str = ""
    disposition: Disposition | None = None
    since: datetime | None = None
    until: datetime | None = None
    # across shifts: duty dates (inclusive) and anyone who did a step or allowed an override
    first_date: date | None = None
    last_date: date | None = None
    staff_id: uuid.UUID | None = None


@dataclass(frozen=True)
class LedgerRow:
    """One vehicle in the ledger table."""

    id: uuid.UUID
    created_at: datetime
    plate: str
    vehicle_type: VehicleType
    people_count: int
    step: str
    status: str
    suggested: Disposition | None
    final: Disposition | None
    overridden: bool
    report_to_community: bool
    demo: bool


def _query(f: LedgerFilter) -> Select[Any]:
    q = select(Inspection)
    if f.shift_id is not None:
        q = q.where(Inspection.shift_id == f.shift_id)
    if f.lane_id is not None:
        q = q.where(Inspection.lane_id == f.lane_id)
    plate = search_key(f.plate)
    if plate and province_of(plate) is not None:
        # province-aware: 浙A1 finds plates of Zhejiang starting so, not 苏浙A1...
        q = q.where(Inspection.plate.startswith(plate, autoescape=True))
    elif plate:
        q = q.where(Inspection.plate.contains(plate, autoescape=True))
    if f.staff_id is not None:
        q = q.where(
            or_(
                Inspection.guide_by_id == f.staff_id,
                Inspection.verify_by_id == f.staff_id,
                Inspection.record_by_id == f.staff_id,
                Inspection.divert_by_id == f.staff_id,
                Inspection.override_by_id == f.staff_id,
            )
        )
    if f.first_date is not None or f.last_date is not None:
        shifts = select(Shift.id)
        if f.first_date is not None:
            shifts = shifts.where(Shift.duty_date >= f.first_date)
        if f.last_date is not None:
            shifts = shifts.where(Shift.duty_date <= f.last_date)
        q = q.where(Inspection.shift_id.in_(shifts))
    if f.disposition is not None:
        q = q.where(Inspection.final_disposition == f.disposition.value)
    if f.since is not None:
        q = q.where(Inspection.created_at >= f.since)
    if f.until is not None:
        q = q.where(Inspection.created_at < f.until)
    return q


def count(db: Database, f: LedgerFilter) -> int:
    """How many vehicles match ``f``."""
    with db.session() as s:
        sub = _query(f).with_only_columns(Inspection.id).subquery()
        return int(s.scalar(select(func.count()).select_from(sub)) or 0)


def fetch(db: Database, f: LedgerFilter, offset: int = 0, limit: int = 200) -> list[LedgerRow]:
    """Rows ``offset``..``offset+limit`` of ``f``, newest first."""
    with db.session() as s:
        rows = s.scalars(
            _query(f)
            .order_by(Inspection.created_at.desc(), Inspection.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return [_row(r) for r in rows]


def _row(r: Inspection) -> LedgerRow:
    return LedgerRow(
        id=r.id,
        created_at=r.created_at,
        plate=r.plate,
        vehicle_type=VehicleType(r.vehicle_type),
        people_count=r.people_count,
        step=r.step,
        status=r.status,
        suggested=Disposition(r.suggested_disposition) if r.suggested_disposition else None,
        final=Disposition(r.final_disposition) if r.final_disposition else None,
        overridden=bool(r.override_reason),
        report_to_community=r.report_to_community,
        demo=r.demo,
    )


@dataclass(frozen=True)
class CorrectionView:
    """A correction as shown: field, old → new, who, when, why."""

    field: str
    old_value: str | None
    new_value: str | None
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class PaperMark:
    """A back-entered vehicle's origin: which file and line, its note, who entered it, when."""

    source: str
    line: int
    note: str | None
    by: str
    at: datetime


@dataclass(frozen=True)
class Details:
    """One vehicle's whole record: the inspection, its people, who did each step, corrections."""

    row: LedgerRow
    origin: str | None
    destination: str | None
    reasons: tuple[dict[str, Any], ...]
    override_reason: str | None
    policy_version: str | None
    steps: tuple[tuple[str, datetime | None, str | None], ...]
    people: tuple[PersonCheck, ...]
    corrections: tuple[CorrectionView, ...]
    # set when the vehicle was entered afterwards from the paper ledger (补录)
    paper: PaperMark | None = None


def details(db: Database, inspection_id: uuid.UUID) -> Details:
    """Everything about one inspection; CheckpointError if it does not exist."""
    with db.session() as s:
        insp = load_with_people(s, inspection_id)
        ids = {insp.guide_by_id, insp.verify_by_id, insp.record_by_id, insp.divert_by_id}
        names: dict[uuid.UUID, str] = {
            sid: name
            for sid, name in s.execute(
                select(StaffMember.id, StaffMember.name).where(
                    StaffMember.id.in_([i for i in ids if i is not None])
                )
            )
        }
        who = aliased(StaffMember)
        corrections = s.execute(
            select(Correction, who.name)
            .join(who, who.id == Correction.staff_id)
            .where(Correction.inspection_id == inspection_id)
            .order_by(Correction.at)
        ).all()
        paper = s.execute(
            select(PaperEntry, StaffMember.name)
            .join(StaffMember, StaffMember.id == PaperEntry.entered_by_id)
            .where(PaperEntry.inspection_id == inspection_id)
        ).first()
        return Details(
            paper=PaperMark(
                paper[0].source, paper[0].line, paper[0].note, paper[1], paper[0].entered_at
            )
            if paper
            else None,
            row=_row(insp),
            origin=insp.origin,
            destination=insp.destination,
            reasons=tuple(insp.reasons or ()),
            override_reason=insp.override_reason,
            policy_version=insp.policy_version,
            steps=(
                ("guide", insp.guide_at, names.get(insp.guide_by_id)),  # type: ignore[arg-type]
                ("verify", insp.verify_at, names.get(insp.verify_by_id)),  # type: ignore[arg-type]
                ("record", insp.record_at, names.get(insp.record_by_id)),  # type: ignore[arg-type]
                ("divert", insp.divert_at, names.get(insp.divert_by_id)),  # type: ignore[arg-type]
            ),
            people=tuple(insp.people),
            corrections=tuple(
                CorrectionView(c.field, c.old_value, c.new_value, c.reason, name, c.at)
                for c, name in corrections
            ),
        )


def clean_value(field: str, value: str) -> str | int | None:
    """``value`` for ``field`` (one of CORRECTABLE) as stored: a validated plate, a vehicle
    type's value (its Chinese name accepted), a head-count; CorrectionError if it is not."""
    text = value.strip()
    if field == "plate":
        return parse_plate(text).text
    if field == "vehicle_type":
        try:
            return VehicleType.from_text(text).value
        except ValueError:
            names = ", ".join(v.value for v in VehicleType)
            raise CorrectionError(f"Vehicle type must be one of {names}.") from None
    if field == "people_count":
        if not text.isdigit() or int(text) < 1:
            raise CorrectionError("The number of people is a whole number, at least 1.")
        return int(text)
    return text or None


def shift_bounds(db: Database, shift_id: uuid.UUID) -> tuple[datetime, datetime]:
    """When ``shift_id`` starts and ends (the ledger's time filter works inside it)."""
    with db.session() as s:
        shift = s.get(Shift, shift_id)
        if shift is None:
            raise CheckpointError("That shift does not exist.")
        return shift.starts_at, shift.ends_at


def correct(
    db: Database,
    inspection_id: uuid.UUID,
    field: str,
    value: str,
    *,
    reason: str,
    staff: StaffMember,
    at: datetime | None = None,
) -> Correction:
    """Change one field of a saved inspection, keeping old and new value, who and why.

    Fields: plate, vehicle_type, people_count, origin, destination. While the inspection is
    open the recorder (RUN_INSPECTION) may correct it; afterwards CORRECT_RECORD is needed.
    """
    if field not in CORRECTABLE:
        raise CorrectionError(f"{field!r} cannot be corrected; fields: {', '.join(CORRECTABLE)}.")
    why = reason.strip()
    if not why:
        raise CorrectionError(
            "A correction needs a reason (更正需填写原因).", code=Problem.CORRECTION_NEEDS_REASON
        )
    new = clean_value(field, value)
    with db.session() as s:
        insp = s.get(Inspection, inspection_id)
        if insp is None:
            raise CheckpointError("That inspection does not exist.", code=Problem.NO_SUCH_RECORD)
        require(
            staff,
            Permission.RUN_INSPECTION if insp.status == "open" else Permission.CORRECT_RECORD,
        )
        old = getattr(insp, field)
        if old == new:
            raise CorrectionError(
                "The new value is the same as the saved one.", code=Problem.CORRECTION_SAME
            )
        setattr(insp, field, new)
        row = Correction(
            inspection_id=insp.id,
            field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
            reason=why,
            staff_id=staff.id,
            at=at or utcnow(),
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            insp.shift.site_id,
            staff.id,
            "inspection.correct",
            str(insp.id),
            {"field": field, "reason": why, "policy": insp.policy_version},
            at=row.at,
        )
        return row


def export(db: Database, f: LedgerFilter, path: Path, tz: ZoneInfo, *, staff: StaffMember) -> int:
    """Write the vehicles matching ``f`` (what the ledger shows) to ``path`` (.csv or .xlsx),
    in time order, with the columns of ``checkpoint export``. Needs EXPORT; audited."""
    # local: storage sits below reports; the export's columns are the report layer's
    from checkpoint.reports.export import check_suffix, rows_where, write_rows

    check_suffix(path)
    with db.session() as s:
        member = s.get(StaffMember, staff.id)
        if member is None:
            raise CheckpointError(
                f"{staff.name} is not on this site's staff list.",
                code=Problem.NOT_ON_STAFF, name=staff.name,
            )
        require(member, Permission.EXPORT)
        where = _query(f).whereclause
        rows = rows_where(s, tz, [where] if where is not None else [])
        n = write_rows(rows, path)
        audit.record(s, member.site_id, member.id, "ledger.export", None, {"rows": n})
    return n
