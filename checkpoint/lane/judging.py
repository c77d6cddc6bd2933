"""The verify step's glue (核验): one scan or one manual reading → a person's findings and verdict.

Qt-free. A QR text goes through :func:`verify_payload`, its trusted facts are merged into the
person it belongs to, the rules engine judges the person, and the result comes out as a
:class:`PersonEntry` to save and a :class:`PersonView` to show. What the inspector reads off a
phone that cannot be verified offline (colour, star, test hours) and the temperature go through
the same rules. A person's facts are kept in ``PersonCheck.findings`` in a form this module reads
back, so an inspection resumed after a restart is judged exactly as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from checkpoint.config import Settings
from checkpoint.credentials import (
    CredentialFormat,
    CredentialResult,
    GoodsPass,
    NucleicAcidTest,
    PassContent,
    PlaceVisit,
    Region,
    RiskMark,
    SignatureStatus,
    TestResult,
    ValidityStatus,
    verify_payload,
)
from checkpoint.credentials.ckp1 import mint
from checkpoint.credentials.trust import DEMO_PRIVATE_KEY, TrustStore
from checkpoint.domain import CodeColour, Disposition, Occupant, VehicleType, Verdict
from checkpoint.privacy import mask_name
from checkpoint.rules.policy import Policy
from checkpoint.rules.risk_areas import RiskArea
from checkpoint.rules.risk_areas import load as load_risk_areas
from checkpoint.rules.verdicts import (
    CodeSharing,
    PersonAssessment,
    PersonFindings,
    Reason,
    Sighting,
    VehicleAssessment,
    detect_code_sharing,
    evaluate_person,
    evaluate_vehicle,
    findings_from_credentials,
)
from checkpoint.storage.db import Database
from checkpoint.storage.inspections import PersonEntry, ScanRecord
from checkpoint.storage.models import CredentialScan, Inspection, PersonCheck

FINDINGS_VERSION = 1


@dataclass(frozen=True)
class ManualReading:
    """What the inspector read off a phone by eye (人工核验): colour, itinerary star, test hours.

    ``test_hours`` is the age the phone states for a negative test ("48小时内" → 48); None
    means no test was shown.
    """

    code_colour: CodeColour | None = None
    itinerary_star: bool | None = None
    test_hours: int | None = None


@dataclass(frozen=True)
class PersonDraft:
    """Everything known about one driver or passenger so far (司乘人员核验记录).

    ``facts`` holds what trusted credentials stated (their content is not kept, only the facts);
    ``credentials`` their statuses; ``person_id`` is set once the person is saved.
    """

    occupant: Occupant
    holder: str | None = None
    credentials: tuple[CredentialResult, ...] = ()
    facts: PersonFindings = field(default_factory=PersonFindings)
    manual: ManualReading | None = None
    temperature: float | None = None
    code_shared: CodeSharing | None = None
    person_id: uuid.UUID | None = None
    # An ID number typed at the lane, kept only as the site's keyed hash and a mask.
    id_hash: str | None = None
    id_masked: str | None = None

    @property
    def fingerprints(self) -> frozenset[str]:
        """The fingerprints of the credentials shown for this person."""
        return frozenset(c.fingerprint for c in self.credentials if c.fingerprint)

    @property
    def needs_manual(self) -> bool:
        """A code was shown that cannot be verified offline and nothing was read by eye yet."""
        unverifiable = any(
            c.format is CredentialFormat.UNKNOWN or not c.trusted for c in self.credentials
        )
        return (unverifiable or not self.credentials) and self.manual is None


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
        facts = _merge(draft.facts, findings_from_credentials([result]))
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


# -- code sharing (一码多用) -----------------------------------------------------------------


def holder_key(plate: str, holder: str | None, seq: int) -> str:
    """Who a code was shown for: the vehicle and the person in it."""
    return f"{plate}|{holder or f'#{seq}'}"


def recent_sightings(
    db: Database, fingerprints: Iterable[str], at: datetime, window: timedelta
) -> list[Sighting]:
    """Earlier scans of these fingerprints within ``window`` before ``at``, with their holders."""
    fps = sorted({f for f in fingerprints if f})
    if not fps:
        return []
    with db.session() as s:
        rows = s.execute(
            select(
                CredentialScan.fingerprint,
                CredentialScan.scanned_at,
                Inspection.plate,
                PersonCheck.name_masked,
                PersonCheck.seq,
            )
            .join(Inspection, Inspection.id == CredentialScan.inspection_id)
            .join(PersonCheck, PersonCheck.id == CredentialScan.person_check_id, isouter=True)
            .where(
                CredentialScan.fingerprint.in_(fps),
                CredentialScan.scanned_at >= at - window,
                CredentialScan.scanned_at <= at,
            )
        ).all()
    return [
        Sighting(fp, holder_key(plate, name, seq or 0), when) for fp, when, plate, name, seq in rows
    ]


def sharing_for(
    db: Database,
    policy: Policy,
    result: CredentialResult,
    plate: str,
    holder: str | None,
    seq: int,
    at: datetime,
) -> CodeSharing | None:
    """Whether ``result`` was shown for another person or vehicle within the policy's window."""
    if not result.fingerprint:
        return None
    window = policy.credentials.sharing_window
    sightings = recent_sightings(db, [result.fingerprint], at, window)
    return detect_code_sharing(
        result.fingerprint, holder_key(plate, holder, seq), sightings, at, window
    )


