"""班况 (the shift at a glance): this shift's vehicles and people on every lane, per
disposition, the last hour, the mean time per step, the hourly flow as a bar chart (drawn with
QPainter), and for the leader every lane of the checkpoint: open or not, counts, last vehicle.

The figures are ``overview.Overview``'s (the handover report's own); read on the worker when
the panel is shown and after a vehicle is recorded or diverted while it is on show. With a
server configured they come from the server (every lane) when it answers and from the lane's
own books otherwise, and the line under the title says which; while shown, a
``checkpoint.sync.watch.ServerWatch`` LISTENs for the server's news and re-reads on each, and a
slow poll re-tries a server that was away.
"""

from __future__ import annotations

import uuid
from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.domain import Disposition, Step
from checkpoint.errors import CheckpointError
from checkpoint.lane.events import StepDone
from checkpoint.leader.overview import CheckpointGlance, LaneGlance, Overview, ShiftGlance
from checkpoint.leader.responses import configured_plan
from checkpoint.reports.data import HourBucket
from checkpoint.sync.reading import CheckpointReads, LaneOnly, ReadScope
from ui.controls import sized
from ui.errors import error_text
from ui.jobs import Jobs

BAR = QColor("#1e88e5")
# Re-read this often while shown even without news (a server that was away may be back).
POLL_MS = 30_000


