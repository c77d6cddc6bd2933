"""The leader's view of all lanes (班况) reads the checkpoint's server when it answers, the
lane's own books otherwise (saying so), and re-reads live on the server's NOTIFY."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot
from sync_lanes import DUTY, SH, LaneLaptop, joined_lanes

from checkpoint.leader.overview import Overview
from checkpoint.rules.policy import Policy
from checkpoint.storage.models import Shift
from checkpoint.sync.reading import CheckpointReads, LaneOnly
from checkpoint.sync.watch import ServerWatch
from checkpoint.team.rota import open_shift
from checkpoint.team.site import ensure_place

DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def _shift_id(lane: LaneLaptop) -> uuid.UUID:
    return lane.open_shift().id


def _overview(lane: LaneLaptop, url: str | None) -> tuple[Overview, CheckpointReads]:
    settings = replace(lane.settings, server_url=url)
    reads = CheckpointReads(lane.db, settings)
    return Overview(lane.db, settings, Policy.load(None).response, reads), reads


def test_the_glance_reads_every_lane_from_the_server_and_its_own_lane_offline(
    pg_url: str, tmp_path: Path
) -> None:
    with joined_lanes(pg_url, tmp_path, vehicles=3) as (here, other):
        shift_id = _shift_id(here)  # the same shift (a stable id) as lane 2's
        here.sender.send_once()  # lane 1 is known on the server once it has sent something
        now = _noon(here, shift_id)
        online, reads = _overview(here, pg_url)
        try:
            seen = online.glance(shift_id, now=now)
        finally:
            reads.close()
        assert seen.scope is not None and seen.scope.checkpoint and seen.scope.lane == "1号车道"
        assert seen.shift.vehicles == 3
        # every lane the server knows (指挥部 is where the server was set up)
        assert {lane.name: lane.vehicles for lane in seen.lanes} == {
            "1号车道": 0,
            "2号车道": 3,
            "指挥部": 0,
        }
        # the server is away: the lane's own books, and why
        offline, reads = _overview(here, DOWN)
        try:
            alone = offline.glance(shift_id, now=now)
        finally:
            reads.close()
        assert alone.scope is not None and not alone.scope.checkpoint
        assert alone.scope.why_lane_only is LaneOnly.OFFLINE
        assert alone.shift.vehicles == 0
        assert {lane.vehicles for lane in alone.lanes} == {0}  # lane 2 sends nothing down
        # a shift the server has not heard of yet is read from the lane, saying so
        with here.db.session() as s:
            place = ensure_place(s, here.settings)
            leader = other.crew().leader
            night = open_shift(s, place.site, leader=s.merge(leader), tz=SH, duty_date=DUTY,
                               number=3)  # fmt: skip
            night_id = night.id
        online, reads = _overview(here, pg_url)
        try:
            early = online.glance(night_id, now=now)
        finally:
            reads.close()
        assert early.scope is not None and early.scope.why_lane_only is LaneOnly.NOT_ON_SERVER


def _noon(lane: LaneLaptop, shift_id: uuid.UUID) -> Any:
    with lane.db.session() as s:
        shift = s.get(Shift, shift_id)
        assert shift is not None
        return shift.starts_at + (shift.ends_at - shift.starts_at) / 2


def test_the_watch_hears_each_batch_the_server_takes(pg_url: str, tmp_path: Path) -> None:
    with joined_lanes(pg_url, tmp_path, vehicles=1) as (_here, other):
        news: queue.Queue[dict[str, Any]] = queue.Queue()
        watch = ServerWatch(pg_url, news.put, retry=0.2)
        watch.start()
        try:
            assert news.get(timeout=30) == {"connected": True}
            other.record(other.the_shift(), 2, seed=21)
            other.sender.send_once()
            notice = news.get(timeout=30)
            assert notice["lane"] == str(other.lane_id) and notice["records"] > 0
        finally:
            watch.stop()
        assert not watch.running
        assert not [t for t in threading.enumerate() if t.name == "checkpoint-watch"]


@contextmanager
def _shown_panel(qtbot: QtBot, lane: LaneLaptop, url: str, shift_id: uuid.UUID) -> Iterator[Any]:
    """The 班况 panel of ``lane`` with ``url`` as its server, shown; hidden and its jobs
    finished afterwards."""
    from ui.jobs import Jobs
    from ui.shift_glance import ShiftGlancePanel

    jobs = Jobs()
    panel = ShiftGlancePanel(lane.db, replace(lane.settings, server_url=url), shift_id, jobs,
                             lang="zh_CN")  # fmt: skip
    qtbot.addWidget(panel)
    try:
        panel.show()
        yield panel
    finally:
        panel.hide()
        jobs.shutdown()


def test_the_glance_panel_shows_the_source_and_follows_the_server_live(
    qtbot: QtBot, pg_url: str, tmp_path: Path
) -> None:
    with joined_lanes(pg_url, tmp_path, vehicles=2) as (here, other):
        shift_id = _shift_id(here)
        here.sender.send_once()
        with _shown_panel(qtbot, here, pg_url, shift_id) as panel:
            qtbot.waitUntil(lambda: "实时" in panel.source.text(), timeout=30_000)
            assert panel.source.text().startswith("全卡口 · 卡口服务器数据")
            assert [(lane.name, lane.vehicles) for lane in panel.lanes][:2] == [
                ("1号车道", 0),
                ("2号车道", 2),
            ]
            # lane 2 sends two more: the server's NOTIFY makes the panel re-read (the poll is
            # 30 s away, so only the notice can do it this soon)
            other.record(other.the_shift(), 2, seed=22)
            other.sender.send_once()
            qtbot.waitUntil(lambda: panel.vehicles.value.text() == "4", timeout=20_000)
            assert [(lane.name, lane.vehicles) for lane in panel.lanes][1] == ("2号车道", 4)
            panel.hide()
            assert panel.watch is None
        # offline, the same panel says it shows this lane only, and why
        with _shown_panel(qtbot, here, DOWN, shift_id) as away:
            qtbot.waitUntil(lambda: away.source.text().startswith("仅本车道"), timeout=30_000)
            assert "1号车道" in away.source.text() and "卡口服务器离线" in away.source.text()
        assert not [t for t in threading.enumerate() if t.name == "checkpoint-watch"]
