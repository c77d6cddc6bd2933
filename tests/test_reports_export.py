"""Ledger export: CSV with BOM for Excel, XLSX, masked plates, counts against the database."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from test_reports_seed import DEMO_DAY, DEMO_VEHICLES, KNOWN, KNOWN_DAY, TZ, Seeded, build_seeded

from checkpoint.reports.data import ReportError
from checkpoint.reports.export import LEDGER_HEADER, LedgerScope, export_ledger
from checkpoint.team.site import ensure_place


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    s = build_seeded(tmp_path_factory.mktemp("reports-export"))
    yield s
    s.db.dispose()


def _export(seeded: Seeded, scope: LedgerScope, path: Path) -> int:
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        return export_ledger(s, site, TZ, scope, path)


def _count(seeded: Seeded, sql: str) -> int:
    with seeded.db.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_csv_of_a_shift_opens_in_excel_and_masks_plates(seeded: Seeded, tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    n = _export(seeded, LedgerScope(DEMO_DAY, DEMO_DAY, 2), path)
    expected = _count(
        seeded,
        "SELECT count(*) FROM inspection JOIN shift ON shift.id = inspection.shift_id "
        f"WHERE shift.duty_date = '{DEMO_DAY.isoformat()}' AND shift.slot_number = 2",
    )
    assert n == expected > 0
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == LEDGER_HEADER
    assert len(rows) == n + 1
    plate_col = LEDGER_HEADER.index("车牌")
    assert all("*" in r[plate_col] for r in rows[1:])
    with seeded.db.engine.connect() as conn:
        plates = {r[0] for r in conn.execute(text("SELECT plate FROM inspection"))}
    assert not plates & {r[plate_col] for r in rows[1:]}
    assert {r[LEDGER_HEADER.index("班次")] for r in rows[1:]} == {"白班"}
    times = [r[LEDGER_HEADER.index("登记时间")] for r in rows[1:]]
    assert times == sorted(times) and times[0] >= "2022-04-18 08:00:00"


def test_xlsx_of_a_range_and_the_known_rows(seeded: Seeded, tmp_path: Path) -> None:
    path = tmp_path / "ledger.xlsx"
    n = _export(seeded, LedgerScope(DEMO_DAY, KNOWN_DAY), path)
    assert n == DEMO_VEHICLES + len(KNOWN) == _count(seeded, "SELECT count(*) FROM inspection")
    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    assert rows[0] == LEDGER_HEADER and len(rows) == n + 1
    h = {name: i for i, name in enumerate(LEDGER_HEADER)}
    known = [r for r in rows[1:] if r[h["执勤日期"]] == KNOWN_DAY.isoformat()]
    assert [r[h["车牌"]] for r in known] == [
        "浙A***45",
        "苏B***21",
        "京C***11",
        "浙D***22",
        "港A***45",
    ]
    override = known[2]
    assert (override[h["建议处置"]], override[h["最终处置"]]) == ("核酸检测通道", "放行")
    assert override[h["改判理由"]] == "现场复测正常"
    assert override[h["原因"]] == "核酸超过48小时"
    assert known[3][h["落地报备"]] == "是" and known[4][h["最终处置"]] == "未完成"
    assert known[4][h["车牌归属地"]] == "未识别"
    assert known[0][h["车型"]] == "小客车" and known[0][h["分流决定人"]] == "钱组长"


def test_export_errors_are_plain_sentences(seeded: Seeded, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="No shift was opened"):
        _export(
            seeded,
            LedgerScope(KNOWN_DAY.replace(day=25), KNOWN_DAY.replace(day=26)),
            tmp_path / "x.csv",
        )
    with pytest.raises(ReportError, match="no shift 5"):
        _export(seeded, LedgerScope(DEMO_DAY, DEMO_DAY, 5), tmp_path / "x.csv")
    with pytest.raises(ReportError, match=r"\.csv or \.xlsx"):
        _export(seeded, LedgerScope(DEMO_DAY, DEMO_DAY), tmp_path / "x.txt")
    with pytest.raises(ReportError, match="ends"):
        _export(seeded, LedgerScope(KNOWN_DAY, DEMO_DAY), tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_xlsx_keeps_text_that_looks_like_a_formula_or_an_error_as_text(tmp_path: Path) -> None:
    from checkpoint.reports.export import write_xlsx

    texts = ["=HYPERLINK(\"http://x\")", "#N/A", "#DIV/0!", "正常", "-1", "+86"]
    rows = iter([(t, 3, t) for t in texts])
    path = tmp_path / "odd.xlsx"
    assert write_xlsx(rows, path) == len(texts)
    ws = load_workbook(path).active
    assert ws is not None
    cells = list(ws.iter_rows(min_row=2))
    assert [c[0].value for c in cells] == texts
    assert {c[0].data_type for c in cells} == {"s"}
    assert [c[1].value for c in cells] == [3] * len(texts)
