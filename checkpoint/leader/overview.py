"""The shift at a glance (本班概况) and the leader's view of all lanes (各车道).

Qt-free: a screen asks :class:`Overview` and lays out the frozen results. The shift's figures
are the handover report's (:func:`checkpoint.reports.data.figures`), so the desk and the paper
never disagree; the last hour, the back-entries and the 136 alarms are added here. The lanes
view reads every lane of the site: a lane counts as open when it has a vehicle in progress or
finished one within :data:`ACTIVE_WINDOW`.

Given a :class:`~checkpoint.sync.reading.CheckpointReads`, the overview reads the checkpoint's
server when one is configured and answers (every lane), and the lane's own books otherwise;
:meth:`Overview.glance` says which in its ``scope``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.domain import Disposition
from checkpoint.errors import ShiftError
from checkpoint.leader.responses import OverdueMeasure, ResponseBook
from checkpoint.privacy import mask_plate
from checkpoint.reports.data import CountRow, HourBucket, StepTiming, figures
from checkpoint.rules.policy import ResponsePlan
from checkpoint.storage.db import Database
from checkpoint.storage.models import Inspection, Lane, PaperEntry, Shift, ShiftSlot, utcnow
from checkpoint.sync.reading import CheckpointReads, ReadScope

T = TypeVar("T")

ACTIVE_WINDOW = timedelta(minutes=15)
LAST_HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ShiftGlance:
    """This shift on every lane: totals, per disposition, the last hour, step times, flow."""

    shift_id: uuid.UUID
    duty_date: date
    number: int
    name_zh: str
    starts_at: datetime
    ends_at: datetime
    vehicles: int
    people: int
    by_disposition: tuple[CountRow, ...]
    reported_to_community: CountRow
    last_hour_vehicles: int
    last_hour_people: int
    step_times: tuple[StepTiming, ...]
    hourly: tuple[HourBucket, ...]
    back_entered: int
    open_responses: int
    overdue: tuple[OverdueMeasure, ...]


@dataclass(frozen=True)
class LaneGlance:
    """One lane of the checkpoint in this shift: open or not, its counts, its last vehicle."""

    lane_id: uuid.UUID
    name: str
    open: bool
    vehicles: int
    people: int
    in_progress: int
    last_at: datetime | None
    last_plate_masked: str | None
    last_disposition: Disposition | None


def _shift(s: Session, shift_id: uuid.UUID) -> Shift:
    shift = s.get(Shift, shift_id)
    if shift is None:
        raise ShiftError("That shift does not exist.")
    return shift


@dataclass(frozen=True)
class CheckpointGlance:
    """The shift and every lane, read together from one place, and what that place covers."""

    shift: ShiftGlance
    lanes: tuple[LaneGlance, ...]
    scope: ReadScope | None


class Overview:
    """Answers "how is the shift going" for one site: from the lane's database, or through
    ``reads`` from the checkpoint's server when it answers."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        plan: ResponsePlan,
        reads: CheckpointReads | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.plan = plan
        self.reads = reads

    def _read(self, shift_id: uuid.UUID, reader: Callable[[Session, ReadScope | None], T]) -> T:
        if self.reads is None:
            with self.db.session() as s:
                return reader(s, None)
        return self.reads.read(
            lambda s, _site, scope: reader(s, scope),
            needs=lambda s: s.get(Shift, shift_id) is not None,
        )

    def glance(self, shift_id: uuid.UUID, *, now: datetime | None = None) -> CheckpointGlance:
        """:meth:`shift` and :meth:`lanes` from one read, with its scope."""
        at = now or utcnow()
        return self._read(
            shift_id,
            lambda s, scope: CheckpointGlance(
                self._shift_in(s, shift_id, at), self._lanes_in(s, shift_id, at), scope
            ),
        )

    def shift(self, shift_id: uuid.UUID, *, now: datetime | None = None) -> ShiftGlance:
        """The glance at ``shift_id`` as of ``now``; ShiftError if there is no such shift."""
        at = now or utcnow()
        return self._read(shift_id, lambda s, _scope: self._shift_in(s, shift_id, at))

    def lanes(self, shift_id: uuid.UUID, *, now: datetime | None = None) -> tuple[LaneGlance, ...]:
        """Every lane of the shift's site, by name: open or not, counts, last vehicle."""
        at = now or utcnow()
        return self._read(shift_id, lambda s, _scope: self._lanes_in(s, shift_id, at))

    def _shift_in(self, s: Session, shift_id: uuid.UUID, at: datetime) -> ShiftGlance:
        tz = self.settings.tz
        shift = _shift(s, shift_id)
        slot = s.get(ShiftSlot, shift.slot_id)
        f = figures(s, [shift.id], shift.starts_at, shift.ends_at, tz)
        in_shift = Inspection.shift_id == shift.id
        recent_n, recent_p = s.execute(
            select(func.count(), func.coalesce(func.sum(Inspection.people_count), 0)).where(
                in_shift, Inspection.created_at >= at - LAST_HOUR, Inspection.created_at <= at
            )
        ).one()
        paper = s.scalar(
            select(func.count())
            .select_from(PaperEntry)
            .join(Inspection, Inspection.id == PaperEntry.inspection_id)
            .where(in_shift)
        )
        site_id = shift.site_id
        header = (shift.duty_date, shift.slot_number, slot.name_zh if slot else "")
        window = (shift.starts_at.astimezone(tz), shift.ends_at.astimezone(tz))
        # the responses of the database read: the server's (every lane's) or the lane's own
        book = ResponseBook(s.info.get("database") or self.db, site_id, tz, self.plan)
        return ShiftGlance(
            shift_id=shift_id,
            duty_date=header[0],
            number=header[1],
            name_zh=header[2],
            starts_at=window[0],
            ends_at=window[1],
            vehicles=f.vehicles,
            people=f.people,
            by_disposition=f.by_disposition,
            reported_to_community=f.reported_to_community,
            last_hour_vehicles=int(recent_n),
            last_hour_people=int(recent_p),
            step_times=f.step_times,
            hourly=f.hourly,
            back_entered=int(paper or 0),
            open_responses=len(book.open_responses()),
            overdue=book.overdue(at),
        )

    def _lanes_in(self, s: Session, shift_id: uuid.UUID, at: datetime) -> tuple[LaneGlance, ...]:
        tz = self.settings.tz
        shift = _shift(s, shift_id)
        lanes = s.execute(
            select(Lane.id, Lane.name).where(Lane.site_id == shift.site_id).order_by(Lane.name)
        ).all()
        open_flag = cast(Inspection.status == "open", Integer)
        stats = {
            row[0]: row[1:]
            for row in s.execute(
                select(
                    Inspection.lane_id,
                    func.count(),
                    func.coalesce(func.sum(Inspection.people_count), 0),
                    func.coalesce(func.sum(open_flag), 0),
                    func.max(Inspection.created_at),
                    func.max(Inspection.divert_at),
                )
                .where(Inspection.shift_id == shift.id)
                .group_by(Inspection.lane_id)
            )
        }
        out = []
        for lane_id, name in lanes:
            n, people, busy, last_created, last_divert = stats.get(lane_id, (0, 0, 0, None, None))
            last = None
            if n:
                last = s.execute(
                    select(Inspection.plate, Inspection.final_disposition)
                    .where(Inspection.shift_id == shift.id, Inspection.lane_id == lane_id)
                    .order_by(Inspection.created_at.desc(), Inspection.id)
                    .limit(1)
                ).first()
            moments = [t for t in (last_created, last_divert) if t is not None]
            active = max(moments) if moments else None
            out.append(
                LaneGlance(
                    lane_id=lane_id,
                    name=name,
                    open=bool(busy) or (active is not None and at - active <= ACTIVE_WINDOW),
                    vehicles=int(n),
                    people=int(people),
                    in_progress=int(busy),
                    last_at=last_created.astimezone(tz) if last_created else None,
                    last_plate_masked=mask_plate(last[0]) if last else None,
                    last_disposition=Disposition(last[1]) if last and last[1] else None,
                )
            )
        return tuple(out)
