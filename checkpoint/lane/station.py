"""The lane station (车道工作站): what one lane's window needs besides the vehicle under way —
the header's facts, opening a lane session for whoever signed in, the demo team, the handover.

Qt-free; every method is database work, so the window calls them from its worker.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from checkpoint.config import Settings
from checkpoint.demo.seeder import TEAM
from checkpoint.domain import Role
from checkpoint.errors import Problem, ShiftError
from checkpoint.lane.judging import Verifier
from checkpoint.lane.session import LaneSession
from checkpoint.privacy import SiteKey
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.models import Shift, Site, StaffMember, utcnow
from checkpoint.team import auth
from checkpoint.team.auth import Permission, allowed
from checkpoint.team.rota import (
    RosterMember,
    active_plan,
    close_shift,
    current_open_shift,
    find_shift,
    locate,
    open_shift,
    spec_from_model,
    window,
)
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import find_staff, list_staff

if TYPE_CHECKING:
    from checkpoint.sync.sender import Sender

# A handover earlier than this before the shift's end leaves the lane without an open shift
# until the next one begins: the form says so.
EARLY_HANDOVER = timedelta(minutes=15)


@dataclass(frozen=True)
class HeaderFacts:
    """What the window's header shows; computed in one place from the database and the rota."""

    site: str
    lane: str
    duty_date: date
    shift_name: str
    shift_hours: str
    leader: str | None
    database: str
    slot_number: int = 0
    shift_name_en: str = ""


@dataclass(frozen=True)
class ShiftRef:
    """A stored shift by its duty date and number (what reports are asked for)."""

    shift_id: uuid.UUID
    duty_date: date
    number: int


@dataclass(frozen=True)
class HandoverForm:
    """What the outgoing leader's form offers: the shift's title, who may take over, and how
    early the handover is."""

    title: str
    leaders: tuple[tuple[uuid.UUID, str], ...]
    minutes_left: int
    end_text: str

    @property
    def early(self) -> bool:
        """Handing over now leaves the lane without an open shift for a while."""
        return timedelta(minutes=self.minutes_left) > EARLY_HANDOVER


@dataclass(frozen=True)
class Handover:
    """What the outgoing leader entered."""

    incoming_id: uuid.UUID | None
    note: str
    open_issues: str


