"""The shift at a glance, the all-lanes view, and the reports' leader sections (PDF text)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from leader_world import MORNING, PINS, TZ, Person, World, make_world
from pypdf import PdfReader

from checkpoint.cli import main
from checkpoint.domain import CodeColour, Disposition, VehicleType
from checkpoint.leader.backentry import import_paper_ledger
from checkpoint.leader.corrections import Corrector
from checkpoint.leader.overview import Overview
from checkpoint.leader.responses import ResponseBook
from checkpoint.reports.data import day_report, shift_report
from checkpoint.reports.pdf import day_report_pdf, shift_report_pdf
from checkpoint.storage.models import Site

DAY = date(2022, 4, 18)
AT = MORNING
NOW = datetime(2022, 4, 18, 11, 30, tzinfo=TZ)
PAPER = (
    "time,plate,vehicle_type,people,origin,destination,disposition,note\n"
    "08:10,皖A11111,car,2,合肥,建德,release,断电期间纸质登记\n"
    "08:20,赣A22222,truck,1,南昌,寿昌,核酸检测通道,\n"
)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    """Lane 1: four vehicles (one red code → quarantine and a 136 response, one corrected), two
    back-entered; lane 2: one vehicle long ago."""
    w = make_world(db_url, AT)
    w.vehicle("浙A11111", AT)
    w.vehicle("浙A22222", AT + timedelta(minutes=5), [Person(), Person(test_hours=None)])
    red = w.vehicle("沪A33333", AT + timedelta(minutes=50), [Person(colour=CodeColour.RED)])
    fixed = w.vehicle("浙A44444", NOW - timedelta(minutes=10), vehicle_type=VehicleType.CAR)
    lane2 = w.add_lane("2号车道")
    w.vehicle("苏E55555", AT + timedelta(minutes=2), lane_id=lane2)
    Corrector(w.db, w.policy, settings=w.settings).correct(
        fixed, "plate", "浙A44445", reason="车牌看错一位", staff=w.staff["王建国"], at=NOW,
    )  # fmt: skip
    paper = tmp_path / "停电台账.csv"
    paper.write_text(PAPER, encoding="utf-8")
    import_paper_ledger(w.db, w.settings, paper, DAY, staff=w.staff["王建国"], now=NOW)
    book = ResponseBook(w.db, w.site_id, TZ, w.policy.response)
    (r,) = book.open_responses()
    book.tick(r.id, "hold_report", staff=w.staff["徐丽"], at=r.started_at + timedelta(minutes=8))
    w.red = red  # type: ignore[attr-defined]
    yield w
    w.db.dispose()


def test_the_shift_at_a_glance(world: World) -> None:
    glance = Overview(world.db, world.settings, world.policy.response).shift(
        world.shift_id, now=NOW
    )
    assert (glance.number, glance.name_zh) == (2, "白班")
    assert (glance.vehicles, glance.people) == (7, 9)
    assert glance.back_entered == 2
    by = {r.key: r.vehicles for r in glance.by_disposition}
    assert by[Disposition.QUARANTINE.value] == 1 and by[Disposition.TEST_LANE.value] == 2
    # the last hour (10:30–11:30): the red-code car and the corrected one
    assert (glance.last_hour_vehicles, glance.last_hour_people) == (2, 2)
    assert sum(h.vehicles for h in glance.hourly) == 7
    assert [h.label for h in glance.hourly][:3] == ["08:00", "09:00", "10:00"]
    verify = next(t for t in glance.step_times if t.step is not None and t.step.value == "divert")
    assert verify.samples == 5 and verify.mean_seconds == pytest.approx(5.0)
    assert glance.open_responses == 1
    # 10:50 + 30 min: the transfer is overdue at 11:30, the first measure was ticked in time
    assert [o.key for o in glance.overdue] == ["transfer"]


def test_all_lanes_of_the_checkpoint(world: World) -> None:
    lanes = Overview(world.db, world.settings, world.policy.response).lanes(world.shift_id, now=NOW)
    assert [(x.name, x.vehicles, x.open) for x in lanes] == [
        ("1号车道", 6, True),
        ("2号车道", 1, False),
    ]
    one = lanes[0]
    assert one.last_plate_masked == "浙A***45" and one.last_disposition is Disposition.RELEASE
    assert one.last_at == NOW - timedelta(minutes=10)


def _text(data: bytes) -> str:
    pages = PdfReader(io.BytesIO(data)).pages
    # joined without line breaks: a wrapped cell reads as one string
    return "".join(line.strip() for p in pages for line in p.extract_text().splitlines())


def test_the_reports_list_responses_corrections_and_back_entries(world: World) -> None:
    with world.db.session() as s:
        site = s.get(Site, world.site_id)
        assert site is not None
        shift = shift_report(s, site, TZ, DAY, 2, now=NOW)
        day = day_report(s, site, TZ, DAY, now=NOW)
    assert shift.leader is not None and day.leader is not None
    (resp,) = day.leader.responses
    assert [m.done_by for m in resp.measures] == ["徐丽", None, None]
    tallies = {
        t.lane: (t.vehicles, t.back_entered, t.corrected, t.responses) for t in day.leader.lanes
    }
    assert tallies == {"1号车道": (6, 2, 1, 1), "2号车道": (1, 0, 0, 0)}
    marked = [e for e in day.day.exceptions if e.corrected or e.back_entered]
    assert {(e.plate_masked, e.corrected, e.back_entered) for e in marked} == {
        ("浙A***45", True, False),
        ("赣A***22", False, True),
    }
    for pdf in (shift_report_pdf(shift), day_report_pdf(day)):
        text = _text(pdf.data)
        for expected in (
            "136 应急处置（1 起）",
            "转运隔离",
            "车辆停靠待检区、人员不下车，上报指挥部",
            "按时完成",
            "未完成",
            "尚未关闭",
            "更正记录（1 条，保留原值）",
            "浙A***44",
            "浙A***45",
            "车牌看错一位",
            "补录记录（纸质台账，2 辆）",
            "停电台账.csv",
            "已更正",
        ):
            assert expected in text, expected
    day_text = _text(day_report_pdf(day).data)
    assert "各车道汇总" in day_text and "2号车道" in day_text


def test_report_json_carries_the_leader_section(
    world: World, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "day.pdf"
    monkeypatch.setenv("CHECKPOINT_PIN", PINS["王建国"])  # reports carry personal data: sign in
    assert main(["report", "day", "--date", "2022-04-18", "--out", str(out), "--json",
                 "--db", db_url, "--as", "王建国"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    leader = data["leader"]
    assert leader["back_entered"] == 2
    assert [c["field"] for c in leader["corrections"]] == ["plate"]
    assert leader["corrections"][0]["old"] == "浙A***44"
    assert leader["responses"][0]["measures"][0]["done_by"] == "徐丽"
    assert [s["leader"]["back_entered"] for s in data["shifts"]] == [0, 2, 0]
