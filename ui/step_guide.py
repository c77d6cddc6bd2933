"""Step 1, guide (引导): the plate (province picked, the rest typed), vehicle type, head-count
and route. F1–F4 pick the type, Ctrl+↑/↓ change the head-count, Enter sends it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from checkpoint.config import PROVINCES
from checkpoint.domain import VehicleType
from checkpoint.lane.state import LaneState
from checkpoint.plates import Plate, PlateError, PlateProblem, parse_plate
from ui.controls import sized, touch_button
from ui.step_verify import PersonText

PlateCheck = Callable[[str], Plate]


class GuideStep(QWidget):
    """The guide step's form; ``submit`` is called with what was entered."""

    plate_valid = Signal()  # the plate as typed became valid

    def __init__(self, *, lang: str, home_province: str,
                 submit: Callable[[], None]) -> None:  # fmt: skip
        super().__init__()
        self.lang = lang
        self.check: PlateCheck = parse_plate  # the lane's check (marks when the guide began)
        g = QGridLayout(self)
        g.setVerticalSpacing(10)
        g.addWidget(sized(QLabel(self.tr("省份")), 13), 0, 0, Qt.AlignmentFlag.AlignTop)
        prov = QGridLayout()
        prov.setSpacing(4)
        self.province_group = QButtonGroup(self)
        self.province_buttons: dict[str, QPushButton] = {}
        for i, ch in enumerate(PROVINCES):
            b = touch_button(ch, checkable=True, height=46)
            b.setMinimumWidth(44)
            b.setStyleSheet("padding: 0px;")  # 16 in a row fit a 1280 px wide screen
            self.province_group.addButton(b)
            self.province_buttons[ch] = b
            prov.addWidget(b, i // 16, i % 16)
            b.clicked.connect(self.plate_changed)
        self.province_buttons[home_province].setChecked(True)
        g.addLayout(prov, 0, 1, 1, 3)
        g.addWidget(sized(QLabel(self.tr("车牌号")), 13), 1, 0)
        self.plate_edit = sized(QLineEdit(), 24)
        self.plate_edit.setPlaceholderText(self.tr("例 A12345 或 AD12345"))
        self.plate_edit.setMaxLength(10)
        self.plate_edit.textEdited.connect(self.plate_changed)
        g.addWidget(self.plate_edit, 1, 1, 1, 2)
        self.plate_check = sized(QLabel(), 13)
        self.plate_check.setWordWrap(True)
        g.addWidget(self.plate_check, 1, 3)
        g.addWidget(sized(QLabel(self.tr("车型")), 13), 2, 0)
        types = QHBoxLayout()
        self.type_group = QButtonGroup(self)
        self.type_buttons: dict[VehicleType, QPushButton] = {}
        for i, vt in enumerate(VehicleType):
            b = touch_button(f"{vt.label(lang)}  F{i + 1}", checkable=True, height=56)
            self.type_group.addButton(b)
            self.type_buttons[vt] = b
            types.addWidget(b)
        self.type_buttons[VehicleType.CAR].setChecked(True)
        g.addLayout(types, 2, 1, 1, 3)
        g.addWidget(sized(QLabel(self.tr("人数")), 13), 3, 0)
        people = QHBoxLayout()
        self.minus = touch_button("−", height=52)
        self.plus = touch_button("+", height=52)
        self.minus.setMinimumWidth(80)
        self.plus.setMinimumWidth(80)
        self.people_label = sized(QLabel("1"), 26)
        self.people_label.setMinimumWidth(70)
        self.people_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.minus.clicked.connect(lambda: self.bump_people(-1))
        self.plus.clicked.connect(lambda: self.bump_people(1))
        people.addWidget(self.minus)
        people.addWidget(self.people_label)
        people.addWidget(self.plus)
        people.addWidget(QLabel(self.tr("Ctrl+↑/↓")))
        people.addStretch(1)
        g.addLayout(people, 3, 1, 1, 3)
        g.addWidget(sized(QLabel(self.tr("始发地")), 13), 4, 0)
        self.origin_edit = QLineEdit()
        self.origin_edit.setMinimumHeight(44)
        self.origin_edit.setPlaceholderText(self.tr("从哪里来(可不填)"))
        g.addWidget(self.origin_edit, 4, 1)
        g.addWidget(sized(QLabel(self.tr("目的地")), 13), 4, 2)
        self.destination_edit = QLineEdit()
        self.destination_edit.setMinimumHeight(44)
        self.destination_edit.setPlaceholderText(self.tr("到哪里去(可不填)"))
        g.addWidget(self.destination_edit, 4, 3)
        self.guide_button = sized(
            touch_button(self.tr("开始核验  Enter"), primary=True, height=60), 18
        )
        self.guide_button.clicked.connect(submit)
        g.addWidget(self.guide_button, 5, 1, 1, 3)
        # the "last vehicle" strip: one line, who was scanned and how they were judged
        self.last_label = sized(QLabel(), 13)
        self.last_label.setMinimumWidth(10)
        self.people_text = PersonText(lang)
        g.addWidget(self.last_label, 6, 1, 1, 3)
        g.setRowStretch(7, 1)
        g.setColumnStretch(1, 1)
        g.setColumnStretch(3, 1)

    def plate_text(self) -> str:
        """The plate as entered: the picked province plus the typed rest (unless typed whole)."""
        typed = self.plate_edit.text().strip()
        if typed and typed[0] in PROVINCES:
            return typed
        checked = self.province_group.checkedButton()
        return (checked.text() if checked else "") + typed

    def plate_changed(self) -> None:
        """Check the plate as it is typed (upper case, kind, what is wrong)."""
        text = self.plate_edit.text()
        if text != text.upper():
            pos = self.plate_edit.cursorPosition()
            self.plate_edit.setText(text.upper())
            self.plate_edit.setCursorPosition(pos)
        if not self.plate_edit.text().strip():
            self.plate_check.setText("")
            return
        try:
            plate = self.check(self.plate_text())
        except PlateError as exc:
            self.plate_check.setStyleSheet("color: #e53935;")
            self.plate_check.setText(self.plate_error(exc.problem))
            return
        self.plate_valid.emit()  # an error shown about the plate is no longer true
        kinds = {"ordinary": self.tr("普通车牌"), "trailer": self.tr("挂车"),
                 "new_energy": self.tr("新能源")}  # fmt: skip
        self.plate_check.setStyleSheet("color: #43a047;")
        self.plate_check.setText(f"✓ {plate.text} · {kinds[plate.kind.value]}")

    def plate_error(self, problem: PlateProblem) -> str:
        """What is wrong with a plate, in the screen's language."""
        return {
            PlateProblem.LETTER_I_O: self.tr("车牌不使用字母 I 和 O(请用 1 和 0)"),
            PlateProblem.PROVINCE: self.tr("车牌须以省份简称开头,如 浙"),
            PlateProblem.NEW_ENERGY: self.tr("8 位车牌但不是有效的新能源车牌"),
            PlateProblem.EMPTY: self.tr("请输入车牌号"),
            PlateProblem.PATTERN: self.tr("车牌格式不对(例 浙A12345、浙AD12345)"),
        }[problem]

    def bump_people(self, delta: int) -> None:
        """One person more or fewer (at least 1)."""
        n = max(1, min(60, int(self.people_label.text()) + delta))
        self.people_label.setText(str(n))

    def set_people_count(self, n: int) -> None:
        """Set the number of people."""
        self.people_label.setText(str(max(1, n)))

    def people_count(self) -> int:
        """The number of people entered."""
        return int(self.people_label.text())

    def vehicle_type(self) -> VehicleType:
        """The chosen vehicle type."""
        return next(vt for vt, b in self.type_buttons.items() if b.isChecked())

    def pick_type(self, index: int) -> None:
        """F1–F4: the vehicle type by position."""
        list(self.type_buttons.values())[index].setChecked(True)

    def show_state(self, state: LaneState) -> None:
        """Show the guide step for ``state`` (fresh fields for a new vehicle)."""
        if state.last is not None:
            plate, d = state.last
            line = self.tr("上一辆: {plate} → {d}").format(plate=plate, d=d.label(self.lang))
            if state.last_people:
                line += "  |  " + self.people_text.everyone(state.last_people)
            self.last_label.setText(line)
            self.last_label.setToolTip(line)
        if state.inspection_id is None and state.vehicle is None:
            # a new vehicle: fresh fields, the home province stays picked
            self.plate_edit.clear()
            self.plate_check.clear()
            self.origin_edit.clear()
            self.destination_edit.clear()
            self.set_people_count(1)
            self.type_buttons[VehicleType.CAR].setChecked(True)
        self.plate_edit.setFocus()
