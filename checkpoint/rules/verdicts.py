"""The rules engine (查验规则): one person's findings → verdict, reasons and a disposition.

Pure functions over plain data: no database, no clock (the caller passes ``at``), no Qt. A
vehicle takes the most severe disposition of its people. Every result names the policy version.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from checkpoint.credentials.claims import (
    GoodsPass,
    NucleicAcidTest,
    PlaceVisit,
    RiskMark,
    TestResult,
)
from checkpoint.credentials.model import (
    CredentialFormat,
    CredentialResult,
    SignatureStatus,
    ValidityStatus,
)
from checkpoint.credentials.trust import Freshness, TrustStatus
from checkpoint.domain import CodeColour, Disposition, Occupant, VehicleType, Verdict
from checkpoint.rules.policy import PASS, Action, Policy, PolicyError
from checkpoint.rules.risk_areas import RiskArea, RiskLevel

__all__ = [
    "CodeSharing",
    "PersonAssessment",
    "PersonFindings",
    "Policy",
    "PolicyError",
    "Reason",
    "Sighting",
    "VehicleAssessment",
    "detect_code_sharing",
    "evaluate_person",
    "evaluate_vehicle",
    "findings_from_credentials",
    "trust_store_reason",
]

SITE_TZ = ZoneInfo("Asia/Shanghai")
# a sample time this far in the future is a clock difference, not a forged test
CLOCK_SKEW = timedelta(minutes=10)

# Stable reason codes with their Chinese and English text; {placeholders} are filled per case.
REASON_TEXT: dict[str, tuple[str, str]] = {
    "HEALTH_CODE_GREEN": ("健康码绿码", "Health code green"),
    "HEALTH_CODE_YELLOW": ("健康码黄码", "Health code yellow"),
    "HEALTH_CODE_RED": ("健康码红码", "Health code red"),
    "HEALTH_CODE_MISSING": ("未出示健康码,请核对手机页面", "No health code shown; check the phone"),
    "HEALTH_CODE_STALE": (
        "健康码生成于{minutes}分钟前,疑似截图,请当面刷新",
        "Health code generated {minutes} min ago; may be a screenshot, ask for a refresh",
    ),
    "TEST_NEGATIVE": (
        "核酸阴性,采样于{hours}小时前(有效期{limit}小时)",
        "Negative test sampled {hours} h ago (valid {limit} h)",
    ),
    "TEST_MISSING": ("无核酸检测结果", "No nucleic-acid test result"),
    "TEST_EXPIRED": (
        "核酸采样已{hours}小时,超过{limit}小时有效期",
        "Test sampled {hours} h ago, beyond the {limit} h validity",
    ),
    "TEST_FUTURE": (
        "核酸采样时间晚于当前时间,请核实",
        "Test sample time is in the future; check it",
    ),
    "TEST_POSITIVE": ("核酸检测阳性", "Nucleic-acid test positive"),
    "ITINERARY_CLEAR": ("{days}天内行程无风险标记", "No risk mark in the {days}-day itinerary"),
    "ITINERARY_STAR": (
        "{days}天内行程带星号:{places}",
        "Itinerary star within {days} days: {places}",
    ),
    "ITINERARY_RISK_CITY": (
        "{days}天内到访{place},该地有{area}{level}",
        "Within {days} days visited {place}, which contains {area} ({level})",
    ),
    "ITINERARY_MISSING": ("未核验行程卡", "Itinerary card not checked"),
    "RISK_AREA_HIGH": ("{date}到访高风险地区{area}", "Visited high-risk area {area} on {date}"),
    "RISK_AREA_MEDIUM": ("{date}到访中风险地区{area}", "Visited medium-risk area {area} on {date}"),
    "RISK_AREA_LOW": ("{date}到访低风险地区{area}", "Visited low-risk area {area} on {date}"),
    "RISK_AREA_TRUCK_ESCORT": (
        "货车{date}到访中风险地区{area},持有效通行证,点对点闭环",
        "Truck visited medium-risk area {area} on {date}; valid pass, escort point-to-point",
    ),
    "FEVER": ("体温{temp}℃,达到{limit}℃发热标准", "Temperature {temp} °C, at or above {limit} °C"),
    "TEMPERATURE_NORMAL": ("体温{temp}℃正常", "Temperature {temp} °C normal"),
    "GOODS_PASS_VALID": ("通行证{number}有效", "Goods-vehicle pass {number} valid"),
    "GOODS_PASS_MISSING": (
        "货车未持有效通行证(两证两码)",
        "Truck without a goods-vehicle pass (pass + test + codes required)",
    ),
    "GOODS_PASS_NOT_VALID_TODAY": (
        "通行证{number}有效期为{start}至{end},今日无效",
        "Pass {number} is valid {start} to {end}, not today",
    ),
    "GOODS_PASS_PLATE_MISMATCH": (
        "通行证车牌{pass_plate}与车辆{plate}不符",
        "Pass plate {pass_plate} does not match vehicle {plate}",
    ),
    "CREDENTIAL_VALID": ("{format}凭证验签通过", "{format} credential verified"),
    "CREDENTIAL_DEMO_ACCEPTED": (
        "{format}凭证为演示(DEMO)签发,仅限演示模式",
        "{format} credential is DEMO-signed (demo mode)",
    ),
    "CREDENTIAL_DEMO": (
        "{format}凭证为演示(DEMO)签发,非正式凭证",
        "{format} credential is DEMO-signed, not a real credential",
    ),
    "CREDENTIAL_INVALID_SIGNATURE": (
        "{format}凭证签名无效,疑似伪造:{detail}",
        "{format} signature invalid, possibly forged: {detail}",
    ),
    "CREDENTIAL_UNKNOWN_ISSUER": (
        "{format}凭证签发方不在信任库中,请人工核验",
        "{format} issuer not in the trust store; check by eye",
    ),
    "CREDENTIAL_EXPIRED": ("{format}凭证已过期", "{format} credential expired"),
    "CREDENTIAL_NOT_YET_VALID": ("{format}凭证尚未生效", "{format} credential not yet valid"),
    "CREDENTIAL_UNREADABLE": (
        "{format}凭证无法解析:{detail}",
        "{format} credential unreadable: {detail}",
    ),
    "CREDENTIAL_UNVERIFIABLE": (
        "该码无法离线核验,请查看手机页面人工核对",
        "Cannot be verified offline; check the phone screen by eye",
    ),
    "MANUAL_CHECK": ("查验员人工核对手机页面", "Inspector checked the phone screen by eye"),
    "CODE_SHARED": (
        "该码{minutes}分钟内已被其他人员/车辆出示(一码多用)",
        "This code was shown for another person or vehicle within {minutes} min",
    ),
    "TRUST_STORE_STALE": ("{message_zh}", "{message_en}"),
}


@dataclass(frozen=True)
class Reason:
    """One reason behind a verdict: a stable code, zh_CN and en text, and what it leads to."""

    code: str
    zh: str
    en: str
    verdict: Verdict = Verdict.PASS
    disposition: Disposition = Disposition.RELEASE
    report: bool = False

    def text(self, lang: str = "zh_CN") -> str:
        """The text in ``lang`` (``zh_CN`` or ``en``)."""
        return self.zh if lang.startswith("zh") else self.en


def reason(code: str, action: Action = PASS, **params: object) -> Reason:
    """A :class:`Reason` from the catalogue with its placeholders filled."""
    zh, en = REASON_TEXT[code]
    return Reason(
        code,
        zh.format(**params),
        en.format(**params),
        action.verdict,
        action.disposition,
        action.report,
    )


@dataclass(frozen=True)
class CodeSharing:
    """The same credential was shown for other holders within the window (一码多用)."""

    fingerprint: str
    other_holders: tuple[str, ...]
    window: timedelta


@dataclass(frozen=True)
class Sighting:
    """A credential seen earlier: its fingerprint, whose it was said to be, and when."""

    fingerprint: str
    holder_key: str
    seen_at: datetime


def detect_code_sharing(
    fingerprint: str,
    holder_key: str,
    recent_sightings: Iterable[Sighting],
    at: datetime,
    window: timedelta,
) -> CodeSharing | None:
    """Flag ``fingerprint`` if it was shown for a different holder (person or vehicle) within
    ``window`` before ``at``. ``holder_key`` is whatever identifies the holder (a keyed ID hash,
    plate + seat); the same holder showing it again is not sharing."""
    others = sorted(
        {
            s.holder_key
            for s in recent_sightings
            if s.fingerprint == fingerprint
            and s.holder_key != holder_key
            and timedelta(0) <= at - s.seen_at <= window
        }
    )
    return CodeSharing(fingerprint, tuple(others), window) if others else None


@dataclass(frozen=True)
class PersonFindings:
    """What was found for one driver or passenger (司乘人员), from credentials or by eye.

    ``places`` None means the itinerary was not seen; ``itinerary_star`` is the inspector's
    reading of the itinerary card (None: not recorded).
    """

    code_colour: CodeColour | None = None
    code_time: datetime | None = None
    places: tuple[PlaceVisit, ...] | None = None
    itinerary_star: bool | None = None
    test: NucleicAcidTest | None = None
    temperature_c: float | None = None
    goods_pass: GoodsPass | None = None
    plate: str | None = None
    credentials: tuple[CredentialResult, ...] = ()
    manual: bool = False
    code_shared: CodeSharing | None = None


@dataclass(frozen=True)
class PersonAssessment:
    """One person's verdict with every reason, the suggested disposition and 落地报备."""

    verdict: Verdict
    reasons: tuple[Reason, ...]
    disposition: Disposition
    report_to_community: bool
    policy: str


