"""The three-shift rota (三班倒): which shift an instant belongs to, opening and closing shifts.

A plan is data: slots with a local start time and a length, covering the day without gaps or
overlaps. A shift that crosses midnight (e.g. 22:00–06:00) belongs to the duty date on which it
starts. :func:`locate` is the one answer to "which duty date and shift is this instant in";
everything else (recording, reports, the header on screen) asks it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint import audit
from checkpoint.auth import Permission, require
from checkpoint.domain import Role
from checkpoint.errors import Problem, ShiftError
from checkpoint.models import (
    Shift,
    ShiftPlan,
    ShiftRosterEntry,
    ShiftSlot,
    Site,
    StaffMember,
    utcnow,
)
from checkpoint.sync.keys import shift_key

DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class SlotSpec:
    """One shift of a plan: its number, names, local start and length in minutes."""

    number: int
    name_zh: str
    name_en: str
    start_minute: int
    length_minutes: int

    @property
    def start(self) -> time:
        """Local start time of the slot."""
        return time(self.start_minute // 60, self.start_minute % 60)

    def label(self, lang: str = "zh_CN") -> str:
        """Display name, e.g. 夜班 or Night."""
        return self.name_zh if lang.startswith("zh") else self.name_en

    def hours_text(self) -> str:
        """ "00:00–08:00" (a slot ending at midnight shows 24:00)."""
        end = self.start_minute + self.length_minutes
        end_text = (
            "24:00" if end == DAY_MINUTES else f"{end % DAY_MINUTES // 60:02d}:{end % 60:02d}"
        )
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}–{end_text}"


@dataclass(frozen=True)
class PlanSpec:
    """A rota: slots that together cover every minute of the day exactly once."""

    name: str
    slots: tuple[SlotSpec, ...]

    def __post_init__(self) -> None:
        if not self.slots:
            raise ShiftError("A shift plan needs at least one shift.")
        numbers = [s.number for s in self.slots]
        if len(set(numbers)) != len(numbers):
            raise ShiftError("Shift numbers in a plan must be unique.")
        if sum(s.length_minutes for s in self.slots) != DAY_MINUTES:
            raise ShiftError("The shifts of a plan must add up to exactly 24 hours.")
        ordered = sorted(self.slots, key=lambda s: s.start_minute)
        for a, b in zip(ordered, [*ordered[1:], ordered[0]], strict=True):
            if (a.start_minute + a.length_minutes) % DAY_MINUTES != b.start_minute:
                raise ShiftError(
                    f"Shift {a.number} ({a.hours_text()}) must end where shift {b.number} starts."
                )
            if not 0 <= a.start_minute < DAY_MINUTES or a.length_minutes <= 0:
                raise ShiftError(f"Shift {a.number} has an invalid start or length.")

    def slot(self, number: int) -> SlotSpec:
        """The slot with ``number``; ShiftError if the plan has none."""
        for s in self.slots:
            if s.number == number:
                return s
        valid = ", ".join(str(s.number) for s in self.slots)
        raise ShiftError(f"There is no shift {number} in plan {self.name!r}; shifts are {valid}.")


DEFAULT_PLAN = PlanSpec(
    name="三班倒",
    slots=(
        SlotSpec(1, "夜班", "Night", 0, 480),
        SlotSpec(2, "白班", "Day", 480, 480),
        SlotSpec(3, "晚班", "Evening", 960, 480),
    ),
)


@dataclass(frozen=True)
class ShiftWindow:
    """A slot on a duty date, with the instants it starts and ends (UTC-comparable)."""

    duty_date: date
    slot: SlotSpec
    starts_at: datetime
    ends_at: datetime

    def contains(self, instant: datetime) -> bool:
        """Whether ``instant`` falls in [starts_at, ends_at)."""
        return self.starts_at <= instant < self.ends_at


def window(plan: PlanSpec, duty_date: date, number: int, tz: ZoneInfo) -> ShiftWindow:
    """The window of shift ``number`` on ``duty_date`` (it starts on that local date)."""
    slot = plan.slot(number)
    start = datetime.combine(duty_date, slot.start, tzinfo=tz)
    # Boundaries are wall-clock times so adjacent shifts tile; compare them in UTC, because
    # Python compares two datetimes sharing one tzinfo by wall clock alone.
    end = start + timedelta(minutes=slot.length_minutes)
    return ShiftWindow(duty_date, slot, start.astimezone(UTC), end.astimezone(UTC))


def locate(instant: datetime, plan: PlanSpec, tz: ZoneInfo) -> ShiftWindow:
    """The duty date and shift that ``instant`` belongs to. The one source of this fact."""
    if instant.tzinfo is None:
        raise ValueError("locate() needs a timezone-aware instant")
    local_day = instant.astimezone(tz).date()
    for duty_date in (local_day, local_day - timedelta(days=1)):
        for slot in plan.slots:
            w = window(plan, duty_date, slot.number, tz)
            if w.contains(instant):
                return w
    raise AssertionError("a validated plan covers every instant")  # pragma: no cover


def windows_for_day(plan: PlanSpec, duty_date: date, tz: ZoneInfo) -> list[ShiftWindow]:
    """Every shift of ``duty_date`` in slot-number order."""
    return [
        window(plan, duty_date, s.number, tz) for s in sorted(plan.slots, key=lambda s: s.number)
    ]


# --- persistence -----------------------------------------------------------------------------


def spec_from_model(plan: ShiftPlan) -> PlanSpec:
    """The pure plan of a stored one."""
    return PlanSpec(
        plan.name,
        tuple(
            SlotSpec(s.number, s.name_zh, s.name_en, s.start_minute, s.length_minutes)
            for s in plan.slots
        ),
    )


def active_plan(session: Session, site: Site) -> ShiftPlan:
    """The site's active plan; ShiftError if none (run ``checkpoint init``)."""
    plan = session.scalars(
        select(ShiftPlan).where(ShiftPlan.site_id == site.id, ShiftPlan.active.is_(True))
    ).first()
    if plan is None:
        raise ShiftError(
            "No shift plan is set up for this site; run `checkpoint init`.",
            code=Problem.NO_SHIFT_PLAN,
        )
    return plan


