"""The figures of the shift handover report (交接班报告) and the daily report (每日一报).

Every figure on the paper is computed once, here, by aggregate SQL (GROUP BY over the shift's
rows through the ``shift_id`` index), never by loading a shift's vehicles into Python: the
same query answers on a year of data. Only the step times read one number per vehicle and
step (the spans, computed in SQL), since a percentile is not a sum: the day's P90 comes from
its shifts' spans, not from another query. The PDF, the JSON of the CLI and the report screen only
lay these dataclasses out.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Text,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from checkpoint.domain import REPORT_TO_COMMUNITY_ZH, Disposition, Role, Step, VehicleType
from checkpoint.errors import CheckpointError
from checkpoint.plates import province_of
from checkpoint.privacy import mask_plate
from checkpoint.reports.leader import LeaderSection, leader_json, leader_section
from checkpoint.storage.audit import Anchor
from checkpoint.storage.models import (
    Correction,
    Inspection,
    Lane,
    PaperEntry,
    Shift,
    ShiftRosterEntry,
    ShiftSlot,
    Site,
    StaffMember,
    utcnow,
)
from checkpoint.team.rota import active_plan, spec_from_model, window

if TYPE_CHECKING:
    from checkpoint.sync.reading import ReadScope

UNFINISHED_ZH = "未完成"
UNKNOWN_PROVINCE_ZH = "未识别"
TOTAL_STEP_ZH = "全程"
P90 = 0.9


class ReportError(CheckpointError):
    """A report that cannot be made: unknown date, unknown shift number."""


@dataclass(frozen=True)
class CountRow:
    """One line of a breakdown: what (key and Chinese label), vehicles and people."""

    key: str
    label: str
    vehicles: int
    people: int


@dataclass(frozen=True)
class HourBucket:
    """Vehicles guided in during one hour, labelled by its local start (e.g. ``08:00``)."""

    starts_at: datetime
    label: str
    vehicles: int


@dataclass(frozen=True)
class StepTiming:
    """Average and 90th-percentile seconds of one step (None = the whole routine, 全程)."""

    step: Step | None
    label: str
    samples: int
    mean_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class ExceptionEntry:
    """A vehicle not simply released: stopped, diverted, reported, overridden or unfinished."""

    inspection_id: uuid.UUID
    at: datetime
    shift_number: int
    plate_masked: str
    vehicle_type: str
    people: int
    reasons: tuple[str, ...]
    suggested: Disposition | None
    final: Disposition | None
    report_to_community: bool
    override_reason: str | None
    decided_by: str | None
    # a leader corrected the record afterwards (see the report's corrections); entered from paper
    corrected: bool = False
    back_entered: bool = False

    @property
    def overridden(self) -> bool:
        """Whether staff chose another disposition than the rules suggested (改判)."""
        return self.override_reason is not None

    @property
    def outcome_zh(self) -> str:
        """The disposition as printed: 劝返, 放行＋落地报备, 未完成 ..."""
        text = self.final.zh if self.final is not None else UNFINISHED_ZH
        return f"{text}＋{REPORT_TO_COMMUNITY_ZH}" if self.report_to_community else text


@dataclass(frozen=True)
class StaffOnDuty:
    """The people who worked one role on a shift."""

    role: Role
    names: tuple[str, ...]


@dataclass(frozen=True)
class Figures:
    """Totals and breakdowns of a set of shifts (one shift, or the three of a day)."""

    vehicles: int
    people: int
    hours: float
    by_vehicle_type: tuple[CountRow, ...]
    by_disposition: tuple[CountRow, ...]
    reported_to_community: CountRow
    by_province: tuple[CountRow, ...]
    hourly: tuple[HourBucket, ...]
    step_times: tuple[StepTiming, ...]
    exceptions: tuple[ExceptionEntry, ...]

    @property
    def overrides(self) -> tuple[ExceptionEntry, ...]:
        """The exceptions where the suggestion was overridden, with their reasons."""
        return tuple(e for e in self.exceptions if e.overridden)

    @property
    def vehicles_per_hour(self) -> float:
        """Throughput over the whole window, idle hours included."""
        return self.vehicles / self.hours if self.hours else 0.0

    def disposition(self, d: Disposition) -> CountRow:
        """The breakdown row of one disposition (zero when none)."""
        return next(r for r in self.by_disposition if r.key == d.value)

    def vehicle_type(self, v: VehicleType) -> CountRow:
        """The breakdown row of one vehicle type (zero when none)."""
        return next(r for r in self.by_vehicle_type if r.key == v.value)


@dataclass(frozen=True)
class ShiftHeader:
    """Who, where and when of a shift: the head of the handover report."""

    site: str
    lanes: tuple[str, ...]
    duty_date: date
    number: int
    name_zh: str
    hours_text: str
    starts_at: datetime
    ends_at: datetime
    opened: bool
    leader: str | None
    handover_to: str | None
    closed_at: datetime | None
    handover_note: str | None
    open_issues: str | None
    staff: tuple[StaffOnDuty, ...]


@dataclass(frozen=True)
class ShiftReport:
    """The shift handover report (交接班报告): header, figures and a digest of both."""

    header: ShiftHeader
    figures: Figures
    generated_at: datetime
    digest: str
    leader: LeaderSection | None = None
    # The audit chain head when the report was made (printed; `audit verify --anchor`).
    audit_head: Anchor | None = None
    # Whole checkpoint (its server) or this lane's own books (checkpoint.sync.reading).
    scope: ReadScope | None = None

    @property
    def vehicles(self) -> int:
        """Vehicles recorded in the shift."""
        return self.figures.vehicles

    @property
    def empty(self) -> bool:
        """No vehicle was recorded in this shift."""
        return self.figures.vehicles == 0

    @property
    def title(self) -> str:
        """e.g. 交接班报告 2022-04-18 白班."""
        return f"交接班报告 {self.header.duty_date.isoformat()} {self.header.name_zh}"


@dataclass(frozen=True)
class DayReport:
    """The daily report (每日一报): the day's shifts side by side, day totals, exceptions."""

    site: str
    lanes: tuple[str, ...]
    duty_date: date
    shifts: tuple[ShiftReport, ...]
    day: Figures
    generated_at: datetime
    digest: str
    leader: LeaderSection | None = None
    scope: ReadScope | None = None

    @property
    def vehicles(self) -> int:
        """Vehicles recorded on the duty date."""
        return self.day.vehicles

    @property
    def title(self) -> str:
        """e.g. 每日一报 2022-04-18."""
        return f"每日一报 {self.duty_date.isoformat()}"


