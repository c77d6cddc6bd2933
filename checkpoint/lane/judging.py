"""The verify step's judging (核验): one scan or one manual reading → a judged person.

Qt-free. A QR text goes through :func:`verify_payload`, its trusted facts are merged into the
person it belongs to (:mod:`checkpoint.lane.findings`), the rules engine judges the person, and
the result comes out as a :class:`PersonEntry` to save and a :class:`PersonView` to show. What
the inspector reads off a phone that cannot be verified offline (colour, star, test hours) and
the temperature go through the same rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from checkpoint.config import Settings
from checkpoint.credentials import (
    CredentialFormat,
    CredentialResult,
    NucleicAcidTest,
    RiskMark,
    TestResult,
    verify_payload,
)
from checkpoint.credentials.trust import TrustStore
from checkpoint.domain import CodeColour, Disposition, Occupant, VehicleType, Verdict
from checkpoint.lane.findings import PersonDraft, draft_from_json, draft_to_json, merge_facts
from checkpoint.privacy import mask_name
from checkpoint.rules.policy import Policy
from checkpoint.rules.risk_areas import RiskArea
from checkpoint.rules.risk_areas import load as load_risk_areas
from checkpoint.rules.verdicts import (
    PersonAssessment,
    PersonFindings,
    Reason,
    VehicleAssessment,
    evaluate_person,
    evaluate_vehicle,
    findings_from_credentials,
)
from checkpoint.storage.inspections import PersonEntry, ScanRecord


@dataclass(frozen=True)
class PersonView:
    """What a person row on screen shows; texts in both languages come from the rules."""

    seq: int
    occupant: Occupant
    holder: str | None
    code_colour: CodeColour | None
    itinerary_star: bool | None
    itinerary_checked: bool
    test_hours: int | None
    temperature: float | None
    verdict: Verdict
    disposition: Disposition
    reasons: tuple[Reason, ...]
    demo: bool
    unreadable: bool
    needs_manual: bool
    manual: bool

    def problems(self) -> tuple[Reason, ...]:
        """The reasons that are not a pass: what the banner and the row explain."""
        return tuple(r for r in self.reasons if r.verdict is not Verdict.PASS)


@dataclass(frozen=True)
class Judged:
    """A person draft with its assessment, the entry to save and the row to show."""

    draft: PersonDraft
    assessment: PersonAssessment
    entry: PersonEntry
    view: PersonView


class Verifier:
    """Turns scans and manual readings into judged persons, with one policy and trust store."""

    def __init__(
        self,
        policy: Policy,
        trust: TrustStore,
        risk_areas: Sequence[RiskArea] = (),
        *,
        demo: bool = False,
        settings: Settings | None = None,
    ) -> None:
        self.policy = policy
        self.trust = trust
        self.risk_areas = tuple(risk_areas)
        self.demo = demo
        self.tz = settings.tz if settings is not None else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Verifier:
        """The configured policy, the data dir's trust store and today's risk areas."""
        policy = Policy.load(settings.policy_file)
        trust = TrustStore.from_settings(settings)
        areas = load_risk_areas(settings.data_dir).areas
        return cls(policy, trust, areas, demo=settings.demo, settings=settings)

    # -- one code -----------------------------------------------------------------------------

    def read(self, text: str, at: datetime) -> CredentialResult:
        """Verify one QR text offline (never raises)."""
        return verify_payload(
            text, self.trust, at, demo=self.demo, clock_skew=self.policy.clock_skew
        )

    @staticmethod
    def holder_of(result: CredentialResult) -> str | None:
        """Whose credential this is, as far as it says, trusted or not: always masked (张*),
        because it is shown on screen and stored with the person (an EU DCC carries the full
        name)."""
        holder: object = None
        if result.content is not None and result.content.holder:
            holder = result.content.holder
        elif result.fields:
            holder = result.fields.get("holder")
        return mask_name(holder) if isinstance(holder, str) and holder.strip() else None

    def add_credential(self, draft: PersonDraft, result: CredentialResult) -> PersonDraft:
        """``draft`` with one more credential: its trusted facts merged into the person's."""
        facts = merge_facts(draft.facts, findings_from_credentials([result]))
        return replace(
            draft,
            credentials=(*draft.credentials, result),
            facts=facts,
            holder=draft.holder or self.holder_of(result),
        )

    # -- judging ------------------------------------------------------------------------------

    def findings(self, draft: PersonDraft, at: datetime, plate: str | None) -> PersonFindings:
        """The facts the rules judge: trusted content, then what was read by eye on top."""
        f = replace(
            draft.facts,
            credentials=draft.credentials,
            manual=draft.manual is not None,
            temperature_c=draft.temperature,
            plate=plate,
            code_shared=draft.code_shared,
        )
        m = draft.manual
        if m is not None:
            if m.code_colour is not None and f.code_colour is None:
                f = replace(f, code_colour=m.code_colour)
            if m.itinerary_star is not None:
                f = replace(f, itinerary_star=m.itinerary_star)
            if f.test is None and m.test_hours is not None:
                sample = at - timedelta(hours=m.test_hours)
                f = replace(f, test=NucleicAcidTest(sample, TestResult.NEGATIVE, "manual"))
        return f

    def judge(
        self,
        draft: PersonDraft,
        seq: int,
        at: datetime,
        vehicle_type: VehicleType,
        plate: str | None,
    ) -> Judged:
        """Assess ``draft`` as person number ``seq`` of the vehicle."""
        findings = self.findings(draft, at, plate)
        kwargs: dict[str, Any] = {"occupant": draft.occupant}
        if self.tz is not None:
            kwargs["tz"] = self.tz
        assessment = evaluate_person(
            findings, self.policy, at, vehicle_type, self.risk_areas, **kwargs
        )
        entry = PersonEntry(
            occupant=draft.occupant,
            verdict=assessment.verdict,
            disposition=assessment.disposition,
            reasons=tuple(reason_dict(r) for r in assessment.reasons),
            report_to_community=assessment.report_to_community,
            code_colour=findings.code_colour,
            temperature=draft.temperature,
            findings={**draft_to_json(draft), "policy": self.policy.version_label},
            name_masked=draft.holder,
            id_hash=draft.id_hash,
            id_masked=draft.id_masked,
            manual=draft.manual is not None,
            scans=tuple(scan_record(c) for c in draft.credentials),
        )
        test_hours = None
        if findings.test is not None:
            test_hours = max(0, int((at - findings.test.sample_time).total_seconds() // 3600))
        star = findings.itinerary_star
        if findings.places is not None:
            star = bool(star) or any(p.mark is RiskMark.STAR for p in findings.places)
        view = PersonView(
            seq=seq,
            occupant=draft.occupant,
            holder=draft.holder,
            code_colour=findings.code_colour,
            itinerary_star=star,
            itinerary_checked=findings.places is not None or findings.itinerary_star is not None,
            test_hours=test_hours,
            temperature=draft.temperature,
            verdict=assessment.verdict,
            disposition=assessment.disposition,
            reasons=assessment.reasons,
            demo=any(c.demo for c in draft.credentials),
            unreadable=any(
                not c.decoded and c.format is not CredentialFormat.UNKNOWN
                for c in draft.credentials
            ),
            needs_manual=draft.needs_manual,
            manual=draft.manual is not None,
        )
        return Judged(draft, assessment, entry, view)

    @property
    def policy_version(self) -> str:
        """The policy every verdict of this verifier comes from."""
        return self.policy.version_label

    def rejudge(
        self,
        entry: PersonEntry,
        *,
        seq: int,
        at: datetime,
        vehicle_type: VehicleType,
        plate: str,
    ) -> PersonEntry:
        """``entry`` judged afresh from its stored findings (the storage layer's check)."""
        draft = draft_from_json(
            dict(entry.findings),
            occupant=entry.occupant,
            holder=entry.name_masked,
            temperature=entry.temperature,
            person_id=None,
        )
        judged = self.judge(draft, seq, at, vehicle_type, plate).entry
        return replace(
            entry,
            verdict=judged.verdict,
            disposition=judged.disposition,
            reasons=judged.reasons,
            report_to_community=judged.report_to_community,
            code_colour=judged.code_colour,
        )

    def vehicle(self, people: Sequence[PersonAssessment]) -> VehicleAssessment:
        """The vehicle's outcome: the most severe of its people's (rules.evaluate_vehicle)."""
        return evaluate_vehicle(people)


def vehicle_reasons(people: Sequence[Judged]) -> list[dict[str, Any]]:
    """The reasons to keep with the vehicle: each person's problems, or the pass reasons of
    the driver when everyone passed. Each names the person (``person``: seq)."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, str]] = set()
    for judged in people:
        for r in judged.view.problems():
            key = (judged.view.seq, r.zh)
            if key not in seen:
                seen.add(key)
                out.append({**reason_dict(r), "person": judged.view.seq})
    if not out and people:
        first = people[0]
        out = [{**reason_dict(r), "person": first.view.seq} for r in first.assessment.reasons]
    return out


def reason_dict(r: Reason) -> dict[str, str]:
    """A reason as stored with a record: stable code and both texts."""
    return {"code": r.code, "zh": r.zh, "en": r.en}


def scan_record(c: CredentialResult, payload: str | None = None) -> ScanRecord:
    """What is kept of one scan: statuses and fingerprint; the raw ``payload`` only when the
    caller passes it (the policy's store_raw_payloads)."""
    return ScanRecord(
        format=c.format.value,
        kind=c.kind,
        issuer=c.issuer,
        signature=c.signature.value,
        validity=c.validity.value,
        fingerprint=c.fingerprint,
        demo=c.demo,
        errors=tuple(c.errors),
        payload=payload,
    )