@dataclass(frozen=True)
class VehicleAssessment:
    """A vehicle's outcome: the most severe of its people's."""

    verdict: Verdict
    disposition: Disposition
    report_to_community: bool
    people: tuple[PersonAssessment, ...]
    policy: str
    reasons: tuple[Reason, ...] = field(default=())


def _worst_verdict(items: Iterable[Verdict]) -> Verdict:
    order = list(Verdict)
    return max(items, key=order.index, default=Verdict.PASS)


def _summarise(reasons: Sequence[Reason]) -> tuple[Verdict, Disposition, bool]:
    verdict = _worst_verdict(r.verdict for r in reasons)
    disposition = Disposition.most_severe([r.disposition for r in reasons])
    # 落地报备 is for people released under watch, not for those turned back or transferred
    report = any(r.report for r in reasons) and disposition.severity <= Disposition.ESCORT.severity
    return verdict, disposition, report


def _credential_reasons(
    results: Sequence[CredentialResult], policy: Policy, manual: bool
) -> list[Reason]:
    rules = policy.credentials
    out: list[Reason] = []
    for r in results:
        fmt = r.format.value
        detail = r.errors[0].split(": ", 1)[-1] if r.errors else ""
        if r.format is CredentialFormat.UNKNOWN:
            out.append(
                reason("MANUAL_CHECK")
                if manual
                else reason("CREDENTIAL_UNVERIFIABLE", rules.unverifiable)
            )
        elif not r.decoded:
            out.append(reason("CREDENTIAL_UNREADABLE", rules.unreadable, format=fmt, detail=detail))
        elif r.signature is SignatureStatus.INVALID:
            bad = next((e for e in r.errors if not e.startswith(("expired", "not_yet"))), detail)
            out.append(
                reason(
                    "CREDENTIAL_INVALID_SIGNATURE",
                    rules.invalid_signature,
                    format=fmt,
                    detail=bad.split(": ", 1)[-1],
                )
            )
        elif r.demo and r.signature is not SignatureStatus.VALID:
            out.append(reason("CREDENTIAL_DEMO", rules.demo, format=fmt))
        elif r.signature is not SignatureStatus.VALID:
            out.append(reason("CREDENTIAL_UNKNOWN_ISSUER", rules.unknown_issuer, format=fmt))
        elif r.validity is ValidityStatus.EXPIRED:
            out.append(reason("CREDENTIAL_EXPIRED", rules.expired, format=fmt))
        elif r.validity is ValidityStatus.NOT_YET_VALID:
            out.append(reason("CREDENTIAL_NOT_YET_VALID", rules.expired, format=fmt))
        elif r.demo:
            out.append(reason("CREDENTIAL_DEMO_ACCEPTED", format=fmt))
        else:
            out.append(reason("CREDENTIAL_VALID", format=fmt))
    return out


