"""Step 3, record (录入): the ledger entry as saved, a correction form, Enter confirms."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import PROVINCES
from checkpoint.domain import VehicleType
from checkpoint.lane.state import LaneState
from ui.controls import scrolling, sized, touch_button
from ui.step_verify import PersonText

Act = Callable[..., None]


class RecordStep(QWidget):
    """The record step: what was saved, and corrections kept with who and why."""

    def __init__(self, *, lang: str, act: Act, home_province: str,
                 edited: Callable[[], None] = lambda: None) -> None:  # fmt: skip
        super().__init__()
        self.lang = lang
        self.act = act
        self.home_province = home_province
        self.text = PersonText(lang)
        v = QVBoxLayout(self)
        v.addWidget(sized(QLabel(self.tr("已保存,请核对台账记录")), 14))
        self.summary = sized(QLabel(), 15)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        v.addWidget(scrolling(self.summary), 1)
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        c = QGridLayout(box)
        c.addWidget(sized(QLabel(self.tr("更正(保留原值、更正人和原因)")), 12), 0, 0, 1, 4)
        self.correct_field = QComboBox()
        for key, text in (
            ("plate", self.tr("车牌号")), ("vehicle_type", self.tr("车型")),
            ("people_count", self.tr("人数")), ("origin", self.tr("始发地")),
            ("destination", self.tr("目的地")),
        ):  # fmt: skip
            self.correct_field.addItem(text, key)
        self.correct_value = QLineEdit()
        self.correct_value.setPlaceholderText(self.tr("新值(车牌可不输省份)"))
        # the vehicle type is a choice, as on the guide step (in place of the text field)
        self.correct_type = QComboBox()
        for vt in VehicleType:
            self.correct_type.addItem(vt.label(lang), vt.value)
        self.correct_input = QStackedWidget()
        self.correct_input.addWidget(self.correct_value)
        self.correct_input.addWidget(self.correct_type)
        self.correct_field.currentIndexChanged.connect(self._field_changed)
        self.correct_reason = QLineEdit()
        self.correct_reason.setPlaceholderText(self.tr("更正原因"))
        for field in (self.correct_value, self.correct_reason):
            field.textEdited.connect(lambda _t: edited())
        self.correct_type.currentIndexChanged.connect(lambda _i: edited())
        self.correct_button = touch_button(self.tr("保存更正"), height=48)
        self.correct_button.clicked.connect(self.submit_correction)
        c.addWidget(self.correct_field, 1, 0)
        c.addWidget(self.correct_input, 1, 1)
        c.addWidget(self.correct_reason, 1, 2)
        c.addWidget(self.correct_button, 1, 3)
        c.setColumnStretch(2, 1)
        v.addWidget(box)
        self.record_button = sized(
            touch_button(self.tr("确认录入  Enter"), primary=True, height=72), 18
        )
        self.record_button.clicked.connect(lambda: self.act("confirm_record"))
        v.addWidget(self.record_button)

    def submit_correction(self) -> None:
        """Save the correction typed here; the fields clear once it is saved."""

        def saved() -> None:
            self.correct_value.clear()
            self.correct_reason.clear()

        self.act(
            "correct", str(self.correct_field.currentData()), self.correction_value(),
            self.correct_reason.text(), then=saved,
        )  # fmt: skip

    def _field_changed(self, _index: int) -> None:
        choice = self.correct_field.currentData() == "vehicle_type"
        self.correct_input.setCurrentWidget(self.correct_type if choice else self.correct_value)

    def correction_value(self) -> str:
        """The new value as the guide step would take it: a plate typed without its province
        is in the home province, upper case; the vehicle type is the one chosen."""
        field = self.correct_field.currentData()
        if field == "vehicle_type":
            return str(self.correct_type.currentData())
        text = self.correct_value.text().strip()
        if field == "plate" and text:
            text = text.upper()
            if text[0] not in PROVINCES:
                text = self.home_province + text
        return text

    def show_state(self, state: LaneState) -> None:
        """Show the saved entry of ``state``."""
        v = state.vehicle
        b = state.banner
        if v is None:
            return
        route = " → ".join(x for x in (v.origin or "", v.destination or "") if x) or "—"
        T = {"车牌号": self.tr("车牌号"), "车型": self.tr("车型"), "人数": self.tr("人数"),
             "路线": self.tr("路线"), "建议分流": self.tr("建议分流")}  # fmt: skip
        rows = [
            f"<b>{T['车牌号']}</b>: {v.plate}",
            f"<b>{T['车型']}</b>: {v.vehicle_type.label(self.lang)}",
            f"<b>{T['人数']}</b>: {v.people_count}",
            f"<b>{T['路线']}</b>: {route}",
        ]
        for j in state.people:
            title, _ = self.text.of(j.view)
            rows.append("&nbsp;&nbsp;" + title)
        if b is not None:
            rows.append(f"<b>{T['建议分流']}</b>: {b.suggested.label(self.lang)}")
        self.summary.setText("<br>".join(rows))
        self.record_button.setFocus()
