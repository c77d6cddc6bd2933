"""Paper-ledger back-entry (补录): all or nothing, the bad line named, marked, audited, counted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from leader_world import PINS, TZ, World, make_world, world_at
from openpyxl import Workbook
from sqlalchemy import func, select

from checkpoint.cli import main
from checkpoint.domain import Disposition
from checkpoint.leader.backentry import BackEntryError, import_paper_ledger
from checkpoint.storage import ledger
from checkpoint.storage.ledger import LedgerFilter
from checkpoint.storage.models import AuditEvent, Inspection, PaperEntry, Shift
from checkpoint.team.auth import PermissionDenied

DAY = date(2022, 4, 18)
AT = datetime(2022, 4, 18, 9, 0, tzinfo=TZ)
NOW = datetime(2022, 4, 19, 8, 30, tzinfo=TZ)
HEADER = "time,plate,vehicle_type,people,origin,destination,disposition,note\n"
GOOD = (
    HEADER
    + "10:05,浙A12345,car,2,杭州,建德,release,\n"
    + "10:20,苏E·D12345,小客车,1,苏州,建德,核酸检测通道,行程卡带星\n"
    + "17:40,皖B54321,货车,1,合肥,寿昌,放行+落地报备,晚班补录\n"
)


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    with world_at(db_url, AT) as w:
        yield w


def _count(w: World, model: type) -> int:
    with w.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_good_file_is_entered_marked_and_audited(world: World, tmp_path: Path) -> None:
    path = tmp_path / "纸质台账.csv"
    path.write_text(GOOD, encoding="utf-8")
    leader = world.staff["王建国"]
    result = import_paper_ledger(world.db, world.settings, path, DAY, staff=leader, now=NOW)
    assert (result.vehicles, result.people) == (3, 4)
    # 17:40 falls in shift 3, which was never opened: opened for the importer and closed again
    assert result.shifts_opened == (3,)
    with world.db.session() as s:
        shift3 = s.scalars(select(Shift).where(Shift.slot_number == 3)).one()
        assert shift3.closed_at is not None
        assert shift3.handover_note == "补录：纸质台账 纸质台账.csv"
        rows = s.execute(
            select(Inspection, PaperEntry)
            .join(PaperEntry, PaperEntry.inspection_id == Inspection.id)
            .order_by(Inspection.created_at)
        ).all()
        assert [(i.plate, i.final_disposition, i.report_to_community) for i, _ in rows] == [
            ("浙A12345", "release", False),
            ("苏ED12345", "test_lane", False),
            ("皖B54321", "release", True),
        ]
        assert [(p.line, p.note, p.entered_by_id) for _, p in rows] == [
            (2, None, leader.id),
            (3, "行程卡带星", leader.id),
            (4, "晚班补录", leader.id),
        ]
        assert rows[0][0].created_at == datetime(2022, 4, 18, 10, 5, tzinfo=TZ)
        assert rows[2][0].shift_id == shift3.id
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "ledger.back_entry")).one()
        assert event.actor_id == leader.id and event.detail["vehicles"] == 3
    d = ledger.details(world.db, result.inspection_ids[1])
    assert d.paper is not None and (d.paper.source, d.paper.line, d.paper.by) == (
        "纸质台账.csv",
        3,
        "王建国",
    )
    # entering the same file again would count its vehicles twice
    with pytest.raises(BackEntryError, match=r"line 2 .*already in the ledger"):
        import_paper_ledger(world.db, world.settings, path, DAY, staff=leader, now=NOW)
    assert _count(world, PaperEntry) == 3


def test_a_wrong_plate_on_line_3_saves_nothing_and_names_line_3(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "10:05,浙A12345,car,2,杭州,建德,release,\n"
        + "10:20,浙I12345,car,1,杭州,建德,release,\n"
        + "18:00,浙A54321,car,1,杭州,建德,release,\n",
        encoding="utf-8",
    )
    before = (_count(world, Inspection), _count(world, Shift), _count(world, AuditEvent))
    with pytest.raises(BackEntryError) as caught:
        import_paper_ledger(world.db, world.settings, path, DAY, staff=world.staff["王建国"],
                            now=NOW)  # fmt: skip
    assert str(caught.value).startswith("bad.csv, line 3 (plate): '浙I12345'")
    assert "Nothing of the file was saved" in str(caught.value)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, "plate")]
    assert (_count(world, Inspection), _count(world, Shift), _count(world, AuditEvent)) == before


def test_every_bad_line_is_listed_with_what_is_wrong(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "25:00,浙A12345,car,2,,,release,\n"
        + "10:20,浙A12346,bike,1,,,release,\n"
        + "10:30,浙A12347,car,0,,,release,\n"
        + "10:40,浙A12348,car,1,,,go home,\n"
        + "10:40,浙A12349,car,1,,,release,\n"
        + "10:40,浙A12349,car,1,,,release,\n",
        encoding="utf-8",
    )
    with pytest.raises(BackEntryError) as caught:
        import_paper_ledger(world.db, world.settings, path, DAY, staff=world.staff["王建国"],
                            now=NOW)  # fmt: skip
    assert [(p.line, p.column) for p in caught.value.problems] == [
        (2, "time"),
        (3, "vehicle_type"),
        (4, "people"),
        (5, "disposition"),
        (7, "plate"),
    ]
    assert "4 more bad lines (3, 4, 5, 7)" in str(caught.value)
    assert _count(world, PaperEntry) == 0


def test_times_outside_the_duty_date_or_in_the_future_are_refused(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(HEADER + "2022-04-17 23:00,浙A12345,car,1,,,release,\n", encoding="utf-8")
    with pytest.raises(BackEntryError, match="not within duty date 2022-04-18"):
        import_paper_ledger(world.db, world.settings, path, DAY, staff=world.staff["王建国"],
                            now=NOW)  # fmt: skip
    path.write_text(HEADER + "10:00,浙A12345,car,1,,,release,\n", encoding="utf-8")
    with pytest.raises(BackEntryError, match="in the future"):
        import_paper_ledger(world.db, world.settings, path, DAY, staff=world.staff["王建国"],
                            now=datetime(2022, 4, 18, 9, 30, tzinfo=TZ))  # fmt: skip


def test_xlsx_with_chinese_headers_and_only_leaders(world: World, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["时间", "车牌", "车型", "人数", "出发地", "目的地", "处置", "备注"])
    ws.append([datetime(2022, 4, 18, 11, 0).time(), "粤B12345", "客车", 30, "深圳", "建德",
               "转运隔离", "红码一人"])  # fmt: skip
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    with pytest.raises(PermissionDenied):
        import_paper_ledger(world.db, world.settings, path, DAY, staff=world.staff["徐丽"],
                            now=NOW)  # fmt: skip
    result = import_paper_ledger(world.db, world.settings, path, DAY,
                                 staff=world.staff["赵点长"], now=NOW)  # fmt: skip
    assert result.vehicles == 1 and result.people == 30
    rows = ledger.fetch(world.db, LedgerFilter(plate="粤B"))
    assert [(r.vehicle_type.value, r.final) for r in rows] == [("bus", Disposition.QUARANTINE)]


def test_a_gbk_csv_from_excel_is_read(world: World, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes(("时间,车牌,车型,人数,出发地,目的地,处置,备注\n"
                      "10:05,浙A12345,小客车,1,杭州,建德,放行,\n").encode("gb18030"))  # fmt: skip
    result = import_paper_ledger(world.db, world.settings, path, DAY, staff=world.staff["王建国"],
                                 now=NOW)  # fmt: skip
    assert result.vehicles == 1


def test_cli_import_names_the_bad_line_and_saves_a_good_file(
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    make_world(db_url, AT).db.dispose()
    monkeypatch.setenv("CHECKPOINT_PIN", PINS["王建国"])
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "10:05,浙A12345,car,1,,,release,\n10:06,浙O12345,car,1,,,release,\n",
                   encoding="utf-8")  # fmt: skip
    args = ["ledger", "import", str(bad), "--date", "2022-04-18", "--as", "王建国", "--db", db_url]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "Nothing of the file was saved" in err and "Traceback" not in err
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    assert main(["ledger", "import", str(good), "--date", "2022-04-18", "--as", "王建国",
                 "--db", db_url]) == 0  # fmt: skip
    assert "Entered 3 vehicles (4 people)" in capsys.readouterr().out


def test_the_retention_purge_clears_the_paper_note(world: World, tmp_path: Path) -> None:
    from checkpoint.storage.retention import purge

    path = tmp_path / "p.csv"
    path.write_text(GOOD, encoding="utf-8")
    import_paper_ledger(world.db, world.settings, path, DAY, staff=world.staff["王建国"], now=NOW)
    with world.db.session() as s:
        result = purge(s, world.site_id, retention=timedelta(days=30), now=NOW + timedelta(days=31))
        assert result.inspections == 3
    with world.db.session() as s:
        assert [p.note for p in s.scalars(select(PaperEntry))] == [None, None, None]
