"""The inspection screen (查验): step bar 引导 → 核验 → 录入 → 分流, one vehicle at a time.

It is the :class:`ui.desk.DeskView` of a :class:`ui.desk.DeskController`: it shows the state it
is given and forwards what the person does. Enter always does the step's main action; the
F-keys choose (F1–F4 vehicle type, F5–F7 code colour, F8 star, F9 add a person, F1–F5 the
dispositions); Ctrl+↑/↓ change the number of people.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from checkpoint.config import PROVINCES
from checkpoint.domain import (
    REPORT_TO_COMMUNITY_EN,
    REPORT_TO_COMMUNITY_ZH,
    CodeColour,
    Disposition,
    Step,
    VehicleType,
    Verdict,
)
from checkpoint.lane import LaneProblem, LaneState, Notice
from checkpoint.plates import PlateError, PlateProblem, parse_plate
from checkpoint.verification import PersonView
from scanners import DecodedCode
from ui.desk import DeskController
from ui.i18n import pick
from ui.sounds import SoundPlayer
from ui.theme import CODE_BG, CODE_FG, UNVERIFIED_BG, VERDICT_BG, VERDICT_FG

STEP_KEYS = {Step.GUIDE: 0, Step.VERIFY: 1, Step.RECORD: 2, Step.DIVERT: 3}
FKEYS = [Qt.Key.Key_F1, Qt.Key.Key_F2, Qt.Key.Key_F3, Qt.Key.Key_F4, Qt.Key.Key_F5]


def _button(text: str, *, primary: bool = False, checkable: bool = False,
            height: int = 56) -> QPushButton:  # fmt: skip
    b = QPushButton(text)
    b.setMinimumHeight(height)
    b.setCheckable(checkable)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    if primary:
        b.setProperty("primary", True)
    return b


def _big(label: QLabel, pt: int) -> QLabel:
    f = label.font()
    f.setPointSize(pt)
    label.setFont(f)
    return label


class CameraView(QLabel):
    """The live preview with outlines around detected codes (scaled to fit, aspect kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #000; color: #9e9e9e;")
        self._image: QImage | None = None
        self._outlines: list[DecodedCode] = []
        self.frames = 0

    def set_frame(self, image: QImage, outlines: list[DecodedCode]) -> None:
        """Show a new frame (a QImage that owns its pixels) and its code outlines."""
        self._image = image
        self._outlines = outlines
        self.frames += 1
        self.update()

    def paintEvent(self, event: QEvent) -> None:
        if self._image is None:
            super().paintEvent(event)  # type: ignore[arg-type]
            return
        p = QPainter(self)
        img = self._image
        scale = min(self.width() / img.width(), self.height() / img.height())
        w, h = img.width() * scale, img.height() * scale
        x0, y0 = (self.width() - w) / 2, (self.height() - h) / 2
        p.fillRect(self.rect(), QColor("#000"))
        p.drawImage(
            int(x0), int(y0),
            img.scaled(int(w), int(h), Qt.AspectRatioMode.IgnoreAspectRatio,
                       Qt.TransformationMode.FastTransformation),
        )  # fmt: skip
        pen = QPen(QColor("#00e676"))
        pen.setWidth(4)
        p.setPen(pen)
        for code in self._outlines:
            poly = QPolygonF([QPointF(x0 + x * scale, y0 + y * scale) for x, y in code.points])
            p.drawPolygon(poly)
        p.end()


class PersonRow(QFrame):
    """One driver or passenger: what was found and a colour. Click to select."""

    clicked = Signal(int)

    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(72)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        self.title = _big(QLabel(), 15)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(self.detail)

    def mousePressEvent(self, event: QEvent) -> None:
        self.clicked.emit(self.index)


class InspectionScreen(QWidget):
    """Guide → verify → record → divert for one vehicle at a time."""

    def __init__(self, *, lang: str, home_province: str, sounds: SoundPlayer,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.lang = lang
        self.sounds = sounds
        self.controller: DeskController | None = None
        self.state = LaneState()
        self._pending: Disposition | None = None
        self.rows: list[PersonRow] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        # step bar
        bar = QHBoxLayout()
        self.step_labels: list[QLabel] = []
        for i, step in enumerate(Step):
            lab = _big(QLabel(f"{i + 1} {self._step_name(step)}"), 16)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.step_labels.append(lab)
            bar.addWidget(lab, 1)
            if i < 3:
                bar.addWidget(_big(QLabel("→"), 16))
        lay.addLayout(bar)
        self.error_bar = QLabel()
        self.error_bar.setObjectName("errorBar")
        self.error_bar.setWordWrap(True)
        self.error_bar.hide()
        self.notice_bar = QLabel()
        self.notice_bar.setObjectName("noticeBar")
        self.notice_bar.setWordWrap(True)
        lay.addWidget(self.error_bar)
        lay.addWidget(self.notice_bar)
        self.pages = QStackedWidget()
        lay.addWidget(self.pages, 1)
        self.pages.addWidget(self._guide_page(home_province))
        self.pages.addWidget(self._verify_page())
        self.pages.addWidget(self._record_page())
        self.pages.addWidget(self._divert_page())
        self.busy_label = QLabel()
        lay.addWidget(self.busy_label)
        self.show_state(self.state)

    def _step_name(self, step: Step) -> str:
        names = {Step.GUIDE: self.tr("引导"), Step.VERIFY: self.tr("核验"),
                 Step.RECORD: self.tr("录入"), Step.DIVERT: self.tr("分流")}  # fmt: skip
        return names[step]

    def attach(self, controller: DeskController) -> None:
        """Connect the controller this screen is the view of."""
        self.controller = controller

    # -- pages ----------------------------------------------------------------------------------

    def _guide_page(self, home: str) -> QWidget:
        page = QWidget()
        g = QGridLayout(page)
        g.setVerticalSpacing(10)
        g.addWidget(_big(QLabel(self.tr("省份")), 13), 0, 0, Qt.AlignmentFlag.AlignTop)
        prov = QGridLayout()
        prov.setSpacing(4)
        self.province_group = QButtonGroup(page)
        self.province_buttons: dict[str, QPushButton] = {}
        for i, ch in enumerate(PROVINCES):
            b = _button(ch, checkable=True, height=48)
            b.setMinimumWidth(48)
            self.province_group.addButton(b)
            self.province_buttons[ch] = b
            prov.addWidget(b, i // 16, i % 16)
            b.clicked.connect(self._plate_changed)
        self.province_buttons[home].setChecked(True)
        g.addLayout(prov, 0, 1, 1, 3)
        g.addWidget(_big(QLabel(self.tr("车牌号")), 13), 1, 0)
        self.plate_edit = QLineEdit()
        self.plate_edit.setPlaceholderText(self.tr("例 A12345 或 AD12345"))
        self.plate_edit.setMaxLength(10)
        _big(self.plate_edit, 24)  # type: ignore[arg-type]
        self.plate_edit.textEdited.connect(self._plate_changed)
        g.addWidget(self.plate_edit, 1, 1, 1, 2)
        self.plate_check = _big(QLabel(), 13)
        self.plate_check.setWordWrap(True)
        g.addWidget(self.plate_check, 1, 3)
        g.addWidget(_big(QLabel(self.tr("车型")), 13), 2, 0)
        types = QHBoxLayout()
        self.type_group = QButtonGroup(page)
        self.type_buttons: dict[VehicleType, QPushButton] = {}
        for i, vt in enumerate(VehicleType):
            b = _button(f"{vt.label(self.lang)}  F{i + 1}", checkable=True, height=64)
            self.type_group.addButton(b)
            self.type_buttons[vt] = b
            types.addWidget(b)
        self.type_buttons[VehicleType.CAR].setChecked(True)
        g.addLayout(types, 2, 1, 1, 3)
        g.addWidget(_big(QLabel(self.tr("人数")), 13), 3, 0)
        people = QHBoxLayout()
        self.minus = _button("−", height=64)
        self.plus = _button("+", height=64)
        self.minus.setMinimumWidth(80)
        self.plus.setMinimumWidth(80)
        self.people_label = _big(QLabel("1"), 26)
        self.people_label.setMinimumWidth(70)
        self.people_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.minus.clicked.connect(lambda: self._bump_people(-1))
        self.plus.clicked.connect(lambda: self._bump_people(1))
        people.addWidget(self.minus)
        people.addWidget(self.people_label)
        people.addWidget(self.plus)
        people.addWidget(QLabel(self.tr("Ctrl+↑/↓")))
        people.addStretch(1)
        g.addLayout(people, 3, 1, 1, 3)
        g.addWidget(_big(QLabel(self.tr("始发地")), 13), 4, 0)
        self.origin_edit = QLineEdit()
        self.origin_edit.setPlaceholderText(self.tr("从哪里来(可不填)"))
        g.addWidget(self.origin_edit, 4, 1)
        g.addWidget(_big(QLabel(self.tr("目的地")), 13), 4, 2)
        self.destination_edit = QLineEdit()
        self.destination_edit.setPlaceholderText(self.tr("到哪里去(可不填)"))
        g.addWidget(self.destination_edit, 4, 3)
        self.guide_button = _button(self.tr("开始核验  Enter"), primary=True, height=72)
        _big(self.guide_button, 18)  # type: ignore[arg-type]
        self.guide_button.clicked.connect(self.submit_guide)
        g.addWidget(self.guide_button, 5, 1, 1, 3)
        self.last_label = _big(QLabel(), 13)
        g.addWidget(self.last_label, 6, 1, 1, 3)
        g.setRowStretch(7, 1)
        g.setColumnStretch(1, 1)
        g.setColumnStretch(3, 1)
        return page

    def _verify_page(self) -> QWidget:
        page = QWidget()
        h = QHBoxLayout(page)
        left = QVBoxLayout()
        self.camera = CameraView()
        self.camera.setText(self.tr("摄像头启动中…"))
        left.addWidget(self.camera, 1)
        self.camera_status = QLabel()
        left.addWidget(self.camera_status)
        h.addLayout(left, 5)
        right = QVBoxLayout()
        self.vehicle_label = _big(QLabel(), 16)
        right.addWidget(self.vehicle_label)
        self.rows_box = QVBoxLayout()
        right.addLayout(self.rows_box)
        self.verify_hint = QLabel()
        self.verify_hint.setWordWrap(True)
        right.addWidget(self.verify_hint)
        right.addStretch(1)
        manual = QFrame()
        manual.setFrameShape(QFrame.Shape.StyledPanel)
        m = QGridLayout(manual)
        self.manual_title = _big(QLabel(self.tr("人工核对手机页面(选中的人员)")), 12)
        m.addWidget(self.manual_title, 0, 0, 1, 4)
        self.colour_buttons: dict[CodeColour, QPushButton] = {}
        for i, (colour, key) in enumerate(
            ((CodeColour.GREEN, "F5"), (CodeColour.YELLOW, "F6"), (CodeColour.RED, "F7"))
        ):
            b = _button(f"{colour.label(self.lang)}  {key}", height=64)
            b.setStyleSheet(
                f"background: {CODE_BG[colour]}; color: {CODE_FG[colour]}; font-weight: bold;"
            )
            b.clicked.connect(lambda _=False, c=colour: self._act("read_colour", c))
            self.colour_buttons[colour] = b
            m.addWidget(b, 1, i)
        self.star_button = _button(self.tr("行程带星  F8"), height=64)
        self.star_button.clicked.connect(lambda: self._act("read_star", True))
        m.addWidget(self.star_button, 1, 3)
        self.no_star_button = _button(self.tr("行程无星"), height=48)
        self.no_star_button.clicked.connect(lambda: self._act("read_star", False))
        m.addWidget(self.no_star_button, 2, 3)
        self.test_buttons: dict[int | None, QPushButton] = {}
        for i, hours in enumerate((24, 48, 72, None)):
            text = self.tr("核酸{h}小时内").format(h=hours) if hours else self.tr("无核酸")
            b = _button(text, height=48)
            b.clicked.connect(lambda _=False, hh=hours: self._act("read_test_hours", hh))
            self.test_buttons[hours] = b
            m.addWidget(b, 3, i)
        m.addWidget(QLabel(self.tr("体温 °C")), 2, 0)
        self.temp_edit = QLineEdit()
        self.temp_edit.setPlaceholderText("36.5")
        self.temp_edit.setMaximumWidth(140)
        self.temp_edit.installEventFilter(self)
        m.addWidget(self.temp_edit, 2, 1)
        self.temp_button = _button(self.tr("记录体温"), height=48)
        self.temp_button.clicked.connect(self.apply_temperature)
        m.addWidget(self.temp_button, 2, 2)
        right.addWidget(manual)
        buttons = QHBoxLayout()
        self.add_person_button = _button(self.tr("添加人员(人工)  F9"), height=56)
        self.add_person_button.clicked.connect(lambda: self._act("new_person"))
        self.finish_button = _button(self.tr("核验完成  Enter"), primary=True, height=72)
        _big(self.finish_button, 16)  # type: ignore[arg-type]
        self.finish_button.clicked.connect(lambda: self._act("finish_verify"))
        buttons.addWidget(self.add_person_button)
        buttons.addWidget(self.finish_button, 1)
        right.addLayout(buttons)
        h.addLayout(right, 5)
        return page

    def _record_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addWidget(_big(QLabel(self.tr("已保存,请核对台账记录")), 14))
        self.summary = _big(QLabel(), 15)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        v.addWidget(self.summary)
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        c = QGridLayout(box)
        c.addWidget(_big(QLabel(self.tr("更正(保留原值、更正人和原因)")), 12), 0, 0, 1, 4)
        self.correct_field = QComboBox()
        for key, text in (
            ("plate", self.tr("车牌号")), ("vehicle_type", self.tr("车型")),
            ("people_count", self.tr("人数")), ("origin", self.tr("始发地")),
            ("destination", self.tr("目的地")),
        ):  # fmt: skip
            self.correct_field.addItem(text, key)
        self.correct_value = QLineEdit()
        self.correct_value.setPlaceholderText(self.tr("新值"))
        self.correct_reason = QLineEdit()
        self.correct_reason.setPlaceholderText(self.tr("更正原因"))
        self.correct_button = _button(self.tr("保存更正"), height=48)
        self.correct_button.clicked.connect(self.submit_correction)
        c.addWidget(self.correct_field, 1, 0)
        c.addWidget(self.correct_value, 1, 1)
        c.addWidget(self.correct_reason, 1, 2)
        c.addWidget(self.correct_button, 1, 3)
        c.setColumnStretch(2, 1)
        v.addWidget(box)
        v.addStretch(1)
        self.record_button = _button(self.tr("确认录入  Enter"), primary=True, height=72)
        _big(self.record_button, 18)  # type: ignore[arg-type]
        self.record_button.clicked.connect(lambda: self._act("confirm_record"))
        v.addWidget(self.record_button)
        return page

    def _divert_page(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        self.banner = _big(QLabel(), 30)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setMinimumHeight(110)
        v.addWidget(self.banner)
        self.reasons_label = _big(QLabel(), 15)
        self.reasons_label.setWordWrap(True)
        v.addWidget(self.reasons_label)
        v.addStretch(1)
        row = QHBoxLayout()
        self.disposition_buttons: dict[Disposition, QPushButton] = {}
        for i, d in enumerate(Disposition):
            b = _button(f"{d.label(self.lang)}\nF{i + 1}", height=96)
            _big(b, 15)  # type: ignore[arg-type]
            b.clicked.connect(lambda _=False, dd=d: self.choose(dd))
            self.disposition_buttons[d] = b
            row.addWidget(b, 1)
        v.addLayout(row)
        over = QHBoxLayout()
        self.override_label = QLabel()
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText(self.tr("不按建议分流的原因(必填)"))
        self.override_button = _button(self.tr("确认分流  Enter"), primary=True, height=56)
        self.override_button.clicked.connect(self.confirm_override)
        over.addWidget(self.override_label)
        over.addWidget(self.override_reason, 1)
        over.addWidget(self.override_button)
        self.override_box = QWidget()
        self.override_box.setLayout(over)
        v.addWidget(self.override_box)
        self.divert_hint = QLabel(self.tr("Enter = 按建议分流;选择其他分流方式需填写原因"))
        v.addWidget(self.divert_hint)
        return page

    # -- what the person does -----------------------------------------------------------------

    def _act(self, name: str, *args: object) -> None:
        if self.controller is not None:
            getattr(self.controller, name)(*args)

    def plate_text(self) -> str:
        """The plate as entered: the picked province plus the typed rest (unless typed whole)."""
        typed = self.plate_edit.text().strip()
        if typed and typed[0] in PROVINCES:
            return typed
        checked = self.province_group.checkedButton()
        return (checked.text() if checked else "") + typed

    def _plate_changed(self) -> None:
        text = self.plate_edit.text()
        if text != text.upper():
            pos = self.plate_edit.cursorPosition()
            self.plate_edit.setText(text.upper())
            self.plate_edit.setCursorPosition(pos)
        if not self.plate_edit.text().strip():
            self.plate_check.setText("")
            return
        try:
            text = self.plate_text()
            plate = self.controller.check_plate(text) if self.controller else parse_plate(text)
        except PlateError as exc:
            self.plate_check.setStyleSheet("color: #e53935;")
            self.plate_check.setText(self._plate_error(exc.problem))
            return
        kinds = {"ordinary": self.tr("普通车牌"), "trailer": self.tr("挂车"),
                 "new_energy": self.tr("新能源")}  # fmt: skip
        self.plate_check.setStyleSheet("color: #43a047;")
        self.plate_check.setText(f"✓ {plate.text} · {kinds[plate.kind.value]}")

    def _plate_error(self, problem: PlateProblem) -> str:
        return {
            PlateProblem.LETTER_I_O: self.tr("车牌不使用字母 I 和 O(请用 1 和 0)"),
            PlateProblem.PROVINCE: self.tr("车牌须以省份简称开头,如 浙"),
            PlateProblem.NEW_ENERGY: self.tr("8 位车牌但不是有效的新能源车牌"),
            PlateProblem.EMPTY: self.tr("请输入车牌号"),
            PlateProblem.PATTERN: self.tr("车牌格式不对(例 浙A12345、浙AD12345)"),
        }[problem]

    def _bump_people(self, delta: int) -> None:
        n = max(1, min(60, int(self.people_label.text()) + delta))
        self.people_label.setText(str(n))

    def set_people_count(self, n: int) -> None:
        """Set the number of people (also used by tests)."""
        self.people_label.setText(str(max(1, n)))

    def vehicle_type(self) -> VehicleType:
        """The chosen vehicle type."""
        return next(vt for vt, b in self.type_buttons.items() if b.isChecked())

    def submit_guide(self) -> None:
        """Enter on the guide step: save the vehicle and go on to verify."""
        if self.controller is None:
            return
        self.controller.guide(
            self.plate_text(), self.vehicle_type(), int(self.people_label.text()),
            self.origin_edit.text(), self.destination_edit.text(),
        )  # fmt: skip

    def apply_temperature(self) -> None:
        """Save the typed temperature for the selected person."""
        text = self.temp_edit.text().strip().replace(",", ".")
        if self.controller is None or not text:
            return
        try:
            value = float(text)
        except ValueError:
            self.show_problem(LaneProblem.TEMPERATURE_RANGE, {})
            return
        self.controller.set_temperature(value, then=self.temp_edit.clear)

    def submit_correction(self) -> None:
        """Save the correction typed on the record step."""
        if self.controller is None:
            return
        def saved() -> None:
            self.correct_value.clear()
            self.correct_reason.clear()

        self.controller.correct(
            str(self.correct_field.currentData()), self.correct_value.text(),
            self.correct_reason.text(), then=saved,
        )  # fmt: skip

    def choose(self, d: Disposition) -> None:
        """A disposition button: the suggestion goes at once, another one asks for a reason."""
        if self.controller is None or self.state.banner is None:
            return
        if d is self.state.banner.suggested:
            self.controller.divert(None)
            return
        self._pending = d
        self._show_override()
        self.override_reason.setFocus()

    def confirm_override(self) -> None:
        """Divert to the chosen (not suggested) disposition with the typed reason."""
        if self.controller is None or self._pending is None:
            return
        self.controller.divert(self._pending, self.override_reason.text())

    def primary_action(self) -> None:
        """Enter: the current step's main action."""
        step = self.state.step
        if step is Step.GUIDE:
            self.submit_guide()
        elif step is Step.VERIFY:
            self._act("finish_verify")
        elif step is Step.RECORD:
            self._act("confirm_record")
        elif step is Step.DIVERT:
            if self._pending is not None:
                self.confirm_override()
            else:
                self._act("divert", None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        step = self.state.step
        ctrl = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.primary_action()
        elif step is Step.GUIDE and key in FKEYS[:4]:
            list(self.type_buttons.values())[FKEYS.index(key)].setChecked(True)
        elif step is Step.GUIDE and ctrl and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._bump_people(1 if key == Qt.Key.Key_Up else -1)
        elif step is Step.VERIFY and key in (Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F7):
            colour = list(CodeColour)[[Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F7].index(key)]
            self._act("read_colour", colour)
        elif step is Step.VERIFY and key == Qt.Key.Key_F8:
            self._act("read_star", True)
        elif step is Step.VERIFY and key == Qt.Key.Key_F9:
            self._act("new_person")
        elif step is Step.VERIFY and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            sel = self.state.selected or 0
            self._act("select", sel + (-1 if key == Qt.Key.Key_Up else 1))
        elif step is Step.DIVERT and key in FKEYS:
            self.choose(list(Disposition)[FKEYS.index(key)])
        elif key == Qt.Key.Key_Escape and step is Step.DIVERT and self._pending is not None:
            self._pending = None
            self._show_override()
        else:
            super().keyPressEvent(event)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Enter in the temperature field records the temperature, not "verify finished".
        if obj is self.temp_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.apply_temperature()
                return True
        return super().eventFilter(obj, event)

    # -- DeskView -------------------------------------------------------------------------------

    def show_state(self, state: LaneState) -> None:
        """Show ``state``."""
        self.state = state
        self.error_bar.hide()
        index = STEP_KEYS[state.step]
        for i, lab in enumerate(self.step_labels):
            name = "stepActive" if i == index else "stepDone" if i < index else "stepTodo"
            lab.setObjectName(name)
            lab.style().unpolish(lab)
            lab.style().polish(lab)
        self.pages.setCurrentIndex(index)
        self.notice_bar.setText(self._notice(state.notice))
        if state.step is Step.GUIDE:
            self._render_guide()
        elif state.step is Step.VERIFY:
            self._render_verify()
        elif state.step is Step.RECORD:
            self._render_record()
        else:
            self._render_divert()

    def _notice(self, key: Notice | None) -> str:
        if key is Notice.PART_WAITING and self.state.parts_waiting is not None:
            seen, total = self.state.parts_waiting
            return self.tr("分段码已扫 {seen}/{total} 段,请继续扫其余部分").format(
                seen=seen, total=total
            )
        texts = {
            Notice.ALREADY_ATTACHED: self.tr("这个码已经登记过了"),
            Notice.SCAN_IGNORED: self.tr("先录入车牌,再扫码"),
            Notice.CORRECTED: self.tr("更正已保存"),
            Notice.NOT_A_CREDENTIAL: self.tr("不是健康码/通行码"),
            Notice.PART_WAITING: self.tr("分段码:请继续扫其余部分"),
            Notice.PERSON_REMOVED: self.tr("已删除误加的人员"),
        }
        return texts.get(key, "") if key is not None else ""

    def _render_guide(self) -> None:
        last = self.state.last
        if last is not None:
            plate, d = last
            self.last_label.setText(
                self.tr("上一辆: {plate} → {d}").format(plate=plate, d=d.label(self.lang))
            )
        if self.state.inspection_id is None and self.state.vehicle is None:
            # a new vehicle: fresh fields, the home province stays picked
            self.plate_edit.clear()
            self.plate_check.clear()
            self.origin_edit.clear()
            self.destination_edit.clear()
            self.set_people_count(1)
            self.type_buttons[VehicleType.CAR].setChecked(True)
            self._pending = None
        self.plate_edit.setFocus()

    def _vehicle_line(self) -> str:
        v = self.state.vehicle
        if v is None:
            return ""
        return self.tr("{plate} · {type} · {n}人").format(
            plate=v.plate, type=v.vehicle_type.label(self.lang), n=v.people_count
        )

    def _person_text(self, p: PersonView) -> tuple[str, str]:
        who = f"{p.seq}. {p.occupant.label(self.lang)}" + (f" {p.holder}" if p.holder else "")
        parts = []
        parts.append(p.code_colour.label(self.lang) if p.code_colour else self.tr("健康码未核验"))
        if p.itinerary_checked:
            parts.append(self.tr("行程带星") if p.itinerary_star else self.tr("行程无星"))
        else:
            parts.append(self.tr("行程未核验"))
        parts.append(
            self.tr("核酸{h}小时").format(h=p.test_hours) if p.test_hours is not None
            else self.tr("无核酸")
        )  # fmt: skip
        no_temp = self.tr("体温未测")
        parts.append(f"{p.temperature:.1f} °C" if p.temperature is not None else no_temp)
        title = f"{who}   {p.verdict.label(self.lang)}"
        lines = [" · ".join(parts)]
        if p.unreadable:
            lines.append(self.tr("无法读取 = 未核验"))
        if p.needs_manual:
            lines.append(self.tr("无法离线核验 = 未核验:请看手机页面,点下方按钮记录"))
        if p.demo:
            lines.append(self.tr("DEMO 演示凭证"))
        problems = [r.text(self.lang) for r in p.problems()]
        if problems:
            lines.append(";".join(problems[:4]))
        return title, "\n".join(lines)

    def _render_verify(self) -> None:
        self.vehicle_label.setText(self._vehicle_line())
        people = [j.view for j in self.state.people]
        while len(self.rows) > len(people):
            row = self.rows.pop()
            self.rows_box.removeWidget(row)
            row.deleteLater()
        while len(self.rows) < len(people):
            row = PersonRow(len(self.rows))
            row.clicked.connect(lambda i: self._act("select", i))
            self.rows.append(row)
            self.rows_box.addWidget(row)
        for i, (row, p) in enumerate(zip(self.rows, people, strict=True)):
            title, detail = self._person_text(p)
            row.title.setText(title)
            row.detail.setText(detail)
            bg = UNVERIFIED_BG if p.needs_manual or p.unreadable else VERDICT_BG[p.verdict]
            fg = "#ffffff" if p.needs_manual or p.unreadable else VERDICT_FG[p.verdict]
            border = "4px solid #ffca28" if i == self.state.selected else "1px solid #00000000"
            row.setStyleSheet(
                f"PersonRow {{ background: {bg}; border: {border}; border-radius: 8px; }}"
                f" QLabel {{ background: transparent; color: {fg}; }}"
            )
        v = self.state.vehicle
        missing = (v.people_count - len(people)) if v else 0
        if not people:
            hint = self.tr("请司乘人员依次出示健康码/通行码;驾驶员先扫")
        elif missing > 0:
            hint = self.tr("还有 {n} 人未核验").format(n=missing)
        else:
            hint = self.tr("全部人员已核验,按 Enter 完成核验")
        self.verify_hint.setText(hint)
        self.manual_title.setText(
            self.tr("人工核对手机页面 → 第 {n} 人").format(n=self.state.selected + 1)
            if self.state.selected is not None else self.tr("人工核对手机页面 → 新增人员")
        )  # fmt: skip
        self.finish_button.setFocus()

    def _render_record(self) -> None:
        v = self.state.vehicle
        b = self.state.banner
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
        for j in self.state.people:
            title, _ = self._person_text(j.view)
            rows.append("&nbsp;&nbsp;" + title)
        if b is not None:
            rows.append(f"<b>{T['建议分流']}</b>: {b.suggested.label(self.lang)}")
        self.summary.setText("<br>".join(rows))
        self.record_button.setFocus()

    def _show_override(self) -> None:
        visible = self._pending is not None
        self.override_box.setVisible(visible)
        if visible:
            assert self._pending is not None
            self.override_label.setText(
                self.tr("改为 {d},原因:").format(d=self._pending.label(self.lang))
            )
        for d, b in self.disposition_buttons.items():
            b.setCheckable(True)
            b.setChecked(d is self._pending)

    def _render_divert(self) -> None:
        b = self.state.banner
        if b is None or self.controller is None:
            return
        verdict_text = {Verdict.PASS: self.tr("通过"), Verdict.ATTENTION: self.tr("需关注"),
                        Verdict.STOP: self.tr("拦截")}[b.verdict]  # fmt: skip
        self.banner.setText(f"{verdict_text} → {b.suggested.label(self.lang)}")
        self.banner.setStyleSheet(
            f"background: {VERDICT_BG[b.verdict]}; color: {VERDICT_FG[b.verdict]}; "
            "border-radius: 10px; font-weight: bold;"
        )
        lines = self.controller.reasons_for_banner(self.lang)
        if b.report_to_community:
            lines.append(REPORT_TO_COMMUNITY_ZH if self.lang.startswith("zh")
                         else REPORT_TO_COMMUNITY_EN)  # fmt: skip
        self.reasons_label.setText("\n".join(f"• {line}" for line in lines))
        for d, button in self.disposition_buttons.items():
            button.setProperty("suggested", d is b.suggested)
            button.setText(
                f"{d.label(self.lang)}\n"
                + (self.tr("建议 · Enter") if d is b.suggested
                   else f"F{list(Disposition).index(d) + 1}")
            )  # fmt: skip
            button.style().unpolish(button)
            button.style().polish(button)
        self.override_reason.clear()
        self._show_override()
        self.setFocus()

    def show_problem(self, problem: LaneProblem, params: dict[str, object]) -> None:
        """Why the lane refused a call, in the screen's language; typed input stays."""
        if problem is LaneProblem.PLATE:
            text = self._plate_error(PlateProblem(str(params.get("problem"))))
        else:
            texts = {
                LaneProblem.PEOPLE_MISSING: self.tr(
                    "还有 {n} 人未核验:扫码,或点“添加人员(人工)”"
                ).format(n=params.get("missing", "")),
                LaneProblem.TEMPERATURE_RANGE: self.tr("体温应在 30–45 °C 之间"),
                LaneProblem.OVERRIDE_NEEDS_REASON: self.tr("不按建议分流,必须填写原因"),
                LaneProblem.OVERRIDE_NEEDS_LEADER: self.tr("更改分流建议需要组长或点长"),
                LaneProblem.REMOVE_NEEDS_REASON: self.tr("删除人员须填写原因"),
                LaneProblem.WRONG_STEP: self.tr("当前步骤不能这样操作"),
                LaneProblem.PEOPLE_COUNT: self.tr("车上至少有 1 人(驾驶员)"),
                LaneProblem.NO_PERSON: self.tr("没有这个人员"),
                LaneProblem.ID_NUMBER: self.tr("身份证号格式不对"),
                LaneProblem.NO_SITE_KEY: self.tr(
                    "本车道还没有站点密钥,不能登记身份证号(见 checkpoint site-key)"
                ),
            }
            text = texts[problem]
        self._error(text)

    def show_error(self, message: str) -> None:
        """Show a storage failure in the red bar; typed input stays."""
        self._error(pick(message, self.lang))

    def _error(self, text: str) -> None:
        self.error_bar.setText(text)
        self.error_bar.show()
        self.sounds.play("stop")

    def set_busy(self, busy: bool) -> None:
        """While saving: a busy cursor and text; input is refused."""
        self.busy_label.setText(self.tr("正在保存…") if busy else "")
        self.pages.setEnabled(not busy)
        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QApplication.restoreOverrideCursor()

    def play(self, sound: str) -> None:
        """Pass / attention / stop sound."""
        self.sounds.play(sound)

    def set_camera_status(self, text: str, ok: bool) -> None:
        """What the camera is doing, under the preview."""
        self.camera_status.setText(text)
        self.camera_status.setStyleSheet("" if ok else "color: #e53935;")
