"""Corrections after the fact (事后更正): a leader changes a finished record, the core re-judges it.

A shift leader (组长) or the point chief (CORRECT_RECORD) may change the plate, vehicle type,
head-count, origin, destination, the disposition, or one finding of one person (code colour,
temperature, test, itinerary star) of any finished record younger than the policy's
``ledger.correction_days``. The record is then judged again by the rules engine with the policy
in force, from the stored findings: nobody hands in a verdict. Every value that changed, the
one asked for and the ones the re-judging moved (the suggestion, 落地报备, the override), is
kept as a :class:`~checkpoint.storage.models.Correction` with its old and new value, who and why, so
the original stays visible; the whole change is one audit event. A correction that makes the
vehicle a 136 case starts its response.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.credentials.claims import NucleicAcidTest, TestResult
from checkpoint.credentials.trust import TrustStore
from checkpoint.domain import CodeColour, Disposition, Occupant, VehicleType
from checkpoint.errors import CheckpointError, Problem
from checkpoint.lane.findings import ManualReading, PersonDraft, draft_from_json
from checkpoint.lane.judging import Judged, Verifier, vehicle_reasons
from checkpoint.leader import responses
from checkpoint.rules.policy import Policy
from checkpoint.rules.risk_areas import RiskArea
from checkpoint.rules.risk_areas import load as load_risk_areas
from checkpoint.storage import audit
from checkpoint.storage.db import Database
from checkpoint.storage.inspections import load_with_people
from checkpoint.storage.ledger import CORRECTABLE, CorrectionError, clean_value
from checkpoint.storage.models import (
    Correction,
    Inspection,
    PersonCheck,
    Shift,
    StaffMember,
    utcnow,
)
from checkpoint.team.auth import Permission, require

VEHICLE_FIELDS = (*CORRECTABLE, "disposition")
PERSON_FIELDS = ("code_colour", "temperature", "test", "itinerary_star")
_PERSON_FIELD = re.compile(r"^person\.(\d{1,2})\.([a-z_]+)$")
_YES = {"yes", "true", "1", "是", "有"}
_NO = {"no", "false", "0", "否", "无"}
_NONE = {"none", "无", "未做", "-"}


def field_help() -> str:
    """The fields a correction may name, for messages and ``--help``."""
    return (
        f"{', '.join(VEHICLE_FIELDS)}, or person.N.FIELD with FIELD one of "
        f"{', '.join(PERSON_FIELDS)} (N: the person's number, 1 = the driver)"
    )


@dataclass(frozen=True)
class FieldChange:
    """One stored value that changed: the field, old → new."""

    field: str
    old_value: str | None
    new_value: str | None


@dataclass(frozen=True)
class CorrectionOutcome:
    """What a correction did: the change asked for, what the re-judging moved, the response."""

    inspection_id: uuid.UUID
    requested: FieldChange
    derived: tuple[FieldChange, ...]
    suggested: Disposition | None
    final: Disposition | None
    response_started: bool


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _disposition(value: str) -> Disposition:
    try:
        return Disposition.from_text(value)
    except ValueError as exc:
        raise CorrectionError(f"Disposition: {exc}.") from None


def _colour(value: str) -> CodeColour:
    text = value.strip()
    for c in CodeColour:
        if text in (c.zh[0], c.zh[:1] + "色"):
            return c
    try:
        return CodeColour.from_text(text)
    except ValueError as exc:
        raise CorrectionError(f"Code colour: {exc}.") from None


def _temperature(value: str) -> float:
    try:
        t = float(value.strip().rstrip("℃°C "))
    except ValueError:
        raise CorrectionError(f"Temperature {value.strip()!r} is not a number like 36.8.") from None
    if not 30.0 <= t <= 45.0:
        raise CorrectionError(f"Temperature {t:g} °C is outside 30–45 °C.")
    return round(t, 1)


def _test(value: str, at: datetime) -> NucleicAcidTest | None:
    text = value.strip().lower()
    if text in _NONE:
        return None
    if text in ("positive", "阳性"):
        return NucleicAcidTest(at, TestResult.POSITIVE, "correction")
    m = re.fullmatch(r"(?:negative|阴性)\s*[:：]\s*(\d{1,3})", text)
    if m is None:
        raise CorrectionError(
            f"Test {value.strip()!r}: write negative:HOURS (e.g. negative:20), positive or none."
        )
    return NucleicAcidTest(at - timedelta(hours=int(m.group(1))), TestResult.NEGATIVE, "correction")


def _describe_test(test: NucleicAcidTest | None, at: datetime) -> str:
    if test is None:
        return "none"
    if test.result is TestResult.POSITIVE:
        return "positive"
    return f"negative:{max(0, int((at - test.sample_time).total_seconds() // 3600))}"


def _star(value: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CorrectionError(f"Itinerary star {value.strip()!r}: write yes or no.")


@dataclass(frozen=True)
class CorrectionAsk:
    """A correction as asked: which record, which field and its new value, why, by whom, when
    (default now), and the server's request it carries out when another lane asked for it."""

    inspection_id: uuid.UUID
    field: str
    value: str
    reason: str
    staff: StaffMember
    at: datetime | None = None
    request_id: uuid.UUID | None = None