class LaneStation:
    """One lane's window-level services over the site's database."""

    def __init__(self, db: Database, settings: Settings, *, demo: bool = False) -> None:
        self.db = db
        self.settings = settings
        self.demo = demo

    @classmethod
    def open(cls, settings: Settings, *, demo: bool = False) -> LaneStation:
        """The station on the configured database (created or migrated first)."""
        settings.ensure_data_dir()
        return cls(open_database(settings.database_url), settings, demo=demo)

    def close(self) -> None:
        """Release the database's connections."""
        self.db.dispose()


    def sync_sender(self) -> Sender | None:
        """The background sender of this lane's records to the checkpoint's server (settings
        ``[server] url``), not yet started; None when no server is configured or in demo mode.
        """
        if self.settings.server_url is None or self.demo:
            return None
        # the sender (PostgreSQL's dialect, asyncio under it) loads only where a server is set
        from checkpoint.sync.sender import lane_sender

        with self.db.session() as s:
            lane_id = ensure_place(s, self.settings).lane.id
        return lane_sender(
            self.db,
            lane_id,
            self.settings.server_url,
            data_dir=self.settings.data_dir,
            settings=self.settings,
        )
    def header(self, now: datetime | None = None) -> HeaderFacts:
        """The header's facts for ``now``: the rota decides the duty date and shift."""
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            plan = spec_from_model(active_plan(s, place.site))
            instant = now or utcnow()
            w = locate(instant, plan, self.settings.tz)
            shift = find_shift(s, place.site, w.duty_date, w.slot.number)
            started_early = current_open_shift(s, place.site, instant)
            if started_early is not None and shift is not None and shift.closed_at is not None:
                # handed over early: the header shows the shift that opened early
                w = window(plan, started_early.duty_date, started_early.slot_number,
                           self.settings.tz)  # fmt: skip
                shift = started_early
            leader = shift.leader.name if shift is not None and shift.closed_at is None else None
            return HeaderFacts(
                place.site.name,
                place.lane.name,
                w.duty_date,
                w.slot.name_zh,
                w.slot.hours_text(),
                leader,
                self.db.safe_url,
                w.slot.number,
                w.slot.name_en,
            )

    def open_lane(self, staff: StaffMember, shift_id: uuid.UUID) -> LaneSession:
        """The lane session for ``staff`` on ``shift_id``, resumed where the lane was."""
        with self.db.session() as s:
            lane_id = ensure_place(s, self.settings).lane.id
        verifier = Verifier.from_settings(self.settings)
        if self.demo:
            verifier.demo = True
        session = LaneSession(
            self.db,
            lane_id,
            verifier,
            staff=staff,
            shift_id=shift_id,
            demo=self.demo,
            site_key=SiteKey.load(self.settings.data_dir),
        )
        session.start()
        return session

    def demo_team(self) -> tuple[StaffMember, uuid.UUID]:
        """Demo mode: the demo team exists (PIN 0000), its first leader on an open shift."""
        with self.db.session() as s:
            place = ensure_place(s, self.settings)
            members: dict[str, StaffMember] = {}
            demo_hash: str | None = None
            for name, role in TEAM:
                m = find_staff(s, place.site, name)
                if m is None:
                    m = StaffMember(site_id=place.site.id, name=name, role=role.value)
                    s.add(m)
                    s.flush()
                if m.secret_hash is None:
                    if demo_hash is None:
                        auth.set_secret(s, m, "0000")
                        demo_hash = m.secret_hash
                    else:  # one argon2 hash for the whole demo team: start-up stays fast
                        m.secret_hash = demo_hash
                members[name] = m
            leader = members["王建国"]
            shift = current_open_shift(s, place.site)
            if shift is None:
                lane_roles = (Role.GUIDE, Role.INSPECTOR, Role.RECORDER)
                roster = [
                    RosterMember(m.id, Role(m.role))
                    for m in members.values()
                    if Role(m.role) in lane_roles
                ][:3]
                shift = open_shift(
                    s, place.site, leader=leader, roster=roster, tz=self.settings.tz
                )
            return leader, shift.id

    def shift(self, shift_id: uuid.UUID) -> ShiftRef:
        """The duty date and number of a stored shift."""
        with self.db.session() as s:
            shift = s.get(Shift, shift_id)
            if shift is None:
                raise ShiftError("That shift does not exist.", code=Problem.NO_SUCH_SHIFT)
            return ShiftRef(shift.id, shift.duty_date, shift.slot_number)

    def handover_form(self, staff: StaffMember, shift_id: uuid.UUID, lang: str) -> HandoverForm:
        """The outgoing leader's form for ``shift_id``."""
        with self.db.session() as s:
            shift = s.get(Shift, shift_id)
            assert shift is not None
            site = s.get(Site, shift.site_id)
            assert site is not None
            slot = spec_from_model(active_plan(s, site)).slot(shift.slot_number)
            title = f"{shift.duty_date.isoformat()} {slot.label(lang)} ({slot.hours_text()})"
            # shift leaders first: the incoming leader is usually one of them, not the chief
            candidates = sorted(
                (
                    m
                    for m in list_staff(s, site)
                    if m.active
                    and m.id != staff.id
                    and allowed(Role(m.role), Permission.OPEN_CLOSE_SHIFT)
                ),
                key=lambda m: (m.role != Role.LEADER.value, m.name),
            )
            left = shift.ends_at - utcnow()
            return HandoverForm(
                title,
                tuple((m.id, m.name) for m in candidates),
                max(int(left.total_seconds() // 60), 0),
                shift.ends_at.astimezone(self.settings.tz).strftime("%H:%M"),
            )

    def hand_over(self, staff: StaffMember, shift_id: uuid.UUID, handover: Handover) -> ShiftRef:
        """Close ``shift_id`` with the handover (audited by the rota); its reference back."""
        with self.db.session() as s:
            shift = s.get(Shift, shift_id)
            me = s.get(StaffMember, staff.id)
            assert shift is not None and me is not None
            wanted = handover.incoming_id
            incoming = s.get(StaffMember, wanted) if wanted is not None else None
            close_shift(
                s,
                shift,
                closed_by=me,
                handover_to=incoming,
                note=handover.note or None,
                open_issues=handover.open_issues or None,
            )
            return ShiftRef(shift.id, shift.duty_date, shift.slot_number)
