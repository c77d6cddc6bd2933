"""补录 (the paper-ledger back-entry): a leader enters what the lane wrote on paper during an
outage, a whole CSV/XLSX file or one row typed in. ``backentry.import_paper_ledger`` checks
every row like a desk entry and saves all or nothing; a bad file's lines are listed here."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.domain import Disposition, VehicleType
from checkpoint.errors import CheckpointError
from checkpoint.leader.backentry import COLUMNS, BackEntryError, ImportResult, import_paper_ledger
from ui.errors import error_text
from ui.jobs import Jobs

TARGET = 44
# the file a typed-in row is saved through (named in the record's 补录 mark)
ONE_ROW_FILE = "单条补录.csv"


class BackEntryDialog(QDialog):
    """Duty date, then a file to import or one row to type in; ``saved`` with the vehicles."""

    saved = Signal(int)

    def __init__(self, db: Any, settings: Settings, staff: Any, jobs: Jobs, *, lang: str,
                 duty_date: date | None = None, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.db, self.settings, self.staff, self.jobs = db, settings, staff, jobs
        self.lang = lang
        self.result_: ImportResult | None = None
        self.setWindowTitle(self.tr("补录纸质台账"))
        self.resize(900, 600)
        lay = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("值班日期")))
        self.date = QDateEdit(
            QDate(duty_date.year, duty_date.month, duty_date.day)
            if duty_date
            else QDate.currentDate()
        )
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMinimumHeight(TARGET)
        top.addWidget(self.date)
        self.file_button = QPushButton(self.tr("选择文件导入(CSV/XLSX)…"))
        self.file_button.setMinimumHeight(TARGET)
        self.file_button.clicked.connect(self.choose_file)
        top.addWidget(self.file_button, 1)
        lay.addLayout(top)
        hint = QLabel(self.tr("列: 时间,车牌,车型,人数,出发地,目的地,处置,备注(第一行为表头)"))
        hint.setWordWrap(True)
        lay.addWidget(hint)
        lay.addWidget(self._one_row())
        self.message = QLabel()
        self.message.setObjectName("backentryMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.message)
        self.problems = QListWidget()
        self.problems.setObjectName("backentryProblems")
        lay.addWidget(self.problems, 1)
        close = QPushButton(self.tr("关闭"))
        close.setMinimumHeight(TARGET)
        close.clicked.connect(self.accept)
        lay.addWidget(close)

    def _one_row(self) -> QGroupBox:
        box = QGroupBox(self.tr("单条补录"))
        grid = QGridLayout(box)
        local = datetime.now(self.settings.tz)  # the checkpoint's clock, not the laptop's zone
        self.at = QTimeEdit(QTime(local.hour, local.minute))
        self.at.setDisplayFormat("HH:mm")
        self.plate = QLineEdit()
        self.plate.setPlaceholderText(self.tr("如 浙A12345"))
        self.vtype = QComboBox()
        for t in VehicleType:
            self.vtype.addItem(t.label(self.lang), t.value)
        self.people = QSpinBox()
        self.people.setRange(1, 99)
        self.origin = QLineEdit()
        self.destination = QLineEdit()
        self.disposition = QComboBox()
        for d in Disposition:
            self.disposition.addItem(d.label(self.lang), d.value)
        self.note = QLineEdit()
        cells = (
            (self.tr("时间"), self.at), (self.tr("车牌"), self.plate),
            (self.tr("车型"), self.vtype), (self.tr("人数"), self.people),
            (self.tr("出发地"), self.origin), (self.tr("目的地"), self.destination),
            (self.tr("处置"), self.disposition), (self.tr("备注"), self.note),
        )  # fmt: skip
        for i, (label, w) in enumerate(cells):  # two fields a row: fits a 768-pixel screen
            w.setMinimumHeight(40)
            grid.addWidget(QLabel(label), i // 2, (i % 2) * 2)
            grid.addWidget(w, i // 2, (i % 2) * 2 + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        self.save_row = QPushButton(self.tr("保存这一条"))
        self.save_row.setMinimumHeight(TARGET)
        self.save_row.clicked.connect(self.enter_row)
        grid.addWidget(self.save_row, 4, 0, 1, 4)
        return box

    def duty_date(self) -> date:
        return self.date.date().toPython()  # type: ignore[return-value]

    def choose_file(self) -> None:
        """Pick the file in a dialog, then import it."""
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择纸质台账文件"), "", self.tr("表格 (*.csv *.xlsx)")
        )
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Check and save ``path`` for the chosen duty date (all or nothing), on the worker."""
        db, settings, staff, day = self.db, self.settings, self.staff, self.duty_date()
        self._busy()
        self.jobs.submit(
            lambda: import_paper_ledger(db, settings, path, day, staff=staff),
            self._saved, self._failed,
        )  # fmt: skip

    def enter_row(self) -> None:
        """Save the typed-in row through the same checks as a file."""
        values = {
            "time": self.at.time().toString("HH:mm"), "plate": self.plate.text(),
            "vehicle_type": str(self.vtype.currentData()), "people": str(self.people.value()),
            "origin": self.origin.text(), "destination": self.destination.text(),
            "disposition": str(self.disposition.currentData()), "note": self.note.text(),
        }  # fmt: skip
        db, settings, staff, day = self.db, self.settings, self.staff, self.duty_date()

        def work() -> ImportResult:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / ONE_ROW_FILE
                with path.open("w", encoding="utf-8", newline="") as fh:
                    out = csv.writer(fh)
                    out.writerow(COLUMNS)
                    out.writerow([values[c] for c in COLUMNS])
                return import_paper_ledger(db, settings, path, day, staff=staff)

        self._busy()
        self.jobs.submit(work, self._saved, self._failed)

    def _busy(self) -> None:
        self.message.setStyleSheet("")
        self.message.setText(self.tr("正在检查并保存…"))
        self.problems.clear()
        self.file_button.setEnabled(False)
        self.save_row.setEnabled(False)

    def _ready(self) -> None:
        self.file_button.setEnabled(True)
        self.save_row.setEnabled(True)

    def _saved(self, result: ImportResult) -> None:
        self._ready()
        self.result_ = result
        self.message.setStyleSheet("color: #2e7d32;")
        self.message.setText(self.tr("已补录 {n} 辆、{p} 人({file})").format(
            n=result.vehicles, p=result.people, file=result.source))  # fmt: skip
        self.plate.clear()
        self.note.clear()
        self.saved.emit(result.vehicles)

    def _failed(self, exc: CheckpointError) -> None:
        self._ready()
        self.message.setStyleSheet("color: #e53935;")
        self.message.setText(error_text(exc, self.lang))
        if isinstance(exc, BackEntryError):
            for p in exc.problems:
                where = self.tr("第 {n} 行").format(n=p.line)
                column = f" ({p.column})" if p.column else ""
                self.problems.addItem(f"{where}{column}: {p.message}")
