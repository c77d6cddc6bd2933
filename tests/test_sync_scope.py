"""Reports printed at a lane cover the whole checkpoint when its server answers and the lane's
own books when it does not, and say which on the page and in the JSON (real PostgreSQL)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from sync_lanes import DUTY, SHIFT_NO, joined_lanes

from checkpoint.reports.data import DayReport, ShiftReport, report_json
from checkpoint.reports.service import ReportKind, ReportRequest, make_report
from checkpoint.sync.reading import LaneOnly

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def _text(pdf: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing; .ci/run installs it")
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def test_online_the_report_covers_the_checkpoint_offline_this_lane_and_says_which(
    pg_url: str, tmp_path: Path
) -> None:
    with joined_lanes(pg_url, tmp_path, vehicles=3) as (here, _other):
        here.record(here.open_shift(), 2, seed=11)
        here.sender.send_once()
        shift = ReportRequest(ReportKind.SHIFT, DUTY, SHIFT_NO)
        day = ReportRequest(ReportKind.DAY, DUTY)

        online = replace(here.settings, server_url=pg_url)
        doc = make_report(here.db, online, shift)
        assert isinstance(doc.report, ShiftReport)
        assert doc.report.vehicles == 5  # both lanes
        assert doc.report.header.lanes == ("1号车道", "2号车道")
        data = report_json(doc.report)
        assert (data["scope"], data["lane_id"], data["scope_lane"]) == (
            "checkpoint",
            str(here.lane_id),
            "1号车道",
        )
        assert data["scope_reason"] is None and data["vehicles"] == 5
        assert "统计范围 全卡口（各车道，服务器数据）" in " ".join(_text(doc.pdf).split())
        daily = make_report(here.db, online, day)
        assert isinstance(daily.report, DayReport)
        assert daily.report.vehicles == 5 and report_json(daily.report)["scope"] == "checkpoint"

        # the server is away: the lane's own books, and the page says so
        offline = replace(here.settings, server_url=DOWN)
        doc = make_report(here.db, offline, shift)
        assert isinstance(doc.report, ShiftReport)
        assert doc.report.vehicles == 2 and doc.report.header.lanes == ("1号车道",)
        assert doc.report.scope is not None
        assert doc.report.scope.why_lane_only is LaneOnly.OFFLINE
        data = report_json(doc.report)
        assert (data["scope"], data["lane_id"], data["scope_reason"]) == (
            "lane",
            str(here.lane_id),
            "offline",
        )
        assert data["digest"]  # the existing keys are all still there
        page = " ".join(_text(doc.pdf).split())
        assert "统计范围 仅本车道 1号车道（卡口服务器离线，自" in page
        assert doc.report.audit_head is not None  # this lane's chain head, as before

        # a lane without a server: its own lane, saying there is no server
        alone = make_report(here.db, replace(here.settings, server_url=None), day)
        assert report_json(alone.report)["scope_reason"] == "no_server"
        assert alone.report.vehicles == 2
        assert "仅本车道 1号车道（未配置卡口服务器）" in " ".join(_text(alone.pdf).split())


def test_records_not_yet_sent_are_counted_on_the_page(pg_url: str, tmp_path: Path) -> None:
    with joined_lanes(pg_url, tmp_path, vehicles=1) as (here, _other):
        here.record(here.open_shift(), 1, seed=12)  # recorded, not sent
        waiting = here.sender.waiting()
        doc = make_report(
            here.db,
            replace(here.settings, server_url=pg_url),
            ReportRequest(ReportKind.SHIFT, DUTY, SHIFT_NO),
        )
        assert report_json(doc.report)["scope_waiting"] == waiting > 0
        assert f"本车道 1号车道 尚有 {waiting} 条记录未送达" in " ".join(_text(doc.pdf).split())