def install_plan(session: Session, site: Site, spec: PlanSpec) -> ShiftPlan:
    """Store ``spec`` as the site's active plan (the old one stays for past shifts)."""
    for old in session.scalars(select(ShiftPlan).where(ShiftPlan.site_id == site.id)):
        old.active = False
    plan = ShiftPlan(site_id=site.id, name=spec.name, active=True)
    plan.slots = [
        ShiftSlot(
            number=s.number,
            name_zh=s.name_zh,
            name_en=s.name_en,
            start_minute=s.start_minute,
            length_minutes=s.length_minutes,
        )
        for s in spec.slots
    ]
    session.add(plan)
    session.flush()
    return plan


@dataclass(frozen=True)
class RosterMember:
    """Someone on a shift's roster and the role they work on it."""

    staff_id: uuid.UUID
    role: Role


def find_shift(session: Session, site: Site, duty_date: date, number: int) -> Shift | None:
    """The stored shift for a slot on a duty date, if it was opened."""
    return session.scalars(
        select(Shift).where(
            Shift.site_id == site.id, Shift.duty_date == duty_date, Shift.slot_number == number
        )
    ).first()


def open_shift(
    session: Session,
    site: Site,
    *,
    leader: StaffMember,
    roster: Sequence[RosterMember] = (),
    tz: ZoneInfo,
    at: datetime | None = None,
    duty_date: date | None = None,
    number: int | None = None,
    opened_by: StaffMember | None = None,
) -> Shift:
    """Open the shift that ``at`` (default now) falls in, or the named one.

    If the shift ``at`` falls in was already handed over (closed before its end), the next
    shift of the rota opens at once: an early start, starting at ``at`` and audited as such.

    The leader (组长) is always on the roster. A shift cannot be opened twice. Whoever opens
    it (``opened_by``, default the leader) needs OPEN_CLOSE_SHIFT; audited as ``shift.open``.
    """
    require(opened_by or leader, Permission.OPEN_CLOSE_SHIFT)
    plan_row = active_plan(session, site)
    plan = spec_from_model(plan_row)
    now = at or utcnow()
    early = False
    if duty_date is not None and number is not None:
        w = window(plan, duty_date, number, tz)
    else:
        w = locate(now, plan, tz)
        current = find_shift(session, site, w.duty_date, w.slot.number)
        if current is not None and current.closed_at is not None:
            # handed over before its end: the incoming leader opens the next shift at once
            w = locate(w.ends_at, plan, tz)
            early = True
    existing = find_shift(session, site, w.duty_date, w.slot.number)
    if existing is not None:
        state = "closed" if existing.closed_at else "open"
        closed = existing.closed_at is not None
        twice = Problem.SHIFT_ALREADY_HANDED_OVER if closed else Problem.SHIFT_ALREADY_OPEN
        raise ShiftError(
            f"{w.duty_date} {w.slot.name_zh} (shift {w.slot.number}) was already opened "
            f"and is {state}; a shift cannot be opened twice.",
            code=twice,
            duty_date=w.duty_date.isoformat(), shift=w.slot.number,
        )
    slot_row = next(s for s in plan_row.slots if s.number == w.slot.number)
    shift = Shift(
        id=shift_key(site.id, w.duty_date, w.slot.number),
        site_id=site.id,
        slot_id=slot_row.id,
        duty_date=w.duty_date,
        slot_number=w.slot.number,
        starts_at=now if early else w.starts_at,  # an early start begins when opened
        ends_at=w.ends_at,
        leader_id=leader.id,
        opened_by_id=(opened_by or leader).id,
        opened_at=now,
    )
    entries = {(leader.id, Role.LEADER)}
    entries.update((m.staff_id, m.role) for m in roster)
    shift.roster = [
        ShiftRosterEntry(staff_id=sid, role=role.value) for sid, role in sorted(entries)
    ]
    session.add(shift)
    session.flush()
    detail: dict[str, object] = {
        "duty_date": w.duty_date.isoformat(),
        "shift": w.slot.number,
        "leader": str(leader.id),
        "roster": len(shift.roster),
    }
    if early:
        detail["early_start"] = True
        detail["planned_start"] = w.starts_at.isoformat()
        detail["early_minutes"] = int((w.starts_at - now).total_seconds() // 60)
    audit.record(session, site.id, (opened_by or leader).id, "shift.open", str(shift.id), detail,
                 at=at)  # fmt: skip
    return shift


def close_shift(
    session: Session,
    shift: Shift,
    *,
    closed_by: StaffMember,
    handover_to: StaffMember | None,
    note: str | None = None,
    open_issues: str | None = None,
    at: datetime | None = None,
) -> Shift:
    """Close ``shift`` and record the handover (OPEN_CLOSE_SHIFT; audited as ``shift.close``)."""
    require(closed_by, Permission.OPEN_CLOSE_SHIFT)
    if shift.closed_at is not None:
        raise ShiftError(
            f"Shift {shift.duty_date} #{shift.slot_number} is already closed.",
            code=Problem.SHIFT_ALREADY_CLOSED, duty_date=shift.duty_date.isoformat(),
            shift=shift.slot_number,
        )
    closing = at or utcnow()
    if closing < shift.opened_at:
        raise ShiftError(
            f"Shift {shift.duty_date} #{shift.slot_number} cannot close at "
            f"{closing.isoformat(timespec='seconds')}, before it opened "
            f"({shift.opened_at.isoformat(timespec='seconds')}); check the computer's clock.",
            code=Problem.SHIFT_CLOSES_BEFORE_OPENING, duty_date=shift.duty_date.isoformat(),
            shift=shift.slot_number,
        )
    shift.closed_at = closing
    shift.closed_by_id = closed_by.id
    shift.handover_to_id = handover_to.id if handover_to else None
    shift.handover_note = note
    shift.open_issues = open_issues
    session.flush()
    audit.record(
        session,
        shift.site_id,
        closed_by.id,
        "shift.close",
        str(shift.id),
        {
            "duty_date": shift.duty_date.isoformat(),
            "shift": shift.slot_number,
            "handover_to": str(handover_to.id) if handover_to else None,
        },
        at=at,
    )
    return shift


def join_shift(
    session: Session,
    shift: Shift,
    staff: StaffMember,
    *,
    role: Role | None = None,
    at: datetime | None = None,
) -> ShiftRosterEntry:
    """Put ``staff`` on an open shift's roster in ``role`` (default: their usual role).

    Signing in while a shift is open joins it; joining twice changes nothing. Audited as
    ``shift.join``.
    """
    if shift.closed_at is not None:
        raise ShiftError(
            f"Shift {shift.duty_date} #{shift.slot_number} is closed; it cannot be joined.",
            code=Problem.SHIFT_CLOSED, duty_date=shift.duty_date.isoformat(),
            shift=shift.slot_number,
        )
    role = role or Role(staff.role)
    for entry in shift.roster:
        if entry.staff_id == staff.id and entry.role == role.value:
            return entry
    entry = ShiftRosterEntry(staff_id=staff.id, role=role.value)
    shift.roster.append(entry)
    session.flush()
    audit.record(
        session, shift.site_id, staff.id, "shift.join", str(shift.id), {"role": role.value}, at=at
    )
    return entry


def current_open_shift(session: Session, site: Site, at: datetime | None = None) -> Shift | None:
    """The open shift whose window contains ``at`` (default now), if any."""
    instant = at or utcnow()
    return session.scalars(
        select(Shift).where(
            Shift.site_id == site.id,
            Shift.closed_at.is_(None),
            Shift.starts_at <= instant,
            Shift.ends_at > instant,
        )
    ).first()
