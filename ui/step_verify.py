"""Step 2, verify (核验): the camera, one row per person as the lane judged them, and what the
inspector reads off a phone by eye (F5–F7 colour, F8 star, F9 add a person)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from checkpoint.domain import CodeColour
from checkpoint.lane.judging import PersonView
from checkpoint.lane.problems import LaneProblem
from checkpoint.lane.state import LaneState
from ui.controls import scrolling, sized, touch_button
from ui.theme import CODE_BG, CODE_FG, UNVERIFIED_BG, VERDICT_BG, VERDICT_FG

if TYPE_CHECKING:  # the camera code loads after the window is shown
    from scanners import DecodedCode

Act = Callable[..., None]


class CameraView(QLabel):
    """The live preview with outlines around detected codes (scaled to fit, aspect kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(480, 270)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("background: #000; color: #9e9e9e;")
        self._image: QImage | None = None  # the latest frame, scaled to the view
        self._frame_size = (1, 1)  # the camera frame's own size, for the outlines
        self._outlines: list[DecodedCode] = []
        self.frames = 0

    def set_frame(self, image: QImage, outlines: list[DecodedCode]) -> None:
        """Show a new frame and its code outlines (in the frame's pixels).

        Only a copy scaled to the view is kept: the camera bridge writes the next frame into
        the same image (``PreviewImages``), which must then not be shared with this view."""
        self._frame_size = (image.width(), image.height())
        self._outlines = outlines
        self.frames += 1
        if not self.isVisible():  # another step is on screen: nothing to scale or keep
            self._image = None
            return
        w, h = self._fit(*self._frame_size)
        self._image = image.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio,
                                   Qt.TransformationMode.FastTransformation)
        self.update()

    def show_absent(self, text: str) -> None:
        """No picture (no camera, or it was unplugged): say so instead of a frozen frame."""
        self._image = None
        self._outlines = []
        self.setText(text)
        self.update()

    def _fit(self, width: int, height: int) -> tuple[int, int]:
        """The largest size of that shape inside the view (at least 1×1)."""
        scale = min(self.width() / max(width, 1), self.height() / max(height, 1))
        return max(int(width * scale), 1), max(int(height * scale), 1)

    def paintEvent(self, event: QEvent) -> None:
        if self._image is None:
            super().paintEvent(event)  # type: ignore[arg-type]
            return
        p = QPainter(self)
        img = self._image
        w, h = self._fit(*self._frame_size)
        if (img.width(), img.height()) != (w, h):  # resized since the frame came: rescale it
            img = img.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.FastTransformation)
        scale = w / self._frame_size[0]
        x0, y0 = (self.width() - w) / 2, (self.height() - h) / 2
        p.fillRect(self.rect(), QColor("#000"))
        p.drawImage(int(x0), int(y0), img)
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
        self.setMinimumHeight(56)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 4)
        lay.setSpacing(2)
        self.title = sized(QLabel(), 15)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(self.detail)

    def mousePressEvent(self, event: QEvent) -> None:
        self.clicked.emit(self.index)


class PersonText(QObject):
    """A person's row as text (title and detail), shared by the verify and record steps."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def short(self, p: PersonView) -> str:
        """One person in a few words: who, the code read, the verdict."""
        who = f"{p.seq}. {p.occupant.label(self.lang)}" + (f" {p.holder}" if p.holder else "")
        code = p.code_colour.label(self.lang) if p.code_colour else self.tr("健康码未核验")
        return f"{who} {code} {p.verdict.label(self.lang)}"

    def everyone(self, people: Sequence[PersonView]) -> str:
        """Everyone in the vehicle on one line."""
        return " · ".join(self.short(p) for p in people)

    def of(self, p: PersonView) -> tuple[str, str]:
        """The row's title and its detail lines."""
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