class FlowChart(QWidget):
    """Vehicles per hour as bars, labelled with the hour and the count."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buckets: tuple[HourBucket, ...] = ()
        self.setMinimumHeight(180)

    def set_buckets(self, buckets: tuple[HourBucket, ...]) -> None:
        self.buckets = buckets
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        w, h = self.width(), self.height()
        p.setPen(text)
        if not self.buckets:
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.tr("暂无车辆"))
            p.end()
            return
        top, bottom = 22.0, 24.0  # room for the counts above and the hours below
        n = len(self.buckets)
        slot = w / n
        peak = max(1, *(b.vehicles for b in self.buckets))
        p.drawLine(0, int(h - bottom), w, int(h - bottom))
        for i, b in enumerate(self.buckets):
            x = i * slot
            bar_h = (h - top - bottom) * b.vehicles / peak
            bar = QRectF(x + slot * 0.15, h - bottom - bar_h, slot * 0.7, bar_h)
            p.fillRect(bar, BAR)
            p.drawText(QRectF(x, h - bottom - bar_h - top, slot, top),
                       Qt.AlignmentFlag.AlignCenter, str(b.vehicles))  # fmt: skip
            p.drawText(QRectF(x, h - bottom, slot, bottom), Qt.AlignmentFlag.AlignCenter,
                       b.label[:2] if n > 12 else b.label)  # fmt: skip
        p.end()


class _Tile(QFrame):
    """One big figure with its caption."""

    def __init__(self, caption: str) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        v = QVBoxLayout(self)
        v.addWidget(QLabel(caption))
        self.value = sized(QLabel("—"), 22)
        f = self.value.font()
        f.setBold(True)
        self.value.setFont(f)
        v.addWidget(self.value)


class ShiftGlancePanel(QWidget):
    """The shift's figures and all lanes; :meth:`refresh` re-reads them on the worker."""

    # the server announced news (from the watch's thread; delivered queued on the GUI thread)
    serverNews = Signal(object)

    def __init__(self, db: Any, settings: Settings, shift_id: uuid.UUID, jobs: Jobs, *,
                 lang: str, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.reads = CheckpointReads(db, settings)
        self.db = db
        # made on the worker at the first read (it reads the policy file), kept in a box the
        # worker fills so that the job holds no reference to the widget
        self.overview_box: list[Overview] = []
        self.scope: ReadScope | None = None
        self.watch: Any = None  # checkpoint.sync.watch.ServerWatch while shown, with a server
        self.serverNews.connect(self._news, Qt.ConnectionType.QueuedConnection)
        self.poll = QTimer(self)
        self.poll.setInterval(POLL_MS)
        self.poll.timeout.connect(self.refresh)
        self.settings = settings
        self.shift_id = shift_id
        self.jobs = jobs
        self.lang = lang
        self.glance: ShiftGlance | None = None
        self.lanes: tuple[LaneGlance, ...] = ()
        self.stale = True
        self.reading = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        v = QVBoxLayout(body)
        self.title = sized(QLabel(), 14)
        v.addWidget(self.title)
        self.source = QLabel()
        v.addWidget(self.source)
        tiles = QHBoxLayout()
        self.vehicles = _Tile(self.tr("本班车辆"))
        self.people = _Tile(self.tr("本班人员"))
        self.last_hour = _Tile(self.tr("最近一小时"))
        self.back_entered = _Tile(self.tr("补录车辆"))
        self.responses = _Tile(self.tr("136 未结束"))
        for t in (self.vehicles, self.people, self.last_hour, self.back_entered, self.responses):
            tiles.addWidget(t)
        v.addLayout(tiles)
        middle = QHBoxLayout()
        by_disposition = QGroupBox(self.tr("按分流"))
        self.disposition_grid = QGridLayout(by_disposition)
        self.disposition_labels: dict[str, QLabel] = {}
        for i, d in enumerate(Disposition):
            self.disposition_grid.addWidget(QLabel(d.label(lang)), i, 0)
            value = QLabel("0")
            self.disposition_grid.addWidget(value, i, 1)
            self.disposition_labels[d.value] = value
        middle.addWidget(by_disposition)
        steps = QGroupBox(self.tr("各环节平均用时"))
        self.step_grid = QGridLayout(steps)
        self.step_labels: dict[str, QLabel] = {}
        for i, step in enumerate([*Step, None]):
            key = step.value if step is not None else "all"
            name = step.label(lang) if step is not None else self.tr("全程")
            self.step_grid.addWidget(QLabel(name), i, 0)
            value = QLabel("—")
            self.step_grid.addWidget(value, i, 1)
            self.step_labels[key] = value
        middle.addWidget(steps)
        flow = QGroupBox(self.tr("每小时车流"))
        fl = QVBoxLayout(flow)
        self.chart = FlowChart()
        fl.addWidget(self.chart)
        middle.addWidget(flow, 2)
        v.addLayout(middle)
        lanes = QGroupBox(self.tr("各车道"))
        ll = QVBoxLayout(lanes)
        self.lane_table = QTableWidget(0, 5)
        self.lane_table.setHorizontalHeaderLabels([
            self.tr("车道"), self.tr("状态"), self.tr("车辆"), self.tr("人员"),
            self.tr("最后一辆"),
        ])  # fmt: skip
        self.lane_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lane_table.verticalHeader().setDefaultSectionSize(40)
        self.lane_table.verticalHeader().hide()
        self.lane_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.lane_table.setMinimumHeight(160)
        ll.addWidget(self.lane_table)
        v.addWidget(lanes, 1)

    # -- reading -------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the figures on the worker (one read at a time)."""
        if self.reading:
            self.stale = True
            return
        self.reading = True
        self.stale = False
        db, settings, reads, shift_id = self.db, self.settings, self.reads, self.shift_id
        box = self.overview_box

        def read() -> CheckpointGlance:
            if not box:
                box.append(Overview(db, settings, configured_plan(), reads))
            return box[0].glance(shift_id)

        self.jobs.submit(read, self._show, self._failed)

    def _failed(self, exc: CheckpointError) -> None:
        self.reading = False
        self.title.setText(error_text(exc, self.lang))

    def on_step(self, event: StepDone) -> None:
        """A step was saved: a recorded or diverted vehicle changes the figures."""
        if event.step in (Step.RECORD, Step.DIVERT):
            if self.isVisible():
                self.refresh()
            else:
                self.stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.poll.start()
        self._watch()
        if self.stale:
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.poll.stop()
        self.stop_watch()
        self.reads.close()

    def _watch(self) -> None:
        """LISTEN for the server's news while shown (only when a server is configured)."""
        url = self.reads.settings.server_url
        if self.watch is not None or not self.reads.server_configured or url is None:
            return
        from checkpoint.sync.watch import ServerWatch  # psycopg loads only with a server

        self.watch = ServerWatch(url, self.serverNews.emit)
        self.watch.start()

    def stop_watch(self) -> None:
        """Stop listening (hidden, or the window closes)."""
        watch, self.watch = self.watch, None
        if watch is not None:
            watch.stop()

    def _news(self, _payload: object) -> None:
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True

    # -- showing -------------------------------------------------------------------------------

    def _show(self, found: CheckpointGlance) -> None:
        self.reading = False
        g, lanes = found.shift, found.lanes
        self.glance, self.lanes, self.scope = g, lanes, found.scope
        self.source.setText(self.describe_scope(found.scope))
        self.source.setVisible(found.scope is not None)
        if self.stale:  # news arrived while reading
            self.refresh()
        zh = self.lang.startswith("zh")
        name = g.name_zh if zh else self.tr("第 {n} 班").format(n=g.number)
        self.title.setText(self.tr("{day} {name} ({start}–{end})").format(
            day=g.duty_date.isoformat(), name=name, start=g.starts_at.strftime("%H:%M"),
            end=g.ends_at.strftime("%H:%M")))  # fmt: skip
        self.vehicles.value.setText(str(g.vehicles))
        self.people.value.setText(str(g.people))
        self.last_hour.value.setText(self.tr("{v} 辆 / {p} 人").format(
            v=g.last_hour_vehicles, p=g.last_hour_people))  # fmt: skip
        self.back_entered.value.setText(str(g.back_entered))
        self.responses.value.setText(str(g.open_responses))
        self.responses.value.setStyleSheet("color: #c62828;" if g.overdue else "")
        counts = {row.key: row for row in g.by_disposition}
        for key, label in self.disposition_labels.items():
            row = counts.get(key)
            label.setText(self.tr("{v} 辆 / {p} 人").format(
                v=row.vehicles if row else 0, p=row.people if row else 0))  # fmt: skip
        for t in g.step_times:
            key = t.step.value if t.step is not None else "all"
            if key in self.step_labels:
                self.step_labels[key].setText(
                    "—" if t.mean_seconds is None
                    else self.tr("{s} 秒").format(s=f"{t.mean_seconds:.0f}")
                )  # fmt: skip
        self.chart.set_buckets(g.hourly)
        self._show_lanes(lanes)

    def describe_scope(self, scope: ReadScope | None) -> str:
        """The line under the title: every lane from the server, or this lane only and why."""
        if scope is None:
            return ""
        if scope.checkpoint:
            text = self.tr("全卡口 · 卡口服务器数据")
            if self.watch is not None and self.watch.listening.is_set():
                text += " · " + self.tr("实时")
            if scope.waiting:
                text += " · " + self.tr("本车道 {n} 条未送达").format(n=scope.waiting)
            return text
        why = {
            LaneOnly.NO_SERVER: self.tr("未配置卡口服务器"),
            LaneOnly.OFFLINE: self.tr("卡口服务器离线"),
            LaneOnly.NOT_ON_SERVER: self.tr("服务器尚无本班数据"),
        }.get(scope.why_lane_only or LaneOnly.NO_SERVER, "")
        if scope.why_lane_only is LaneOnly.OFFLINE and scope.offline_since is not None:
            why += " " + self.tr("自 {t}").format(t=scope.offline_since.strftime("%H:%M"))
        return self.tr("仅本车道 {lane}({why})").format(lane=scope.lane, why=why)

    def _show_lanes(self, lanes: tuple[LaneGlance, ...]) -> None:
        self.lane_table.setRowCount(len(lanes))
        for i, lane in enumerate(lanes):
            last = "—"
            if lane.last_at is not None:
                d = lane.last_disposition.label(self.lang) if lane.last_disposition else "…"
                last = f"{lane.last_at.strftime('%H:%M')} {lane.last_plate_masked or ''} {d}"
            state = self.tr("开放") if lane.open else self.tr("关闭中")
            if lane.in_progress:
                state += " · " + self.tr("进行中")
            cells = (lane.name, state, str(lane.vehicles), str(lane.people), last)
            for col, text in enumerate(cells):
                self.lane_table.setItem(i, col, QTableWidgetItem(text))
