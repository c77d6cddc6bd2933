"""Believable demo traffic (`checkpoint demo seed`): same seed, same data.

A day/night hourly profile, ~70% cars / 25% trucks / 5% buses, 1–5 people per vehicle, plates
mostly from the home province, mostly green findings with realistic shares of yellow and red
codes, stale tests, risk-area travel and fever, and the dispositions that follow from the
rules engine. Every shift of every day is opened with its roster and closed with a handover.
Every seeded record is in the audit chain (its digest event, checkpoint.storage.audit_rows). A
database that holds accounts or real records is refused: demo traffic never mixes into real books.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint.config import PROVINCES, Settings
from checkpoint.credentials.claims import GoodsPass, NucleicAcidTest, PlaceVisit, Region, TestResult
from checkpoint.domain import CodeColour, Disposition, Occupant, Role, VehicleType, Verdict
from checkpoint.errors import CheckpointError
from checkpoint.lane.judging import reason_dict
from checkpoint.plates import PLATE_ALNUM, PLATE_LETTERS
from checkpoint.privacy import hash_id_number, load_site_secret, mask_id_number, mask_name
from checkpoint.rules.policy import Policy
from checkpoint.rules.risk_areas import RiskArea, RiskLevel
from checkpoint.rules.verdicts import PersonFindings, evaluate_person, evaluate_vehicle
from checkpoint.storage import audit
from checkpoint.storage.db import Database
from checkpoint.storage.models import (
    CredentialScan,
    Inspection,
    PersonCheck,
    Shift,
    Site,
    StaffMember,
)
from checkpoint.team.rota import (
    RosterMember,
    active_plan,
    close_shift,
    find_shift,
    open_shift,
    spec_from_model,
    window,
)
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff, find_staff

# Relative traffic per local hour: quiet before dawn, peaks mid-morning and late afternoon.
HOURLY_PROFILE = (
    2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9,
    8, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2,
)  # fmt: skip
VEHICLE_MIX = ((VehicleType.CAR, 70), (VehicleType.TRUCK, 25), (VehicleType.BUS, 5))
PEOPLE = {
    VehicleType.CAR: ((1, 35), (2, 30), (3, 18), (4, 12), (5, 5)),
    VehicleType.TRUCK: ((1, 60), (2, 40)),
    VehicleType.BUS: ((3, 20), (4, 40), (5, 40)),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志文斌浩宇"
DESTINATIONS = ("寿昌镇", "建德市区", "梅城镇", "大同镇", "杭州", "金华", "衢州", "千岛湖")
DEMO_RISK_AREA_REGION = Region("310115", "上海市浦东新区")
TEAM = (
    ("陈立新", Role.ADMIN),
    ("王建国", Role.LEADER),
    ("李红梅", Role.LEADER),
    ("张志强", Role.LEADER),
    ("刘洋", Role.GUIDE),
    ("赵磊", Role.GUIDE),
    ("孙静", Role.GUIDE),
    ("周敏", Role.INSPECTOR),
    ("吴涛", Role.INSPECTOR),
    ("郑娟", Role.INSPECTOR),
    ("徐丽", Role.RECORDER),
    ("马超", Role.RECORDER),
    ("胡平", Role.RECORDER),
    ("何文", Role.VOLUNTEER),
    ("高宇", Role.VOLUNTEER),
    ("林浩", Role.VOLUNTEER),
)


@dataclass(frozen=True)
class SeedStats:
    """What a seed run wrote."""

    days: int
    shifts: int
    inspections: int
    people: int
    seconds: float


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def _plate(rng: random.Random, home: str) -> str:
    province = home if rng.random() < 0.75 else rng.choice(PROVINCES)
    letter = rng.choice(PLATE_LETTERS)
    if rng.random() < 0.1:  # small new-energy plate, 8 characters
        tail = rng.choice(PLATE_ALNUM) + f"{rng.randrange(10000):04d}"
        return province + letter + rng.choice("DF") + tail
    return province + letter + "".join(rng.choice(PLATE_ALNUM) for _ in range(5))


def _findings(
    rng: random.Random, vehicle: VehicleType, occupant: Occupant, at: datetime, plate: str
) -> PersonFindings:
    """One person's findings as an inspector would record them by eye."""
    roll = rng.random()
    colour = (
        CodeColour.GREEN if roll < 0.955 else CodeColour.YELLOW if roll < 0.99 else CodeColour.RED
    )
    fresh = rng.random() < 0.95
    hours = rng.choice((6, 12, 20, 30, 40, 46) if fresh else (60, 80, 100))
    fever = rng.random() < 0.005
    temperature = round(rng.uniform(37.4, 38.6) if fever else rng.gauss(36.5, 0.2), 1)
    goods_pass = None
    if vehicle is VehicleType.TRUCK and occupant is Occupant.DRIVER and rng.random() < 0.9:
        goods_pass = GoodsPass(
            number=f"{rng.randrange(10**12):012d}",
            plate=plate,
            origin=Region("330100", "杭州市"),
            destination=Region("330182", "建德市"),
            valid_from=at.date() - timedelta(days=3),
            valid_to=at.date() + timedelta(days=10),
            cargo="生活物资",
        )
    places: tuple[PlaceVisit, ...] | None = None
    if goods_pass is not None and rng.random() < 0.05:  # loaded goods in a medium-risk district
        places = (PlaceVisit(DEMO_RISK_AREA_REGION, at.date() - timedelta(days=2)),)
    return PersonFindings(
        code_colour=colour,
        places=places,
        code_time=at,
        itinerary_star=rng.random() < 0.02 if places is None else None,
        test=NucleicAcidTest(
            at - timedelta(hours=hours, minutes=rng.randrange(60)), TestResult.NEGATIVE
        ),
        temperature_c=min(temperature, 37.2) if not fever else temperature,
        goods_pass=goods_pass,
        plate=plate,
        manual=True,
    )