# -- storing a person's facts ---------------------------------------------------------------


def _merge(old: PersonFindings, new: PersonFindings) -> PersonFindings:
    colour, code_time = old.code_colour, old.code_time
    if new.code_colour is not None:
        colour, code_time = new.code_colour, new.code_time
    places = old.places
    if new.places is not None:
        places = (*(old.places or ()), *new.places)
    test = old.test
    if new.test is not None and (test is None or new.test.sample_time > test.sample_time):
        test = new.test
    return PersonFindings(
        code_colour=colour,
        code_time=code_time,
        places=places,
        test=test,
        goods_pass=old.goods_pass or new.goods_pass,
    )


def draft_to_json(d: PersonDraft) -> dict[str, Any]:
    """The person's facts and credential statuses, as kept in ``PersonCheck.findings``."""
    f = d.facts
    facts: dict[str, Any] = {}
    if f.code_colour is not None:
        facts["code_colour"] = f.code_colour.value
        facts["code_time"] = f.code_time.isoformat() if f.code_time else None
    if f.places is not None:
        facts["places"] = [p.to_json() for p in f.places]
    if f.test is not None:
        facts["test"] = f.test.to_json()
    if f.goods_pass is not None:
        facts["goods_pass"] = f.goods_pass.to_json()
    out: dict[str, Any] = {
        "v": FINDINGS_VERSION,
        "facts": facts,
        "credentials": [
            {
                "format": c.format.value, "decoded": c.decoded, "kind": c.kind,
                "signature": c.signature.value, "validity": c.validity.value,
                "issuer": c.issuer, "errors": list(c.errors), "demo": c.demo,
                "fingerprint": c.fingerprint,
            }
            for c in d.credentials
        ],
    }  # fmt: skip
    if d.manual is not None:
        out["manual"] = {
            "code_colour": d.manual.code_colour.value if d.manual.code_colour else None,
            "itinerary_star": d.manual.itinerary_star,
            "test_hours": d.manual.test_hours,
        }
    if d.code_shared is not None:
        out["code_shared"] = {
            "fingerprint": d.code_shared.fingerprint,
            "others": list(d.code_shared.other_holders),
            "window_minutes": int(d.code_shared.window.total_seconds() // 60),
        }
    return out


def draft_from_json(
    data: dict[str, Any],
    *,
    occupant: Occupant,
    holder: str | None,
    temperature: float | None,
    person_id: uuid.UUID | None,
) -> PersonDraft:
    """The draft a saved person row was made from (see :func:`draft_to_json`)."""
    facts = data.get("facts") or {}
    colour = CodeColour(facts["code_colour"]) if facts.get("code_colour") else None
    code_time = datetime.fromisoformat(facts["code_time"]) if facts.get("code_time") else None
    places = None
    if "places" in facts:
        places = tuple(PlaceVisit.from_json(p) for p in facts["places"])
    test = NucleicAcidTest.from_json(facts["test"]) if facts.get("test") else None
    goods = GoodsPass.from_json(facts["goods_pass"]) if facts.get("goods_pass") else None
    creds = tuple(
        CredentialResult(
            CredentialFormat(c["format"]), bool(c["decoded"]), kind=c.get("kind"),
            signature=SignatureStatus(c["signature"]), validity=ValidityStatus(c["validity"]),
            issuer=c.get("issuer"), errors=tuple(c.get("errors") or ()),
            demo=bool(c.get("demo")), fingerprint=c.get("fingerprint") or "",
        )
        for c in data.get("credentials") or ()
    )  # fmt: skip
    manual = None
    if data.get("manual") is not None:
        m = data["manual"]
        manual = ManualReading(
            CodeColour(m["code_colour"]) if m.get("code_colour") else None,
            m.get("itinerary_star"),
            m.get("test_hours"),
        )
    shared = None
    if data.get("code_shared"):
        cs = data["code_shared"]
        shared = CodeSharing(
            cs["fingerprint"], tuple(cs["others"]), timedelta(minutes=cs["window_minutes"])
        )
    return PersonDraft(
        occupant=occupant,
        holder=holder,
        credentials=creds,
        facts=PersonFindings(
            code_colour=colour, code_time=code_time, places=places, test=test, goods_pass=goods
        ),
        manual=manual,
        temperature=temperature,
        code_shared=shared,
        person_id=person_id,
    )


# -- demo passes (演示凭证) -----------------------------------------------------------------

DEMO_HOLDERS = ("王*", "李*", "张*", "刘*")
DEMO_HOME = Region("330182", "建德市")
DEMO_FROM = Region("330106", "杭州市西湖区")


@dataclass(frozen=True)
class DemoPerson:
    """What one demo pass states."""

    colour: CodeColour = CodeColour.GREEN
    star: bool = False
    test_hours: float | None = 20.0
    goods_pass: bool = False


def _demo_key() -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(DEMO_PRIVATE_KEY.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def mint_demo_passes(
    plate: str,
    people: Sequence[DemoPerson],
    at: datetime,
    *,
    nonce: int = 0,
) -> list[str]:
    """Freshly signed DEMO passes (CKP1), one per person, as the synthetic camera shows them.

    Each call mints new codes (``nonce`` and the time go into the signed content), so the demo
    never trips the code-sharing check between vehicles.
    """
    key = _demo_key()
    out = []
    for i, p in enumerate(people):
        holder = DEMO_HOLDERS[i % len(DEMO_HOLDERS)]
        visited = (at - timedelta(days=3 + (nonce % 5))).date()
        places = (
            PlaceVisit(DEMO_FROM, visited, RiskMark.STAR if p.star else None),
            PlaceVisit(DEMO_HOME, at.date()),
        )
        test = None
        if p.test_hours is not None:
            test = NucleicAcidTest(at - timedelta(hours=p.test_hours), TestResult.NEGATIVE)
        goods = None
        if p.goods_pass:
            goods = GoodsPass(
                f"{330100000000 + nonce % 99999:012d}", plate, DEMO_FROM, DEMO_HOME,
                at.date() - timedelta(days=1), at.date() + timedelta(days=6), "生活物资",
            )  # fmt: skip
        content = PassContent(
            holder=holder,
            code_colour=p.colour,
            code_time=at - timedelta(seconds=30 + nonce % 60),
            itinerary_days=14,
            places=places,
            test=test,
            goods_pass=goods,
            demo=True,
        )
        out.append(
            mint(
                content,
                key,
                issuer="DEMO 演示签发方",
                issued_at=at - timedelta(minutes=1),
                expires_at=at + timedelta(hours=24),
            )
        )
    return out