class Corrector:
    """Corrects finished records with one policy and risk-area list, re-judging each."""

    def __init__(
        self,
        db: Database,
        policy: Policy,
        risk_areas: tuple[RiskArea, ...] = (),
        *,
        settings: Settings | None = None,
    ) -> None:
        self.db = db
        self.policy = policy
        # Judging reads stored findings only; no QR text is verified again, so no trust store.
        self.verifier = Verifier(policy, TrustStore(), risk_areas, settings=settings)

    @classmethod
    def from_settings(cls, db: Database, settings: Settings) -> Corrector:
        """The configured policy and today's risk areas."""
        areas = load_risk_areas(settings.data_dir).areas
        return cls(db, Policy.load(settings.policy_file), tuple(areas), settings=settings)

    def correct(
        self,
        inspection_id: uuid.UUID,
        field: str,
        value: str,
        *,
        reason: str,
        staff: StaffMember,
        at: datetime | None = None,
        request_id: uuid.UUID | None = None,
    ) -> CorrectionOutcome:
        """Change ``field`` of a finished record to ``value`` and judge the record again.

        CorrectionError for an unknown field, a bad value, no reason, an open, purged or too
        old record; PermissionDenied unless ``staff`` may correct records. ``request_id`` names
        the server's correction request (made at another lane) this carries out.
        """
        ask = CorrectionAsk(inspection_id, field, value, reason, staff, at, request_id)
        with self.db.session() as s:
            return self.correct_in(s, ask)

    def correct_in(self, s: Session, ask: CorrectionAsk) -> CorrectionOutcome:
        """:meth:`correct` inside the caller's session ``s`` (commit or roll back is the
        caller's: the server checks a request from another lane this way and rolls back)."""
        inspection_id, field, value, staff = ask.inspection_id, ask.field, ask.value, ask.staff
        request_id, at = ask.request_id, ask.at
        why = ask.reason.strip()
        if not why:
            raise CorrectionError(
                "A correction needs a reason (更正需填写原因).",
                code=Problem.CORRECTION_NEEDS_REASON,
            )
        now = at or utcnow()
        person_match = _PERSON_FIELD.match(field.strip())
        if field not in VEHICLE_FIELDS and person_match is None:
            raise CorrectionError(f"{field!r} cannot be corrected; fields: {field_help()}.")
        actor = s.get(StaffMember, staff.id)
        if actor is None:
            raise CheckpointError(
                f"{staff.name} is not on this site's staff list.",
                code=Problem.NOT_ON_STAFF, name=staff.name,
            )
        require(actor, Permission.CORRECT_RECORD)
        insp = load_with_people(s, inspection_id)
        self._check_correctable(insp, now)
        before = _derived_state(insp)
        drafts = [_draft(p) for p in insp.people]
        judged_at = insp.verify_at or insp.created_at
        if person_match is not None:
            requested = self._change_person(insp, drafts, person_match, value, judged_at)
        else:
            requested = self._change_vehicle(insp, field, value)
        self._rejudge(insp, drafts, judged_at)
        if field == "disposition":
            _settle_override(insp, why, actor.id)
            if insp.override_reason is not None:
                require(actor, Permission.OVERRIDE_DISPOSITION)
        derived = _changes(before, _derived_state(insp))
        for change in (requested, *derived):
            s.add(
                Correction(
                    inspection_id=insp.id,
                    field=change.field,
                    old_value=change.old_value,
                    new_value=change.new_value,
                    reason=why,
                    staff_id=actor.id,
                    at=now,
                    request_id=request_id,
                )
            )
        started = responses.start_if_needed(
            s,
            insp,
            at=now,
            by=actor.id,
            plan=self.policy.response,
            suggestion=any(c.field == "suggested_disposition" for c in derived),
        )
        shift = s.get(Shift, insp.shift_id)
        assert shift is not None
        audit.record(
            s,
            shift.site_id,
            actor.id,
            "inspection.correct",
            str(insp.id),
            {
                "field": requested.field,
                "derived": [c.field for c in derived],
                "response": started is not None,
                **({"request": str(request_id)} if request_id is not None else {}),
            },
            at=now,
        )
        return CorrectionOutcome(
            inspection_id=insp.id,
            requested=requested,
            derived=tuple(derived),
            suggested=Disposition(insp.suggested_disposition)
            if insp.suggested_disposition
            else None,
            final=Disposition(insp.final_disposition) if insp.final_disposition else None,
            response_started=started is not None,
        )

    def _check_correctable(self, insp: Inspection, now: datetime) -> None:
        if insp.status != "done":
            raise CorrectionError(
                "This vehicle is still being inspected; the recorder corrects it at the lane."
            )
        if insp.purged_at is not None:
            raise CorrectionError(
                "This record's personal data was purged under the retention rule; "
                "it can no longer be corrected."
            )
        days = self.policy.correction_window.days
        if insp.created_at < now - self.policy.correction_window:
            raise CorrectionError(
                f"Records older than {days} days cannot be corrected "
                f"(policy ledger.correction_days); this one is from "
                f"{insp.created_at.date().isoformat()}."
            )

    @staticmethod
    def _change_vehicle(insp: Inspection, field: str, value: str) -> FieldChange:
        new: str | int | None
        if field == "disposition":
            old: object = insp.final_disposition
            new = _disposition(value).value
            insp.final_disposition = new
        else:
            old = getattr(insp, field)
            new = clean_value(field, value)
            setattr(insp, field, new)
        if old == new:
            raise CorrectionError(
                "The new value is the same as the saved one.", code=Problem.CORRECTION_SAME
            )
        return FieldChange(field, _text(old), _text(new))

    def _change_person(
        self,
        insp: Inspection,
        drafts: list[PersonDraft],
        match: re.Match[str],
        value: str,
        at: datetime,
    ) -> FieldChange:
        seq, name = int(match.group(1)), match.group(2)
        field = f"person.{seq}.{name}"
        if name not in PERSON_FIELDS:
            raise CorrectionError(f"{field!r} cannot be corrected; fields: {field_help()}.")
        if not 1 <= seq <= len(drafts):
            counted = (
                f"has {len(drafts)} people checked"
                if drafts
                else "has no people checked (a paper-ledger entry)"
            )
            raise CorrectionError(f"There is no person {seq}: this record {counted}.")
        draft = drafts[seq - 1]
        seen = self.verifier.findings(draft, at, insp.plate)
        manual = draft.manual or ManualReading()
        old: object
        new: object
        if name == "code_colour":
            colour = _colour(value)
            old, new = seen.code_colour.value if seen.code_colour else None, colour.value
            draft = replace(
                draft,
                facts=replace(draft.facts, code_colour=colour, code_time=None),
                manual=replace(manual, code_colour=colour),
            )
        elif name == "temperature":
            old, new = draft.temperature, _temperature(value)
            draft = replace(draft, temperature=float(new))
        elif name == "test":
            test = _test(value, at)
            old, new = _describe_test(seen.test, at), _describe_test(test, at)
            draft = replace(
                draft,
                facts=replace(draft.facts, test=test),
                manual=replace(manual, test_hours=None),
            )
        else:
            star = _star(value)
            starred = bool(seen.itinerary_star) or any(p.mark for p in seen.places or ())
            old, new = starred, star
            places = draft.facts.places
            if not star and places is not None:
                places = tuple(replace(p, mark=None) for p in places)
            draft = replace(
                draft,
                facts=replace(draft.facts, places=places),
                manual=replace(manual, itinerary_star=star),
            )
        if _text(old) == _text(new):
            raise CorrectionError(
                "The new value is the same as the saved one.", code=Problem.CORRECTION_SAME
            )
        drafts[seq - 1] = draft
        return FieldChange(field, _text(old), _text(new))

    def _rejudge(self, insp: Inspection, drafts: list[PersonDraft], at: datetime) -> None:
        """Judge every person again and the vehicle from them; a record without people (a
        paper-ledger entry) keeps the disposition written on paper."""
        if not insp.people:
            return
        vehicle_type = VehicleType(insp.vehicle_type)
        judged: list[Judged] = []
        for person, draft in zip(insp.people, drafts, strict=True):
            j = self.verifier.judge(draft, person.seq, at, vehicle_type, insp.plate)
            _store_person(person, j)
            judged.append(j)
        vehicle = self.verifier.vehicle([j.assessment for j in judged])
        insp.suggested_disposition = vehicle.disposition.value
        insp.reasons = vehicle_reasons(judged)
        insp.report_to_community = vehicle.report_to_community
        insp.policy_version = self.policy.version_label