def _demo_risk_areas(first: date) -> tuple[RiskArea, ...]:
    return (
        RiskArea(
            DEMO_RISK_AREA_REGION.code,
            DEMO_RISK_AREA_REGION.name,
            RiskLevel.MEDIUM,
            first - timedelta(days=30),
        ),
    )


def _findings_json(f: PersonFindings, at: datetime) -> dict[str, Any]:
    age = (at - f.test.sample_time).total_seconds() / 3600 if f.test else None
    return {
        "code_colour": f.code_colour.value if f.code_colour else None,
        "test_age_hours": round(age, 1) if age is not None else None,
        "itinerary_star": f.itinerary_star,
        "temperature": f.temperature_c,
        "goods_pass": f.goods_pass.number if f.goods_pass else None,
    }


class DemoSeedRefused(CheckpointError):
    """The database holds accounts or real records: demo traffic would mix into real books."""


def refuse_real_database(session: Session) -> None:
    """DemoSeedRefused if the database holds an account (anyone with a PIN) or a record that
    is not demo traffic: demo data goes into a database of its own."""
    account = session.scalar(select(StaffMember.id).where(StaffMember.secret_hash.is_not(None)))
    real = session.scalar(select(Inspection.id).where(Inspection.demo.is_(False)).limit(1))
    if account is not None or real is not None:
        what = "accounts (staff with a PIN)" if account is not None else "real inspection records"
        raise DemoSeedRefused(
            f"This database holds {what}; demo traffic is only seeded into an empty or demo "
            "database: give another with --db sqlite:///demo.db."
        )


def _team(session: Session, site: Site) -> dict[Role, list[StaffMember]]:
    by_role: dict[Role, list[StaffMember]] = {r: [] for r in Role}
    for name, role in TEAM:
        member = find_staff(session, site, name) or add_staff(session, site, name, role)
        by_role[Role(member.role)].append(member)
    return by_role


def seed(
    db: Database,
    settings: Settings,
    *,
    days: int,
    vehicles_per_day: int,
    seed_value: int = 1,
    start: date | None = None,
    policy: Policy | None = None,
) -> SeedStats:
    """Fill ``days`` duty dates (ending yesterday unless ``start`` is given) with traffic."""
    import time as _time

    t0 = _time.perf_counter()
    rng = random.Random(seed_value)
    tz = settings.tz
    first = start or (datetime.now(tz).date() - timedelta(days=days))
    secret = load_site_secret(settings.ensure_data_dir())
    policy = policy or Policy.load(settings.policy_file)
    areas = _demo_risk_areas(first)
    shifts = inspections = people = 0
    with db.session() as s:
        refuse_real_database(s)
        place = ensure_place(s, settings)
        team = _team(s, place.site)
        plan = spec_from_model(active_plan(s, place.site))
        site_id, lane_id = place.site.id, place.lane.id
    for d in range(days):
        duty_date = first + timedelta(days=d)
        windows = [window(plan, duty_date, slot.number, tz) for slot in plan.slots]
        times = _arrival_times(rng, duty_date, vehicles_per_day, tz)
        with db.session() as s:
            site = s.get(Site, site_id)
            assert site is not None
            for i, w in enumerate(windows):
                if find_shift(s, site, w.duty_date, w.slot.number) is not None:
                    continue
                leader = team[Role.LEADER][(d * len(windows) + i) % len(team[Role.LEADER])]
                roster = [RosterMember(team[Role.ADMIN][0].id, Role.ADMIN)] + [
                    RosterMember(rng.choice(team[r]).id, r)
                    for r in (Role.GUIDE, Role.INSPECTOR, Role.RECORDER, Role.VOLUNTEER)
                ]
                shift = open_shift(
                    s, site, leader=leader, roster=roster, tz=tz,
                    duty_date=w.duty_date, number=w.slot.number, at=w.starts_at,
                )  # fmt: skip
                shifts += 1
                staff = {e.role: e.staff_id for e in shift.roster}
                batch = [t for t in times if w.contains(t)]
                for at in batch:
                    n = _vehicle(
                        s, rng, shift, lane_id, at, staff, settings, secret, (policy, areas)
                    )
                    inspections += 1
                    people += n
                nxt = team[Role.LEADER][(d * len(windows) + i + 1) % len(team[Role.LEADER])]
                close_shift(
                    s, shift, closed_by=leader, handover_to=nxt, at=w.ends_at,
                    note=f"交接正常，本班查验车辆{len(batch)}辆。",
                    open_issues="无" if rng.random() < 0.7 else "测温枪电量低，请及时更换电池。",
                )  # fmt: skip
    with db.session() as s:
        audit.record(
            s, site_id, None, "demo.seed", None,
            {"days": days, "inspections": inspections, "seed": seed_value},
        )  # fmt: skip
    return SeedStats(days, shifts, inspections, people, _time.perf_counter() - t0)


