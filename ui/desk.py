"""The inspection controller (查验台控制器): one vehicle at a time through the four steps.

It calls the domain (``checkpoint.inspection``, ``checkpoint.verification``, ``checkpoint.ledger``)
and tells a narrow :class:`DeskView` what to show; it imports no widget, so its logic is tested
with a fake view. Every action is saved before the view is told to move on; on a storage error
the view shows the message and keeps what was typed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from checkpoint import ledger
from checkpoint.auth import Permission, allowed
from checkpoint.db import Database
from checkpoint.domain import CodeColour, Disposition, Occupant, Role, Step, VehicleType, Verdict
from checkpoint.errors import CheckpointError
from checkpoint.inspection import InspectionDesk
from checkpoint.models import Inspection, StaffMember, utcnow
from checkpoint.plates import Plate, PlateError, parse_plate
from checkpoint.rules import VehicleAssessment
from checkpoint.verification import (
    Judged,
    ManualReading,
    PersonDraft,
    Verifier,
    draft_from_json,
    scan_record,
    sharing_for,
    vehicle_reasons,
)


@dataclass(frozen=True)
class VehicleInfo:
    """What the guide recorded (plate, type, people, route)."""

    plate: str
    vehicle_type: VehicleType
    people_count: int
    origin: str | None
    destination: str | None


@dataclass(frozen=True)
class Banner:
    """The divert step's verdict: colour (the vehicle verdict), suggestion, reasons."""

    verdict: Verdict
    suggested: Disposition
    reasons: tuple[dict[str, object], ...]
    report_to_community: bool


@dataclass
class DeskState:
    """Everything the inspection screen shows, rebuilt by the controller after each action."""

    step: Step = Step.GUIDE
    inspection_id: uuid.UUID | None = None
    vehicle: VehicleInfo | None = None
    people: list[Judged] = field(default_factory=list)
    selected: int | None = None  # index into people
    banner: Banner | None = None
    last: tuple[str, Disposition] | None = None  # previous vehicle's plate and disposition
    notice: str | None = None  # a short, non-error message (e.g. "code already attached")


class DeskView(Protocol):
    """What the controller needs from a screen."""

    def show_state(self, state: DeskState) -> None:
        """Show ``state`` (step, people, banner...)."""

    def show_error(self, message: str) -> None:
        """Show a problem; the input stays where it is."""

    def set_busy(self, busy: bool) -> None:
        """Saving: show a busy indicator and refuse new input meanwhile."""

    def play(self, sound: str) -> None:
        """``pass``, ``attention`` or ``stop``."""


class DemoFeed(Protocol):
    """Puts a vehicle's codes in front of the (synthetic) camera in demo mode."""

    def present(self, vehicle: VehicleInfo, at: datetime) -> None: ...

    def clear(self) -> None: ...


SOUND_FOR = {Verdict.PASS: "pass", Verdict.ATTENTION: "attention", Verdict.STOP: "stop"}


Runner = Callable[[Callable[[], Any]], Any]

# Corrections that change what the people are judged against (goods-pass plate, truck rules,
# how many people must be verified).
REJUDGE_FIELDS = frozenset({"plate", "vehicle_type", "people_count"})


def run_inline(fn: Callable[[], Any]) -> Any:
    """The default runner: do the database work right here (embedded SQLite)."""
    return fn()


