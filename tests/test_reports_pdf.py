"""The PDFs: Chinese labels and every total in the extracted text, the CJK font embedded."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from test_reports_seed import DEMO_DAY, KNOWN_DAY, TZ, Seeded, build_seeded

from checkpoint.domain import REPORT_TO_COMMUNITY_ZH, Disposition, Role, Step, VehicleType
from checkpoint.reports.data import DayReport, ShiftReport, day_report, shift_report, short_digest
from checkpoint.reports.pdf import day_report_pdf, shift_report_pdf, write_pdf
from checkpoint.team.site import ensure_place

NOW = datetime(2022, 4, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    s = build_seeded(tmp_path_factory.mktemp("reports-pdf"))
    yield s
    s.db.dispose()


def _reports(seeded: Seeded, number: int) -> tuple[ShiftReport, DayReport]:
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        return (
            shift_report(s, site, TZ, DEMO_DAY, number, now=NOW),
            day_report(s, site, TZ, DEMO_DAY, now=NOW),
        )


def _pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def _lines(pages: list[str]) -> list[str]:
    return [line.strip() for page in pages for line in page.splitlines() if line.strip()]


def _row(lines: list[str], label: str, width: int) -> list[str]:
    """The ``width`` cells that follow the first cell reading exactly ``label``."""
    i = lines.index(label)
    return lines[i + 1 : i + 1 + width]


def test_shift_pdf_has_chinese_labels_and_every_total(seeded: Seeded) -> None:
    report, _ = _reports(seeded, 2)
    pdf = shift_report_pdf(report)
    pages = _pages(pdf.data)
    assert len(pages) == pdf.pages >= 2
    lines = _lines(pages)
    whole = "\n".join(lines)
    for label in (
        "交接班报告",
        "一、在岗人员",
        "二、车流与人员",
        "三、各环节用时（通行效率）",
        "按来源省份（车牌归属地）",
        "分时车流量（辆/小时）",
        "改判记录",
        "五、交接事项",
        "交班组长（签字）：",
        "接班组长（签字）：",
        "执勤日期",
        "生成时间",
    ):
        assert label in whole, label
    for role in Role:
        assert role.zh in lines, role
    f = report.figures
    assert f"查验车辆 {f.vehicles:,} 辆，司乘人员 {f.people:,} 人" in whole
    for v in VehicleType:
        row = f.vehicle_type(v)
        assert _row(lines, v.zh, 4)[0] == f"{row.vehicles:,}", v
        assert _row(lines, v.zh, 4)[2] == f"{row.people:,}", v
    for d in Disposition:
        row = f.disposition(d)
        cells = _row(lines, d.zh, 4)
        assert (cells[0], cells[2]) == (f"{row.vehicles:,}", f"{row.people:,}"), d
    rtc = _row(lines, f"其中{REPORT_TO_COMMUNITY_ZH}", 3)
    assert (rtc[0], rtc[2]) == (
        f"{f.reported_to_community.vehicles:,}",
        f"{f.reported_to_community.people:,}",
    )
    assert lines.count("合计") == 2  # both breakdown tables close with the total
    for p in f.by_province:
        assert _row(lines, p.label, 1) == [f"{p.vehicles:,}"], p
    for h in f.hourly:
        assert h.label in lines
    for step in Step:
        assert step.zh in lines
    assert f"四、异常情况（{len(f.exceptions):,} 起" in whole
    assert f"改判记录（{len(f.overrides):,} 起）" in whole
    for e in f.exceptions:
        assert e.plate_masked in lines
    # Every page: its number, the total, and the data digest.
    digest = short_digest(report.digest)
    for i, page in enumerate(pages, 1):
        assert f"第 {i} 页 / 共 {len(pages)} 页" in page
        assert f"数据摘要 {digest}" in page


def test_plates_in_the_pdf_are_masked(seeded: Seeded) -> None:
    report, _ = _reports(seeded, 1)
    whole = "\n".join(_pages(shift_report_pdf(report).data))
    with seeded.db.engine.connect() as conn:
        plates = [r[0] for r in conn.execute(text("SELECT plate FROM inspection"))]
    assert not [p for p in plates if p in whole]


def test_empty_shift_report_says_so(seeded: Seeded) -> None:
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        empty = shift_report(s, site, TZ, KNOWN_DAY, 2, now=NOW)
        never = shift_report(s, site, TZ, KNOWN_DAY, 3, now=NOW)
    text_empty = "\n".join(_pages(shift_report_pdf(empty).data))
    assert "本班无车辆查验记录" in text_empty and "空报告" in text_empty
    assert "本班无异常车辆" in text_empty and "第 1 页 / 共" in text_empty
    text_never = "\n".join(_pages(shift_report_pdf(never).data))
    assert "本班未开班" in text_never


def test_known_shift_pdf_lists_exception_and_override(seeded: Seeded) -> None:
    with seeded.db.session() as s:
        site = ensure_place(s, seeded.settings).site
        report = shift_report(s, site, TZ, KNOWN_DAY, 1, now=NOW)
    lines = _lines(_pages(shift_report_pdf(report).data))
    whole = "\n".join(lines)
    assert "京C***11" in lines and "现场复测正常" in whole and "核酸超过48小时×2" in whole
    assert "放行＋落地报备" in whole and "未完成" in whole
    assert "测温枪电量低，请及时更换电池。" in whole
    # The bundled font draws ℃ as a blank, so the paper spells it °C.
    assert "体温37.9°C,达到37.3°C发热标准" in whole and "℃" not in whole
    assert "钱组长" in lines and "孙组长" in lines


def test_day_pdf_shows_shifts_side_by_side(seeded: Seeded) -> None:
    _, day = _reports(seeded, 1)
    pdf = day_report_pdf(day)
    lines = _lines(_pages(pdf.data))
    whole = "\n".join(lines)
    assert "每日一报" in lines and "一、各班次对照" in lines
    for name in ("夜班", "白班", "晚班", "全天"):
        assert name in whole
    cells = _row(lines, "车辆（辆）", 4)
    assert cells == [f"{s.figures.vehicles:,}" for s in day.shifts] + [f"{day.day.vehicles:,}"]
    cells = _row(lines, "人员（人）", 4)
    assert cells == [f"{s.figures.people:,}" for s in day.shifts] + [f"{day.day.people:,}"]
    cells = _row(lines, "异常（起）", 4)
    assert cells[-1] == f"{len(day.day.exceptions):,}"
    assert "全天分时车流量（辆/小时）" in whole
    assert f"数据摘要 {short_digest(day.digest)}" in whole


def test_cjk_font_is_embedded_and_no_other_font_is_needed(seeded: Seeded, tmp_path: Path) -> None:
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        pytest.skip("pdffonts (poppler-utils) is not installed; cannot check font embedding")
    report, day = _reports(seeded, 2)
    for name, rep in (("shift.pdf", report), ("day.pdf", day)):
        path = tmp_path / name
        write_pdf(rep, path)
        out = subprocess.run(
            [pdffonts, str(path)], capture_output=True, text=True, check=True, timeout=30
        ).stdout
        rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
        assert rows, out
        assert any("WenQuanYiMicroHei" in r[0] for r in rows), out
        for r in rows:
            # name type encoding emb sub uni ... : every font embedded (and subset)
            emb = re.findall(r"\b(yes|no)\b", " ".join(r))
            assert emb[:2] == ["yes", "yes"], out
