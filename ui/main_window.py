"""The main window: a header with site, lane, duty date and shift, and where the data lives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from checkpoint.config import Settings
from checkpoint.db import Database
from checkpoint.models import utcnow
from checkpoint.rota import ShiftWindow, active_plan, find_shift, locate, spec_from_model
from checkpoint.site import ensure_place


@dataclass(frozen=True)
class HeaderState:
    """What the header shows; computed in one place from the database and the rota."""

    site: str
    lane: str
    duty_date: date
    shift_name: str
    shift_hours: str
    leader: str | None
    database: str


def header_state(db: Database, settings: Settings) -> HeaderState:
    """The header's facts for now: the rota decides the duty date and shift."""
    with db.session() as s:
        place = ensure_place(s, settings)
        w: ShiftWindow = locate(utcnow(), spec_from_model(active_plan(s, place.site)), settings.tz)
        shift = find_shift(s, place.site, w.duty_date, w.slot.number)
        leader = shift.leader.name if shift is not None and shift.closed_at is None else None
        return HeaderState(
            place.site.name, place.lane.name, w.duty_date, w.slot.name_zh, w.slot.hours_text(),
            leader, db.safe_url,
        )  # fmt: skip


class MainWindow(QMainWindow):
    """Checkpoint Desk's window. The desk screens plug in below the header."""

    def __init__(self, db: Database, settings: Settings) -> None:
        super().__init__()
        self.db = db
        self.settings = settings
        self.setWindowTitle(self.tr("卡口查验台 Checkpoint Desk"))
        self.resize(1280, 800)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.header = QLabel(central)
        self.header.setObjectName("header")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setStyleSheet("font-size: 18pt; padding: 12px;")
        self.data_label = QLabel(central)
        self.data_label.setObjectName("dataLocation")
        layout.addWidget(self.header)
        layout.addWidget(self.data_label)
        layout.addStretch(1)
        self.setCentralWidget(central)
        self.refresh()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(30_000)

    def refresh(self) -> None:
        """Re-read the header facts (the shift changes at its boundary)."""
        st = header_state(self.db, self.settings)
        leader = st.leader or self.tr("未开班")
        self.header.setText(
            f"{st.site} · {st.lane} · {st.duty_date.isoformat()} {st.shift_name} "
            f"({st.shift_hours}) · {self.tr('组长')}: {leader}"
        )
        self.data_label.setText(self.tr("数据位置: ") + st.database)