def _arrival_times(rng: random.Random, duty_date: date, n: int, tz: Any) -> list[datetime]:
    hours = rng.choices(range(24), weights=HOURLY_PROFILE, k=n)
    local = [
        datetime(duty_date.year, duty_date.month, duty_date.day, h, tzinfo=tz)
        + timedelta(seconds=rng.randrange(3600))
        for h in hours
    ]
    return sorted(t.astimezone(UTC) for t in local)


def _vehicle(
    s: Session,
    rng: random.Random,
    shift: Shift,
    lane_id: uuid.UUID,
    at: datetime,
    staff: dict[str, uuid.UUID],
    settings: Settings,
    secret: bytes,
    rules: tuple[Policy, tuple[RiskArea, ...]],
) -> int:
    policy, areas = rules
    vehicle: VehicleType = _weighted(rng, VEHICLE_MIX)
    count: int = _weighted(rng, PEOPLE[vehicle])
    t_verify = at + timedelta(seconds=rng.randint(15, 90))
    t_record = t_verify + timedelta(seconds=rng.randint(5, 25))
    t_divert = t_record + timedelta(seconds=rng.randint(3, 12))
    insp = Inspection(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        shift_id=shift.id,
        lane_id=lane_id,
        status="done",
        step="divert",
        plate=_plate(rng, settings.home_province),
        vehicle_type=vehicle.value,
        people_count=count,
        origin=rng.choice(PROVINCES) + "省" if rng.random() < 0.3 else None,
        destination=rng.choice(DESTINATIONS),
        created_at=at,
        guide_started_at=at - timedelta(seconds=rng.randint(6, 40)),
        guide_at=at,
        guide_by_id=staff[Role.GUIDE.value],
        verify_at=t_verify,
        verify_by_id=staff[Role.INSPECTOR.value],
        record_at=t_record,
        record_by_id=staff[Role.RECORDER.value],
        divert_at=t_divert,
        divert_by_id=staff[Role.LEADER.value],
        policy_version=policy.version_label,
        demo=True,
    )
    s.add(insp)
    assessments = []
    for seq in range(1, count + 1):
        occupant = Occupant.DRIVER if seq == 1 else Occupant.PASSENGER
        findings = _findings(rng, vehicle, occupant, t_verify, insp.plate)
        a = evaluate_person(
            findings, policy, t_verify, vehicle, areas, occupant=occupant, tz=settings.tz
        )
        assessments.append(a)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        id_number = f"3301{rng.randrange(10**13):013d}{rng.choice('0123456789X')}"
        person = PersonCheck(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            inspection_id=insp.id,
            seq=seq,
            occupant=occupant.value,
            name_masked=mask_name(name),
            id_hash=hash_id_number(id_number, secret),
            id_masked=mask_id_number(id_number),
            code_colour=findings.code_colour.value if findings.code_colour else None,
            temperature=findings.temperature_c,
            findings=_findings_json(findings, t_verify),
            verdict=a.verdict.value,
            reasons=[reason_dict(r) for r in a.reasons],
            disposition=a.disposition.value,
            report_to_community=a.report_to_community,
            manual=True,
            created_at=t_verify,
        )
        s.add(person)
        s.add(
            CredentialScan(
                inspection_id=insp.id,
                person_check_id=person.id,
                scanned_at=t_verify,
                format="unknown",
                kind="provincial-health-code",
                issuer=None,
                signature="absent",
                validity="unknown",
                fingerprint=f"{rng.getrandbits(256):064x}",
                demo=True,
            )
        )
    vehicle_outcome = evaluate_vehicle(assessments)
    suggested = vehicle_outcome.disposition
    insp.suggested_disposition = suggested.value
    insp.reasons = [
        {**reason_dict(r), "person": seq}
        for seq, a in enumerate(assessments, start=1)
        for r in a.reasons
        if r.verdict is not Verdict.PASS
    ]
    insp.report_to_community = vehicle_outcome.report_to_community
    final = suggested
    if suggested is not Disposition.RELEASE and rng.random() < 0.05:
        final = (
            Disposition.TEST_LANE if suggested is not Disposition.TEST_LANE else Disposition.RELEASE
        )
        insp.override_reason = "组长复核：现场复测体温正常，改为" + final.zh
    insp.final_disposition = final.value
    return count
