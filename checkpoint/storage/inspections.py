"""The four-step routine for one vehicle (四步法): guide → verify → record → divert.

Each step is its own transaction: when a method returns, the step is in the database, so a
crash after the screen said "saved" loses nothing. Each step checks the staff member's
permission (re-read from the database, so a disabled account stops at once) and appends its
audit event in the same transaction. An inspection always belongs to exactly one
shift: the open shift whose window holds the moment the vehicle was guided in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from checkpoint.domain import CodeColour, Disposition, Occupant, Step, VehicleType, Verdict
from checkpoint.errors import CheckpointError, ShiftError
from checkpoint.leader import responses
from checkpoint.storage import audit
from checkpoint.storage.db import Database
from checkpoint.storage.models import (
    CredentialScan,
    Inspection,
    Lane,
    PersonCheck,
    Shift,
    StaffMember,
    utcnow,
)
from checkpoint.team.auth import Permission, require

if TYPE_CHECKING:
    from checkpoint.rules.policy import ResponsePlan


class InspectionError(CheckpointError):
    """A step that cannot be taken now (wrong order, finished inspection, missing reason)."""


@dataclass(frozen=True)
class ScanRecord:
    """What is kept of one QR scan: statuses and a fingerprint, never the raw payload."""

    format: str
    kind: str | None
    issuer: str | None
    signature: str
    validity: str
    fingerprint: str
    demo: bool = False
    errors: tuple[str, ...] = ()
    # The raw QR text; stored only if the desk was created with store_raw_payloads=True.
    payload: str | None = None


@dataclass(frozen=True)
class PersonEntry:
    """One driver or passenger's findings and the rules' verdict on them."""

    occupant: Occupant
    verdict: Verdict
    disposition: Disposition
    reasons: tuple[dict[str, str], ...] = ()
    report_to_community: bool = False
    code_colour: CodeColour | None = None
    temperature: float | None = None
    findings: dict[str, Any] = field(default_factory=dict)
    name_masked: str | None = None
    id_hash: str | None = None
    id_masked: str | None = None
    manual: bool = False
    scans: tuple[ScanRecord, ...] = ()


@dataclass(frozen=True)
class StepEvent:
    """Published after a step is committed: which inspection, which step, who, when."""

    inspection_id: uuid.UUID
    step: Step
    staff_id: uuid.UUID
    at: datetime


Listener = Callable[[StepEvent], None]


class PersonJudge(Protocol):
    """Judges a person afresh from their stored findings and the policy (the rules engine)."""

    @property
    def policy_version(self) -> str:
        """The policy the verdicts come from (``name-version``)."""

    def rejudge(
        self,
        entry: PersonEntry,
        *,
        seq: int,
        at: datetime,
        vehicle_type: VehicleType,
        plate: str,
    ) -> PersonEntry:
        """``entry`` with the verdict, disposition and reasons its findings give."""


def _same_judgement(a: PersonEntry, b: PersonEntry) -> bool:
    return (a.verdict, a.disposition, a.report_to_community) == (
        b.verdict,
        b.disposition,
        b.report_to_community,
    ) and [r.get("code") for r in a.reasons] == [r.get("code") for r in b.reasons]


class InspectionStore:
    """Records each step of each vehicle, committing before it returns."""

    def __init__(
        self,
        db: Database,
        lane_id: uuid.UUID,
        *,
        demo: bool = False,
        store_raw_payloads: bool = False,
        judge: PersonJudge | None = None,
        response_plan: ResponsePlan | None = None,
    ) -> None:
        self.db = db
        self.lane_id = lane_id
        self.demo = demo
        # The 136 plan of the policy the lane judges with; None: the configured policy's,
        # read (and cached by file time) at each divert.
        self.response_plan = response_plan
        # With a judge every person is judged here again from their findings, and an entry
        # whose verdict differs is refused: the store never trusts a verdict handed to it.
        self.judge = judge
        # The policy's store_raw_payloads flag; off, a scan's raw QR text is never written.
        self.store_raw_payloads = store_raw_payloads
        self._listeners: list[Listener] = []
        self._site_id: uuid.UUID | None = None

    def _site(self, s: Any) -> uuid.UUID:
        if self._site_id is None:
            lane: Lane | None = s.get(Lane, self.lane_id)
            if lane is None:
                raise InspectionError("This lane is not set up in the database.")
            self._site_id = lane.site_id
        return self._site_id

    @staticmethod
    def _actor(s: Any, staff: StaffMember, permission: Permission) -> StaffMember:
        """``staff`` as stored now, checked for ``permission``."""
        current: StaffMember | None = s.get(StaffMember, staff.id)
        if current is None:
            raise InspectionError(f"{staff.name} is not on this site's staff list.")
        require(current, permission)
        return current

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener`` after every committed step (the UI adapts it to a Qt signal)."""
        self._listeners.append(listener)

    def _publish(self, event: StepEvent) -> None:
        for listener in self._listeners:
            listener(event)

    def guide(
        self,
        shift_id: uuid.UUID,
        *,
        plate: str,
        vehicle_type: VehicleType,
        people_count: int,
        staff: StaffMember,
        origin: str | None = None,
        destination: str | None = None,
        at: datetime | None = None,
        started_at: datetime | None = None,
    ) -> uuid.UUID:
        """Step 1: a vehicle is waved into the lane. Returns the new inspection's id.

        ``at`` is when the guide step is done (it decides the shift); ``started_at``, when the
        guide began on this vehicle (first input), gives the step its duration.
        """
        at = at or utcnow()
        if started_at is not None and started_at > at:
            started_at = at
        if people_count < 1:
            raise InspectionError("A vehicle carries at least one person (the driver).")
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            shift = s.get(Shift, shift_id)
            if shift is None:
                raise ShiftError("That shift does not exist.")
            if shift.closed_at is not None:
                raise ShiftError("That shift is closed; open the current shift first.")
            if not shift.starts_at <= at < shift.ends_at:
                raise ShiftError(
                    f"{at.isoformat()} lies outside shift {shift.duty_date} #{shift.slot_number}; "
                    "the current shift must be opened first."
                )
            row = Inspection(
                id=uuid.uuid4(),
                shift_id=shift.id,
                lane_id=self.lane_id,
                plate=plate,
                vehicle_type=vehicle_type.value,
                people_count=people_count,
                origin=origin,
                destination=destination,
                created_at=at,
                guide_started_at=started_at,
                guide_at=at,
                guide_by_id=staff.id,
                step=Step.VERIFY.value,
                demo=self.demo,
            )
            s.add(row)
            new_id = row.id
            audit.defer(
                s,
                shift.site_id,
                audit.NewEvent(
                    "inspection.guide",
                    str(new_id),
                    {"shift": str(shift.id), "lane": str(self.lane_id), "people": people_count},
                    staff.id,
                    at=at,
                ),
            )
        self._publish(StepEvent(new_id, Step.GUIDE, staff.id, at))
        return new_id

    def add_person(
        self,
        inspection_id: uuid.UUID,
        entry: PersonEntry,
        *,
        staff: StaffMember,
        at: datetime | None = None,
    ) -> uuid.UUID:
        """During verify: one more person checked, with their scans. Returns the person's id.

        ``staff`` (the inspector) is checked and named in the audit trail.
        """
        at = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            insp = self._open(s, inspection_id, Step.VERIFY)
            seq = max((p.seq for p in insp.people), default=0) + 1
            entry = self._checked(insp, entry, seq, at)
            person = PersonCheck(
                id=uuid.uuid4(),
                inspection_id=insp.id,
                seq=seq,
                occupant=entry.occupant.value,
                name_masked=entry.name_masked,
                id_hash=entry.id_hash,
                id_masked=entry.id_masked,
                code_colour=entry.code_colour.value if entry.code_colour else None,
                temperature=entry.temperature,
                findings=dict(entry.findings),
                verdict=entry.verdict.value,
                reasons=[dict(r) for r in entry.reasons],
                disposition=entry.disposition.value,
                report_to_community=entry.report_to_community,
                manual=entry.manual,
                created_at=at,
            )
            insp.people.append(person)
            for scan in entry.scans:
                s.add(_scan_row(insp.id, person.id, scan, at, self.store_raw_payloads))
            person_id = person.id
            audit.defer(
                s,
                self._site(s),
                audit.NewEvent(
                    "inspection.person",
                    str(insp.id),
                    {
                        "seq": seq,
                        "person": str(person_id),
                        "verdict": entry.verdict.value,
                        "scans": len(entry.scans),
                        "policy": self._policy_version(),
                    },
                    staff.id,
                    at=at,
                ),
            )
        return person_id

    def _policy_version(self) -> str | None:
        return self.judge.policy_version if self.judge is not None else None

    def _checked(
        self, insp: Inspection, entry: PersonEntry, seq: int, at: datetime
    ) -> PersonEntry:
        """``entry`` as the judge sees it; InspectionError if the caller's verdict differs."""
        if self.judge is None:
            return entry
        derived = self.judge.rejudge(
            entry, seq=seq, at=at, vehicle_type=VehicleType(insp.vehicle_type), plate=insp.plate
        )
        if not _same_judgement(entry, derived):
            raise InspectionError(
                f"The verdict handed in for person {seq} ({entry.disposition.value}) is not what "
                f"their findings give ({derived.disposition.value}); nothing was saved."
            )
        return derived

    def finish_verify(
        self,
        inspection_id: uuid.UUID,
        *,
        suggested: Disposition | None = None,
        reasons: Sequence[dict[str, Any]] | None = None,
        report_to_community: bool | None = None,
        policy_version: str | None = None,
        staff: StaffMember,
        at: datetime | None = None,
        people_required: bool = False,
    ) -> Disposition:
        """Step 2 done. Returns the suggested disposition, derived here from the stored people:
        the most severe of theirs. A caller's ``suggested`` that differs is refused.

        ``people_required``: every announced person must have been checked first.
        """
        at = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            insp = self._open(s, inspection_id, Step.VERIFY)
            at = _in_order(s, insp, at, self._site(s))
            if not insp.people:
                raise InspectionError("Check at least the driver before finishing verification.")
            if people_required and len(insp.people) < insp.people_count:
                missing = insp.people_count - len(insp.people)
                raise InspectionError(f"{missing} more person(s) must be checked first.")
            derived = derived_suggestion(insp)
            if suggested is not None and suggested is not derived:
                raise InspectionError(
                    f"The suggestion handed in ({suggested.value}) is not what the stored "
                    f"findings give ({derived.value}); nothing was saved."
                )
            people_report = any(p.report_to_community for p in insp.people) and (
                derived.severity <= Disposition.ESCORT.severity
            )
            insp.suggested_disposition = derived.value
            insp.reasons = [dict(r) for r in reasons] if reasons is not None else _reasons_of(insp)
            insp.report_to_community = (
                people_report if report_to_community is None else report_to_community
            )
            insp.policy_version = policy_version or self._policy_version()
            insp.verify_at = at
            insp.verify_by_id = staff.id
            insp.step = Step.RECORD.value
            audit.defer(
                s,
                self._site(s),
                audit.NewEvent(
                    "inspection.verify",
                    str(insp.id),
                    {
                        "suggested": derived.value,
                        "people": len(insp.people),
                        "policy": insp.policy_version,
                    },
                    staff.id,
                    at=at,
                ),
            )
        self._publish(StepEvent(inspection_id, Step.VERIFY, staff.id, at))
        return derived

    def record(
        self, inspection_id: uuid.UUID, *, staff: StaffMember, at: datetime | None = None
    ) -> None:
        """Step 3: the recorder confirms the ledger entry (工作台账)."""
        at = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            insp = self._open(s, inspection_id, Step.RECORD)
            at = _in_order(s, insp, at, self._site(s))
            insp.record_at = at
            insp.record_by_id = staff.id
            insp.step = Step.DIVERT.value
            audit.defer(
                s,
                self._site(s),
                audit.NewEvent(
                    "inspection.record",
                    str(insp.id),
                    {"policy": insp.policy_version},
                    staff.id,
                    at=at,
                ),
            )
        self._publish(StepEvent(inspection_id, Step.RECORD, staff.id, at))

    def reopen_verify(
        self,
        inspection_id: uuid.UUID,
        *,
        staff: StaffMember,
        reason: str,
        at: datetime | None = None,
    ) -> None:
        """Back from record to verify: a correction (plate, vehicle type, head-count) changed
        what the people are judged against, so the suggestion must be made again."""
        at = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            insp = self._open(s, inspection_id, Step.RECORD)
            previous = insp.suggested_disposition
            insp.step = Step.VERIFY.value
            insp.verify_at = None
            insp.verify_by_id = None
            insp.suggested_disposition = None
            audit.defer(
                s,
                self._site(s),
                audit.NewEvent(
                    "inspection.reopen_verify",
                    str(insp.id),
                    {"reason": reason, "previous_suggestion": previous},
                    staff.id,
                    at=at,
                ),
            )

    def divert(
        self,
        inspection_id: uuid.UUID,
        disposition: Disposition,
        *,
        staff: StaffMember,
        override_reason: str | None = None,
        at: datetime | None = None,
        approved_by: StaffMember | None = None,
    ) -> None:
        """Step 4: where the vehicle goes. Differing from the suggestion needs a reason.

        An override also needs someone allowed to override (组长 or 点长): ``staff`` themselves
        or ``approved_by``, the leader who authorised it.
        """
        at = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            insp = self._open(s, inspection_id, Step.DIVERT)
            if insp.people and insp.suggested_disposition != derived_suggestion(insp).value:
                raise InspectionError(
                    f"The stored suggestion ({insp.suggested_disposition}) is not what the "
                    f"stored findings give ({derived_suggestion(insp).value}); "
                    "verify this vehicle again."
                )
            at = _in_order(s, insp, at, self._site(s))
            overridden = insp.suggested_disposition != disposition.value
            reason = (override_reason or "").strip()
            if overridden and not reason:
                suggested = Disposition(insp.suggested_disposition or "release")
                raise InspectionError(
                    f"Choosing {disposition.zh} instead of the suggested {suggested.zh} "
                    "needs a reason."
                )
            approver = None
            if overridden:
                approver = self._actor(s, approved_by or staff, Permission.OVERRIDE_DISPOSITION)
            insp.final_disposition = disposition.value
            insp.override_reason = reason if overridden else None
            insp.override_by_id = approver.id if approver else None
            insp.divert_at = at
            insp.divert_by_id = staff.id
            insp.status = "done"
            responses.start_if_needed(s, insp, at=at, by=staff.id, plan=self.response_plan)
            site_id = self._site(s)
            facts = {"suggested": insp.suggested_disposition, "final": disposition.value}
            if approver is not None:
                override = audit.NewEvent("inspection.override", str(insp.id), facts, approver.id)
                audit.defer(s, site_id, replace(override, at=at))
            detail = {"disposition": disposition.value, "policy": insp.policy_version}
            audit.defer(
                s, site_id, audit.NewEvent("inspection.divert", str(insp.id), detail, staff.id, at)
            )
        self._publish(StepEvent(inspection_id, Step.DIVERT, staff.id, at))

    def unfinished(self, shift_id: uuid.UUID) -> Inspection | None:
        """This lane's inspection left open in ``shift_id`` (resume after a restart)."""
        with self.db.session() as s:
            return s.scalars(
                select(Inspection)
                .where(
                    Inspection.shift_id == shift_id,
                    Inspection.lane_id == self.lane_id,
                    Inspection.status == "open",
                )
                .order_by(Inspection.created_at.desc())
            ).first()

    def unfinished_on_lane(self) -> Inspection | None:
        """This lane's latest open inspection, whatever its shift: a vehicle under way at a
        handover is finished by the incoming team."""
        with self.db.session() as s:
            return s.scalars(
                select(Inspection)
                .options(selectinload(Inspection.people))
                .where(Inspection.lane_id == self.lane_id, Inspection.status == "open")
                .order_by(Inspection.created_at.desc())
            ).first()

    def update_person(
        self,
        inspection_id: uuid.UUID,
        person_id: uuid.UUID,
        entry: PersonEntry,
        *,
        staff: StaffMember,
        new_scans: Sequence[ScanRecord] = (),
        at: datetime | None = None,
    ) -> None:
        """During verify: a person's findings changed (another code, a reading by eye, the
        temperature). Replaces their findings and verdict and keeps the new scans.

        ``staff`` (the inspector) is checked and named in the audit trail."""
        at = at or utcnow()
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            insp = self._open(s, inspection_id, Step.VERIFY)
            person = next((p for p in insp.people if p.id == person_id), None)
            if person is None:
                raise InspectionError("That person is not part of this inspection.")
            entry = self._checked(insp, entry, person.seq, at)
            previous = person.verdict
            person.occupant = entry.occupant.value
            person.name_masked = entry.name_masked
            if entry.id_hash is not None:
                person.id_hash = entry.id_hash
                person.id_masked = entry.id_masked
            person.code_colour = entry.code_colour.value if entry.code_colour else None
            person.temperature = entry.temperature
            person.findings = dict(entry.findings)
            person.verdict = entry.verdict.value
            person.reasons = [dict(r) for r in entry.reasons]
            person.disposition = entry.disposition.value
            person.report_to_community = entry.report_to_community
            person.manual = entry.manual
            for scan in new_scans:
                s.add(_scan_row(insp.id, person.id, scan, at, self.store_raw_payloads))
            audit.defer(
                s,
                self._site(s),
                audit.NewEvent(
                    "inspection.person_change",
                    str(insp.id),
                    {
                        "seq": person.seq,
                        "person": str(person.id),
                        "previous": previous,
                        "verdict": entry.verdict.value,
                        "scans": len(new_scans),
                        "policy": self._policy_version(),
                    },
                    staff.id,
                    at=at,
                ),
            )

    def remove_person(
        self,
        inspection_id: uuid.UUID,
        person_id: uuid.UUID,
        *,
        reason: str,
        staff: StaffMember,
        at: datetime | None = None,
    ) -> None:
        """During verify: a row added by mistake goes, with a reason; its scans go with it."""
        at = at or utcnow()
        why = reason.strip()
        if not why:
            raise InspectionError("Removing a person needs a reason.")
        with self.db.session() as s:
            self._actor(s, staff, Permission.RUN_INSPECTION)
            insp = self._open(s, inspection_id, Step.VERIFY)
            person = next((p for p in insp.people if p.id == person_id), None)
            if person is None:
                raise InspectionError("That person is not part of this inspection.")
            scans = s.scalars(
                select(CredentialScan).where(CredentialScan.person_check_id == person.id)
            ).all()
            for scan in scans:
                s.delete(scan)
            seq, verdict = person.seq, person.verdict
            insp.people.remove(person)
            audit.defer(
                s,
                self._site(s),
                audit.NewEvent(
                    "inspection.person_remove",
                    str(insp.id),
                    {
                        "seq": seq,
                        "person": str(person_id),
                        "verdict": verdict,
                        "scans": len(scans),
                        "reason": why,
                    },
                    staff.id,
                    at=at,
                ),
            )

    def snapshot(self, inspection_id: uuid.UUID) -> Inspection:
        """The inspection with its people loaded, detached (for showing or resuming)."""
        with self.db.session() as s:
            return load_with_people(s, inspection_id)

    @staticmethod
    def _open(s: Any, inspection_id: uuid.UUID, step: Step) -> Inspection:
        insp: Inspection | None = s.get(Inspection, inspection_id)
        if insp is None:
            raise InspectionError("That inspection does not exist.")
        if insp.status != "open":
            raise InspectionError("That inspection is already finished.")
        if insp.step != step.value:
            current = Step(insp.step)
            raise InspectionError(
                f"This vehicle is at step {current.zh} ({current.en}), not {step.zh} ({step.en})."
            )
        return insp


