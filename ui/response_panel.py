"""The 136 response (136 快速反应) at the lane: the checklist of every open response (each
measure with its deadline, ticked with time and person), closing by a leader, and the red
banner naming overdue measures on the desk of every lane until the response is closed.

All reading and writing goes through ``responses.ResponseBook`` on the window's worker; the
window polls :meth:`ResponsePanel.poll` about every 30 seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.domain import Disposition, Role
from checkpoint.errors import CheckpointError
from checkpoint.leader.responses import (
    MeasureState,
    OverdueMeasure,
    ResponseBook,
    ResponseView,
    configured_plan,
)
from checkpoint.team.auth import Permission, allowed
from ui.errors import error_text
from ui.jobs import Jobs

TARGET = 48
Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _trigger_en(trigger: str) -> str:
    """What started a response, in English where it is a disposition."""
    try:
        return Disposition(trigger).en
    except ValueError:
        return trigger


class OverdueBanner(QFrame):
    """The loud red line above the desk's tabs: which 136 measures are overdue, on which lane.
    One line (elided to fit, the whole text in the tooltip), so the desk loses little height on
    a 1366×768 screen."""

    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overdueBanner")
        self.setStyleSheet(
            "#overdueBanner, #overdueBanner QLabel { background: #c62828; color: white; } "
            "#overdueBanner QLabel { font-size: 13pt; font-weight: bold; }"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 0, 8, 0)
        self.text = QLabel()
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        row.addWidget(self.text, 1)
        self.button = QPushButton(self.tr("去处置"))
        self.button.setMinimumHeight(40)
        self.button.clicked.connect(self.openRequested.emit)
        row.addWidget(self.button)
        self.items: tuple[OverdueMeasure, ...] = ()
        self.full_text = ""
        self.hide()

    def show_overdue(self, items: tuple[OverdueMeasure, ...], lang: str) -> None:
        """Name every overdue measure; hidden when there is none."""
        self.items = items
        if not items:
            self.full_text = ""
            self.text.clear()
            self.hide()
            return
        zh = lang.startswith("zh")
        parts = [
            self.tr("{plate} 超时 {n} 分钟: {what} ({lane})").format(
                lane=m.lane, plate=m.plate_masked, what=m.zh if zh else m.en, n=m.minutes_late
            )
            for m in items
        ]
        self.full_text = self.tr("136 超时: ") + ";  ".join(parts)
        self.setToolTip(self.full_text)
        self.show()
        self._fit()

    def _fit(self) -> None:
        width = max(10, self.text.width())
        self.text.setText(
            self.text.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, width)
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class ResponsePanel(QWidget):
    """Open responses with their checklists; ``overdueChanged`` after every read."""

    overdueChanged = Signal(object)  # tuple[OverdueMeasure, ...]

    def __init__(self, db: Any, settings: Settings, staff: Any, jobs: Jobs, *, lang: str,
                 clock: Clock = _utcnow, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.db, self.settings, self.staff, self.jobs = db, settings, staff, jobs
        self.lang = lang
        self.clock = clock
        self.responses: tuple[ResponseView, ...] = ()
        self.overdue: tuple[OverdueMeasure, ...] = ()
        self.tick_buttons: dict[tuple[str, str], QPushButton] = {}
        self.close_buttons: dict[str, tuple[QLineEdit, QPushButton]] = {}
        self.leader = allowed(Role(staff.role), Permission.OPEN_CLOSE_SHIFT)
        v = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setObjectName("responseMessage")
        self.message.setWordWrap(True)
        v.addWidget(self.message)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        v.addWidget(self.area, 1)
        self.reading = False
        self._show()

    def book(self) -> Callable[[], ResponseBook]:
        """The site's 136 book, to open on the database thread (it reads the policy file); it
        holds no reference to this widget."""
        db, site_id, tz = self.db, self.staff.site_id, self.settings.tz
        return lambda: ResponseBook(db, site_id, tz, configured_plan())

    # -- reading -------------------------------------------------------------------------------

    def poll(self) -> None:
        """Re-read the open responses and the overdue measures (skipped while one read runs)."""
        if self.reading:
            return
        self.reading = True
        book, now = self.book(), self.clock()

        def read() -> tuple[tuple[ResponseView, ...], tuple[OverdueMeasure, ...]]:
            open_book = book()
            return open_book.open_responses(), open_book.overdue(now)

        self.jobs.submit(read, self._read, self._failed)

    def _read(self, found: tuple[tuple[ResponseView, ...], tuple[OverdueMeasure, ...]]) -> None:
        self.reading = False
        self.responses, self.overdue = found
        self._show()
        self.overdueChanged.emit(self.overdue)

    def _failed(self, exc: CheckpointError) -> None:
        self.reading = False
        self.message.setStyleSheet("color: #e53935;")
        self.message.setText(error_text(exc, self.lang))

    # -- showing -------------------------------------------------------------------------------

    def _show(self) -> None:
        body = QWidget()
        lay = QVBoxLayout(body)
        self.tick_buttons = {}
        self.close_buttons = {}
        if not self.responses:
            lay.addWidget(QLabel(self.tr("没有未结束的 136 应急处置。")))
        for r in self.responses:
            lay.addWidget(self._response_box(r))
        lay.addStretch(1)
        self.area.setWidget(body)

    def _when(self, at: datetime) -> str:
        return at.astimezone(self.settings.tz).strftime("%H:%M")

    def _response_box(self, r: ResponseView) -> QGroupBox:
        zh = self.lang.startswith("zh")
        box = QGroupBox(
            f"{r.lane} · {r.plate_masked} · {r.trigger_zh if zh else _trigger_en(r.trigger)} · "
            + self.tr("开始于 {t}").format(t=self._when(r.started_at))
        )
        grid = QGridLayout(box)
        now = self.clock()
        for i, m in enumerate(r.measures):
            grid.addWidget(QLabel(m.zh if zh else m.en), i, 0)
            grid.addWidget(QLabel(self.tr("时限 {t}").format(t=self._when(m.due_at))), i, 1)
            state = QLabel(self._state(m, now))
            if m.overdue(now):
                state.setStyleSheet("color: #c62828; font-weight: bold;")
            grid.addWidget(state, i, 2)
            tick = QPushButton(self.tr("已完成"))
            tick.setMinimumHeight(TARGET)
            tick.setEnabled(m.done_at is None)
            tick.clicked.connect(lambda _=False, rid=r.id, key=m.key: self.tick(rid, key))
            grid.addWidget(tick, i, 3)
            self.tick_buttons[(str(r.id), m.key)] = tick
        if self.leader:
            note = QLineEdit()
            note.setMinimumHeight(TARGET)
            note.setPlaceholderText(self.tr("结束说明(有未完成措施时必填)"))
            close = QPushButton(self.tr("结束响应"))
            close.setMinimumHeight(TARGET)
            close.clicked.connect(
                lambda _=False, rid=r.id, edit=note: self.close_response(rid, edit.text())
            )
            row = len(r.measures)
            grid.addWidget(note, row, 0, 1, 3)
            grid.addWidget(close, row, 3)
            self.close_buttons[str(r.id)] = (note, close)
        grid.setColumnStretch(0, 1)
        return box

    def _state(self, m: MeasureState, now: datetime) -> str:
        if m.done_at is not None:
            text = self.tr("{t} 由 {who} 完成").format(t=self._when(m.done_at), who=m.done_by or "")
            return text + (self.tr(" (超时)") if m.late else "")
        if m.overdue(now):
            late = int((now - m.due_at).total_seconds() // 60)
            return self.tr("已超时 {n} 分钟").format(n=late)
        return self.tr("待完成")

    # -- acting --------------------------------------------------------------------------------

    def _act(self, work: Callable[[], Any], done_text: str) -> None:
        def done(_view: object) -> None:
            self.message.setStyleSheet("")
            self.message.setText(done_text)
            self.poll()

        self.jobs.submit(work, done, self._failed)

    def tick(self, response_id: Any, key: str) -> None:
        """Mark measure ``key`` done now, by whoever is signed in."""
        book, staff, at = self.book(), self.staff, self.clock()
        self._act(lambda: book().tick(response_id, key, staff=staff, at=at), self.tr("已记录完成"))

    def close_response(self, response_id: Any, note: str) -> None:
        """End the response (leaders); measures left undone need ``note``."""
        book, staff, at = self.book(), self.staff, self.clock()
        self._act(lambda: book().close(response_id, staff=staff, note=note, at=at),
                  self.tr("已结束响应"))  # fmt: skip


