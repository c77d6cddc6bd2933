"""The ledger screen (工作台账): this shift's vehicles, filtered, read from the database; for
leaders also the search across shifts (dates, lane, staff), export of what is shown, the
correction form in a record's details and the paper-ledger back-entry (补录).

:class:`LedgerModel` is a table model on the database, not a copy: it counts the matching
rows and fetches them a page at a time as the view scrolls (``canFetchMore``/``fetchMore``).
Every read and write runs on the window's database thread (``ui.jobs``); the next page arrives
by signal while the table stays responsive.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTime,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
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

from checkpoint.config import Settings
from checkpoint.domain import Disposition, Occupant, Role, Step, Verdict
from checkpoint.errors import CheckpointError
from checkpoint.leader.overview import Overview
from checkpoint.leader.responses import ResponseBook, ResponseView, configured_plan
from checkpoint.storage import ledger
from checkpoint.storage.ledger import Details, LedgerFilter, LedgerRow
from checkpoint.team.auth import Permission, allowed
from checkpoint.team.members import Team
from ui.backentry_form import BackEntryDialog
from ui.correction_form import CorrectionForm, field_label
from ui.errors import error_text
from ui.jobs import Jobs
from ui.theme import VERDICT_BG

PAGE = 200
_Index = QModelIndex | QPersistentModelIndex


class LedgerModel(QAbstractTableModel):
    """Rows of ``ledger.fetch`` for a filter, fetched page by page on the database thread."""

    failed = Signal(object)  # a CheckpointError from a read

    def __init__(self, db: Any, settings: Settings, lang: str, jobs: Jobs) -> None:
        super().__init__()
        self.db = db
        self.jobs = jobs  # the window's database thread
        self.fetching = False  # the next page is being read
        self.generation = 0  # bumped when the rows are replaced: a late page is dropped
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
            self.generation += 1
            self.filter = f
            self.total, self.rows = result
            self.endResetModel()
            if then is not None:
                then()

        self.jobs.submit(query, show, self.failed.emit)

    def refresh(self, then: Any = None) -> None:
        """Re-read with the same filter (after a vehicle was saved)."""
        self.set_filter(self.filter, then)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and not self.fetching and len(self.rows) < self.total

    def fetchMore(self, parent: _Index) -> None:
        """Ask for the next page on the database thread; the rows arrive by signal."""
        if not self.canFetchMore(parent):
            return
        self.fetching = True
        db, f, offset, generation = self.db, self.filter, len(self.rows), self.generation

        def add(more: list[LedgerRow]) -> None:
            self.fetching = False
            if generation != self.generation:
                return  # the filter changed meanwhile: these rows belong to the old one
            if not more:
                self.total = len(self.rows)
                return
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows.extend(more)
            self.endInsertRows()

        def refused(exc: CheckpointError) -> None:
            self.fetching = False
            self.failed.emit(exc)

        self.jobs.submit(lambda: ledger.fetch(db, f, offset, PAGE), add, refused)

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
            # across shifts the day matters too
            when = local.strftime("%H:%M:%S" if self.filter.shift_id else "%m-%d %H:%M")
            values = [
                when, r.plate, r.vehicle_type.label(self.lang),
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
    """Filters (plate, disposition, time) above the table; double-click or Enter opens one.

    With :meth:`set_staff` a leader also searches across shifts (dates, lane, staff), exports
    what is shown, corrects a finished record from its details, starts a 136 response by hand
    for it (a positive result reported later) and enters the paper ledger.
    """

    responseStarted = Signal(object)  # the ResponseView of a response started by hand

    def __init__(self, db: Any, settings: Settings, *, lang: str, jobs: Jobs,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.db = db
        self.settings = settings
        self.lang = lang
        self.jobs = jobs
        self.staff: Any = None  # the signed-in StaffMember (set_staff)
        self.shift_id: uuid.UUID | None = None
        self.shift_start: datetime | None = None
        self.duty_date: date | None = None
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
        v.addLayout(self._search_bar())
        self.message = QLabel()
        self.message.setObjectName("ledgerMessage")
        self.message.setWordWrap(True)
        v.addWidget(self.message)
        self.model = LedgerModel(db, settings, lang, jobs)
        self.model.failed.connect(self._failed)
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
        self.details_browser: QTextBrowser | None = None
        self.correct_button: QPushButton | None = None
        self.response_button: QPushButton | None = None
        self.correction_form: CorrectionForm | None = None
        self.shown: Details | None = None  # the record in the details window
        self.backentry: BackEntryDialog | None = None

    def _search_bar(self) -> QHBoxLayout:
        """The leader's search across shifts: duty dates, lane, staff; export; back-entry."""
        bar = QHBoxLayout()
        self.all_shifts = QPushButton(self.tr("跨班次查询"))
        self.all_shifts.setCheckable(True)
        self.all_shifts.setMinimumHeight(40)
        self.all_shifts.toggled.connect(self.apply_filter)
        bar.addWidget(self.all_shifts)
        today = QDate.currentDate()
        self.first_date = QDateEdit(today.addDays(-6))
        self.last_date = QDateEdit(today)
        for label, edit in ((self.tr("日期从"), self.first_date), (self.tr("至"), self.last_date)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setMinimumHeight(40)
            edit.dateChanged.connect(self.apply_filter)
            bar.addWidget(QLabel(label))
            bar.addWidget(edit)
        bar.addWidget(QLabel(self.tr("车道")))
        self.lane_filter = QComboBox()
        self.lane_filter.addItem(self.tr("全部"), None)
        self.lane_filter.currentIndexChanged.connect(self.apply_filter)
        bar.addWidget(self.lane_filter)
        bar.addWidget(QLabel(self.tr("人员")))
        self.staff_filter = QComboBox()
        self.staff_filter.addItem(self.tr("全部"), None)
        self.staff_filter.currentIndexChanged.connect(self.apply_filter)
        bar.addWidget(self.staff_filter)
        bar.addStretch(1)
        self.export_button = QPushButton(self.tr("导出所列…"))
        self.export_button.clicked.connect(self.choose_export)
        self.backentry_button = QPushButton(self.tr("补录纸质台账…"))
        self.backentry_button.clicked.connect(self.open_backentry)
        for b in (self.export_button, self.backentry_button):
            b.setMinimumHeight(40)
            b.setEnabled(False)
            bar.addWidget(b)
        return bar

    # -- database work: on the window's database thread ----------------------------------------

    def _run(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        self.jobs.submit(work, then, self._failed)

    def _failed(self, exc: CheckpointError) -> None:
        self.show_message(error_text(exc, self.lang), error=True)

    def show_message(self, text: str, *, error: bool = False) -> None:
        """One line above the table: what was done, or what went wrong."""
        self.message.setStyleSheet("color: #e53935;" if error else "")
        self.message.setText(text)

    def set_staff(self, staff: Any) -> None:
        """Who is signed in: leaders get export, corrections and back-entry; the lane and staff
        filters are filled from the site (after :meth:`set_shift`)."""
        self.staff = staff
        role = Role(staff.role)
        self.export_button.setEnabled(allowed(role, Permission.EXPORT))
        self.backentry_button.setEnabled(allowed(role, Permission.CORRECT_RECORD))
        db, settings, shift_id = self.db, self.settings, self.shift_id

        def read() -> tuple[Any, Any]:
            lanes = (
                ()
                if shift_id is None
                else Overview(db, settings, configured_plan()).lanes(shift_id)
            )
            return Team(db, settings).members(), lanes

        self._run(read, self._choices)

    def _choices(self, found: tuple[Any, Any]) -> None:
        members, lanes = found
        for m in members:
            self.staff_filter.addItem(f"{m.name} · {m.role.label(self.lang)}", str(m.id))
        for lane in lanes:
            self.lane_filter.addItem(lane.name, str(lane.lane_id))

    def set_shift(self, shift_id: uuid.UUID) -> None:
        """List this shift's vehicles."""
        self.shift_id = shift_id
        db = self.db
        self._run(lambda: ledger.shift_bounds(db, shift_id), self._shift_bounds)

    def _shift_bounds(self, bounds: tuple[datetime, datetime]) -> None:
        start, end = bounds
        self.shift_start = start
        self.duty_date = start.astimezone(self.settings.tz).date()
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

    def current_filter(self) -> LedgerFilter:
        """The filter the controls describe (what the table shows and an export writes)."""
        value = self.disposition_filter.currentData()
        lane = self.lane_filter.currentData()
        who = self.staff_filter.currentData()
        common = {
            "plate": self.plate_filter.text(),
            "disposition": Disposition(value) if value else None,
            "lane_id": uuid.UUID(lane) if lane else None,
            "staff_id": uuid.UUID(who) if who else None,
        }
        if self.all_shifts.isChecked():
            return LedgerFilter(
                first_date=self.first_date.date().toPython(),  # type: ignore[arg-type]
                last_date=self.last_date.date().toPython(),  # type: ignore[arg-type]
                **common,  # type: ignore[arg-type]
            )
        since = until = None
        if self.time_button.isChecked() and self.shift_start is not None:
            since = self._instant(self.from_time.time())
            until = self._instant(self.to_time.time()) + timedelta(minutes=1)
        return LedgerFilter(shift_id=self.shift_id, since=since, until=until,
                            **common)  # type: ignore[arg-type]  # fmt: skip

    def apply_filter(self) -> None:
        """Re-query with the filters as set."""
        wide = self.all_shifts.isChecked()
        for w in (self.from_time, self.to_time, self.time_button):
            w.setEnabled(not wide)
        for d in (self.first_date, self.last_date):
            d.setEnabled(wide)
        self.model.set_filter(self.current_filter(), self._counted)

    def _counted(self) -> None:
        self.count_label.setText(self.tr("共 {n} 辆").format(n=self.model.total))

    def refresh(self) -> None:
        """Re-read (when shown after vehicles were saved)."""
        self.model.refresh(self._counted)

    # -- export --------------------------------------------------------------------------------

    def choose_export(self) -> None:
        """导出所列: ask where, then write what the table shows."""
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("导出所列车辆"), "ledger.xlsx", self.tr("表格 (*.xlsx *.csv)")
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        """Write the vehicles of the current filter to ``path`` (.csv or .xlsx), audited."""
        db, f, tz, staff = self.db, self.model.filter, self.settings.tz, self.staff

        def done(n: int) -> None:
            self.show_message(self.tr("已导出 {n} 辆到 {path}").format(n=n, path=path))

        self._run(lambda: ledger.export(db, f, path, tz, staff=staff), done)

    # -- back-entry ----------------------------------------------------------------------------

    def open_backentry(self) -> BackEntryDialog | None:
        """补录: the paper-ledger form (file import or one row), for leaders."""
        if self.staff is None:
            return None
        dialog = BackEntryDialog(self.db, self.settings, self.staff, self.jobs, lang=self.lang,
                                 duty_date=self.duty_date, parent=self)  # fmt: skip
        dialog.saved.connect(lambda _n: self.refresh())
        self.backentry = dialog
        dialog.open()
        return dialog

    def render_details(self, d: Details) -> str:
        """One vehicle's record as HTML: steps, people, corrections with their original values."""
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
            was, now = self.tr("原值"), self.tr("新值")
            for c in d.corrections:
                out.append(f"<li>{e(field_label(c.field))}: {e(was)} {e(c.old_value or '—')} → "
                           f"{e(now)} {e(c.new_value or '—')} · {e(c.by)} · "
                           f"{c.at.astimezone(tz).strftime('%Y-%m-%d %H:%M')} · "
                           f"{e(c.reason)}</li>")  # fmt: skip
            out.append("</ul>")
        if d.paper is not None:
            out.append("<p><b>" + e(self.tr("补录")) + "</b>: " + e(d.paper.source) +
                       f" · {e(self.tr('第 {n} 行').format(n=d.paper.line))} · {e(d.paper.by)} · "
                       f"{d.paper.at.astimezone(tz).strftime('%Y-%m-%d %H:%M')}"
                       f"{' · ' + e(d.paper.note) if d.paper.note else ''}</p>")  # fmt: skip
        if d.policy_version:
            out.append(f"<p><small>{e(T['政策'])}: {e(d.policy_version)}</small></p>")
        return "".join(out)

    def open_details(self, row: int) -> QDialog | None:
        """Show one vehicle's details in a (non-modal) window; leaders get 更正 there."""
        if not 0 <= row < len(self.model.rows):
            return None
        r = self.model.rows[row]
        if self.details is not None:
            self.details.close()
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("车辆详情"))
        dialog.resize(720, 640)
        lay = QVBoxLayout(dialog)
        browser = QTextBrowser()
        browser.setObjectName("details")
        lay.addWidget(browser)
        buttons = QHBoxLayout()
        may_correct = self.staff is not None and allowed(
            Role(self.staff.role), Permission.CORRECT_RECORD
        )
        self.correct_button = None
        if may_correct and r.status == "done":
            correct = QPushButton(self.tr("更正…"))
            correct.setMinimumHeight(48)
            correct.setEnabled(False)  # until the details are read
            correct.clicked.connect(lambda: self.shown and self.open_correction(self.shown))
            buttons.addWidget(correct)
            self.correct_button = correct
        self.response_button = None
        if r.status == "done" and self.staff is not None and allowed(
            Role(self.staff.role), Permission.OVERRIDE_DISPOSITION
        ):
            start = QPushButton(self.tr("启动 136 应急"))
            start.setMinimumHeight(48)
            start.clicked.connect(lambda: self.start_response(r.id))
            buttons.addWidget(start)
            self.response_button = start
        close = QPushButton(self.tr("关闭"))
        close.setMinimumHeight(48)
        close.clicked.connect(dialog.close)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.details = dialog
        self.details_browser = browser
        self._load_details(r.id)
        dialog.show()
        return dialog

    def _load_details(self, inspection_id: uuid.UUID) -> None:
        db = self.db
        self._run(lambda: ledger.details(db, inspection_id), self._show_details)

    def _show_details(self, d: Details) -> None:
        if self.details_browser is None:
            return
        self.shown = d
        self.details_browser.setHtml(self.render_details(d))
        button = self.correct_button
        if button is not None:
            button.setEnabled(True)

    def start_response(self, inspection_id: uuid.UUID) -> None:
        """启动 136 应急 (组长/点长): the response for this vehicle, started by hand now, as
        ``checkpoint response start`` does; the 136 tab then shows it."""
        if self.staff is None:
            return
        db, site_id, tz, staff = self.db, self.staff.site_id, self.settings.tz, self.staff
        button = self.response_button
        if button is not None:
            button.setEnabled(False)

        def started(view: ResponseView) -> None:
            done = self.tr("已启动 136 应急处置: {plate}").format(plate=view.plate_masked)
            self.show_message(done)
            self.responseStarted.emit(view)

        def refused(exc: CheckpointError) -> None:
            if button is not None:
                button.setEnabled(True)
            self._failed(exc)

        def work() -> ResponseView:
            book = ResponseBook(db, site_id, tz, configured_plan())
            return book.start(inspection_id, staff=staff)

        self.jobs.submit(work, started, refused)

    def _corrected(self, inspection_id: uuid.UUID) -> None:
        self._load_details(inspection_id)
        self.refresh()

    def open_correction(self, d: Details) -> CorrectionForm | None:
        """更正: the correction form for the record shown; saved, the details show old and new."""
        if self.staff is None:
            return None
        form = CorrectionForm(self.db, self.settings, self.staff, self.jobs, d,
                              lang=self.lang, parent=self.details)  # fmt: skip
        form.corrected.connect(lambda _o: self._corrected(d.row.id))
        self.correction_form = form
        form.open()
        return form