def _in_order(s: Session, insp: Inspection, at: datetime, site_id: uuid.UUID) -> datetime:
    """The step's time, never earlier than the step before it: a time that runs backwards (a
    lane clock set back, a wrong time given) is clamped to the previous step's and flagged in
    the audit trail (``inspection.clock_back``), so no step lasts less than nothing."""
    before = max((t for t in (insp.guide_at, insp.verify_at, insp.record_at) if t), default=None)
    if before is None or at >= before:
        return at
    back = {"seconds": round((before - at).total_seconds(), 3)}
    audit.defer(s, site_id, audit.NewEvent("inspection.clock_back", str(insp.id), back, at=before))
    return before


def _scan_row(
    inspection_id: uuid.UUID,
    person_id: uuid.UUID | None,
    scan: ScanRecord,
    at: datetime,
    keep_payload: bool = False,
) -> CredentialScan:
    return CredentialScan(
        id=uuid.uuid4(),
        inspection_id=inspection_id,
        person_check_id=person_id,
        scanned_at=at,
        format=scan.format,
        kind=scan.kind,
        issuer=scan.issuer,
        signature=scan.signature,
        validity=scan.validity,
        fingerprint=scan.fingerprint,
        demo=scan.demo,
        errors=list(scan.errors),
        payload=scan.payload if keep_payload else None,
    )


def derived_suggestion(insp: Inspection) -> Disposition:
    """The vehicle's suggestion from its stored people: the most severe of theirs."""
    return Disposition.most_severe(
        [Disposition(p.disposition or Disposition.RELEASE.value) for p in insp.people]
    )


def _reasons_of(insp: Inspection) -> list[dict[str, Any]]:
    """The vehicle's reasons from its stored people: every problem, naming its person."""
    out: list[dict[str, Any]] = []
    for p in insp.people:
        if p.verdict == Verdict.PASS.value:
            continue
        out.extend({**dict(r), "person": p.seq} for r in p.reasons or ())
    return out


def load_with_people(session: Session, inspection_id: uuid.UUID) -> Inspection:
    """One inspection with its people loaded; InspectionError if there is no such inspection."""
    insp = session.scalars(
        select(Inspection)
        .options(selectinload(Inspection.people))
        .where(Inspection.id == inspection_id)
    ).first()
    if insp is None:
        raise InspectionError("That inspection does not exist.")
    return insp
