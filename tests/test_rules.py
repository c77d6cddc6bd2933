"""Rules engine and policy file: findings → verdict, reasons, disposition; malformed policies."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

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
)
from checkpoint.domain import CodeColour, Disposition, Occupant, VehicleType, Verdict
from checkpoint.rules.policy import DEFAULT_POLICY
from checkpoint.rules.risk_areas import (
    RiskArea,
    RiskAreaError,
    RiskLevel,
    import_csv,
    load,
    parse_csv,
)
from checkpoint.rules.verdicts import (
    PersonFindings,
    Policy,
    PolicyError,
    Sighting,
    detect_code_sharing,
    evaluate_person,
    evaluate_vehicle,
    findings_from_credentials,
)

AT = datetime(2022, 4, 20, 2, 0, tzinfo=UTC)  # 10:00 in Zhejiang
POLICY = Policy.load()
GOOD = PersonFindings(
    code_colour=CodeColour.GREEN,
    places=(PlaceVisit(Region("330100", "杭州市"), date(2022, 4, 18)),),
    test=NucleicAcidTest(AT - timedelta(hours=20), TestResult.NEGATIVE),
    temperature_c=36.6,
)
PASS_ = GoodsPass(
    "330100000001",
    "浙A12345",
    Region("330100", "杭州市"),
    Region("330182", "建德市"),
    date(2022, 4, 15),
    date(2022, 5, 15),
    "蔬菜",
)


def codes(findings: PersonFindings, **kw: object) -> list[str]:
    return [r.code for r in evaluate_person(findings, POLICY, AT, **kw).reasons]  # type: ignore[arg-type]


def test_default_policy() -> None:
    assert POLICY.version_label == "default-2022.04"
    assert POLICY.fever_threshold_c == 37.3
    assert POLICY.nucleic_acid.validity_hours == 48
    assert POLICY.itinerary.window_days == 14
    assert Policy.load(None).source == DEFAULT_POLICY


def test_all_clear() -> None:
    a = evaluate_person(GOOD, POLICY, AT)
    assert (a.verdict, a.disposition, a.report_to_community) == (
        Verdict.PASS,
        Disposition.RELEASE,
        False,
    )
    assert a.policy == "default-2022.04"
    assert {r.code for r in a.reasons} == {
        "HEALTH_CODE_GREEN",
        "TEST_NEGATIVE",
        "ITINERARY_CLEAR",
        "TEMPERATURE_NORMAL",
    }
    assert all(r.zh and r.en for r in a.reasons)


@pytest.mark.parametrize(
    ("change", "code", "verdict", "disposition", "report"),
    [
        (
            {"code_colour": CodeColour.YELLOW},
            "HEALTH_CODE_YELLOW",
            Verdict.ATTENTION,
            Disposition.TEST_LANE,
            True,
        ),
        (
            {"code_colour": CodeColour.RED},
            "HEALTH_CODE_RED",
            Verdict.STOP,
            Disposition.QUARANTINE,
            False,
        ),
        (
            {"code_colour": None},
            "HEALTH_CODE_MISSING",
            Verdict.ATTENTION,
            Disposition.RELEASE,
            False,
        ),
        (
            {"code_time": AT - timedelta(minutes=30)},
            "HEALTH_CODE_STALE",
            Verdict.ATTENTION,
            Disposition.RELEASE,
            False,
        ),
        ({"test": None}, "TEST_MISSING", Verdict.ATTENTION, Disposition.TEST_LANE, True),
        (
            {"test": NucleicAcidTest(AT - timedelta(hours=50), TestResult.NEGATIVE)},
            "TEST_EXPIRED",
            Verdict.ATTENTION,
            Disposition.TEST_LANE,
            True,
        ),
        (
            {"test": NucleicAcidTest(AT - timedelta(hours=3), TestResult.POSITIVE)},
            "TEST_POSITIVE",
            Verdict.STOP,
            Disposition.QUARANTINE,
            False,
        ),
        (
            {"test": NucleicAcidTest(AT + timedelta(hours=3), TestResult.NEGATIVE)},
            "TEST_FUTURE",
            Verdict.ATTENTION,
            Disposition.TEST_LANE,
            True,
        ),
        ({"temperature_c": 37.3}, "FEVER", Verdict.STOP, Disposition.QUARANTINE, False),
        (
            {"itinerary_star": True},
            "ITINERARY_STAR",
            Verdict.ATTENTION,
            Disposition.TEST_LANE,
            True,
        ),
        ({"places": None}, "ITINERARY_MISSING", Verdict.ATTENTION, Disposition.RELEASE, False),
        (
            {"places": (PlaceVisit(Region("310100", "上海市"), date(2022, 4, 10), RiskMark.STAR),)},
            "ITINERARY_STAR",
            Verdict.ATTENTION,
            Disposition.TEST_LANE,
            True,
        ),
    ],
)
def test_single_findings(
    change: dict, code: str, verdict: Verdict, disposition: Disposition, report: bool
) -> None:
    a = evaluate_person(replace(GOOD, **change), POLICY, AT)
    assert code in [r.code for r in a.reasons]
    assert (a.verdict, a.disposition, a.report_to_community) == (verdict, disposition, report)


def test_temperature_just_below_threshold() -> None:
    assert "FEVER" not in codes(replace(GOOD, temperature_c=37.2))


def test_itinerary_window() -> None:
    old = replace(
        GOOD, places=(PlaceVisit(Region("310100", "上海市"), date(2022, 4, 6), RiskMark.STAR),)
    )
    assert "ITINERARY_STAR" not in codes(old)  # 15 days ago: outside the 14-day window
    recent = replace(
        GOOD, places=(PlaceVisit(Region("310100", "上海市"), date(2022, 4, 7), RiskMark.STAR),)
    )
    assert "ITINERARY_STAR" in codes(recent)


AREAS = [
    RiskArea("310115", "上海市浦东新区", RiskLevel.HIGH, date(2022, 3, 28)),
    RiskArea("330102", "杭州市上城区", RiskLevel.MEDIUM, date(2022, 4, 11), date(2022, 4, 30)),
    RiskArea("330400", "嘉兴市", RiskLevel.LOW, date(2022, 4, 1)),
]


def test_risk_areas() -> None:
    pudong = replace(GOOD, places=(PlaceVisit(Region("310115", "浦东新区"), date(2022, 4, 12)),))
    a = evaluate_person(pudong, POLICY, AT, VehicleType.CAR, AREAS)
    assert "RISK_AREA_HIGH" in [r.code for r in a.reasons]
    assert (a.verdict, a.disposition) == (Verdict.STOP, Disposition.QUARANTINE)
    shangcheng = replace(GOOD, places=(PlaceVisit(Region("330102", "上城区"), date(2022, 4, 12)),))
    a = evaluate_person(shangcheng, POLICY, AT, VehicleType.CAR, AREAS)
    assert (a.verdict, a.disposition) == (Verdict.STOP, Disposition.PERSUADE_RETURN)
    before = replace(GOOD, places=(PlaceVisit(Region("330102", "上城区"), date(2022, 4, 9)),))
    assert "RISK_AREA_MEDIUM" not in codes(before, vehicle_type=VehicleType.CAR, risk_areas=AREAS)
    city = replace(GOOD, places=(PlaceVisit(Region("310100", "上海市"), date(2022, 4, 12)),))
    a = evaluate_person(city, POLICY, AT, VehicleType.CAR, AREAS)
    assert "ITINERARY_RISK_CITY" in [r.code for r in a.reasons]
    assert a.disposition is Disposition.TEST_LANE
    jiaxing = replace(GOOD, places=(PlaceVisit(Region("330402", "南湖区"), date(2022, 4, 12)),))
    a = evaluate_person(jiaxing, POLICY, AT, VehicleType.CAR, AREAS)
    assert "RISK_AREA_LOW" in [r.code for r in a.reasons] and a.report_to_community


def test_truck_two_passes_two_codes() -> None:
    truck = replace(GOOD, goods_pass=PASS_, plate="浙A·12345")
    a = evaluate_person(truck, POLICY, AT, VehicleType.TRUCK, occupant=Occupant.DRIVER)
    assert a.verdict is Verdict.PASS and "GOODS_PASS_VALID" in [r.code for r in a.reasons]
    no_pass = evaluate_person(GOOD, POLICY, AT, VehicleType.TRUCK, occupant=Occupant.DRIVER)
    assert no_pass.disposition is Disposition.PERSUADE_RETURN
    assert "GOODS_PASS_MISSING" in [r.code for r in no_pass.reasons]
    passenger = evaluate_person(GOOD, POLICY, AT, VehicleType.TRUCK, occupant=Occupant.PASSENGER)
    assert passenger.disposition is Disposition.RELEASE
    wrong_plate = evaluate_person(replace(truck, plate="浙B99999"), POLICY, AT, VehicleType.TRUCK)
    assert "GOODS_PASS_PLATE_MISMATCH" in [r.code for r in wrong_plate.reasons]
    expired = evaluate_person(
        replace(truck, goods_pass=replace(PASS_, valid_to=date(2022, 4, 19))),
        POLICY,
        AT,
        VehicleType.TRUCK,
    )
    assert "GOODS_PASS_NOT_VALID_TODAY" in [r.code for r in expired.reasons]
    # 48 h for trucks even where a car policy allowed 72 h
    old_test = replace(truck, test=NucleicAcidTest(AT - timedelta(hours=60), TestResult.NEGATIVE))
    assert "TEST_EXPIRED" in codes(old_test, vehicle_type=VehicleType.TRUCK)
    # medium-risk area with a valid pass: escorted point-to-point, not turned back
    via = replace(truck, places=(PlaceVisit(Region("330102", "上城区"), date(2022, 4, 12)),))
    a = evaluate_person(via, POLICY, AT, VehicleType.TRUCK, AREAS)
    assert "RISK_AREA_TRUCK_ESCORT" in [r.code for r in a.reasons]
    assert (a.disposition, a.report_to_community) == (Disposition.ESCORT, True)


def test_vehicle_takes_most_severe() -> None:
    ok = evaluate_person(GOOD, POLICY, AT)
    yellow = evaluate_person(replace(GOOD, code_colour=CodeColour.YELLOW), POLICY, AT)
    fever = evaluate_person(replace(GOOD, temperature_c=38.0), POLICY, AT)
    v = evaluate_vehicle([ok, yellow])
    assert (v.verdict, v.disposition, v.report_to_community) == (
        Verdict.ATTENTION,
        Disposition.TEST_LANE,
        True,
    )
    v = evaluate_vehicle([ok, yellow, fever])
    assert (v.verdict, v.disposition, v.report_to_community) == (
        Verdict.STOP,
        Disposition.QUARANTINE,
        False,
    )
    assert v.policy == "default-2022.04"
    assert evaluate_vehicle([]).disposition is Disposition.RELEASE


def _credential(**kw: object) -> CredentialResult:
    base: dict[str, object] = dict(
        format=CredentialFormat.CKP1,
        decoded=True,
        kind="health",
        signature=SignatureStatus.VALID,
        validity=ValidityStatus.VALID,
        content=PassContent(
            code_colour=CodeColour.GREEN, places=(), itinerary_days=14, test=GOOD.test
        ),
    )
    base.update(kw)
    return CredentialResult(**base)  # type: ignore[arg-type]


def test_findings_from_credentials() -> None:
    f = findings_from_credentials([_credential()])
    assert f.code_colour is CodeColour.GREEN and f.test == GOOD.test and f.places == ()
    a = evaluate_person(replace(f, temperature_c=36.5), POLICY, AT)
    assert a.verdict is Verdict.PASS and "CREDENTIAL_VALID" in [r.code for r in a.reasons]
    forged = findings_from_credentials(
        [_credential(signature=SignatureStatus.INVALID, errors=("bad_signature: x",))]
    )
    assert forged.code_colour is None  # untrusted content adds no facts
    a = evaluate_person(forged, POLICY, AT)
    assert (a.verdict, a.disposition) == (Verdict.STOP, Disposition.PERSUADE_RETURN)
    assert "CREDENTIAL_INVALID_SIGNATURE" in [r.code for r in a.reasons]
    unknown = CredentialResult(CredentialFormat.UNKNOWN, False, kind="url", errors=("offline: x",))
    by_eye = findings_from_credentials([unknown])
    assert "CREDENTIAL_UNVERIFIABLE" in codes(by_eye)
    manual = replace(
        findings_from_credentials([unknown], manual=True),
        code_colour=CodeColour.GREEN,
        test=GOOD.test,
        itinerary_star=False,
        temperature_c=36.4,
    )
    a = evaluate_person(manual, POLICY, AT)
    assert a.verdict is Verdict.PASS and "MANUAL_CHECK" in [r.code for r in a.reasons]
    demo = findings_from_credentials(
        [_credential(demo=True, signature=SignatureStatus.UNKNOWN_KEY)]
    )
    assert "CREDENTIAL_DEMO" in codes(demo)
    expired = findings_from_credentials([_credential(validity=ValidityStatus.EXPIRED)])
    assert expired.code_colour is None and "CREDENTIAL_EXPIRED" in codes(expired)


def test_code_sharing() -> None:
    window = POLICY.credentials.sharing_window
    seen = [
        Sighting("f1", "浙A12345/driver", AT - timedelta(minutes=30)),
        Sighting("f1", "浙B00001/driver", AT - timedelta(hours=6)),
        Sighting("f2", "浙C00002/driver", AT - timedelta(minutes=5)),
    ]
    flag = detect_code_sharing("f1", "浙D11111/driver", seen, AT, window)
    assert flag is not None and flag.other_holders == ("浙A12345/driver",)
    assert detect_code_sharing("f1", "浙A12345/driver", seen, AT, window) is None
    assert detect_code_sharing("f3", "x", seen, AT, window) is None
    a = evaluate_person(replace(GOOD, code_shared=flag), POLICY, AT)
    assert "CODE_SHARED" in [r.code for r in a.reasons] and a.verdict is Verdict.STOP


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "validity_hours = 48",
            "validity_hours = 36",
            "LINE: nucleic_acid.validity_hours must be one of 24, 48, 72",
        ),
        ("window_days = 14", 'window_days = "14"', "itinerary.window_days must be a whole number"),
        (
            'red = { verdict = "stop", disposition = "quarantine" }',
            'red = { verdict = "stop", disposition = "jail" }',
            "LINE: health_code.red.disposition must be one of",
        ),
        (
            "fever_threshold_c = 37.3",
            "fever_threshold_c = 3.73",
            "temperature.fever_threshold_c must be between",
        ),
        ('version = "2022.04"', "", "version is missing"),
        ("window_days = 14", "window_days = = 14", "is not valid TOML"),
    ],
)
def test_malformed_policy_names_key_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "policy.toml"
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), start=1) if old in row)
    message = message.replace("LINE", f"line {line}")
    with pytest.raises(PolicyError, match=message.replace("(", r"\(")) as err:
        Policy.load(bad)
    assert str(bad) in str(err.value)


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot be read"):
        Policy.load(tmp_path / "nope.toml")


def test_risk_area_csv(tmp_path: Path) -> None:
    csv = tmp_path / "areas.csv"
    csv.write_text(
        "\ufeffregion_code,name,level,effective_from,effective_to\n"
        "310115,上海市浦东新区,高,2022-03-28,\n\n"
        "330102,杭州市上城区,medium,2022-04-11,2022-04-30\n",
        encoding="utf-8",
    )
    listing = import_csv(tmp_path / "data", csv, AT)
    assert [a.level for a in listing.areas] == [RiskLevel.HIGH, RiskLevel.MEDIUM]
    stored = load(tmp_path / "data")
    assert (
        stored.areas == listing.areas and stored.imported_at == AT and stored.source == "areas.csv"
    )
    assert load(tmp_path / "empty").areas == ()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("31011,上海,high,2022-03-28,", "line 3: '31011' is not a six-digit"),
        ("310115,上海,severe,2022-03-28,", "line 3: unknown risk level"),
        ("310115,上海,high,28/03/2022,", "line 3: effective_from"),
        ("310115,上海,high,2022-03-28,2022-03-01", "line 3: effective_to is before"),
        ("310115,,high,2022-03-28,", "line 3: the name is empty"),
    ],
)
def test_bad_risk_area_csv_names_line(row: str, message: str) -> None:
    text = (
        "region_code,name,level,effective_from,effective_to\n330102,杭州市上城区,medium,2022-04-11,\n"
        + row
        + "\n"
    )
    with pytest.raises(RiskAreaError, match=message):
        parse_csv(text)
    with pytest.raises(RiskAreaError, match="line 1: missing column"):
        parse_csv("code,name\n")