class VerifyStep(QWidget):
    """The verify step: camera on the left, people and the by-eye readings on the right."""

    def __init__(self, *, lang: str, act: Act,
                 problem: Callable[[LaneProblem], None]) -> None:  # fmt: skip
        super().__init__()
        self.lang = lang
        self.act = act
        self.problem = problem
        self.text = PersonText(lang)
        self.rows: list[PersonRow] = []
        self.pending_rows: list[PersonRow] = []  # the announced people not verified yet
        h = QHBoxLayout(self)
        left = QVBoxLayout()
        self.camera = CameraView()
        self.camera.setText(self.tr("摄像头启动中…"))
        left.addWidget(self.camera, 1)
        self.camera_status = QLabel()
        left.addWidget(self.camera_status)
        h.addLayout(left, 5)
        right = QVBoxLayout()
        self.vehicle_label = sized(QLabel(), 16)
        right.addWidget(self.vehicle_label)
        self.verify_hint = QLabel()
        self.verify_hint.setWordWrap(True)
        right.addWidget(self.verify_hint)
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        self.rows_box.addStretch(1)
        self.rows_area = scrolling(self.rows_box)
        right.addWidget(self.rows_area, 1)
        right.addWidget(self._manual_box())
        buttons = QHBoxLayout()
        self.add_person_button = touch_button(self.tr("添加人员(人工)  F9"), height=56)
        self.add_person_button.clicked.connect(lambda: self.act("new_person"))
        self.finish_button = sized(
            touch_button(self.tr("核验完成  Enter"), primary=True, height=60), 16
        )
        self.finish_button.clicked.connect(lambda: self.act("finish_verify"))
        buttons.addWidget(self.add_person_button)
        buttons.addWidget(self.finish_button, 1)
        right.addLayout(buttons)
        h.addLayout(right, 5)

    def _manual_box(self) -> QFrame:
        manual = QFrame()
        manual.setFrameShape(QFrame.Shape.StyledPanel)
        m = QGridLayout(manual)
        self.manual_title = sized(QLabel(self.tr("人工核对手机页面(选中的人员)")), 12)
        m.addWidget(self.manual_title, 0, 0, 1, 4)
        self.colour_buttons: dict[CodeColour, QPushButton] = {}
        for i, (colour, key) in enumerate(
            ((CodeColour.GREEN, "F5"), (CodeColour.YELLOW, "F6"), (CodeColour.RED, "F7"))
        ):
            b = touch_button(f"{colour.label(self.lang)}  {key}", height=52)
            b.setStyleSheet(
                f"background: {CODE_BG[colour]}; color: {CODE_FG[colour]}; font-weight: bold;"
            )
            b.clicked.connect(lambda _=False, c=colour: self.act("read_colour", c))
            self.colour_buttons[colour] = b
            m.addWidget(b, 1, i)
        self.star_button = touch_button(self.tr("行程带星  F8"), height=52)
        self.star_button.clicked.connect(lambda: self.act("read_star", True))
        m.addWidget(self.star_button, 1, 3)
        self.no_star_button = touch_button(self.tr("行程无星"), height=44)
        self.no_star_button.clicked.connect(lambda: self.act("read_star", False))
        m.addWidget(self.no_star_button, 2, 3)
        self.test_buttons: dict[int | None, QPushButton] = {}
        for i, hours in enumerate((24, 48, 72, None)):
            text = self.tr("核酸{h}小时内").format(h=hours) if hours else self.tr("无核酸")
            b = touch_button(text, height=44)
            b.clicked.connect(lambda _=False, hh=hours: self.act("read_test_hours", hh))
            self.test_buttons[hours] = b
            m.addWidget(b, 3, i)
        m.addWidget(QLabel(self.tr("体温 °C")), 2, 0)
        self.temp_edit = QLineEdit()
        self.temp_edit.setPlaceholderText("36.5")
        self.temp_edit.setMaximumWidth(140)
        self.temp_edit.setMinimumHeight(44)
        self.temp_edit.installEventFilter(self)
        m.addWidget(self.temp_edit, 2, 1)
        self.temp_button = touch_button(self.tr("记录体温"), height=44)
        self.temp_button.clicked.connect(self.apply_temperature)
        m.addWidget(self.temp_button, 2, 2)
        return manual

    def apply_temperature(self) -> None:
        """Save the typed temperature for the selected person."""
        text = self.temp_edit.text().strip().replace(",", ".")
        if not text:
            return
        try:
            value = float(text)
        except ValueError:
            self.problem(LaneProblem.TEMPERATURE_RANGE)
            return
        self.act("set_temperature", value, then=self.temp_edit.clear)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Enter in the temperature field records the temperature, not "verify finished".
        if obj is self.temp_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.apply_temperature()
                return True
        return super().eventFilter(obj, event)

    def _show_pending(self, verified: int, missing: int) -> None:
        """One grey row per announced person not verified yet, below the people verified; a
        click (or F9) checks the next one by eye."""
        while len(self.pending_rows) > missing:
            row = self.pending_rows.pop()
            self.rows_box.removeWidget(row)
            row.deleteLater()
        while len(self.pending_rows) < missing:
            row = PersonRow(-1)
            row.setObjectName("pendingPerson")
            row.clicked.connect(lambda _i: self.act("new_person"))
            row.setStyleSheet(
                "PersonRow { background: #eceff1; border: 1px dashed #90a4ae;"
                " border-radius: 8px; } QLabel { background: transparent; color: #455a64; }"
            )
            row.setMinimumHeight(44)  # one line: more of them in view, still a glove's target
            row.detail.hide()
            self.pending_rows.append(row)
            self.rows_box.insertWidget(self.rows_box.count() - 1, row)
        for n, row in enumerate(self.pending_rows):
            row.title.setText(
                self.tr("{n}. 待核验 · 出示健康码/通行码,或人工核验 F9").format(n=verified + n + 1)
            )

    def show_state(self, state: LaneState, vehicle_line: str) -> None:
        """Show the people of ``state`` as the lane judged them."""
        self.vehicle_label.setText(vehicle_line)
        people = [j.view for j in state.people]
        while len(self.rows) > len(people):
            row = self.rows.pop()
            self.rows_box.removeWidget(row)
            row.deleteLater()
        while len(self.rows) < len(people):
            row = PersonRow(len(self.rows))
            row.clicked.connect(lambda i: self.act("select", i))
            self.rows_box.insertWidget(len(self.rows), row)  # above the ones still to come
            self.rows.append(row)
        self._show_pending(len(people), state.missing_people)
        for i, (row, p) in enumerate(zip(self.rows, people, strict=True)):
            title, detail = self.text.of(p)
            row.title.setText(title)
            row.detail.setText(detail)
            bg = UNVERIFIED_BG if p.needs_manual or p.unreadable else VERDICT_BG[p.verdict]
            fg = "#ffffff" if p.needs_manual or p.unreadable else VERDICT_FG[p.verdict]
            border = "4px solid #ffca28" if i == state.selected else "1px solid #00000000"
            row.setStyleSheet(
                f"PersonRow {{ background: {bg}; border: {border}; border-radius: 8px; }}"
                f" QLabel {{ background: transparent; color: {fg}; }}"
            )
        if not people:
            hint = self.tr("请司乘人员依次出示健康码/通行码;驾驶员先扫")
        elif state.missing_people > 0:
            hint = self.tr("还有 {n} 人未核验").format(n=state.missing_people)
        else:
            hint = self.tr("全部人员已核验,按 Enter 完成核验")
        self.verify_hint.setText(hint)
        self.manual_title.setText(
            self.tr("人工核对手机页面 → 第 {n} 人").format(n=state.selected + 1)
            if state.selected is not None else self.tr("人工核对手机页面 → 新增人员")
        )  # fmt: skip
        if state.selected is not None and state.selected < len(self.rows):
            self.rows_area.ensureWidgetVisible(self.rows[state.selected])
        self.finish_button.setFocus()
