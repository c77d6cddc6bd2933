"""Known data for the report tests: one demo day, plus a hand-made day with exact figures.

2022-04-18: three demo shifts (900 vehicles). 2022-04-19: shift 1 holds five hand-made
vehicles whose every figure is known; shift 2 is opened and closed with no vehicle; shift 3 is
never opened. Other report test modules import :func:`build_seeded` from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from checkpoint.config import Settings
from checkpoint.demo.seeder import seed
from checkpoint.domain import Disposition, Role, VehicleType
from checkpoint.storage.db import Database, open_database
from checkpoint.storage.models import Inspection
from checkpoint.team.rota import RosterMember, close_shift, open_shift
from checkpoint.team.site import ensure_place
from checkpoint.team.staff import add_staff

DEMO_DAY = date(2022, 4, 18)
KNOWN_DAY = date(2022, 4, 19)
DEMO_VEHICLES = 900
TZ = ZoneInfo("Asia/Shanghai")

# plate, type, people, suggested, final, report, override, reasons, verify/record/divert secs
GUIDE_SECONDS = 10  # every known vehicle took 10 s from first input to guided in
KNOWN = (
    ("浙A12345", VehicleType.CAR, 2, "release", "release", False, None, (), (10, 5, 2)),
    (
        "苏B54321",
        VehicleType.TRUCK,
        1,
        "escort",
        "escort",
        False,
        None,
        ("无货车通行证", "体温37.9℃,达到37.3℃发热标准"),
        (20, 10, 4),
    ),
    (
        "京C11111",
        VehicleType.BUS,
        5,
        "test_lane",
        "release",
        False,
        "现场复测正常",
        ("核酸超过48小时", "核酸超过48小时"),
        (30, 15, 6),
    ),
    (
        "浙D22222",
        VehicleType.CAR,
        3,
        "release",
        "release",
        True,
        None,
        ("14天内到过风险地区",),
        (40, 20, 8),
    ),
    ("港A12345", VehicleType.CAR, 1, None, None, False, None, (), None),
)


@dataclass(frozen=True)
class Seeded:
    """The seeded database and the settings that point at it."""

    db: Database
    settings: Settings
    url: str


def build_seeded(folder: Path) -> Seeded:
    """Seed ``folder``/checkpoint.db with the demo day and the hand-made day."""
    url = f"sqlite:///{(folder / 'checkpoint.db').as_posix()}"
    settings = Settings(data_dir=folder / "data", db_url=url)
    db = open_database(url)
    seed(db, settings, days=1, vehicles_per_day=DEMO_VEHICLES, seed_value=7, start=DEMO_DAY)
    with db.session() as s:
        place = ensure_place(s, settings)
        leader = add_staff(s, place.site, "钱组长", Role.LEADER)
        nxt = add_staff(s, place.site, "孙组长", Role.LEADER)
        guide = add_staff(s, place.site, "吴引导", Role.GUIDE)
        inspector = add_staff(s, place.site, "郑查验", Role.INSPECTOR)
        recorder = add_staff(s, place.site, "冯录入", Role.RECORDER)
        volunteer = add_staff(s, place.site, "陈志愿", Role.VOLUNTEER)
        roster = [
            RosterMember(guide.id, Role.GUIDE),
            RosterMember(inspector.id, Role.INSPECTOR),
            RosterMember(recorder.id, Role.RECORDER),
            RosterMember(volunteer.id, Role.VOLUNTEER),
        ]
        shift = open_shift(
            s,
            place.site,
            leader=leader,
            roster=roster,
            tz=settings.tz,
            duty_date=KNOWN_DAY,
            number=1,
            at=datetime(2022, 4, 18, 16, tzinfo=UTC),
        )
        base = shift.starts_at + timedelta(hours=1, minutes=10)
        for i, (plate, vtype, people, sug, fin, rtc, why, reasons, spans) in enumerate(KNOWN):
            at = base + timedelta(hours=i)
            row = Inspection(
                shift_id=shift.id,
                lane_id=place.lane.id,
                plate=plate,
                vehicle_type=vtype.value,
                people_count=people,
                created_at=at,
                guide_started_at=at - timedelta(seconds=GUIDE_SECONDS),
                guide_at=at,
                guide_by_id=guide.id,
                suggested_disposition=sug,
                final_disposition=fin,
                report_to_community=rtc,
                override_reason=why,
                reasons=[{"code": "x", "zh": r, "en": r} for r in reasons],
                status="done" if fin else "open",
                step="divert" if fin else "verify",
            )
            if spans is not None:
                row.verify_at = at + timedelta(seconds=spans[0])
                row.verify_by_id = inspector.id
                row.record_at = row.verify_at + timedelta(seconds=spans[1])
                row.record_by_id = recorder.id
                row.divert_at = row.record_at + timedelta(seconds=spans[2])
                row.divert_by_id = leader.id
            s.add(row)
        close_shift(
            s,
            shift,
            closed_by=leader,
            handover_to=nxt,
            note="交接正常。",
            open_issues="测温枪电量低，请及时更换电池。",
            at=shift.ends_at,
        )
        empty = open_shift(
            s,
            place.site,
            leader=nxt,
            tz=settings.tz,
            duty_date=KNOWN_DAY,
            number=2,
            at=shift.ends_at,
        )
        close_shift(s, empty, closed_by=nxt, handover_to=None, at=empty.ends_at)
    return Seeded(db, settings, url)


def test_known_day_is_seeded(tmp_path: Path) -> None:
    seeded = build_seeded(tmp_path)
    with seeded.db.session() as s:
        assert s.query(Inspection).count() == DEMO_VEHICLES + len(KNOWN)
    assert Disposition.RELEASE.value == "release"
    seeded.db.dispose()
