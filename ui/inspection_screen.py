"""The inspection screen (查验): step bar 引导 → 核验 → 录入 → 分流, one vehicle at a time.

It composes one widget per step (``ui.step_guide``, ``step_verify``, ``step_record``,
``step_divert``) and is the :class:`ui.desk.DeskView` of a :class:`ui.desk.DeskController`: it
shows the lane state it is given and forwards what the person does. Enter always does the
step's main action; the F-keys choose (F1–F4 vehicle type, F5–F7 code colour, F8 star, F9 add a
person, F1–F5 the dispositions); Ctrl+↑/↓ change the number of people.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from checkpoint.domain import CodeColour, Disposition, Step
from checkpoint.errors import CheckpointError
from checkpoint.lane.problems import LaneProblem
from checkpoint.lane.state import LaneState, Notice
from checkpoint.plates import PlateProblem
from ui.controls import sized
from ui.desk import DeskController
from ui.errors import error_text
from ui.sounds import SoundPlayer
from ui.step_divert import DivertStep
from ui.step_guide import GuideStep
from ui.step_record import RecordStep
from ui.step_verify import VerifyStep

STEP_KEYS = {Step.GUIDE: 0, Step.VERIFY: 1, Step.RECORD: 2, Step.DIVERT: 3}
FKEYS = [Qt.Key.Key_F1, Qt.Key.Key_F2, Qt.Key.Key_F3, Qt.Key.Key_F4, Qt.Key.Key_F5]
COLOUR_KEYS = [Qt.Key.Key_F5, Qt.Key.Key_F6, Qt.Key.Key_F7]


class InspectionScreen(QWidget):
    """Guide → verify → record → divert for one vehicle at a time."""

    def __init__(self, *, lang: str, home_province: str, sounds: SoundPlayer,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.lang = lang
        self.sounds = sounds
        self.controller: DeskController | None = None
        self.state = LaneState()
        self._typing: QLineEdit | None = None  # the field typed in when a save began
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(4)
        bar = QHBoxLayout()
        self.step_labels: list[QLabel] = []
        for i, step in enumerate(Step):
            lab = sized(QLabel(f"{i + 1} {self._step_name(step)}"), 16)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.step_labels.append(lab)
            bar.addWidget(lab, 1)
            if i < 3:
                bar.addWidget(sized(QLabel("→"), 16))
        lay.addLayout(bar)
        # the red error bar and the notice share one line of fixed height: showing or clearing
        # an error never moves the controls under it
        self.error_bar = QLabel()
        self.error_bar.setObjectName("errorBar")
        self.notice_bar = QLabel()
        self.notice_bar.setObjectName("noticeBar")
        self.message_line = QStackedWidget()
        self.message_line.addWidget(self.notice_bar)
        self.message_line.addWidget(self.error_bar)
        self.message_line.setFixedHeight(34)
        self.busy_label = QLabel()
        line = QHBoxLayout()
        line.addWidget(self.message_line, 1)
        line.addWidget(self.busy_label)
        lay.addLayout(line)
        self.guide = GuideStep(lang=lang, home_province=home_province, submit=self.submit_guide)
        self.guide.plate_valid.connect(self.clear_error)
        self.verify = VerifyStep(
            lang=lang, act=self._act, problem=lambda p: self.show_problem(p, {})
        )
        self.record = RecordStep(lang=lang, act=self._act, home_province=home_province,
                                 edited=self.clear_error)  # fmt: skip
        self.divert = DivertStep(
            lang=lang, act=self._act, may_override=self._may_override,
            problem=lambda p: self.show_problem(p, {}),
        )  # fmt: skip
        self.pages = QStackedWidget()
        for page in (self.guide, self.verify, self.record, self.divert):
            self.pages.addWidget(page)
        lay.addWidget(self.pages, 1)
        self.camera = self.verify.camera
        # Ctrl+↑/↓ work wherever the focus is on this screen (the plate field too)
        for seq, delta in (("Ctrl+Up", 1), ("Ctrl+Down", -1)):
            shortcut = QShortcut(QKeySequence(seq), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda d=delta: self._people_key(d))
        self.show_state(self.state)

    def _step_name(self, step: Step) -> str:
        names = {Step.GUIDE: self.tr("引导"), Step.VERIFY: self.tr("核验"),
                 Step.RECORD: self.tr("录入"), Step.DIVERT: self.tr("分流")}  # fmt: skip
        return names[step]

    def attach(self, controller: DeskController) -> None:
        """Connect the controller this screen is the view of."""
        self.controller = controller
        self.guide.check = controller.check_plate

    # -- what the person does -----------------------------------------------------------------

    def _may_override(self) -> bool:
        return self.controller is None or self.controller.may_override()

    def _act(self, name: str, *args: Any, **kwargs: Any) -> None:
        if self.controller is not None:
            getattr(self.controller, name)(*args, **kwargs)

    def submit_guide(self) -> None:
        """Enter on the guide step: save the vehicle and go on to verify."""
        g = self.guide
        self._act(
            "guide", g.plate_text(), g.vehicle_type(), g.people_count(),
            g.origin_edit.text(), g.destination_edit.text(),
        )  # fmt: skip

    def primary_action(self) -> None:
        """Enter: the current step's main action."""
        step = self.state.step
        if step is Step.GUIDE:
            self.submit_guide()
        elif step is Step.VERIFY:
            self._act("finish_verify")
        elif step is Step.RECORD:
            self._act("confirm_record")
        else:
            self.divert.primary()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        step = self.state.step
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.primary_action()
        elif step is Step.GUIDE and key in FKEYS[:4]:
            self.guide.pick_type(FKEYS.index(key))
        elif step is Step.VERIFY and key in COLOUR_KEYS:
            self._act("read_colour", list(CodeColour)[COLOUR_KEYS.index(key)])
        elif step is Step.VERIFY and key == Qt.Key.Key_F8:
            self._act("read_star", True)
        elif step is Step.VERIFY and key == Qt.Key.Key_F9:
            self._act("new_person")
        elif step is Step.VERIFY and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            sel = self.state.selected or 0
            self._act("select", sel + (-1 if key == Qt.Key.Key_Up else 1))
        elif step is Step.DIVERT and key in FKEYS:
            self.divert.choose(list(Disposition)[FKEYS.index(key)])
        elif key == Qt.Key.Key_Escape:
            # back to the step's normal keys, whatever was open or had the focus
            if step is Step.DIVERT:
                self.divert.cancel_override()
            self.focus_step()
        else:
            super().keyPressEvent(event)

    def focus_step(self) -> None:
        """The focus where the step's keys work: the plate field on the guide step, the
        screen itself elsewhere (Enter and the F-keys reach it from there)."""
        if self.state.step is Step.GUIDE:
            self.guide.plate_edit.setFocus()
        elif self.state.step is Step.VERIFY:
            self.verify.finish_button.setFocus()
        elif self.state.step is Step.RECORD:
            self.record.record_button.setFocus()
        else:
            self.setFocus()

    def _people_key(self, delta: int) -> None:
        if self.state.step is Step.GUIDE:
            self.guide.bump_people(delta)

    # -- DeskView -------------------------------------------------------------------------------

    def show_state(self, state: LaneState) -> None:
        """Show ``state``."""
        self.state = state
        self.clear_error()
        index = STEP_KEYS[state.step]
        for i, lab in enumerate(self.step_labels):
            name = "stepActive" if i == index else "stepDone" if i < index else "stepTodo"
            lab.setObjectName(name)
            lab.style().unpolish(lab)
            lab.style().polish(lab)
        self.pages.setCurrentIndex(index)
        self.notice_bar.setText(self._notice(state))
        if state.step is Step.GUIDE:
            self.divert.pending = None
            self.guide.show_state(state)
        elif state.step is Step.VERIFY:
            self.verify.show_state(state, self._vehicle_line())
        elif state.step is Step.RECORD:
            self.record.show_state(state)
        else:
            self.divert.show_state(state)
        self.focus_step()

    def _notice(self, state: LaneState) -> str:
        if state.notice is Notice.PART_WAITING and state.parts_waiting is not None:
            seen, total = state.parts_waiting
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
            Notice.DEMO_REFUSED: self.tr("演示(DEMO)凭证不能用于正式查验,未登记;请人工核验"),
        }
        return texts.get(state.notice, "") if state.notice is not None else ""

    def _vehicle_line(self) -> str:
        v = self.state.vehicle
        if v is None:
            return ""
        return self.tr("{plate} · {type} · {n}人").format(
            plate=v.plate, type=v.vehicle_type.label(self.lang), n=v.people_count
        )

    def show_problem(self, problem: LaneProblem, params: dict[str, object]) -> None:
        """Why the lane refused a call, in the screen's language; typed input stays."""
        if problem is LaneProblem.PLATE:
            text = self.guide.plate_error(PlateProblem(str(params.get("problem"))))
        else:
            texts = {
                LaneProblem.PEOPLE_MISSING: self.tr(
                    "还有 {n} 人未核验:扫码,或点“添加人员(人工)”"
                ).format(n=params.get("missing", "")),
                LaneProblem.TEMPERATURE_RANGE: self.tr("体温应在 30–45 °C 之间"),
                LaneProblem.OVERRIDE_NEEDS_REASON: self.tr("不按建议分流,必须填写原因"),
                LaneProblem.OVERRIDE_NEEDS_LEADER: self.tr("更改分流建议需要组长或点长授权"),
                LaneProblem.LEADER_NOT_ALLOWED: self.tr("{name} 不是组长或点长,不能授权").format(
                    name=params.get("name", "")
                ),
                LaneProblem.DEMO_PASS: self.tr("演示(DEMO)凭证不能用于正式查验"),
                LaneProblem.CORRECTION_NEEDS_REASON: self.tr("更正须填写原因"),
                LaneProblem.CORRECTION_SAME: self.tr("新值与已保存的相同"),
                LaneProblem.VEHICLE_TYPE: self.tr("请选择车型"),
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
        """Show one sentence in the red bar; typed input stays."""
        self._error(message)

    def show_failure(self, error: CheckpointError) -> None:
        """Show a storage failure in the red bar, in the screen's language; typed input stays."""
        self._error(error_text(error, self.lang))

    def _error(self, text: str) -> None:
        self.error_bar.setText(text)
        self.error_bar.setToolTip(text)
        self.message_line.setCurrentWidget(self.error_bar)
        self.sounds.play("stop")

    def clear_error(self) -> None:
        """The input became valid (or the state moved on): back to the notice line."""
        self.message_line.setCurrentWidget(self.notice_bar)

    def set_busy(self, busy: bool) -> None:
        """While saving: a busy cursor and text; input is refused. The keyboard focus stays
        on this screen meanwhile and comes back to where it belongs afterwards."""
        self.busy_label.setText(self.tr("正在保存…") if busy else "")
        if busy:
            typing = QApplication.focusWidget()
            self._typing = typing if isinstance(typing, QLineEdit) else None
            self.setFocus()  # the pages are disabled: the screen keeps the keys
            self.pages.setEnabled(False)
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            return
        self.pages.setEnabled(True)
        QApplication.restoreOverrideCursor()
        typing, self._typing = self._typing, None
        page = self.pages.currentWidget()
        if typing is not None and typing.isVisible() and page and page.isAncestorOf(typing):
            typing.setFocus()  # a refused PIN or reason: the person types on where they were
        else:
            self.focus_step()

    def play(self, sound: str) -> None:
        """Pass / attention / stop sound."""
        self.sounds.play(sound)

    def set_camera_status(self, text: str, ok: bool) -> None:
        """What the camera is doing, under the preview."""
        self.verify.camera_status.setText(text)
        self.verify.camera_status.setStyleSheet("" if ok else "color: #e53935;")
