"""One lane's session (车道会话): the signed-in person, the vehicle under way and its people.

Everything it concludes, it concludes itself: which person a code belongs to, each person's
verdict, the suggested disposition and its reasons, when verify may finish. Every call that
changes something is committed (``InspectionStore``, which judges each person again and derives
the suggestion itself) before the new state is published. Calls come from one thread at a time
(the desk's worker); the state is immutable, so any thread may read it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from checkpoint.domain import CodeColour, Disposition, Occupant, Role, Step, VehicleType, Verdict
from checkpoint.lane.codes import CodeKind, ShcParts, classify
from checkpoint.lane.events import (
    LaneEvent,
    NotACredential,
    PersonAdded,
    PersonChanged,
    PersonRemoved,
    StateChanged,
    StepDone,
)
from checkpoint.lane.findings import ManualReading, PersonDraft, draft_from_json
from checkpoint.lane.judging import Verifier, scan_record, vehicle_reasons
from checkpoint.lane.problems import LaneError, LaneProblem
from checkpoint.lane.state import Banner, LaneState, Notice, VehicleFacts
from checkpoint.plates import Plate, PlateError, parse_plate
from checkpoint.privacy import SiteKey, mask_id_number
from checkpoint.rules.sharing import sharing_for
from checkpoint.storage import audit
from checkpoint.storage.db import Database
from checkpoint.storage.inspections import InspectionStore
from checkpoint.storage.ledger import correct as correct_field
from checkpoint.storage.models import Inspection, Lane, Site, StaffMember, utcnow
from checkpoint.team.auth import Permission, allowed, authenticate

LaneListener = Callable[[LaneEvent], None]

# Corrections that change what the people are judged against (goods-pass plate, truck rules,
# how many people must be verified).
REJUDGE_FIELDS = frozenset({"plate", "vehicle_type", "people_count"})


class LaneSession:
    """The one object the desk talks to for one lane."""

    def __init__(
        self,
        db: Database,
        lane_id: uuid.UUID,
        verifier: Verifier,
        *,
        staff: StaffMember,
        shift_id: uuid.UUID,
        clock: Callable[[], datetime] = utcnow,
        demo: bool = False,
        site_key: SiteKey | None = None,
    ) -> None:
        self.db = db
        self.verifier = verifier
        self.desk = InspectionStore(
            db,
            lane_id,
            demo=demo,
            store_raw_payloads=verifier.policy.store_raw_payloads,
            judge=verifier,
            response_plan=verifier.policy.response,
        )
        self.staff = staff
        self.shift_id = shift_id
        self.demo = demo  # a demo database: DEMO-signed passes are welcome
        self.clock = clock
        self.site_key = site_key
        self._state = LaneState()
        self._listeners: list[LaneListener] = []
        self._parts = ShcParts()
        self._guide_started_at: datetime | None = None

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def state(self) -> LaneState:
        """The state as of the last call."""
        return self._state

    def subscribe(self, listener: LaneListener) -> None:
        """Call ``listener`` with every event (the desk adapts it to a Qt signal)."""
        self._listeners.append(listener)

    def _emit(self, event: LaneEvent) -> None:
        for listener in self._listeners:
            listener(event)

    def _show(self, state: LaneState) -> LaneState:
        self._state = state
        self._emit(StateChanged(state))
        return state

    def _vehicle_under_way(self, step: Step) -> tuple[uuid.UUID, VehicleFacts]:
        st = self._state
        if st.step is not step or st.inspection_id is None or st.vehicle is None:
            raise LaneError(LaneProblem.WRONG_STEP, step=st.step.value)
        return st.inspection_id, st.vehicle

    @property
    def role(self) -> Role:
        """The signed-in person's role."""
        return Role(self.staff.role)

    # -- shift and sign-in -------------------------------------------------------------------

    def start(self) -> LaneState:
        """Resume this lane's unfinished vehicle (of any shift: a vehicle under way at a
        handover is finished by the incoming team), or show the guide step."""
        row = self.desk.unfinished_on_lane()
        self._parts.clear()
        if row is None:
            return self._show(
                LaneState(last=self._state.last, last_people=self._state.last_people)
            )
        return self._show(self._load(row))

    def change_staff(self, staff: StaffMember, shift_id: uuid.UUID) -> LaneState:
        """Someone else signed in (a handover): the vehicle under way stays where it was."""
        self.staff = staff
        self.shift_id = shift_id
        return self.start()

    def _load(self, insp: Inspection) -> LaneState:
        vehicle = VehicleFacts(
            insp.plate,
            VehicleType(insp.vehicle_type),
            insp.people_count,
            insp.origin,
            insp.destination,
        )
        at = self.clock()
        people = []
        for p in insp.people:
            draft = draft_from_json(
                dict(p.findings or {}),
                occupant=Occupant(p.occupant),
                holder=p.name_masked,
                temperature=p.temperature,
                person_id=p.id,
            )
            draft = replace(draft, id_hash=p.id_hash, id_masked=p.id_masked)
            people.append(self.verifier.judge(draft, p.seq, at, vehicle.vehicle_type, insp.plate))
        state = LaneState(
            step=Step(insp.step),
            inspection_id=insp.id,
            vehicle=vehicle,
            people=tuple(people),
            selected=len(people) - 1 if people else None,
            last=self._state.last,
        )
        if insp.suggested_disposition:
            state = replace(
                state,
                banner=Banner(
                    state.worst_verdict(),
                    Disposition(insp.suggested_disposition),
                    tuple(insp.reasons or ()),
                    insp.report_to_community,
                ),
            )
        return self._with_finish(state)

    # -- step 1: guide -----------------------------------------------------------------------

    def check_plate(self, text: str) -> Plate:
        """The validated plate; PlateError says what is wrong. The first input on a new
        vehicle marks when its guide step began."""
        if self._state.step is Step.GUIDE and self._guide_started_at is None and text.strip():
            self._guide_started_at = self.clock()
        return parse_plate(text)

    def guide(
        self,
        plate_text: str,
        vehicle_type: VehicleType,
        people_count: int,
        origin: str = "",
        destination: str = "",
    ) -> LaneState:
        """Step 1: the vehicle is recorded and verify begins."""
        if self._state.step is not Step.GUIDE:
            raise LaneError(LaneProblem.WRONG_STEP, step=self._state.step.value)
        try:
            plate = parse_plate(plate_text).text
        except PlateError as exc:
            raise LaneError(LaneProblem.PLATE, problem=exc.problem.value) from exc
        if people_count < 1:
            raise LaneError(LaneProblem.PEOPLE_COUNT, count=people_count)
        vehicle = VehicleFacts(
            plate, vehicle_type, people_count, origin.strip() or None, destination.strip() or None
        )
        at = self.clock()
        new_id = self.desk.guide(
            self.shift_id,
            plate=plate,
            vehicle_type=vehicle_type,
            people_count=people_count,
            staff=self.staff,
            origin=vehicle.origin,
            destination=vehicle.destination,
            at=at,
            started_at=self._guide_started_at,
        )
        self._guide_started_at = None
        self._parts.clear()
        self._emit(StepDone(new_id, Step.GUIDE, at))
        return self._show(
            LaneState(
                step=Step.VERIFY, inspection_id=new_id, vehicle=vehicle, last=self._state.last
            )
        )

    # -- step 2: verify ----------------------------------------------------------------------

    def scan(self, texts: Sequence[str]) -> LaneState:
        """The texts read from one camera frame (or a scanner gun): each credential goes to its
        person; split cards wait for their other parts; anything else is a notice."""
        st = self._state
        if st.step is not Step.VERIFY or st.inspection_id is None:
            if any(t.strip() for t in texts):
                return self._show(replace(st, notice=Notice.SCAN_IGNORED))
            return st
        notice: Notice | None = None
        ignored = 0
        for text in texts:
            kind = classify(text, self.verifier.policy)
            if kind is CodeKind.EMPTY:
                continue
            if kind is CodeKind.NOT_A_CREDENTIAL:
                ignored += 1
                notice = Notice.NOT_A_CREDENTIAL
                continue
            payload: str | None = text.strip()
            if kind is CodeKind.SHC_PART:
                payload = self._parts.add(text)
                if payload is None:
                    notice = Notice.PART_WAITING
                    continue
            assert payload is not None
            notice = self._scan_one(payload) or notice
        st = self._state
        if ignored:
            count = st.not_credential_count + ignored
            st = replace(st, not_credential_count=count)
            self._emit(NotACredential(count))
        st = replace(st, notice=notice, parts_waiting=self._parts.waiting)
        st = self._with_finish(st)
        if st.may_finish_verify and self._all_pass(st) and notice is None:
            self._state = st
            return self.finish_verify()
        return self._show(st)

    def _scan_one(self, text: str) -> Notice | None:
        """Attach one credential to its person (saved); a notice if it changed nothing."""
        _, vehicle = self._vehicle_under_way(Step.VERIFY)
        st = self._state
        at = self.clock()
        result = self.verifier.read(text, at)
        if result.demo and not self.demo:
            # a DEMO-signed pass never becomes a person in the real books
            return Notice.DEMO_REFUSED
        for i, judged in enumerate(st.people):
            if result.fingerprint and result.fingerprint in judged.draft.fingerprints:
                self._state = replace(st, selected=i)
                return Notice.ALREADY_ATTACHED
        holder = self.verifier.holder_of(result)
        # Names are masked (王*): the same name is the same person only if they have not shown
        # this kind of code yet; two 王* in one car with one pass each are two people.
        index = next(
            (
                i
                for i, j in enumerate(st.people)
                if holder
                and j.draft.holder == holder
                and not any(
                    (c.format, c.kind) == (result.format, result.kind) for c in j.draft.credentials
                )
            ),
            None,
        )
        if index is None:
            draft = PersonDraft(Occupant.PASSENGER if st.people else Occupant.DRIVER)
            seq = self._next_seq()
        else:
            draft = st.people[index].draft
            seq = st.people[index].view.seq
        shared = sharing_for(self.db, self.verifier.policy, result, vehicle.plate, holder, seq, at)
        draft = self.verifier.add_credential(draft, result)
        if shared is not None:
            draft = replace(draft, code_shared=shared)
        keep = text if self.verifier.policy.store_raw_payloads else None
        self._store(index, draft, seq, at, new_scan=scan_record(result, keep))
        return None

    def _next_seq(self) -> int:
        return max((j.view.seq for j in self._state.people), default=0) + 1

    def _store(
        self,
        index: int | None,
        draft: PersonDraft,
        seq: int,
        at: datetime,
        new_scan: object = None,
    ) -> None:
        """Judge ``draft`` and save it (a new person when ``index`` is None)."""
        inspection_id, vehicle = self._vehicle_under_way(Step.VERIFY)
        judged = self.verifier.judge(draft, seq, at, vehicle.vehicle_type, vehicle.plate)
        entry = judged.entry
        if new_scan is not None and draft.person_id is None:
            entry = replace(entry, scans=(new_scan,))  # type: ignore[arg-type]
        elif draft.person_id is None:
            entry = replace(entry, scans=())
        if draft.person_id is None:
            person_id = self.desk.add_person(inspection_id, entry, at=at, staff=self.staff)
            judged = replace(judged, draft=replace(judged.draft, person_id=person_id))
        else:
            scans = (new_scan,) if new_scan is not None else ()
            self.desk.update_person(
                inspection_id,
                draft.person_id,
                entry,
                new_scans=scans,  # type: ignore[arg-type]
                at=at,
                staff=self.staff,
            )
        people = list(self._state.people)
        if index is None:
            people.append(judged)
            selected = len(people) - 1
            self._emit(PersonAdded(inspection_id, seq, judged.view.verdict))
        else:
            people[index] = judged
            selected = index
            self._emit(PersonChanged(inspection_id, seq, judged.view.verdict))
        self._state = replace(self._state, people=tuple(people), selected=selected)

    @staticmethod
    def _all_pass(st: LaneState) -> bool:
        return all(j.view.verdict is Verdict.PASS and not j.view.needs_manual for j in st.people)

    @staticmethod
    def _with_finish(st: LaneState) -> LaneState:
        """Verify may finish once every announced person is checked."""
        ok = st.step is Step.VERIFY and bool(st.people) and st.missing_people == 0
        return replace(st, may_finish_verify=ok)

    def select(self, index: int) -> LaneState:
        """Person ``index`` is the one the readings by eye apply to."""
        if 0 <= index < len(self._state.people):
            return self._show(replace(self._state, selected=index, notice=None))
        raise LaneError(LaneProblem.NO_PERSON, index=index)

    def add_person_by_eye(self) -> LaneState:
        """A person with no scannable code, checked by eye: they become the selected row."""
        self._vehicle_under_way(Step.VERIFY)
        occupant = Occupant.PASSENGER if self._state.people else Occupant.DRIVER
        draft = PersonDraft(occupant, manual=ManualReading())
        self._store(None, draft, self._next_seq(), self.clock())
        return self._show(self._with_finish(replace(self._state, notice=None)))

    def _change_selected(self, change: Callable[[PersonDraft], PersonDraft]) -> LaneState:
        self._vehicle_under_way(Step.VERIFY)
        if self._state.selected is None or not self._state.people:
            self.add_person_by_eye()
        st = self._state
        assert st.selected is not None
        judged = st.people[st.selected]
        self._store(st.selected, change(judged.draft), judged.view.seq, self.clock())
        return self._show(self._with_finish(replace(self._state, notice=None)))

    def read_colour(self, colour: CodeColour) -> LaneState:
        """The inspector saw this health-code colour on the phone."""
        return self._change_selected(
            lambda d: replace(d, manual=replace(d.manual or ManualReading(), code_colour=colour))
        )

    def read_star(self, star: bool) -> LaneState:
        """The itinerary card does (or does not) carry a star."""
        return self._change_selected(
            lambda d: replace(d, manual=replace(d.manual or ManualReading(), itinerary_star=star))
        )

    def read_test_hours(self, hours: int | None) -> LaneState:
        """The phone shows a negative test within ``hours`` (None: no test shown)."""
        return self._change_selected(
            lambda d: replace(d, manual=replace(d.manual or ManualReading(), test_hours=hours))
        )

    def set_temperature(self, celsius: float | None) -> LaneState:
        """The measured temperature of the selected person."""
        if celsius is not None and not 30.0 <= celsius <= 45.0:
            raise LaneError(LaneProblem.TEMPERATURE_RANGE, value=celsius)
        return self._change_selected(lambda d: replace(d, temperature=celsius))

    def set_id_number(self, id_number: str) -> LaneState:
        """The selected person's ID number, kept only as the site's keyed hash and a mask."""
        number = id_number.strip().upper()
        if not (number[:-1].isdigit() and (number[-1].isdigit() or number[-1] == "X")):
            raise LaneError(LaneProblem.ID_NUMBER)
        if len(number) not in (15, 18):
            raise LaneError(LaneProblem.ID_NUMBER)
        if self.site_key is None:
            raise LaneError(LaneProblem.NO_SITE_KEY)
        key = self.site_key
        return self._change_selected(
            lambda d: replace(d, id_hash=key.hash_id(number), id_masked=mask_id_number(number))
        )

    def remove_person(self, index: int, reason: str) -> LaneState:
        """A row added by mistake goes (with a reason, audited) while the vehicle is under way."""
        inspection_id, _ = self._vehicle_under_way(Step.VERIFY)
        st = self._state
        if not 0 <= index < len(st.people):
            raise LaneError(LaneProblem.NO_PERSON, index=index)
        if not reason.strip():
            raise LaneError(LaneProblem.REMOVE_NEEDS_REASON)
        judged = st.people[index]
        assert judged.draft.person_id is not None
        self.desk.remove_person(
            inspection_id, judged.draft.person_id, reason=reason, staff=self.staff, at=self.clock()
        )
        self._emit(PersonRemoved(inspection_id, judged.view.seq))
        people = st.people[:index] + st.people[index + 1 :]
        # the driver is the first row: whoever is first now is the driver
        people = tuple(
            replace(j, draft=replace(j.draft, occupant=Occupant.DRIVER)) if i == 0 else j
            for i, j in enumerate(people)
        )
        if people and people[0].view.occupant is not Occupant.DRIVER:
            first = people[0]
            self._state = replace(st, people=people)
            self._store(0, first.draft, first.view.seq, self.clock())
            people = self._state.people
        selected = min(index, len(people) - 1) if people else None
        return self._show(
            self._with_finish(
                replace(self._state, people=people, selected=selected, notice=Notice.PERSON_REMOVED)
            )
        )

    def finish_verify(self) -> LaneState:
        """Verify done: the suggestion is the most severe disposition of the people."""
        inspection_id, _ = self._vehicle_under_way(Step.VERIFY)
        st = self._state
        if st.missing_people > 0:
            raise LaneError(LaneProblem.PEOPLE_MISSING, missing=st.missing_people)
        assessment = self.verifier.vehicle([j.assessment for j in st.people])
        reasons = vehicle_reasons(list(st.people))
        at = self.clock()
        suggested = self.desk.finish_verify(
            inspection_id,
            suggested=assessment.disposition,
            reasons=reasons,
            report_to_community=assessment.report_to_community,
            policy_version=self.verifier.policy.version_label,
            staff=self.staff,
            at=at,
            people_required=True,
        )
        self._parts.clear()
        self._emit(StepDone(inspection_id, Step.VERIFY, at, suggested))
        banner = Banner(
            assessment.verdict, suggested, tuple(reasons), assessment.report_to_community
        )
        return self._show(
            replace(
                st,
                step=Step.RECORD,
                banner=banner,
                may_finish_verify=False,
                parts_waiting=None,
            )
        )

    # -- step 3: record ----------------------------------------------------------------------

    def correct(self, field_name: str, value: str, reason: str) -> LaneState:
        """Correct a saved field of this vehicle (kept with who and why). A correction of the
        plate, type or head-count after verify sends the vehicle back to be judged again."""
        st = self._state
        if st.inspection_id is None or st.vehicle is None:
            raise LaneError(LaneProblem.WRONG_STEP, step=st.step.value)
        inspection_id = st.inspection_id
        value = self._checked_correction(st.vehicle, field_name, value, reason)
        at = self.clock()
        correct_field(
            self.db, inspection_id, field_name, value, reason=reason, staff=self.staff, at=at
        )
        snap = self.desk.snapshot(inspection_id)
        vehicle = VehicleFacts(
            snap.plate,
            VehicleType(snap.vehicle_type),
            snap.people_count,
            snap.origin,
            snap.destination,
        )
        self._state = replace(st, vehicle=vehicle, notice=Notice.CORRECTED)
        if st.step is Step.RECORD and field_name in REJUDGE_FIELDS:
            return self._rejudge(inspection_id, reason)
        return self._show(self._with_finish(self._state))

    @staticmethod
    def _checked_correction(vehicle: VehicleFacts, field_name: str, value: str,
                            reason: str) -> str:  # fmt: skip
        """``value`` as it will be stored; a typed LaneError (words the screen translates) for
        what the guide step would refuse too, for a missing reason and for no change."""
        if not reason.strip():
            raise LaneError(LaneProblem.CORRECTION_NEEDS_REASON)
        value = value.strip()
        if field_name == "plate":
            try:
                value = parse_plate(value).text
            except PlateError as exc:
                raise LaneError(LaneProblem.PLATE, problem=exc.problem.value) from exc
        elif field_name == "people_count":
            if not value.isdigit() or int(value) < 1:
                raise LaneError(LaneProblem.PEOPLE_COUNT, count=value)
            value = str(int(value))
        elif field_name == "vehicle_type" and value not in {vt.value for vt in VehicleType}:
            raise LaneError(LaneProblem.VEHICLE_TYPE)
        current = {
            "plate": vehicle.plate,
            "vehicle_type": vehicle.vehicle_type.value,
            "people_count": str(vehicle.people_count),
            "origin": vehicle.origin or "",
            "destination": vehicle.destination or "",
        }
        if current.get(field_name) == value:
            raise LaneError(LaneProblem.CORRECTION_SAME)
        return value

    def _rejudge(self, inspection_id: uuid.UUID, reason: str) -> LaneState:
        """Back to verify; everyone judged again against the corrected vehicle; verify then
        finishes as usual (by itself if all pass and all are checked)."""
        self.desk.reopen_verify(inspection_id, staff=self.staff, reason=reason, at=self.clock())
        self._state = replace(self._state, step=Step.VERIFY, banner=None)
        at = self.clock()
        for i, judged in enumerate(list(self._state.people)):
            self._store(i, judged.draft, judged.view.seq, at)
        st = self._with_finish(self._state)
        if st.may_finish_verify and self._all_pass(st):
            self._state = st
            return self.finish_verify()
        return self._show(st)

    def confirm_record(self) -> LaneState:
        """Step 3: the recorder confirms the ledger entry."""
        inspection_id, _ = self._vehicle_under_way(Step.RECORD)
        at = self.clock()
        self.desk.record(inspection_id, staff=self.staff, at=at)
        self._emit(StepDone(inspection_id, Step.RECORD, at))
        return self._show(replace(self._state, step=Step.DIVERT, notice=None))

    # -- step 4: divert ----------------------------------------------------------------------

    def may_override(self) -> bool:
        """Whether the signed-in person may choose another disposition than suggested."""
        return allowed(self.role, Permission.OVERRIDE_DISPOSITION)

    def divert(
        self,
        disposition: Disposition | None = None,
        reason: str = "",
        *,
        approved_by: StaffMember | None = None,
    ) -> LaneState:
        """Step 4: send the vehicle on; None takes the suggestion. Another choice needs a
        reason and someone allowed to override: the signed-in person or ``approved_by``."""
        inspection_id, vehicle = self._vehicle_under_way(Step.DIVERT)
        banner = self._state.banner
        assert banner is not None
        choice = disposition or banner.suggested
        overridden = choice is not banner.suggested
        if overridden:
            leader_ok = approved_by is not None and allowed(
                Role(approved_by.role), Permission.OVERRIDE_DISPOSITION
            )
            if not (self.may_override() or leader_ok):
                raise LaneError(LaneProblem.OVERRIDE_NEEDS_LEADER)
            if not reason.strip():
                raise LaneError(LaneProblem.OVERRIDE_NEEDS_REASON)
        at = self.clock()
        self.desk.divert(
            inspection_id,
            choice,
            staff=self.staff,
            override_reason=reason if overridden else None,
            at=at,
            approved_by=approved_by,
        )
        self._emit(StepDone(inspection_id, Step.DIVERT, at, choice))
        self._parts.clear()
        people = tuple(j.view for j in self._state.people)
        return self._show(LaneState(last=(vehicle.plate, choice), last_people=people))

    def divert_with_leader(
        self, disposition: Disposition, reason: str, leader_name: str, pin: str
    ) -> LaneState:
        """Step 4 overridden by someone without the right, authorised at the lane by a leader
        who gives name and PIN (a wrong PIN counts towards their lock-out). The leader's
        authorisation is audited with both names; the divert then records the leader as the
        approver and the signed-in person as the one who diverted."""
        self._vehicle_under_way(Step.DIVERT)
        if not reason.strip():
            raise LaneError(LaneProblem.OVERRIDE_NEEDS_REASON)
        at = self.clock()
        with self.db.session() as s:
            lane = s.get(Lane, self.desk.lane_id)
            site = s.get(Site, lane.site_id) if lane is not None else None
            if site is None:
                raise LaneError(LaneProblem.WRONG_STEP, step=Step.DIVERT.value)
            leader = authenticate(s, site, leader_name, pin, at=at)
            if not allowed(Role(leader.role), Permission.OVERRIDE_DISPOSITION):
                s.commit()
                raise LaneError(LaneProblem.LEADER_NOT_ALLOWED, name=leader.name)
            audit.record(
                s,
                site.id,
                leader.id,
                "lane.override_authorised",
                str(self._state.inspection_id),
                {
                    "leader": leader.name,
                    "requested_by": self.staff.name,
                    "requested_by_id": str(self.staff.id),
                    "disposition": disposition.value,
                },
                at=at,
            )
            s.commit()
            s.expunge(leader)
        return self.divert(disposition, reason, approved_by=leader)