def _test_reasons(
    test: NucleicAcidTest | None, policy: Policy, at: datetime, truck: bool
) -> Reason:
    rules = policy.nucleic_acid
    limit = policy.trucks.test_validity_hours if truck else rules.validity_hours
    if test is None:
        return reason("TEST_MISSING", rules.missing)
    if test.result is TestResult.POSITIVE:
        return reason("TEST_POSITIVE", rules.positive)
    age = at - test.sample_time
    if age < -CLOCK_SKEW:
        return reason("TEST_FUTURE", rules.expired)
    hours = max(0, int(age.total_seconds() // 3600))
    if age > timedelta(hours=limit):
        return reason("TEST_EXPIRED", rules.expired, hours=hours, limit=limit)
    return reason("TEST_NEGATIVE", rules.negative, hours=max(hours, 1), limit=limit)


def _itinerary_reasons(
    findings: PersonFindings,
    policy: Policy,
    today: date,
    risk_areas: Sequence[RiskArea],
    escort_ok: bool,
) -> list[Reason]:
    rules = policy.itinerary
    days = rules.window_days
    if findings.places is None and findings.itinerary_star is None:
        return [reason("ITINERARY_MISSING", rules.missing)]
    first_day = today - timedelta(days=days - 1)
    recent = [p for p in findings.places or () if first_day <= p.visited_on <= today]
    out: list[Reason] = []
    starred = [p.region.name for p in recent if p.mark is RiskMark.STAR]
    if findings.itinerary_star or starred:
        out.append(
            reason("ITINERARY_STAR", rules.star, days=days, places="、".join(starred) or "行程卡")
        )
    for place in recent:
        for area in risk_areas:
            if not area.in_force_on(place.visited_on):
                continue
            when = place.visited_on.isoformat()
            if area.contains(place.region.code):
                if area.level is RiskLevel.MEDIUM and escort_ok:
                    out.append(
                        reason(
                            "RISK_AREA_TRUCK_ESCORT",
                            policy.trucks.risk_area,
                            date=when,
                            area=area.name,
                        )
                    )
                else:
                    out.append(
                        reason(
                            f"RISK_AREA_{area.level.code.upper()}",
                            policy.risk_areas[area.level],
                            date=when,
                            area=area.name,
                        )
                    )
            elif area.within(place.region.code) and area.level is not RiskLevel.LOW:
                # the itinerary names the city only: it may or may not include the area
                out.append(
                    reason(
                        "ITINERARY_RISK_CITY",
                        rules.star,
                        days=days,
                        place=place.region.name,
                        area=area.name,
                        level=area.level.zh,
                    )
                )
    if not out:
        out.append(reason("ITINERARY_CLEAR", rules.clear, days=days))
    return out


def _plate_key(plate: str) -> str:
    return "".join(plate.split()).replace("·", "").replace(".", "").upper()


def _goods_pass_reasons(
    findings: PersonFindings, policy: Policy, today: date
) -> tuple[list[Reason], bool]:
    rules = policy.trucks
    gp = findings.goods_pass
    if gp is None:
        return [reason("GOODS_PASS_MISSING", rules.no_goods_pass)], False
    if not gp.valid_on(today):
        return [
            reason(
                "GOODS_PASS_NOT_VALID_TODAY",
                rules.goods_pass_invalid,
                number=gp.number,
                start=gp.valid_from.isoformat(),
                end=gp.valid_to.isoformat(),
            )
        ], False
    if findings.plate and _plate_key(findings.plate) != _plate_key(gp.plate):
        return [
            reason(
                "GOODS_PASS_PLATE_MISMATCH",
                rules.goods_pass_invalid,
                pass_plate=gp.plate,
                plate=findings.plate,
            )
        ], False
    return [reason("GOODS_PASS_VALID", number=gp.number)], True


def evaluate_person(
    findings: PersonFindings,
    policy: Policy,
    at: datetime,
    vehicle_type: VehicleType = VehicleType.CAR,
    risk_areas: Sequence[RiskArea] = (),
    *,
    occupant: Occupant | None = None,
    tz: tzinfo = SITE_TZ,
) -> PersonAssessment:
    """The verdict for one person as of ``at`` (aware). For a truck the goods-vehicle pass is
    required of the driver (``occupant`` DRIVER or unknown), not of a passenger."""
    today = at.astimezone(tz).date()
    truck = vehicle_type is VehicleType.TRUCK
    reasons = _credential_reasons(findings.credentials, policy, findings.manual)

    hc = policy.health_code
    if findings.code_colour is None:
        reasons.append(reason("HEALTH_CODE_MISSING", hc.missing))
    else:
        code = f"HEALTH_CODE_{findings.code_colour.value.upper()}"
        reasons.append(reason(code, hc.by_colour[findings.code_colour]))
        if findings.code_time is not None and at - findings.code_time > hc.max_age:
            minutes = int((at - findings.code_time).total_seconds() // 60)
            reasons.append(reason("HEALTH_CODE_STALE", hc.stale, minutes=minutes))

    reasons.append(_test_reasons(findings.test, policy, at, truck))

    escort_ok = False
    if truck and policy.trucks.require_goods_pass and occupant in (None, Occupant.DRIVER):
        pass_reasons, escort_ok = _goods_pass_reasons(findings, policy, today)
        reasons += pass_reasons
    elif truck and findings.goods_pass is not None:
        escort_ok = findings.goods_pass.valid_on(today)
    reasons += _itinerary_reasons(findings, policy, today, risk_areas, escort_ok)

    if findings.temperature_c is not None:
        temp = f"{findings.temperature_c:.1f}"
        if findings.temperature_c >= policy.fever_threshold_c:
            reasons.append(
                reason("FEVER", policy.fever, temp=temp, limit=f"{policy.fever_threshold_c:.1f}")
            )
        else:
            reasons.append(reason("TEMPERATURE_NORMAL", temp=temp))

    if findings.code_shared is not None:
        minutes = int(findings.code_shared.window.total_seconds() // 60)
        reasons.append(reason("CODE_SHARED", policy.credentials.shared, minutes=minutes))

    verdict, disposition, report = _summarise(reasons)
    return PersonAssessment(verdict, tuple(reasons), disposition, report, policy.version_label)


def evaluate_vehicle(people: Sequence[PersonAssessment]) -> VehicleAssessment:
    """The vehicle's outcome: the most severe verdict and disposition of its people."""
    reasons = tuple(r for p in people for r in p.reasons)
    verdict = _worst_verdict(p.verdict for p in people)
    disposition = Disposition.most_severe([p.disposition for p in people])
    report = any(p.report_to_community for p in people) and (
        disposition.severity <= Disposition.ESCORT.severity
    )
    policies = sorted({p.policy for p in people})
    return VehicleAssessment(
        verdict, disposition, report, tuple(people), ",".join(policies), reasons
    )


def findings_from_credentials(
    results: Sequence[CredentialResult], *, manual: bool = False
) -> PersonFindings:
    """Findings from what the trusted credentials state (signature and validity both valid).

    An untrusted credential adds no facts, only its own reason (see ``evaluate_person``).
    Merge the inspector's findings with ``dataclasses.replace``.
    """
    colour = code_time = test = goods = None
    places: list[PlaceVisit] | None = None
    for r in results:
        content = r.content
        if content is None or not r.trusted:
            continue
        if content.code_colour is not None:
            colour, code_time = content.code_colour, content.code_time
        if content.places or content.itinerary_days is not None:
            places = [*(places or []), *content.places]
        if content.test is not None and (
            test is None or content.test.sample_time > test.sample_time
        ):
            test = content.test
        if content.goods_pass is not None and goods is None:
            goods = content.goods_pass
    return PersonFindings(
        code_colour=colour,
        code_time=code_time,
        places=tuple(places) if places is not None else None,
        test=test,
        goods_pass=goods,
        credentials=tuple(results),
        manual=manual,
    )


def trust_store_reason(status: TrustStatus) -> Reason | None:
    """An informational reason when the trust store is stale or empty (status, not silence)."""
    if status.freshness is Freshness.FRESH:
        return None
    return reason("TRUST_STORE_STALE", message_zh=status.message_zh, message_en=status.message_en)
