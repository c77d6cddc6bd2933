"""The ledger screen (工作台账): this shift's vehicles, filtered, read from the database.

:class:`LedgerModel` is a table model on the database, not a copy: it counts the matching
rows and fetches them a page at a time as the view scrolls (``canFetchMore``/``fetchMore``).
"""

from __future__ import annotations

import html
import uuid
from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTime
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTextBrowser,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from checkpoint import ledger
from checkpoint.config import Settings
from checkpoint.domain import Disposition, Occupant, Step, Verdict
from checkpoint.ledger import LedgerFilter, LedgerRow
from ui.jobs import Jobs
from ui.theme import VERDICT_BG

PAGE = 200
_Index = QModelIndex | QPersistentModelIndex


class LedgerModel(QAbstractTableModel):
    """Rows of ``ledger.fetch`` for a filter, fetched page by page."""

    def __init__(self, db: Any, settings: Settings, lang: str, jobs: Jobs | None = None) -> None:
        super().__init__()
        self.db = db
        # The window's database thread; without one (a screen on its own) queries run inline.
        self.jobs = jobs
        self.settings = settings
        self.lang = lang
        self.filter = LedgerFilter()
        self.total = 0
        self.rows: list[LedgerRow] = []
        self.headers = [
            self.tr("时间"), self.tr("车牌号"), self.tr("车型"), self.tr("人数"),
            self.tr("建议"), self.tr("分流"), self.tr("状态"),
        ]  # fmt: skip

    def set_filter(self, f: LedgerFilter, then: Any = None) -> None:
        """Show the vehicles matching ``f`` (re-reads the database on the window's worker)."""
        db = self.db

        def query() -> tuple[int, list[LedgerRow]]:
            return ledger.count(db, f), ledger.fetch(db, f, 0, PAGE)

        def show(result: tuple[int, list[LedgerRow]]) -> None:
            self.beginResetModel()
            self.filter = f
            self.total, self.rows = result
            self.endResetModel()
            if then is not None:
                then()

        if self.jobs is None:
            show(query())
        else:
            self.jobs.submit(query, show)

    def refresh(self, then: Any = None) -> None:
        """Re-read with the same filter (after a vehicle was saved)."""
        self.set_filter(self.filter, then)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: _Index) -> None:
        more = ledger.fetch(self.db, self.filter, len(self.rows), PAGE)
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def _status(self, r: LedgerRow) -> str:
        if r.status == "done":
            text = self.tr("已完成")
            if r.overridden:
                text += self.tr(" · 改判")
            return text + (" · DEMO" if r.demo else "")
        return self.tr("进行中: ") + Step(r.step).label(self.lang)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            local = r.created_at.astimezone(self.settings.tz)
            values = [
                local.strftime("%H:%M:%S"), r.plate, r.vehicle_type.label(self.lang),
                str(r.people_count), r.suggested.label(self.lang) if r.suggested else "—",
                r.final.label(self.lang) if r.final else "—", self._status(r),
            ]  # fmt: skip
            return values[col]
        if role == Qt.ItemDataRole.BackgroundRole and col == 5 and r.final is not None:
            verdict = (Verdict.PASS if r.final is Disposition.RELEASE
                       else Verdict.ATTENTION if r.final is Disposition.TEST_LANE
                       else Verdict.STOP)  # fmt: skip
            return QColor(VERDICT_BG[verdict])
        if role == Qt.ItemDataRole.UserRole:
            return r.id
        return None


