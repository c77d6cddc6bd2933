"""Report figures against the seeded rows, counted independently with plain SQL."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from test_reports_seed import DEMO_DAY, DEMO_VEHICLES, KNOWN, KNOWN_DAY, TZ, Seeded, build_seeded

from checkpoint.config import PROVINCES
from checkpoint.domain import Disposition, Role, Step, VehicleType
from checkpoint.reports.data import ReportError, ShiftReport, day_report, shift_report
from checkpoint.team.site import ensure_place

NOW = datetime(2022, 4, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    s = build_seeded(tmp_path_factory.mktemp("reports-data"))
    yield s
    s.db.dispose()


def _shift(seeded: Seeded, day: date, number: int) -> ShiftReport:
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        return shift_report(s, site, TZ, day, number, now=NOW)


def _sql(seeded: Seeded, sql: str, **params: object) -> list[tuple[object, ...]]:
    with seeded.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


SHIFT_ID = "SELECT id FROM shift WHERE duty_date = :d AND slot_number = :n"


@pytest.mark.parametrize("number", [1, 2, 3])
def test_demo_shift_totals_match_sql(seeded: Seeded, number: int) -> None:
    report = _shift(seeded, DEMO_DAY, number)
    f = report.figures
    where = f"shift_id = ({SHIFT_ID})"
    p = {"d": DEMO_DAY.isoformat(), "n": number}
    [(vehicles, people)] = _sql(
        seeded, f"SELECT count(*), sum(people_count) FROM inspection WHERE {where}", **p
    )
    assert (f.vehicles, f.people) == (vehicles, people)
    assert vehicles > 0

    by_type = dict(
        (
            (k, (n, m))
            for k, n, m in _sql(
                seeded,
                f"SELECT vehicle_type, count(*), "
                f"sum(people_count) FROM inspection WHERE {where} GROUP BY vehicle_type",
                **p,
            )
        )
    )
    for v in VehicleType:
        row = f.vehicle_type(v)
        assert (row.vehicles, row.people) == by_type.get(v.value, (0, 0)), v
        assert row.label == v.zh

    by_disp = dict(
        (
            (k, (n, m))
            for k, n, m in _sql(
                seeded,
                f"SELECT final_disposition, count(*), "
                f"sum(people_count) FROM inspection WHERE {where} GROUP BY final_disposition",
                **p,
            )
        )
    )
    for d in Disposition:
        row = f.disposition(d)
        assert (row.vehicles, row.people) == by_disp.get(d.value, (0, 0)), d
        assert row.label == d.zh

    [(rtc, rtc_people)] = _sql(
        seeded,
        f"SELECT count(*), coalesce(sum(people_count), 0) FROM inspection "
        f"WHERE {where} AND report_to_community",
        **p,
    )
    assert (f.reported_to_community.vehicles, f.reported_to_community.people) == (rtc, rtc_people)

    plates = [r[0] for r in _sql(seeded, f"SELECT plate FROM inspection WHERE {where}", **p)]
    expected = Counter(str(plate)[0] for plate in plates)
    assert {r.key: r.vehicles for r in f.by_province} == dict(expected)
    assert all(r.key in PROVINCES for r in f.by_province)
    assert [r.vehicles for r in f.by_province] == sorted(
        (r.vehicles for r in f.by_province), reverse=True
    )

    [(exceptions,)] = _sql(
        seeded,
        f"SELECT count(*) FROM inspection WHERE {where} AND (final_disposition IS NULL "
        "OR final_disposition != 'release' OR report_to_community OR override_reason IS NOT NULL)",
        **p,
    )
    assert len(f.exceptions) == exceptions
    [(overrides,)] = _sql(
        seeded,
        f"SELECT count(*) FROM inspection WHERE {where} AND override_reason IS NOT NULL",
        **p,
    )
    assert len(f.overrides) == overrides
    assert all(
        e.final is not Disposition.RELEASE or e.overridden or e.report_to_community
        for e in f.exceptions
    )
    # Masked plates only: no exception shows a full plate.
    assert all("*" in e.plate_masked for e in f.exceptions)
    assert not {e.plate_masked for e in f.exceptions} & set(plates)

    # Hourly buckets: every vehicle in exactly one local hour of the shift.
    created = [
        datetime.fromisoformat(str(r[0])).replace(tzinfo=UTC).astimezone(TZ)
        for r in _sql(seeded, f"SELECT created_at FROM inspection WHERE {where}", **p)
    ]
    hours = Counter(c.strftime("%H:00") for c in created)
    assert {h.label: h.vehicles for h in f.hourly} == {
        h.label: hours.get(h.label, 0) for h in f.hourly
    }
    assert sum(h.vehicles for h in f.hourly) == vehicles
    assert len(f.hourly) == 8


def test_demo_shift_header_and_staff(seeded: Seeded) -> None:
    report = _shift(seeded, DEMO_DAY, 2)
    h = report.header
    assert h.site == seeded.settings.site_name
    assert h.lanes == (seeded.settings.lane_name,)
    assert (h.number, h.name_zh, h.hours_text) == (2, "白班", "08:00–16:00")
    assert h.opened and h.leader and h.handover_to and h.closed_at is not None
    roles = [s.role for s in h.staff]
    assert roles == [r for r in Role if r in roles]  # in the domain's order
    assert set(roles) == set(Role)
    [(roster,)] = _sql(
        seeded,
        f"SELECT count(*) FROM shift_roster WHERE shift_id = ({SHIFT_ID})",
        d=DEMO_DAY.isoformat(),
        n=2,
    )
    assert sum(len(s.names) for s in h.staff) == roster
    assert report.generated_at == NOW.astimezone(TZ)


def test_known_shift_exact_figures(seeded: Seeded) -> None:
    report = _shift(seeded, KNOWN_DAY, 1)
    f = report.figures
    assert f.vehicles == len(KNOWN) == 5
    assert f.people == sum(k[2] for k in KNOWN) == 12
    assert f.vehicle_type(VehicleType.CAR).vehicles == 3
    assert f.vehicle_type(VehicleType.BUS).people == 5
    assert f.disposition(Disposition.RELEASE).vehicles == 3
    assert f.disposition(Disposition.ESCORT).vehicles == 1
    unfinished = [r for r in f.by_disposition if r.key == "unfinished"]
    assert unfinished and (unfinished[0].vehicles, unfinished[0].label) == (1, "未完成")
    assert (f.reported_to_community.vehicles, f.reported_to_community.people) == (1, 3)
    assert {r.key: r.vehicles for r in f.by_province} == {"浙": 2, "苏": 1, "京": 1, "未识别": 1}
    # Exceptions: escort, override to release, release + report, unfinished; not the plain one.
    assert [e.plate_masked for e in f.exceptions] == [
        "苏B***21",
        "京C***11",
        "浙D***22",
        "港A***45",
    ]
    override = f.exceptions[1]
    assert override.overridden and override.override_reason == "现场复测正常"
    assert override.suggested is Disposition.TEST_LANE and override.final is Disposition.RELEASE
    assert override.reasons == ("核酸超过48小时×2",)
    assert override.decided_by == "钱组长"
    assert f.exceptions[2].outcome_zh == "放行＋落地报备"
    assert f.exceptions[3].final is None and f.exceptions[3].decided_by is None
    assert f.overrides == (override,)
    assert f.exceptions[0].at.strftime("%H:%M") == "02:10"  # local time, not UTC

    timing = {t.step: t for t in f.step_times}
    verify = timing[Step.VERIFY]
    assert verify.samples == 4
    assert verify.mean_seconds == pytest.approx(25.0, abs=0.01)
    assert verify.p90_seconds == pytest.approx(40.0, abs=0.01)  # nearest rank: 4th of 4
    assert timing[Step.RECORD].mean_seconds == pytest.approx(12.5, abs=0.01)
    assert timing[Step.DIVERT].p90_seconds == pytest.approx(8.0, abs=0.01)
    assert timing[Step.GUIDE].samples == 5
    assert timing[Step.GUIDE].mean_seconds == pytest.approx(10.0, abs=0.01)
    total = timing[None]  # from the first input at the guide to diverted
    assert total.samples == 4
    assert total.mean_seconds == pytest.approx((27 + 44 + 61 + 78) / 4, abs=0.01)
    assert total.p90_seconds == pytest.approx(78.0, abs=0.01)
    assert math.isclose(f.vehicles_per_hour, 5 / 8)

    h = report.header
    assert (h.leader, h.handover_to) == ("钱组长", "孙组长")
    assert h.open_issues == "测温枪电量低，请及时更换电池。"
    assert {s.role: s.names for s in h.staff}[Role.VOLUNTEER] == ("陈志愿",)


def test_empty_and_unopened_shifts_give_valid_reports(seeded: Seeded) -> None:
    empty = _shift(seeded, KNOWN_DAY, 2)
    assert empty.empty and empty.header.opened
    assert empty.figures.vehicles == 0 and empty.figures.exceptions == ()
    assert sum(h.vehicles for h in empty.figures.hourly) == 0 and len(empty.figures.hourly) == 8
    assert all(t.samples == 0 and t.mean_seconds is None for t in empty.figures.step_times)
    never = _shift(seeded, KNOWN_DAY, 3)
    assert never.empty and not never.header.opened
    assert never.header.leader is None and never.header.hours_text == "16:00–24:00"


def test_unknown_date_or_shift_is_a_clear_error(seeded: Seeded) -> None:
    with pytest.raises(ReportError, match=r"No shift was opened .* on 2023-01-01; the records"):
        _shift(seeded, date(2023, 1, 1), 1)
    with pytest.raises(ReportError, match="There is no shift 4 on 2022-04-18; shifts are 1, 2, 3"):
        _shift(seeded, DEMO_DAY, 4)
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        with pytest.raises(ReportError, match="No shift was opened"):
            day_report(s, site, TZ, date(2021, 12, 31))


def test_digest_ignores_generation_time_but_not_data(seeded: Seeded) -> None:
    a = _shift(seeded, DEMO_DAY, 1)
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        b = shift_report(s, site, TZ, DEMO_DAY, 1, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert a.digest == b.digest and len(a.digest) == 64
    assert _shift(seeded, DEMO_DAY, 2).digest != a.digest


def test_day_report_sums_its_shifts(seeded: Seeded) -> None:
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        day = day_report(s, site, TZ, DEMO_DAY, now=NOW)
        known = day_report(s, site, TZ, KNOWN_DAY, now=NOW)
    assert [r.header.number for r in day.shifts] == [1, 2, 3]
    assert day.day.vehicles == sum(r.figures.vehicles for r in day.shifts) == DEMO_VEHICLES
    assert day.day.people == sum(r.figures.people for r in day.shifts)
    for d in Disposition:
        assert day.day.disposition(d).vehicles == sum(
            r.figures.disposition(d).vehicles for r in day.shifts
        )
    assert len(day.day.exceptions) == sum(len(r.figures.exceptions) for r in day.shifts)
    assert len(day.day.hourly) == 24
    assert sum(h.vehicles for h in day.day.hourly) == DEMO_VEHICLES
    assert [h.label for h in day.day.hourly][:2] == ["00:00", "01:00"]
    assert day.shifts[1].digest == _shift(seeded, DEMO_DAY, 2).digest
    # A day with an empty and an unopened shift still reports, shift by shift.
    assert [(r.header.opened, r.figures.vehicles) for r in known.shifts] == [
        (True, 5),
        (True, 0),
        (False, 0),
    ]
