"""The "136" response (136 快速反应): timed measures after a vehicle goes to quarantine.

When a vehicle is diverted to a disposition the policy names (转运隔离 by default), or one of
its people was judged with a reason the policy names (a positive test, wherever the vehicle
went), a response starts: the policy's checklist is copied onto it with each measure due 10,
30, 60 ... minutes after the start. Each measure is ticked with time and person; a measure past
its due time and not ticked is overdue, and every lane sharing the database sees it until the
response is closed. The start happens in the divert transaction (:func:`start_if_needed`), so a
saved quarantine never lacks its response.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checkpoint.config import load_settings
from checkpoint.domain import Disposition
from checkpoint.errors import CheckpointError, Problem
from checkpoint.privacy import mask_plate
from checkpoint.rules.policy import DEFAULT_POLICY, Policy, PolicyError, ResponsePlan
from checkpoint.storage import audit
from checkpoint.storage.db import Database
from checkpoint.storage.models import (
    Inspection,
    Lane,
    PersonCheck,
    Response,
    ResponseItem,
    Shift,
    StaffMember,
    utcnow,
)
from checkpoint.team.auth import Permission, require

log = logging.getLogger(__name__)

MANUAL_TRIGGER = "manual"
MANUAL_TRIGGER_ZH = "人工启动"


class ResponseError(CheckpointError):
    """A response step that cannot be taken (unknown response or measure, already closed)."""


def trigger_label(trigger: str) -> str:
    """What started a response, in Chinese: 转运隔离, 核酸检测阳性, 人工启动."""
    if trigger == MANUAL_TRIGGER:
        return MANUAL_TRIGGER_ZH
    if trigger in {d.value for d in Disposition}:
        return Disposition(trigger).zh
    from checkpoint.rules.verdicts import (  # the catalogue pulls in the credential parsers
        REASON_TEXT,
    )

    text = REASON_TEXT.get(trigger)
    return text[0] if text is not None else trigger


@dataclass(frozen=True)
class MeasureState:
    """One measure of a response: what, when due, when done and by whom."""

    key: str
    zh: str
    en: str
    minutes: int
    due_at: datetime
    done_at: datetime | None
    done_by: str | None

    def overdue(self, now: datetime) -> bool:
        """Not done and past its due time."""
        return self.done_at is None and now >= self.due_at

    @property
    def late(self) -> bool:
        """Done after its due time."""
        return self.done_at is not None and self.done_at > self.due_at


@dataclass(frozen=True)
class ResponseView:
    """A response as shown on a lane or printed in a report."""

    id: uuid.UUID
    inspection_id: uuid.UUID
    lane: str
    plate_masked: str
    trigger: str
    started_at: datetime
    started_by: str | None
    closed_at: datetime | None
    closed_by: str | None
    close_note: str | None
    measures: tuple[MeasureState, ...]

    @property
    def trigger_zh(self) -> str:
        """What started it, in Chinese."""
        return trigger_label(self.trigger)

    @property
    def closed(self) -> bool:
        """Whether a leader closed it."""
        return self.closed_at is not None

    def overdue(self, now: datetime) -> tuple[MeasureState, ...]:
        """The measures past due and not done (none once closed)."""
        if self.closed:
            return ()
        return tuple(m for m in self.measures if m.overdue(now))


@dataclass(frozen=True)
class OverdueMeasure:
    """A measure past due on an open response, for the alarm on every lane."""

    response_id: uuid.UUID
    lane: str
    plate_masked: str
    key: str
    zh: str
    en: str
    due_at: datetime
    minutes_late: int


# --- the start ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _plan_from_file(path: str, _mtime_ns: int) -> ResponsePlan:
    return Policy.load(path).response


def configured_plan() -> ResponsePlan:
    """The response plan of the policy this installation is configured with (re-read when the
    file changes): what the storage layer's divert uses, which is handed no policy."""
    path = Path(load_settings().policy_file or DEFAULT_POLICY)
    try:
        return _plan_from_file(str(path), path.stat().st_mtime_ns)
    except (OSError, PolicyError) as exc:
        # The lane judged this vehicle with the policy it loaded at start; a file broken since
        # must not stop the divert from being saved, so the shipped checklist stands in.
        log.warning("136 response plan from the shipped policy: %s", exc)
        return _plan_from_file(str(DEFAULT_POLICY), DEFAULT_POLICY.stat().st_mtime_ns)


def trigger_of(
    session: Session, inspection: Inspection, plan: ResponsePlan, *, suggestion: bool = False
) -> str | None:
    """What in ``inspection`` starts a response under ``plan``, or None. ``suggestion``: the
    rules' suggestion counts too (a correction found what the lane missed)."""
    final = inspection.final_disposition
    if final is not None and Disposition(final) in plan.start_dispositions:
        return final
    codes = {str(r.get("code")) for r in inspection.reasons or () if isinstance(r, dict)}
    for rows in session.scalars(
        select(PersonCheck.reasons).where(PersonCheck.inspection_id == inspection.id)
    ):
        codes.update(str(r.get("code")) for r in rows or () if isinstance(r, dict))
    found = sorted(codes & plan.start_reasons)
    if found:
        return found[0]
    suggested = inspection.suggested_disposition
    if suggestion and suggested is not None and Disposition(suggested) in plan.start_dispositions:
        return suggested
    return None