class LedgerScreen(QWidget):
    """Filters (plate, disposition, time) above the table; double-click or Enter opens one."""

    def __init__(self, db: Any, settings: Settings, *, lang: str,
                 parent: QWidget | None = None, jobs: Jobs | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.db = db
        self.settings = settings
        self.lang = lang
        self.shift_id: uuid.UUID | None = None
        self.shift_start: datetime | None = None
        v = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("车牌")))
        self.plate_filter = QLineEdit()
        self.plate_filter.setPlaceholderText(self.tr("车牌的一部分"))
        self.plate_filter.textChanged.connect(self.apply_filter)
        bar.addWidget(self.plate_filter)
        bar.addWidget(QLabel(self.tr("分流")))
        self.disposition_filter = QComboBox()
        self.disposition_filter.addItem(self.tr("全部"), None)
        for d in Disposition:
            self.disposition_filter.addItem(d.label(lang), d.value)
        self.disposition_filter.currentIndexChanged.connect(self.apply_filter)
        bar.addWidget(self.disposition_filter)
        bar.addWidget(QLabel(self.tr("从")))
        self.from_time = QTimeEdit()
        self.from_time.setDisplayFormat("HH:mm")
        bar.addWidget(self.from_time)
        bar.addWidget(QLabel(self.tr("到")))
        self.to_time = QTimeEdit()
        self.to_time.setDisplayFormat("HH:mm")
        bar.addWidget(self.to_time)
        self.time_button = QPushButton(self.tr("按时间筛选"))
        self.time_button.setCheckable(True)
        self.time_button.toggled.connect(self.apply_filter)
        bar.addWidget(self.time_button)
        self.count_label = QLabel()
        bar.addStretch(1)
        bar.addWidget(self.count_label)
        v.addLayout(bar)
        self.model = LedgerModel(db, settings, lang, jobs)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setDefaultSectionSize(44)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda i: self.open_details(i.row()))
        self.table.activated.connect(lambda i: self.open_details(i.row()))
        v.addWidget(self.table, 1)
        self.details: QDialog | None = None

    def set_shift(self, shift_id: uuid.UUID) -> None:
        """List this shift's vehicles."""
        self.shift_id = shift_id
        db, jobs = self.db, self.model.jobs
        if jobs is None:
            self._shift_bounds(ledger.shift_bounds(db, shift_id))
        else:
            jobs.submit(lambda: ledger.shift_bounds(db, shift_id), self._shift_bounds)

    def _shift_bounds(self, bounds: tuple[datetime, datetime]) -> None:
        start, end = bounds
        self.shift_start = start
        self.from_time.setTime(self._qtime(start))
        self.to_time.setTime(self._qtime(end - timedelta(minutes=1)))
        self.apply_filter()

    def _qtime(self, at: datetime) -> QTime:
        local = at.astimezone(self.settings.tz)
        return QTime(local.hour, local.minute)

    def _instant(self, t: QTime) -> datetime:
        assert self.shift_start is not None
        start_local = self.shift_start.astimezone(self.settings.tz)
        candidate = datetime.combine(start_local.date(), time(t.hour(), t.minute()),
                                     tzinfo=self.settings.tz)  # fmt: skip
        if candidate < start_local:  # a night shift crossing midnight
            candidate += timedelta(days=1)
        return candidate

    def apply_filter(self) -> None:
        """Re-query with the filters as set."""
        value = self.disposition_filter.currentData()
        since = until = None
        if self.time_button.isChecked() and self.shift_start is not None:
            since = self._instant(self.from_time.time())
            until = self._instant(self.to_time.time()) + timedelta(minutes=1)
        self.model.set_filter(LedgerFilter(
            shift_id=self.shift_id, plate=self.plate_filter.text(),
            disposition=Disposition(value) if value else None, since=since, until=until,
        ), self._counted)  # fmt: skip

    def _counted(self) -> None:
        self.count_label.setText(self.tr("共 {n} 辆").format(n=self.model.total))

    def refresh(self) -> None:
        """Re-read (when shown after vehicles were saved)."""
        self.model.refresh(self._counted)

    def details_html(self, inspection_id: uuid.UUID) -> str:
        """One vehicle's record as HTML."""
        d = ledger.details(self.db, inspection_id)
        tz = self.settings.tz
        e = html.escape
        zh = self.lang.startswith("zh")
        T = {"人": self.tr("人"), "分流": self.tr("分流"), "建议": self.tr("建议"),
             "改判原因": self.tr("改判原因"), "政策": self.tr("政策")}  # fmt: skip
        out = [f"<h2>{e(d.row.plate)} · {e(d.row.vehicle_type.label(self.lang))} · "
               f"{d.row.people_count}{e(T['人'])}</h2>"]  # fmt: skip
        if d.origin or d.destination:
            out.append(f"<p>{e(d.origin or '—')} → {e(d.destination or '—')}</p>")
        out.append(f"<p><b>{e(T['建议'])}</b>: "
                   f"{e(d.row.suggested.label(self.lang)) if d.row.suggested else '—'} &nbsp; "
                   f"<b>{e(T['分流'])}</b>: "
                   f"{e(d.row.final.label(self.lang)) if d.row.final else '—'}</p>")  # fmt: skip
        if d.override_reason:
            out.append(f"<p><b>{e(T['改判原因'])}</b>: {e(d.override_reason)}</p>")
        out.append("<ul>")
        for r in d.reasons:
            out.append(f"<li>{e(str(r.get('zh' if zh else 'en') or r.get('code')))}</li>")
        out.append("</ul><table cellpadding=4>")
        for step, at, who in d.steps:
            when = at.astimezone(tz).strftime("%H:%M:%S") if at else "—"
            out.append(f"<tr><td>{e(Step(step).label(self.lang))}</td><td>{when}</td>"
                       f"<td>{e(who or '')}</td></tr>")  # fmt: skip
        out.append("</table><h3>" + e(self.tr("司乘人员")) + "</h3><ol>")
        for p in d.people:
            occupant = Occupant(p.occupant).label(self.lang)
            verdict = Verdict(p.verdict).label(self.lang) if p.verdict else "—"
            texts = [str(r.get("zh" if zh else "en")) for r in (p.reasons or [])
                     if isinstance(r, dict)]  # fmt: skip
            temp = f" · {p.temperature:.1f} °C" if p.temperature is not None else ""
            manual = e(self.tr(" · 人工核验")) if p.manual else ""
            out.append(f"<li>{e(occupant)} {e(p.name_masked or '')} — {e(verdict)}{temp}"
                       f"{manual}<br><small>{e('; '.join(texts))}</small></li>")  # fmt: skip
        out.append("</ol>")
        if d.corrections:
            out.append("<h3>" + e(self.tr("更正记录")) + "</h3><ul>")
            for c in d.corrections:
                out.append(f"<li>{e(c.field)}: {e(c.old_value or '—')} → {e(c.new_value or '—')}"
                           f" · {e(c.by)} · {c.at.astimezone(tz).strftime('%H:%M')} · "
                           f"{e(c.reason)}</li>")  # fmt: skip
            out.append("</ul>")
        if d.policy_version:
            out.append(f"<p><small>{e(T['政策'])}: {e(d.policy_version)}</small></p>")
        return "".join(out)

    def open_details(self, row: int) -> QDialog | None:
        """Show one vehicle's details in a (non-modal) window."""
        if not 0 <= row < len(self.model.rows):
            return None
        inspection_id = self.model.rows[row].id
        if self.details is not None:
            self.details.close()
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("车辆详情"))
        dialog.resize(720, 640)
        lay = QVBoxLayout(dialog)
        browser = QTextBrowser()
        browser.setObjectName("details")
        browser.setHtml(self.details_html(inspection_id))
        lay.addWidget(browser)
        close = QPushButton(self.tr("关闭"))
        close.setMinimumHeight(48)
        close.clicked.connect(dialog.close)
        lay.addWidget(close)
        self.details = dialog
        dialog.show()
        return dialog