class DeskController:
    """Drives one lane's inspections for the signed-in staff member on an open shift."""

    def __init__(
        self,
        db: Database,
        desk: InspectionDesk,
        verifier: Verifier,
        *,
        staff: StaffMember,
        shift_id: uuid.UUID,
        view: DeskView,
        clock: Callable[[], datetime] = utcnow,
        feed: DemoFeed | None = None,
        on_next_vehicle: Callable[[], None] | None = None,
        run: Runner | None = None,
    ) -> None:
        self.db = db
        # Every database call goes through ``run`` (ui.db_runner: off the GUI thread for a
        # database server); inline by default.
        self.run: Runner = run or run_inline
        self.busy = False
        self.desk = desk
        self.verifier = verifier
        self.staff = staff
        self.shift_id = shift_id
        self.view = view
        self.clock = clock
        self.feed = feed
        self.on_next_vehicle = on_next_vehicle
        self.state = DeskState()
        self._guide_started_at: datetime | None = None
        self.latencies_ms: list[float] = []

    # -- plumbing -------------------------------------------------------------------------------

    def _save(self, action: Callable[[], object]) -> bool:
        """Run one saving action with the busy indicator; False (message shown) on failure.

        While one action is under way no second one starts (``busy``): the caller's step is
        refused, nothing half-done is left.
        """
        if self.busy:
            return False
        self.busy = True
        self.view.set_busy(True)
        try:
            self.run(action)
        except CheckpointError as exc:
            self.view.show_error(str(exc))
            return False
        finally:
            self.busy = False
            self.view.set_busy(False)
        return True

    def _render(self) -> None:
        self.view.show_state(self.state)
        self.state.notice = None

    @property
    def role(self) -> Role:
        return Role(self.staff.role)

    # -- resume ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Show the unfinished inspection of this shift and lane, or the guide step."""
        open_row = self.desk.unfinished(self.shift_id)
        if open_row is None:
            self.state = DeskState()
        else:
            self._load(self.desk.snapshot(open_row.id))
        if self.state.step is Step.VERIFY and self.feed is not None and self.state.vehicle:
            self.feed.present(self.state.vehicle, self.clock())
        self._render()

    def _load(self, insp: Inspection) -> None:
        vehicle = VehicleInfo(
            insp.plate, VehicleType(insp.vehicle_type), insp.people_count, insp.origin,
            insp.destination,
        )  # fmt: skip
        at = self.clock()
        people = []
        for p in insp.people:
            draft = draft_from_json(
                dict(p.findings or {}), occupant=Occupant(p.occupant), holder=p.name_masked,
                temperature=p.temperature, person_id=p.id,
            )  # fmt: skip
            people.append(self.verifier.judge(draft, p.seq, at, vehicle.vehicle_type, insp.plate))
        banner = None
        if insp.suggested_disposition:
            worst = max((j.view.verdict for j in people), key=list(Verdict).index,
                        default=Verdict.PASS)  # fmt: skip
            banner = Banner(
                worst, Disposition(insp.suggested_disposition), tuple(insp.reasons or ()),
                insp.report_to_community,
            )  # fmt: skip
        self.state = DeskState(
            step=Step(insp.step), inspection_id=insp.id, vehicle=vehicle, people=people,
            selected=len(people) - 1 if people else None, banner=banner,
        )  # fmt: skip

    # -- step 1: guide --------------------------------------------------------------------------

    def check_plate(self, text: str) -> Plate:
        """The validated plate; PlateError (with its ``problem`` code) says what is wrong.

        The first plate input on a new vehicle marks when its guide step began.
        """
        if self.state.step is Step.GUIDE and self._guide_started_at is None and text.strip():
            self._guide_started_at = self.clock()
        return parse_plate(text)

    def guide(
        self,
        plate_text: str,
        vehicle_type: VehicleType,
        people_count: int,
        origin: str = "",
        destination: str = "",
    ) -> bool:
        """Record the vehicle and move to verify. False (message shown) if something is wrong."""
        if self.state.step is not Step.GUIDE:
            return False
        try:
            plate = parse_plate(plate_text).text
        except PlateError as exc:
            self.view.show_error(f"plate:{exc.problem.value}")
            return False
        vehicle = VehicleInfo(
            plate, vehicle_type, people_count, origin.strip() or None, destination.strip() or None
        )
        new_id: list[uuid.UUID] = []

        def act() -> None:
            new_id.append(
                self.desk.guide(
                    self.shift_id, plate=plate, vehicle_type=vehicle_type,
                    people_count=people_count, staff=self.staff, origin=vehicle.origin,
                    destination=vehicle.destination, at=self.clock(),
                    started_at=self._guide_started_at,
                )
            )

        if not self._save(act):
            return False
        self._guide_started_at = None
        self.state = DeskState(
            step=Step.VERIFY, inspection_id=new_id[0], vehicle=vehicle, last=self.state.last
        )
        if self.feed is not None:
            self.feed.present(vehicle, self.clock())
        self._render()
        return True

    # -- step 2: verify -------------------------------------------------------------------------

    def scanned(self, texts: list[str], captured_at: float | None = None) -> None:
        """Codes from the camera (or typed by a scanner gun): verify each, attach to a person."""
        st = self.state
        if st.step is not Step.VERIFY or st.vehicle is None or st.inspection_id is None:
            if texts:
                st.notice = "scan_ignored"
                self._render()
            return
        changed = False
        for text in texts:
            changed = self._scan_one(text) or changed
        if not changed:
            self._render()
            return
        if self._auto_finish():
            return
        self._render()
        if captured_at is not None:
            self.latencies_ms.append((time.monotonic() - captured_at) * 1000.0)

    def _scan_one(self, text: str) -> bool:
        st = self.state
        assert st.vehicle is not None and st.inspection_id is not None
        at = self.clock()
        result = self.verifier.read(text, at)
        for i, judged in enumerate(st.people):
            if result.fingerprint and result.fingerprint in judged.draft.fingerprints:
                st.selected = i
                st.notice = "already_attached"
                return False
        holder = self.verifier.holder_of(result)
        # Names are masked (王*): the same name is the same person only if they have not shown
        # this kind of code yet; two 王* in one car with one pass each are two people.
        index = next(
            (
                i for i, j in enumerate(st.people)
                if holder and j.draft.holder == holder
                and not any((c.format, c.kind) == (result.format, result.kind)
                            for c in j.draft.credentials)
            ),
            None,
        )  # fmt: skip
        if index is None:
            occupant = Occupant.PASSENGER if st.people else Occupant.DRIVER
            draft = PersonDraft(occupant)
            seq = len(st.people) + 1
        else:
            draft = st.people[index].draft
            seq = st.people[index].view.seq
        try:
            plate = st.vehicle.plate
            shared = self.run(
                lambda: sharing_for(self.db, self.verifier.policy, result, plate, holder, seq, at)
            )
        except CheckpointError as exc:
            self.view.show_error(str(exc))
            return False
        draft = self.verifier.add_credential(draft, result)
        if shared is not None:
            draft = replace(draft, code_shared=shared)
        return self._store(index, draft, seq, at, new_scan=result)

    def _store(
        self, index: int | None, draft: PersonDraft, seq: int, at: datetime, new_scan: object = None
    ) -> bool:
        """Judge ``draft`` and save it (a new person when ``index`` is None)."""
        st = self.state
        assert st.vehicle is not None and st.inspection_id is not None
        judged = self.verifier.judge(draft, seq, at, st.vehicle.vehicle_type, st.vehicle.plate)
        inspection_id = st.inspection_id
        ids: list[uuid.UUID] = []

        def act() -> None:
            if draft.person_id is None:
                ids.append(self.desk.add_person(inspection_id, judged.entry, at=at))
            else:
                scans = (scan_record(new_scan),) if new_scan is not None else ()  # type: ignore[arg-type]
                self.desk.update_person(
                    inspection_id, draft.person_id, judged.entry, new_scans=scans, at=at
                )

        if not self._save(act):
            return False
        if ids:
            judged = replace(judged, draft=replace(judged.draft, person_id=ids[0]))
        if index is None:
            st.people.append(judged)
            st.selected = len(st.people) - 1
        else:
            st.people[index] = judged
            st.selected = index
        self.view.play(SOUND_FOR[judged.view.verdict])
        return True

    def _auto_finish(self) -> bool:
        """Everyone announced is verified and passes: go on without a key press."""
        st = self.state
        assert st.vehicle is not None
        if len(st.people) < st.vehicle.people_count:
            return False
        if any(j.view.verdict is not Verdict.PASS or j.view.needs_manual for j in st.people):
            return False
        return self.finish_verify()

    def select(self, index: int) -> None:
        """Make person ``index`` the one the manual readings apply to."""
        if 0 <= index < len(self.state.people):
            self.state.selected = index
            self._render()

    def new_person(self) -> bool:
        """Add a person checked by eye only (no scannable code): they become the selected row."""
        st = self.state
        if st.step is not Step.VERIFY:
            return False
        occupant = Occupant.PASSENGER if st.people else Occupant.DRIVER
        draft = PersonDraft(occupant, manual=ManualReading())
        ok = self._store(None, draft, len(st.people) + 1, self.clock())
        self._render()
        return ok

    def _update_selected(self, change: Callable[[PersonDraft], PersonDraft]) -> bool:
        st = self.state
        if st.step is not Step.VERIFY:
            return False
        if (st.selected is None or not st.people) and not self.new_person():
            return False
        assert st.selected is not None
        judged = st.people[st.selected]
        ok = self._store(st.selected, change(judged.draft), judged.view.seq, self.clock())
        self._render()
        return ok

    def read_colour(self, colour: CodeColour) -> bool:
        """The inspector saw this health-code colour on the phone."""
        return self._update_selected(
            lambda d: replace(d, manual=replace(d.manual or ManualReading(), code_colour=colour))
        )

    def read_star(self, star: bool) -> bool:
        """The itinerary card does (or does not) carry a star."""
        return self._update_selected(
            lambda d: replace(d, manual=replace(d.manual or ManualReading(), itinerary_star=star))
        )

    def read_test_hours(self, hours: int | None) -> bool:
        """The phone shows a negative test within ``hours`` (None: no test shown)."""
        return self._update_selected(
            lambda d: replace(d, manual=replace(d.manual or ManualReading(), test_hours=hours))
        )

    def set_temperature(self, celsius: float | None) -> bool:
        """The measured temperature of the selected person."""
        if celsius is not None and not 30.0 <= celsius <= 45.0:
            self.view.show_error("temperature_range")
            return False
        return self._update_selected(lambda d: replace(d, temperature=celsius))

    def vehicle_assessment(self) -> VehicleAssessment:
        """The vehicle's outcome from its people as judged now."""
        return self.verifier.vehicle([j.assessment for j in self.state.people])

    def finish_verify(self) -> bool:
        """Verify done: the suggestion is the most severe disposition of the people."""
        st = self.state
        if st.step is not Step.VERIFY or st.inspection_id is None or st.vehicle is None:
            return False
        missing = st.vehicle.people_count - len(st.people)
        if missing > 0:
            self.view.show_error(f"people_missing:{missing}")
            return False
        vehicle = self.vehicle_assessment()
        reasons = vehicle_reasons(st.people)
        inspection_id = st.inspection_id

        def act() -> None:
            self.desk.finish_verify(
                inspection_id, suggested=vehicle.disposition, reasons=reasons,
                report_to_community=vehicle.report_to_community,
                policy_version=self.verifier.policy.version_label, staff=self.staff,
                at=self.clock(),
            )  # fmt: skip

        if not self._save(act):
            return False
        st.step = Step.RECORD
        st.banner = Banner(
            vehicle.verdict, vehicle.disposition, tuple(reasons), vehicle.report_to_community
        )
        if self.feed is not None:
            self.feed.clear()
        self._render()
        return True

    # -- step 3: record -------------------------------------------------------------------------

    def correct(self, field_name: str, value: str, reason: str) -> bool:
        """Correct a saved field of this vehicle (kept with who and why)."""
        st = self.state
        if st.inspection_id is None or st.vehicle is None:
            return False
        inspection_id = st.inspection_id
        if not self._save(
            lambda: ledger.correct(
                self.db, inspection_id, field_name, value, reason=reason, staff=self.staff,
                at=self.clock(),
            )
        ):
            return False
        snap = self.run(lambda: self.desk.snapshot(inspection_id))
        st.vehicle = VehicleInfo(
            snap.plate, VehicleType(snap.vehicle_type), snap.people_count, snap.origin,
            snap.destination,
        )  # fmt: skip
        st.notice = "corrected"
        if st.step is Step.RECORD and field_name in REJUDGE_FIELDS:
            return self._rejudge(inspection_id, reason)
        self._render()
        return True

    def _rejudge(self, inspection_id: uuid.UUID, reason: str) -> bool:
        """Plate, type or head-count changed after verify: back to verify, judge everyone again
        against the corrected vehicle; verify then finishes as usual (by itself if all pass)."""
        st = self.state
        if not self._save(
            lambda: self.desk.reopen_verify(
                inspection_id, staff=self.staff, reason=reason, at=self.clock()
            )
        ):
            return False
        st.step = Step.VERIFY
        st.banner = None
        at = self.clock()
        for i, judged in enumerate(list(st.people)):
            if not self._store(i, judged.draft, judged.view.seq, at):
                self._render()
                return False
        if not self._auto_finish():
            self._render()
        return True

    def confirm_record(self) -> bool:
        """The recorder confirms the ledger entry."""
        st = self.state
        if st.step is not Step.RECORD or st.inspection_id is None:
            return False
        inspection_id = st.inspection_id
        if not self._save(
            lambda: self.desk.record(inspection_id, staff=self.staff, at=self.clock())
        ):
            return False
        st.step = Step.DIVERT
        if st.banner is not None:
            self.view.play(SOUND_FOR[st.banner.verdict])
        self._render()
        return True

    # -- step 4: divert -------------------------------------------------------------------------

    def may_override(self) -> bool:
        """Whether the signed-in person may choose another disposition than suggested."""
        return allowed(self.role, Permission.OVERRIDE_DISPOSITION)

    def divert(self, disposition: Disposition | None = None, reason: str = "") -> bool:
        """Send the vehicle on; None takes the suggestion. Another choice needs a reason."""
        st = self.state
        if st.step is not Step.DIVERT or st.inspection_id is None or st.banner is None:
            return False
        choice = disposition or st.banner.suggested
        if choice is not st.banner.suggested:
            if not self.may_override():
                self.view.show_error("override_needs_leader")
                return False
            if not reason.strip():
                self.view.show_error("override_needs_reason")
                return False
        inspection_id = st.inspection_id
        override = reason if choice is not st.banner.suggested else None
        if not self._save(
            lambda: self.desk.divert(
                inspection_id, choice, staff=self.staff, override_reason=override,
                at=self.clock(),
            )
        ):
            return False
        plate = st.vehicle.plate if st.vehicle else ""
        self.state = DeskState(last=(plate, choice))
        if self.on_next_vehicle is not None:
            self.on_next_vehicle()
        self._render()
        return True

    def reasons_for_banner(self, lang: str) -> list[str]:
        """The banner's reasons as plain sentences, each with the person it concerns."""
        st = self.state
        if st.banner is None:
            return []
        out = []
        for r in st.banner.reasons:
            text = str(r.get("zh" if lang.startswith("zh") else "en") or r.get("code"))
            seq = r.get("person")
            if isinstance(seq, int) and 0 < seq <= len(st.people):
                who = st.people[seq - 1].view
                label = who.holder or f"#{seq}"
                text = f"{who.occupant.label(lang)} {label}: {text}"
            out.append(text)
        return out