def _begin(
    session: Session,
    inspection: Inspection,
    trigger: str,
    plan: ResponsePlan,
    at: datetime,
    by: uuid.UUID | None,
) -> Response:
    shift = session.get(Shift, inspection.shift_id)
    assert shift is not None  # an inspection always belongs to a shift (foreign key)
    response = Response(
        site_id=shift.site_id,
        lane_id=inspection.lane_id,
        inspection_id=inspection.id,
        trigger=trigger,
        started_at=at,
        started_by_id=by,
    )
    response.items = [
        ResponseItem(seq=i, key=m.key, label_zh=m.zh, label_en=m.en, due_minutes=m.minutes)
        for i, m in enumerate(plan.measures, start=1)
    ]
    session.add(response)
    session.flush()
    audit.record(
        session,
        shift.site_id,
        by,
        "response.start",
        str(response.id),
        {"inspection": str(inspection.id), "trigger": trigger},
        at=at,
    )
    return response


def start_if_needed(
    session: Session,
    inspection: Inspection,
    *,
    at: datetime | None = None,
    by: uuid.UUID | None = None,
    plan: ResponsePlan | None = None,
    suggestion: bool = False,
) -> Response | None:
    """Start the 136 response for ``inspection`` in the caller's transaction if the policy says
    so and none was started yet. ``plan`` defaults to the configured policy's; ``suggestion``
    lets the rules' suggestion start it too (see :func:`trigger_of`)."""
    existing = session.scalars(
        select(Response).where(Response.inspection_id == inspection.id)
    ).first()
    if existing is not None:
        return None
    plan = plan or configured_plan()
    trigger = trigger_of(session, inspection, plan, suggestion=suggestion)
    if trigger is None:
        return None
    when = at or inspection.divert_at or utcnow()
    return _begin(session, inspection, trigger, plan, when, by or inspection.divert_by_id)


# --- the book -------------------------------------------------------------------------------


def views(session: Session, responses: list[Response], tz: tzinfo) -> tuple[ResponseView, ...]:
    """``responses`` (items loaded) as views, times in ``tz``."""
    if not responses:
        return ()
    lanes = dict(
        session.execute(
            select(Lane.id, Lane.name).where(Lane.id.in_({r.lane_id for r in responses}))
        ).all()
    )
    plates = dict(
        session.execute(
            select(Inspection.id, Inspection.plate).where(
                Inspection.id.in_({r.inspection_id for r in responses})
            )
        ).all()
    )
    people: set[uuid.UUID | None] = set()
    for r in responses:
        people.update({r.started_by_id, r.closed_by_id, *(i.done_by_id for i in r.items)})
    names = audit.actor_names(session, {p for p in people if p is not None})

    def local(dt: datetime | None) -> datetime | None:
        return dt.astimezone(tz) if dt is not None else None

    out = []
    for r in responses:
        start = r.started_at.astimezone(tz)
        out.append(
            ResponseView(
                id=r.id,
                inspection_id=r.inspection_id,
                lane=lanes.get(r.lane_id, ""),
                plate_masked=mask_plate(plates.get(r.inspection_id, "")),
                trigger=r.trigger,
                started_at=start,
                started_by=names.get(r.started_by_id) if r.started_by_id else None,
                closed_at=local(r.closed_at),
                closed_by=names.get(r.closed_by_id) if r.closed_by_id else None,
                close_note=r.close_note,
                measures=tuple(
                    MeasureState(
                        key=i.key,
                        zh=i.label_zh,
                        en=i.label_en,
                        minutes=i.due_minutes,
                        due_at=start + timedelta(minutes=i.due_minutes),
                        done_at=local(i.done_at),
                        done_by=names.get(i.done_by_id) if i.done_by_id else None,
                    )
                    for i in r.items
                ),
            )
        )
    return tuple(out)


