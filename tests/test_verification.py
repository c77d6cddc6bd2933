"""The verify glue without Qt: scans and readings by eye → judged persons, saved and read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from checkpoint.credentials.trust import TrustStore
from checkpoint.demo.passes import DemoPerson, mint_demo_passes
from checkpoint.domain import CodeColour, Disposition, Occupant, VehicleType, Verdict
from checkpoint.lane.findings import ManualReading, PersonDraft, draft_from_json, draft_to_json
from checkpoint.lane.judging import Verifier
from checkpoint.rules.policy import Policy

AT = datetime(2022, 4, 20, 3, 0, tzinfo=UTC)


def verifier(demo: bool = True) -> Verifier:
    return Verifier(Policy.load(), TrustStore(demo_trusted=demo), demo=demo)


def test_a_green_demo_pass_releases_and_a_yellow_one_goes_to_the_test_lane() -> None:
    v = verifier()
    green, yellow = mint_demo_passes(
        "浙A12345", [DemoPerson(), DemoPerson(colour=CodeColour.YELLOW)], AT
    )
    d1 = v.add_credential(PersonDraft(Occupant.DRIVER), v.read(green, AT))
    j1 = v.judge(d1, 1, AT, VehicleType.CAR, "浙A12345")
    assert j1.view.verdict is Verdict.PASS and j1.assessment.disposition is Disposition.RELEASE
    assert j1.view.code_colour is CodeColour.GREEN and j1.view.demo and j1.view.test_hours == 20
    assert d1.holder == "王*"
    d2 = v.add_credential(PersonDraft(Occupant.PASSENGER), v.read(yellow, AT))
    j2 = v.judge(d2, 2, AT, VehicleType.CAR, "浙A12345")
    assert j2.assessment.disposition is Disposition.TEST_LANE
    assert v.vehicle([j1.assessment, j2.assessment]).disposition is Disposition.TEST_LANE


def test_demo_passes_are_not_trusted_outside_demo_mode() -> None:
    v = verifier(demo=False)
    (text,) = mint_demo_passes("浙A12345", [DemoPerson()], AT)
    j = v.judge(
        v.add_credential(PersonDraft(Occupant.DRIVER), v.read(text, AT)),
        1, AT, VehicleType.CAR, "浙A12345",
    )  # fmt: skip
    assert j.view.verdict is not Verdict.PASS
    assert any(r.code == "CREDENTIAL_DEMO" for r in j.assessment.reasons)


def test_an_unverifiable_code_needs_a_reading_by_eye_and_then_follows_the_rules() -> None:
    v = verifier()
    result = v.read("https://jkm.example.gov.cn/code?u=123", AT)
    draft = v.add_credential(PersonDraft(Occupant.DRIVER), result)
    assert draft.needs_manual
    judged = v.judge(draft, 1, AT, VehicleType.CAR, None)
    assert any(r.code == "CREDENTIAL_UNVERIFIABLE" for r in judged.assessment.reasons)
    read = ManualReading(CodeColour.YELLOW, itinerary_star=False, test_hours=24)
    judged = v.judge(
        PersonDraft(**{**draft.__dict__, "manual": read, "temperature": 36.5}),
        1, AT, VehicleType.CAR, None,
    )  # fmt: skip
    assert judged.assessment.disposition is Disposition.TEST_LANE
    assert judged.entry.manual and judged.entry.code_colour is CodeColour.YELLOW
    assert not judged.draft.needs_manual


def test_a_truck_pass_must_match_the_plate() -> None:
    v = verifier()
    (text,) = mint_demo_passes("浙B12345", [DemoPerson(goods_pass=True)], AT)
    draft = v.add_credential(PersonDraft(Occupant.DRIVER), v.read(text, AT))
    ok = v.judge(draft, 1, AT, VehicleType.TRUCK, "浙B12345")
    assert ok.assessment.disposition is Disposition.RELEASE
    wrong = v.judge(draft, 1, AT, VehicleType.TRUCK, "浙B54321")
    assert wrong.assessment.disposition is Disposition.PERSUADE_RETURN


def test_a_person_saved_as_json_is_judged_the_same_after_a_restart() -> None:
    v = verifier()
    (text,) = mint_demo_passes("浙A12345", [DemoPerson(star=True)], AT)
    draft = v.add_credential(PersonDraft(Occupant.DRIVER), v.read(text, AT))
    draft = PersonDraft(**{**draft.__dict__, "temperature": 37.0})
    before = v.judge(draft, 1, AT + timedelta(minutes=1), VehicleType.CAR, "浙A12345")
    back = draft_from_json(
        draft_to_json(draft), occupant=Occupant.DRIVER, holder=draft.holder, temperature=37.0,
        person_id=None,
    )  # fmt: skip
    after = v.judge(back, 1, AT + timedelta(minutes=1), VehicleType.CAR, "浙A12345")
    assert [r.code for r in after.assessment.reasons] == [r.code for r in before.assessment.reasons]
    assert after.assessment.disposition is before.assessment.disposition is Disposition.TEST_LANE