def _draft(person: PersonCheck) -> PersonDraft:
    return draft_from_json(
        person.findings or {},
        occupant=Occupant(person.occupant),
        holder=person.name_masked,
        temperature=person.temperature,
        person_id=person.id,
    )


def _store_person(person: PersonCheck, judged: Judged) -> None:
    entry = judged.entry
    person.verdict = entry.verdict.value
    person.disposition = entry.disposition.value
    person.reasons = [dict(r) for r in entry.reasons]
    person.report_to_community = entry.report_to_community
    person.code_colour = entry.code_colour.value if entry.code_colour else None
    person.temperature = entry.temperature
    person.findings = dict(entry.findings)
    person.manual = entry.manual


_DERIVED = ("suggested_disposition", "report_to_community", "override_reason")


def _derived_state(insp: Inspection) -> dict[str, str | None]:
    return {name: _text(getattr(insp, name)) for name in _DERIVED}


def _changes(before: dict[str, str | None], after: dict[str, str | None]) -> list[FieldChange]:
    return [FieldChange(k, before[k], after[k]) for k in _DERIVED if before[k] != after[k]]


def _settle_override(insp: Inspection, reason: str, by: uuid.UUID) -> None:
    """A corrected disposition other than the suggestion is an override with this reason."""
    if insp.suggested_disposition is not None and (
        insp.final_disposition != insp.suggested_disposition
    ):
        insp.override_reason = reason
        insp.override_by_id = by
    else:
        insp.override_reason = None
        insp.override_by_id = None