# --- queries ---------------------------------------------------------------------------------


def _seconds_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """``end - start`` in seconds, in SQL, on SQLite and PostgreSQL."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return cast(extract("epoch", end - start), Float)


_STEP_SPANS: tuple[tuple[Step | None, Any, Any], ...] = (
    (Step.GUIDE, Inspection.guide_started_at, Inspection.guide_at),
    (Step.VERIFY, Inspection.guide_at, Inspection.verify_at),
    (Step.RECORD, Inspection.verify_at, Inspection.record_at),
    (Step.DIVERT, Inspection.record_at, Inspection.divert_at),
    (None, func.coalesce(Inspection.guide_started_at, Inspection.guide_at), Inspection.divert_at),
)


def _spans(session: Session, where: ColumnElement[bool]) -> tuple[tuple[float, ...], ...]:
    """Each step's span in seconds for every vehicle that has both ends, in one statement."""
    rows = session.execute(
        select(
            *(
                case(
                    (
                        and_(start.is_not(None), end.is_not(None)),
                        _seconds_between(session, start, end),
                    )
                )
                for _step, start, end in _STEP_SPANS
            )
        ).where(where)
    ).all()
    return tuple(
        tuple(float(v) for v in column if v is not None)
        for column in (zip(*rows, strict=True) if rows else [()] * len(_STEP_SPANS))
    )