class ResponseBook:
    """The responses of one site, for every lane: list, tick, close, start by hand."""

    def __init__(self, db: Database, site_id: uuid.UUID, tz: tzinfo, plan: ResponsePlan) -> None:
        self.db = db
        self.site_id = site_id
        self.tz = tz
        self.plan = plan

    def open_responses(self) -> tuple[ResponseView, ...]:
        """Every response of the site not closed yet, oldest first."""
        with self.db.session() as s:
            rows = s.scalars(
                select(Response)
                .options(selectinload(Response.items))
                .where(Response.site_id == self.site_id, Response.closed_at.is_(None))
                .order_by(Response.started_at, Response.id)
            ).all()
            return views(s, list(rows), self.tz)

    def overdue(self, now: datetime | None = None) -> tuple[OverdueMeasure, ...]:
        """Every overdue measure of every open response of the site (all lanes)."""
        at = (now or utcnow()).astimezone(self.tz)
        out = []
        for r in self.open_responses():
            for m in r.overdue(at):
                late = int((at - m.due_at).total_seconds() // 60)
                out.append(
                    OverdueMeasure(r.id, r.lane, r.plate_masked, m.key, m.zh, m.en, m.due_at, late)
                )
        return tuple(out)

    def get(self, response_id: uuid.UUID) -> ResponseView:
        """One response; ResponseError if there is none."""
        with self.db.session() as s:
            return views(s, [self._load(s, response_id)], self.tz)[0]

    def for_inspection(self, inspection_id: uuid.UUID) -> ResponseView | None:
        """The response of one vehicle, if one was started."""
        with self.db.session() as s:
            row = s.scalars(
                select(Response)
                .options(selectinload(Response.items))
                .where(Response.inspection_id == inspection_id)
            ).first()
            return views(s, [row], self.tz)[0] if row is not None else None

    def _load(self, s: Session, response_id: uuid.UUID) -> Response:
        row = s.scalars(
            select(Response)
            .options(selectinload(Response.items))
            .where(Response.id == response_id, Response.site_id == self.site_id)
        ).first()
        if row is None:
            raise ResponseError("There is no such 136 response at this checkpoint.")
        return row

    @staticmethod
    def _actor(s: Session, staff: StaffMember, permission: Permission) -> StaffMember:
        current = s.get(StaffMember, staff.id)
        if current is None:
            raise ResponseError(
                f"{staff.name} is not on this site's staff list.",
                code=Problem.NOT_ON_STAFF, name=staff.name,
            )
        require(current, permission)
        return current

    def start(
        self, inspection_id: uuid.UUID, *, staff: StaffMember, at: datetime | None = None
    ) -> ResponseView:
        """Start a response by hand (a positive result reported later): leaders only."""
        when = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.OVERRIDE_DISPOSITION)
            insp = s.get(Inspection, inspection_id)
            if insp is None:
                raise ResponseError("That inspection does not exist.")
            if s.scalars(select(Response.id).where(Response.inspection_id == insp.id)).first():
                raise ResponseError(
                    "A 136 response was already started for this vehicle.",
                    code=Problem.RESPONSE_ALREADY_STARTED,
                )
            trigger = trigger_of(s, insp, self.plan) or MANUAL_TRIGGER
            row = _begin(s, insp, trigger, self.plan, when, staff.id)
            response_id = row.id
        return self.get(response_id)

    def tick(
        self,
        response_id: uuid.UUID,
        key: str,
        *,
        staff: StaffMember,
        at: datetime | None = None,
    ) -> ResponseView:
        """Mark measure ``key`` done now, by ``staff`` (anyone on the lane). Audited."""
        when = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            row = self._load(s, response_id)
            if row.closed_at is not None:
                raise ResponseError(
                    "This 136 response is closed; nothing more can be ticked.",
                    code=Problem.RESPONSE_CLOSED,
                )
            item = next((i for i in row.items if i.key == key), None)
            if item is None:
                keys = ", ".join(i.key for i in row.items)
                raise ResponseError(f"This response has no measure {key!r}; measures: {keys}.")
            if item.done_at is not None:
                raise ResponseError(
                    f"{item.label_zh} was already ticked.",
                    code=Problem.MEASURE_ALREADY_DONE, measure=item.label_zh,
                )
            if when < row.started_at:
                raise ResponseError("A measure cannot be done before the response started.")
            item.done_at = when
            item.done_by_id = staff.id
            late = when > row.started_at + timedelta(minutes=item.due_minutes)
            audit.record(
                s,
                self.site_id,
                staff.id,
                "response.tick",
                str(row.id),
                {"measure": key, "late": late},
                at=when,
            )
        return self.get(response_id)

    def close(
        self,
        response_id: uuid.UUID,
        *,
        staff: StaffMember,
        note: str | None = None,
        at: datetime | None = None,
    ) -> ResponseView:
        """Close the response (组长/点长). Measures not done need a note saying why."""
        when = at or utcnow()
        text = (note or "").strip() or None
        with self.db.session() as s:
            self._actor(s, staff, Permission.OPEN_CLOSE_SHIFT)
            row = self._load(s, response_id)
            if row.closed_at is not None:
                raise ResponseError(
                    "This 136 response is already closed.", code=Problem.RESPONSE_CLOSED
                )
            missing = [i.label_zh for i in row.items if i.done_at is None]
            if missing and text is None:
                raise ResponseError(
                    f"Not done yet: {'、'.join(missing)}; tick them, or close with a note "
                    "saying why.",
                    code=Problem.CLOSE_NEEDS_NOTE, left=len(missing),
                )
            row.closed_at = when
            row.closed_by_id = staff.id
            row.close_note = text
            audit.record(
                s,
                self.site_id,
                staff.id,
                "response.close",
                str(row.id),
                {"open_measures": len(missing)},
                at=when,
            )
        return self.get(response_id)
