"""更正 (a correction after the fact): the leader picks a field of a finished record, types the
new value and a reason; ``corrections.Corrector`` checks it, re-judges the record and keeps the
original. The form only collects the three texts and shows the core's answer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError
from checkpoint.leader.corrections import (
    PERSON_FIELDS,
    VEHICLE_FIELDS,
    CorrectionOutcome,
    Corrector,
)
from checkpoint.storage.ledger import Details
from ui.errors import error_text
from ui.jobs import Jobs

TARGET = 48


def field_label(field: str) -> str:
    """A correctable field as the leader reads it: 车牌号, 第 2 人 · 体温 ..."""
    labels = {
        "plate": QCoreApplication.translate("CorrectionForm", "车牌号"),
        "vehicle_type": QCoreApplication.translate("CorrectionForm", "车型"),
        "people_count": QCoreApplication.translate("CorrectionForm", "人数"),
        "origin": QCoreApplication.translate("CorrectionForm", "出发地"),
        "destination": QCoreApplication.translate("CorrectionForm", "目的地"),
        "disposition": QCoreApplication.translate("CorrectionForm", "分流"),
        "code_colour": QCoreApplication.translate("CorrectionForm", "健康码颜色"),
        "temperature": QCoreApplication.translate("CorrectionForm", "体温"),
        "test": QCoreApplication.translate("CorrectionForm", "核酸"),
        "itinerary_star": QCoreApplication.translate("CorrectionForm", "行程卡带星"),
        "suggested_disposition": QCoreApplication.translate("CorrectionForm", "建议分流"),
        "report_to_community": QCoreApplication.translate("CorrectionForm", "落地报备"),
        "override_reason": QCoreApplication.translate("CorrectionForm", "改判原因"),
    }
    parts = field.split(".")
    if len(parts) == 3 and parts[0] == "person":
        person = QCoreApplication.translate("CorrectionForm", "第 {n} 人").format(n=parts[1])
        return f"{person} · {labels.get(parts[2], parts[2])}"
    return labels.get(field, field)


class CorrectionForm(QDialog):
    """Field, new value, reason for one finished record; ``corrected`` once saved."""

    corrected = Signal(object)  # the CorrectionOutcome

    def __init__(self, db: Any, settings: Settings, staff: Any, jobs: Jobs, record: Details,
                 *, lang: str, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.db, self.settings, self.staff, self.jobs = db, settings, staff, jobs
        self.record = record
        self.lang = lang
        self.setWindowTitle(self.tr("更正记录") + f" · {record.row.plate}")
        self.resize(640, 420)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.field = QComboBox()
        self.field.setMinimumHeight(TARGET)
        fields = list(VEHICLE_FIELDS)
        for n in range(1, len(record.people) + 1):
            fields += [f"person.{n}.{key}" for key in PERSON_FIELDS]
        for key in fields:
            self.field.addItem(field_label(key), key)
        self.field.currentIndexChanged.connect(self._hint)
        form.addRow(self.tr("更正项"), self.field)
        self.value = QLineEdit()
        self.value.setMinimumHeight(TARGET)
        form.addRow(self.tr("新值"), self.value)
        self.reason = QLineEdit()
        self.reason.setMinimumHeight(TARGET)
        self.reason.setPlaceholderText(self.tr("为什么更正(必填)"))
        form.addRow(self.tr("原因"), self.reason)
        lay.addLayout(form)
        self.message = QLabel()
        self.message.setObjectName("correctionMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #e53935;")
        lay.addWidget(self.message)
        lay.addStretch(1)
        row = QHBoxLayout()
        self.save = QPushButton(self.tr("保存更正"))
        self.save.setProperty("primary", True)
        self.save.clicked.connect(self.submit)
        cancel = QPushButton(self.tr("取消"))
        cancel.clicked.connect(self.reject)
        for b in (self.save, cancel):
            b.setMinimumHeight(TARGET)
            row.addWidget(b)
        lay.addLayout(row)
        self._hint()

    def _hint(self) -> None:
        key = str(self.field.currentData())
        hints = {
            "vehicle_type": self.tr("如 小客车 / car / truck"),
            "people_count": self.tr("如 3"),
            "disposition": self.tr("如 放行 / 转运隔离"),
            "code_colour": self.tr("绿码 / 黄码 / 红码"),
            "temperature": self.tr("如 37.8"),
            "test": self.tr("negative:小时数 / positive / none"),
            "itinerary_star": self.tr("yes / no"),
        }
        self.value.setPlaceholderText(hints.get(key.rsplit(".", 1)[-1], ""))

    def choose(self, field: str) -> None:
        """Select ``field`` (``plate``, ``person.1.temperature`` ...)."""
        self.field.setCurrentIndex(self.field.findData(field))

    def submit(self) -> None:
        """Send the correction to the core on the worker; an error stays in the form."""
        field, value, reason = str(self.field.currentData()), self.value.text(), self.reason.text()
        db, settings, staff, iid = self.db, self.settings, self.staff, self.record.row.id
        self.save.setEnabled(False)
        self.message.clear()

        def work() -> CorrectionOutcome:
            corrector = Corrector.from_settings(db, settings)
            return corrector.correct(iid, field, value, reason=reason, staff=staff)

        self.jobs.submit(work, self._done, self._failed)

    def _done(self, outcome: CorrectionOutcome) -> None:
        self.save.setEnabled(True)
        self.corrected.emit(outcome)
        self.accept()

    def _failed(self, exc: CheckpointError) -> None:
        self.save.setEnabled(True)
        self.message.setText(error_text(exc, self.lang))