def _step_times(spans: Sequence[Sequence[float]]) -> tuple[StepTiming, ...]:
    """Samples, mean and nearest-rank P90 (the value at rank ceil(0.9·n)) of every step.

    A P90 is not a sum of its shifts' P90s: the day's comes from its shifts' spans together.
    """
    out = []
    for (step, _start, _end), values in zip(_STEP_SPANS, spans, strict=True):
        n = len(values)
        mean = p90 = None
        if n:
            mean = sum(values) / n
            p90 = sorted(values)[-(-9 * n // 10) - 1]
        out.append(StepTiming(step, step.zh if step is not None else TOTAL_STEP_ZH, n, mean, p90))
    return tuple(out)


def _hour_starts(starts_at: datetime, ends_at: datetime) -> list[datetime]:
    hours = max(math.ceil((ends_at - starts_at).total_seconds() / 3600), 1)
    return [starts_at + timedelta(hours=h) for h in range(hours)]


def _hourly(
    session: Session,
    where: ColumnElement[bool],
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
) -> tuple[HourBucket, ...]:
    starts = _hour_starts(starts_at, ends_at)
    # A CASE over the hour boundaries buckets in SQL on every backend, DST included.
    whens = [(Inspection.created_at < b, i) for i, b in enumerate([*starts[1:], ends_at])]
    inner = select(case(*whens, else_=len(starts) - 1).label("bucket")).where(where).subquery()
    counts: dict[int, int] = dict(
        session.execute(select(inner.c.bucket, func.count()).group_by(inner.c.bucket)).all()
    )
    return tuple(
        HourBucket(s.astimezone(tz), s.astimezone(tz).strftime("%H:%M"), int(counts.get(i, 0)))
        for i, s in enumerate(starts)
    )


def _reasons_text(reasons: Any) -> tuple[str, ...]:
    if not isinstance(reasons, list):
        return ()
    counts: Counter[str] = Counter()
    for r in reasons:
        if isinstance(r, dict):
            counts[str(r.get("zh") or r.get("en") or r.get("code") or "")] += 1
        else:
            counts[str(r)] += 1
    return tuple(f"{text}×{n}" if n > 1 else text for text, n in counts.items() if text)


class _ReasonTexts(dict[str | None, tuple[str, ...]]):
    """Printed reasons by the stored JSON text: each distinct list is parsed once per report."""

    def __missing__(self, raw: str | None) -> tuple[str, ...]:
        text = _reasons_text(json.loads(raw)) if raw else ()
        self[raw] = text
        return text


_DISPOSITIONS = {d.value: d for d in Disposition}
_VEHICLE_TYPES = {v.value: v for v in VehicleType}


def _disposition(value: str | None) -> Disposition | None:
    if value is None:
        return None
    return _DISPOSITIONS.get(value)


_corrected = exists().where(Correction.inspection_id == Inspection.id)
_paper = exists().where(PaperEntry.inspection_id == Inspection.id)


def _exceptions(
    session: Session, where: ColumnElement[bool], tz: ZoneInfo
) -> tuple[ExceptionEntry, ...]:
    decider = aliased(StaffMember)
    not_simple = or_(
        Inspection.final_disposition.is_(None),
        Inspection.final_disposition != Disposition.RELEASE.value,
        Inspection.report_to_community.is_(True),
        Inspection.override_reason.is_not(None),
        _corrected,
    )
    rows = session.execute(
        select(
            Inspection.id,
            Inspection.created_at,
            Shift.slot_number,
            Inspection.plate,
            Inspection.vehicle_type,
            Inspection.people_count,
            # The JSON as stored: a few distinct lists repeat over thousands of vehicles.
            cast(Inspection.reasons, Text).label("reasons"),
            Inspection.suggested_disposition,
            Inspection.final_disposition,
            Inspection.report_to_community,
            Inspection.override_reason,
            decider.name,
            _corrected.label("corrected"),
            _paper.label("paper"),
        )
        .join(Shift, Shift.id == Inspection.shift_id)
        .outerjoin(decider, decider.id == Inspection.divert_by_id)
        .where(where, not_simple)
        .order_by(Inspection.created_at, Inspection.id)
    ).all()
    reason_texts = _ReasonTexts()
    out = []
    for r in rows:
        known = _VEHICLE_TYPES.get(r.vehicle_type)
        vtype = known.zh if known is not None else r.vehicle_type
        out.append(
            ExceptionEntry(
                inspection_id=r.id,
                at=r.created_at.astimezone(tz),
                shift_number=r.slot_number,
                plate_masked=mask_plate(r.plate),
                vehicle_type=vtype,
                people=r.people_count,
                reasons=reason_texts[r.reasons],
                suggested=_disposition(r.suggested_disposition),
                final=_disposition(r.final_disposition),
                report_to_community=bool(r.report_to_community),
                override_reason=r.override_reason,
                decided_by=r.name,
                corrected=bool(r.corrected),
                back_entered=bool(r.paper),
            )
        )
    return tuple(out)


_K = TypeVar("_K", str, str | None)


@dataclass(frozen=True)
class _Tallies:
    """Vehicles and people per key of each breakdown, and each step's spans in seconds: what
    a set of shifts adds up to."""

    by_type: dict[str, tuple[int, int]]
    by_disposition: dict[str | None, tuple[int, int]]
    reported: tuple[int, int]
    by_province: dict[str, tuple[int, int]]
    spans: tuple[tuple[float, ...], ...]

    @property
    def vehicles(self) -> int:
        return sum(n for n, _ in self.by_type.values())

    def __add__(self, other: _Tallies) -> _Tallies:
        return _Tallies(
            _sum_counts(self.by_type, other.by_type),
            _sum_counts(self.by_disposition, other.by_disposition),
            (self.reported[0] + other.reported[0], self.reported[1] + other.reported[1]),
            _sum_counts(self.by_province, other.by_province),
            tuple(a + b for a, b in zip(self.spans, other.spans, strict=True)),
        )


def _sum_counts(
    a: dict[_K, tuple[int, int]], b: dict[_K, tuple[int, int]]
) -> dict[_K, tuple[int, int]]:
    out = dict(a)
    for k, (n, p) in b.items():
        n0, p0 = out.get(k, (0, 0))
        out[k] = (n0 + n, p0 + p)
    return out


_NO_TALLIES = _Tallies({}, {}, (0, 0), {}, ((),) * len(_STEP_SPANS))


def _tallies(session: Session, where: ColumnElement[bool]) -> _Tallies:
    people_sum = func.coalesce(func.sum(Inspection.people_count), 0)
    by_type = {
        k: (int(n), int(p))
        for k, n, p in session.execute(
            select(Inspection.vehicle_type, func.count(), people_sum)
            .where(where)
            .group_by(Inspection.vehicle_type)
        )
    }
    reported = cast(Inspection.report_to_community, Integer)
    by_disp: dict[str | None, tuple[int, int]] = {}
    rtc_vehicles = rtc_people = 0
    for k, n, p, rv, rp in session.execute(
        select(
            Inspection.final_disposition,
            func.count(),
            people_sum,
            func.coalesce(func.sum(reported), 0),
            func.coalesce(func.sum(reported * Inspection.people_count), 0),
        )
        .where(where)
        .group_by(Inspection.final_disposition)
    ):
        by_disp[k] = (int(n), int(p))
        rtc_vehicles += int(rv)
        rtc_people += int(rp)
    # Grouped through a subquery: PostgreSQL wants the GROUP BY expression bound identically.
    plates = (
        select(func.substr(Inspection.plate, 1, 1).label("province"), Inspection.people_count)
        .where(where)
        .subquery()
    )
    by_prov: dict[str, tuple[int, int]] = {}
    for k, n, p in session.execute(
        select(
            plates.c.province, func.count(), func.coalesce(func.sum(plates.c.people_count), 0)
        ).group_by(plates.c.province)
    ):
        by_prov = _sum_counts(
            by_prov, {province_of(k or "") or UNKNOWN_PROVINCE_ZH: (int(n), int(p))}
        )
    spans = _spans(session, where) if by_type else _NO_TALLIES.spans
    return _Tallies(by_type, by_disp, (rtc_vehicles, rtc_people), by_prov, spans)


def _assemble(
    t: _Tallies,
    starts_at: datetime,
    ends_at: datetime,
    hourly: tuple[HourBucket, ...],
    step_times: tuple[StepTiming, ...],
    exceptions: tuple[ExceptionEntry, ...],
) -> Figures:
    by_type = dict(t.by_type)
    vehicle_rows = [CountRow(v.value, v.zh, *by_type.pop(v.value, (0, 0))) for v in VehicleType] + [
        CountRow(k, k, n, p) for k, (n, p) in sorted(by_type.items())
    ]
    by_disp = dict(t.by_disposition)
    disposition_rows = [CountRow(d.value, d.zh, *by_disp.pop(d.value, (0, 0))) for d in Disposition]
    unfinished = by_disp.pop(None, (0, 0))
    disposition_rows += [
        CountRow(str(k), str(k), n, p)
        for k, (n, p) in sorted(by_disp.items(), key=lambda i: str(i[0]))
    ]
    if unfinished[0]:
        disposition_rows.append(CountRow("unfinished", UNFINISHED_ZH, *unfinished))
    province_rows = sorted(
        (CountRow(k, k, n, p) for k, (n, p) in t.by_province.items()),
        key=lambda r: (-r.vehicles, r.key == UNKNOWN_PROVINCE_ZH, r.key),
    )
    return Figures(
        vehicles=sum(r.vehicles for r in vehicle_rows),
        people=sum(r.people for r in vehicle_rows),
        hours=(ends_at - starts_at).total_seconds() / 3600,
        by_vehicle_type=tuple(vehicle_rows),
        by_disposition=tuple(disposition_rows),
        reported_to_community=CountRow("report_to_community", REPORT_TO_COMMUNITY_ZH, *t.reported),
        by_province=tuple(province_rows),
        hourly=hourly,
        step_times=step_times,
        exceptions=exceptions,
    )


def _figures(
    session: Session,
    shift_ids: Sequence[uuid.UUID],
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
) -> tuple[Figures, _Tallies]:
    if not shift_ids:  # a shift never opened: nothing can be recorded against it
        hourly = _empty_hourly(starts_at, ends_at, tz)
        no_times = _step_times(_NO_TALLIES.spans)
        return _assemble(_NO_TALLIES, starts_at, ends_at, hourly, no_times, ()), _NO_TALLIES
    where: ColumnElement[bool] = Inspection.shift_id.in_(list(shift_ids))
    t = _tallies(session, where)
    busy = t.vehicles > 0
    figs = _assemble(
        t,
        starts_at,
        ends_at,
        _hourly(session, where, starts_at, ends_at, tz)
        if busy
        else _empty_hourly(starts_at, ends_at, tz),
        _step_times(t.spans),
        _exceptions(session, where, tz) if busy else (),
    )
    return figs, t


def figures(
    session: Session,
    shift_ids: Sequence[uuid.UUID],
    starts_at: datetime,
    ends_at: datetime,
    tz: ZoneInfo,
) -> Figures:
    """Every figure of the vehicles recorded in ``shift_ids``, hourly over [starts_at, ends_at)."""
    return _figures(session, shift_ids, starts_at, ends_at, tz)[0]


def _empty_hourly(starts_at: datetime, ends_at: datetime, tz: ZoneInfo) -> tuple[HourBucket, ...]:
    return tuple(
        HourBucket(s.astimezone(tz), s.astimezone(tz).strftime("%H:%M"), 0)
        for s in _hour_starts(starts_at, ends_at)
    )


# --- reports ---------------------------------------------------------------------------------


def _known_dates(session: Session, site: Site) -> tuple[date, date] | None:
    lo, hi = session.execute(
        select(func.min(Shift.duty_date), func.max(Shift.duty_date)).where(Shift.site_id == site.id)
    ).one()
    return (lo, hi) if lo is not None else None


def _require_known_date(session: Session, site: Site, duty_date: date) -> list[Shift]:
    shifts = list(
        session.scalars(
            select(Shift)
            .where(Shift.site_id == site.id, Shift.duty_date == duty_date)
            .order_by(Shift.slot_number)
        )
    )
    if shifts:
        return shifts
    span = _known_dates(session, site)
    if span is None:
        raise ReportError(f"No shift has been recorded at {site.name} yet, so there is no report.")
    raise ReportError(
        f"No shift was opened at {site.name} on {duty_date.isoformat()}; "
        f"the records cover {span[0].isoformat()} to {span[1].isoformat()}."
    )


def _lanes(session: Session, site: Site, shift_ids: Sequence[uuid.UUID]) -> tuple[str, ...]:
    lane_ids = select(Inspection.lane_id).where(Inspection.shift_id.in_(list(shift_ids))).distinct()
    used = session.scalars(select(Lane.name).where(Lane.id.in_(lane_ids)).order_by(Lane.name)).all()
    if used:
        return tuple(used)
    return tuple(
        session.scalars(select(Lane.name).where(Lane.site_id == site.id).order_by(Lane.name))
    )


def _staff(session: Session, shift_id: uuid.UUID) -> tuple[StaffOnDuty, ...]:
    rows = session.execute(
        select(ShiftRosterEntry.role, StaffMember.name)
        .join(StaffMember, StaffMember.id == ShiftRosterEntry.staff_id)
        .where(ShiftRosterEntry.shift_id == shift_id)
        .order_by(StaffMember.name)
    )
    names: dict[str, list[str]] = {}
    for role, name in rows:
        names.setdefault(role, []).append(name)
    return tuple(StaffOnDuty(r, tuple(names[r.value])) for r in Role if r.value in names)


def _name(session: Session, staff_id: uuid.UUID | None) -> str | None:
    if staff_id is None:
        return None
    member = session.get(StaffMember, staff_id)
    return member.name if member is not None else None


def _shift_report(
    session: Session,
    site: Site,
    tz: ZoneInfo,
    duty_date: date,
    number: int,
    stored: Shift | None,
    now: datetime,
    made: dict[int, dict[str, Any]] | None = None,
) -> tuple[ShiftReport, _Tallies]:
    if stored is not None:
        slot = session.get(ShiftSlot, stored.slot_id)
        name_zh = slot.name_zh if slot is not None else f"第{number}班"
        length = slot.length_minutes if slot is not None else None
        start_minute = slot.start_minute if slot is not None else None
        starts_at, ends_at = stored.starts_at, stored.ends_at
    else:
        plan = spec_from_model(active_plan(session, site))
        spec = plan.slot(number)
        w = window(plan, duty_date, number, tz)
        name_zh, length, start_minute = spec.name_zh, spec.length_minutes, spec.start_minute
        starts_at, ends_at = w.starts_at, w.ends_at
    local_start, local_end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    if length is not None and start_minute is not None:
        end_minute = start_minute + length
        end_text = "24:00" if end_minute == 1440 else local_end.strftime("%H:%M")
        hours_text = f"{local_start:%H:%M}–{end_text}"
    else:
        hours_text = f"{local_start:%H:%M}–{local_end:%H:%M}"
    ids = [stored.id] if stored is not None else []
    header = ShiftHeader(
        site=site.name,
        lanes=_lanes(session, site, ids),
        duty_date=duty_date,
        number=number,
        name_zh=name_zh,
        hours_text=hours_text,
        starts_at=local_start,
        ends_at=local_end,
        opened=stored is not None,
        leader=_name(session, stored.leader_id) if stored else None,
        handover_to=_name(session, stored.handover_to_id) if stored else None,
        closed_at=stored.closed_at.astimezone(tz) if stored and stored.closed_at else None,
        handover_note=stored.handover_note if stored else None,
        open_issues=stored.open_issues if stored else None,
        staff=_staff(session, stored.id) if stored else (),
    )
    figs, tallies = _figures(session, ids, starts_at, ends_at, tz)
    leader = leader_section(session, site.id, ids, starts_at, ends_at, tz)
    digest = _digest(
        {
            "kind": "shift",
            "header": _header_json(header),
            "figures": _figures_json(figs, made),
            "leader": leader_json(leader),
        }
    )
    return ShiftReport(header, figs, now.astimezone(tz), digest, leader), tallies


def shift_report(
    session: Session,
    site: Site,
    tz: ZoneInfo,
    duty_date: date,
    number: int,
    *,
    now: datetime | None = None,
) -> ShiftReport:
    """The handover report of shift ``number`` on ``duty_date``.

    A shift that was never opened, or saw no vehicle, gives a valid empty report; a date with no
    shift at all, or a number no plan has, is a ReportError/ShiftError.
    """
    shifts = _require_known_date(session, site, duty_date)
    stored = next((s for s in shifts if s.slot_number == number), None)
    if stored is None:
        numbers = sorted({s.slot_number for s in shifts})
        plan = spec_from_model(active_plan(session, site))
        if number not in {s.number for s in plan.slots}:
            valid = ", ".join(str(n) for n in sorted({*numbers, *(s.number for s in plan.slots)}))
            raise ReportError(
                f"There is no shift {number} on {duty_date.isoformat()}; shifts are {valid}."
            )
    return _shift_report(session, site, tz, duty_date, number, stored, now or utcnow())[0]


def day_report(
    session: Session, site: Site, tz: ZoneInfo, duty_date: date, *, now: datetime | None = None
) -> DayReport:
    """The daily report: every shift of the active plan on ``duty_date`` and the day's totals."""
    stored = {s.slot_number: s for s in _require_known_date(session, site, duty_date)}
    plan = spec_from_model(active_plan(session, site))
    numbers = sorted({*stored, *(s.number for s in plan.slots)})
    at = now or utcnow()
    made: dict[int, dict[str, Any]] = {}  # each exception's JSON, for the shifts and the day
    parts = [
        _shift_report(session, site, tz, duty_date, n, stored.get(n), at, made) for n in numbers
    ]
    reports = tuple(r for r, _ in parts)
    starts_at = min(r.header.starts_at for r in reports)
    ends_at = max(r.header.ends_at for r in reports)
    # The day adds up its shifts' counts, spans and exceptions; only the hourly curve over the
    # day's window is asked of the database again.
    tallies = sum((t for _, t in parts), _NO_TALLIES)
    exceptions = tuple(
        heapq.merge(*(r.figures.exceptions for r in reports), key=lambda e: (e.at, e.inspection_id))
    )
    ids = [s.id for s in stored.values()]
    where: ColumnElement[bool] = Inspection.shift_id.in_(ids)
    hourly = (
        _hourly(session, where, starts_at, ends_at, tz)
        if tallies.vehicles
        else _empty_hourly(starts_at, ends_at, tz)
    )
    day = _assemble(tallies, starts_at, ends_at, hourly, _step_times(tallies.spans), exceptions)
    leader = leader_section(session, site.id, ids, starts_at, ends_at, tz)
    lanes = tuple(sorted({lane for r in reports for lane in r.header.lanes}))
    digest = _digest(
        {
            "kind": "day",
            "site": site.name,
            "duty_date": duty_date.isoformat(),
            "shifts": [r.digest for r in reports],
            "figures": _figures_json(day, made),
            "leader": leader_json(leader),
        }
    )
    return DayReport(site.name, lanes, duty_date, reports, day, at.astimezone(tz), digest, leader)


# --- JSON and digest -------------------------------------------------------------------------


def _digest(payload: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of the report's data (never its generation time)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def short_digest(digest: str) -> str:
    """The first 16 hex digits in groups of four, as printed: ``3F2A-91C0-77DE-0B14``."""
    head = digest[:16].upper()
    return "-".join(head[i : i + 4] for i in range(0, 16, 4))


def _rows_json(rows: Sequence[CountRow]) -> list[dict[str, Any]]:
    return [
        {"key": r.key, "label": r.label, "vehicles": r.vehicles, "people": r.people} for r in rows
    ]


def _exception_json(e: ExceptionEntry) -> dict[str, Any]:
    return {
        "id": str(e.inspection_id),
        "at": e.at.isoformat(),
        "shift": e.shift_number,
        "plate": e.plate_masked,
        "people": e.people,
        "reasons": list(e.reasons),
        # str() of a StrEnum member is its value (enum's .value property is slow on 3.11)
        "suggested": str(e.suggested) if e.suggested else None,
        "final": str(e.final) if e.final else None,
        "report_to_community": e.report_to_community,
        "override_reason": e.override_reason,
        "decided_by": e.decided_by,
        "corrected": e.corrected,
        "back_entered": e.back_entered,
    }


def _figures_json(f: Figures, made: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The figures as JSON; ``made`` keeps each exception's JSON by id() for another call
    with the same entries (the day lists its shifts' exceptions again)."""
    if made is None:
        made = {}
    exceptions = []
    for e in f.exceptions:
        data = made.get(id(e))
        if data is None:
            data = made[id(e)] = _exception_json(e)
        exceptions.append(data)
    return {
        "vehicles": f.vehicles,
        "people": f.people,
        "by_vehicle_type": _rows_json(f.by_vehicle_type),
        "by_disposition": _rows_json(f.by_disposition),
        "report_to_community": {
            "vehicles": f.reported_to_community.vehicles,
            "people": f.reported_to_community.people,
        },
        "by_province": _rows_json(f.by_province),
        "hourly": [{"hour": h.label, "vehicles": h.vehicles} for h in f.hourly],
        "step_seconds": [
            {
                "step": t.step.value if t.step else "total",
                "label": t.label,
                "samples": t.samples,
                "mean": None if t.mean_seconds is None else round(t.mean_seconds, 1),
                "p90": None if t.p90_seconds is None else round(t.p90_seconds, 1),
            }
            for t in f.step_times
        ],
        "exceptions_count": len(f.exceptions),
        "overrides_count": len(f.overrides),
        "exceptions": exceptions,
    }


def _header_json(h: ShiftHeader) -> dict[str, Any]:
    return {
        "site": h.site,
        "lanes": list(h.lanes),
        "duty_date": h.duty_date.isoformat(),
        "shift": h.number,
        "shift_name": h.name_zh,
        "hours": h.hours_text,
        "opened": h.opened,
        "leader": h.leader,
        "handover_to": h.handover_to,
        "closed_at": h.closed_at.isoformat() if h.closed_at else None,
        "handover_note": h.handover_note,
        "open_issues": h.open_issues,
        "staff": {s.role.value: list(s.names) for s in h.staff},
    }


def report_json(
    report: ShiftReport | DayReport, *, with_exceptions: bool = False
) -> dict[str, Any]:
    """The report's figures as JSON (what ``--json`` prints), to compare with the paper."""

    def figs(f: Figures) -> dict[str, Any]:
        data = _figures_json(f)
        if not with_exceptions:
            data.pop("exceptions")
        return data

    if isinstance(report, ShiftReport):
        return {
            "kind": "shift",
            **_header_json(report.header),
            "empty": report.empty,
            "generated_at": report.generated_at.isoformat(),
            "digest": report.digest,
            "digest_short": short_digest(report.digest),
            "audit_head": report.audit_head.hash if report.audit_head else None,
            **figs(report.figures),
            **_leader_json(report.leader),
            **(report.scope.to_json() if report.scope else {}),
        }
    return {
        "kind": "day",
        "site": report.site,
        "lanes": list(report.lanes),
        "duty_date": report.duty_date.isoformat(),
        "generated_at": report.generated_at.isoformat(),
        "digest": report.digest,
        "digest_short": short_digest(report.digest),
        "shifts": [report_json(s, with_exceptions=with_exceptions) for s in report.shifts],
        **figs(report.day),
        **_leader_json(report.leader),
        **(report.scope.to_json() if report.scope else {}),
    }


def _leader_json(section: LeaderSection | None) -> dict[str, Any]:
    return {"leader": leader_json(section)} if section is not None else {}
