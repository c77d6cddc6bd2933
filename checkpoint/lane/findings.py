"""The stored findings format: a person's facts as kept in ``PersonCheck.findings``.

:class:`PersonDraft` is everything known about one person so far; :func:`draft_to_json` writes it
in the form kept with the person row and :func:`draft_from_json` reads it back, so an inspection
resumed after a restart (and the storage layer's check) is judged exactly as before.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from checkpoint.credentials import (
    CredentialFormat,
    CredentialResult,
    GoodsPass,
    NucleicAcidTest,
    PlaceVisit,
    SignatureStatus,
    ValidityStatus,
)
from checkpoint.domain import CodeColour, Occupant
from checkpoint.rules.verdicts import (
    CodeSharing,
    PersonFindings,
)

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


def merge_facts(old: PersonFindings, new: PersonFindings) -> PersonFindings:
    """``old`` with what ``new`` states on top: the newer code colour, all places, the
    latest test, a goods pass from either."""
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
