"""The three-shift rota (三班倒): which shift an instant belongs to, opening and closing shifts.

A plan is data: slots with a local start time and a length, covering the day without gaps or
overlaps. A shift that crosses midnight (e.g. 22:00–06:00) belongs to the duty date on which it
starts. :func:`locate` (in :mod:`checkpoint.team.shiftplan`, re-exported here) is the one answer to
"which duty date and shift is this instant in"; everything else (recording, reports, the header
on screen) asks it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint.domain import Role
from checkpoint.errors import Problem, ShiftError
from checkpoint.storage import audit
from checkpoint.storage.models import (
    Shift,
    ShiftPlan,
    ShiftRosterEntry,
    ShiftSlot,
    Site,
    StaffMember,
    utcnow,
)
from checkpoint.sync.keys import shift_key
from checkpoint.team.auth import Permission, require

# The pure plan and window types live in shiftplan (no ORM); they are this module's too.
from checkpoint.team.shiftplan import DAY_MINUTES as DAY_MINUTES
from checkpoint.team.shiftplan import DEFAULT_PLAN as DEFAULT_PLAN
from checkpoint.team.shiftplan import PlanSpec as PlanSpec
from checkpoint.team.shiftplan import ShiftWindow as ShiftWindow
from checkpoint.team.shiftplan import SlotSpec as SlotSpec
from checkpoint.team.shiftplan import locate as locate
from checkpoint.team.shiftplan import window as window
from checkpoint.team.shiftplan import windows_for_day as windows_for_day

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
