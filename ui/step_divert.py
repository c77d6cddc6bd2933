"""Step 4, divert (分流): the verdict banner with everyone's reasons and the five dispositions.
Enter takes the suggestion; another one asks for a reason (F1–F5 choose, Esc goes back)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from checkpoint.domain import (
    REPORT_TO_COMMUNITY_EN,
    REPORT_TO_COMMUNITY_ZH,
    Disposition,
    Verdict,
)
from checkpoint.lane.problems import LaneProblem
from checkpoint.lane.state import LaneState
from ui.controls import scrolling, sized, touch_button
from ui.step_verify import PersonText
from ui.theme import VERDICT_BG, VERDICT_FG

Act = Callable[..., None]


class DivertStep(QWidget):
    """The divert step: the suggestion at a glance, an override only with a reason."""

    def __init__(self, *, lang: str, act: Act, may_override: Callable[[], bool],
                 problem: Callable[[LaneProblem], None]) -> None:  # fmt: skip
        super().__init__()
        self.lang = lang
        self.act = act
        self.may_override = may_override
        self.problem = problem
        self.state = LaneState()
        self.pending: Disposition | None = None  # a disposition other than the suggestion
        v = QVBoxLayout(self)
        self.banner = sized(QLabel(), 30)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setMinimumHeight(90)
        v.addWidget(self.banner)
        # everyone in the vehicle, also when verify finished by itself
        self.people_label = sized(QLabel(), 14)
        self.people_label.setWordWrap(True)
        v.addWidget(self.people_label)
        self.people_text = PersonText(lang)
        self.reasons_label = sized(QLabel(), 15)
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        v.addWidget(scrolling(self.reasons_label), 1)
        row = QHBoxLayout()
        self.disposition_buttons: dict[Disposition, QPushButton] = {}
        for i, d in enumerate(Disposition):
            b = sized(touch_button(f"{d.label(lang)}\nF{i + 1}", height=64), 15)
            b.clicked.connect(lambda _=False, dd=d: self.choose(dd))
            self.disposition_buttons[d] = b
            row.addWidget(b, 1)
        v.addLayout(row)
        over = QHBoxLayout()
        self.override_label = QLabel()
        self.override_reason = QLineEdit()
        self.override_reason.setMinimumHeight(44)
        self.override_reason.setPlaceholderText(self.tr("不按建议分流的原因(必填)"))
        self.override_button = touch_button(self.tr("确认分流  Enter"), primary=True, height=56)
        self.override_button.clicked.connect(self.confirm_override)
        over.addWidget(self.override_label)
        over.addWidget(self.override_reason, 1)
        over.addWidget(self.override_button)
        self.override_box = QWidget()
        self.override_box.setLayout(over)
        v.addWidget(self.override_box)
        v.addWidget(self._confirm_box())
        v.addWidget(self._leader_box())
        self.divert_hint = QLabel(self.tr("Enter = 按建议分流;选择其他分流方式需填写原因"))
        v.addWidget(self.divert_hint)

    @staticmethod
    def _outlined(colour: str) -> tuple[QFrame, QHBoxLayout]:
        """A hidden row in a coloured outline (the confirmation, the leader's prompt)."""
        box = QFrame()
        box.setObjectName("outlined")
        box.setStyleSheet(f"QFrame#outlined {{ border: 3px solid {colour}; border-radius: 8px; }}")
        box.hide()
        return box, QHBoxLayout(box)

    def _confirm_box(self) -> QWidget:
        """Second confirmation when a stop (劝返/转运隔离) is downgraded to 放行."""
        self.confirm_box, c = self._outlined("#c62828")
        self.confirm_label = QLabel()
        self.confirm_label.setWordWrap(True)
        self.confirm_button = touch_button(self.tr("确认放行  Enter"), primary=True, height=56)
        self.confirm_button.clicked.connect(self.primary)
        c.addWidget(self.confirm_label, 1)
        c.addWidget(self.confirm_button)
        return self.confirm_box

    def _leader_box(self) -> QWidget:
        """An override by someone without the right: a leader's name and PIN, at the lane."""
        self.leader_box, g = self._outlined("#f9a825")
        g.addWidget(QLabel(self.tr("组长/点长授权:")))
        self.leader_name = QLineEdit()
        self.leader_name.setPlaceholderText(self.tr("组长姓名"))
        self.leader_pin = QLineEdit()
        self.leader_pin.setPlaceholderText(self.tr("组长 PIN"))
        self.leader_pin.setEchoMode(QLineEdit.EchoMode.Password)
        for field in (self.leader_name, self.leader_pin):
            field.setMinimumHeight(44)
            g.addWidget(field, 1)
        self.leader_button = touch_button(self.tr("授权并分流  Enter"), primary=True, height=56)
        self.leader_button.clicked.connect(self.primary)
        g.addWidget(self.leader_button)
        return self.leader_box

    def choose(self, d: Disposition) -> None:
        """A disposition button: the suggestion goes at once, another one asks for a reason."""
        if self.state.banner is None:
            return
        if d is self.state.banner.suggested:
            self.act("divert", None)
            return
        self.pending = d
        self.show_override()
        self.override_reason.setFocus()

    def downgrades_stop(self) -> bool:
        """Whether the pending choice releases a vehicle the lane says to stop."""
        b = self.state.banner
        return (
            b is not None
            and self.pending is Disposition.RELEASE
            and b.suggested in (Disposition.PERSUADE_RETURN, Disposition.QUARANTINE)
        )

    def confirm_override(self) -> None:
        """Divert to the chosen (not suggested) disposition with the typed reason: first the
        second confirmation of a downgraded stop, then the leader's PIN if the person at the
        desk may not override."""
        pending = self.pending
        if pending is None:
            return
        reason = self.override_reason.text()
        if not reason.strip():
            self.problem(LaneProblem.OVERRIDE_NEEDS_REASON)
            return
        if self.downgrades_stop() and not self.confirm_box.isVisible():
            lines = self.state.reason_lines(self.lang) or ["—"]
            self.confirm_label.setText(
                self.tr("确认将 {s} 改为 放行?被推翻的原因:").format(
                    s=self.state.banner.suggested.label(self.lang) if self.state.banner else ""
                )
                + " "
                + ";".join(lines)
            )
            self.confirm_box.show()
            self.override_button.hide()  # one button claims Enter at a time
            self.confirm_button.setFocus()
            return
        if self.leader_box.isVisible():
            self.act("divert_with_leader", pending, reason, self.leader_name.text(),
                     self.leader_pin.text())  # fmt: skip
            self.leader_pin.clear()
            return
        if not self.may_override():
            self.confirm_box.hide()
            self.override_button.hide()
            self.leader_box.show()
            self.leader_name.setFocus()
            return
        self.act("divert", pending, reason)

    def primary(self) -> None:
        """Enter: the override being typed, or the suggestion."""
        if self.pending is not None:
            self.confirm_override()
        else:
            self.act("divert", None)

    def cancel_override(self) -> bool:
        """Esc: back to the suggestion; False if there was no override form open."""
        if self.pending is None:
            return False
        self.pending = None
        self.show_override()
        return True

    def show_override(self) -> None:
        """Show or hide the override form for the pending disposition."""
        visible = self.pending is not None
        self.override_box.setVisible(visible)
        self.confirm_box.hide()
        self.leader_box.hide()
        self.override_button.show()
        self.divert_hint.setText(
            self.tr("Enter = 确认更改;Esc = 返回按建议分流") if visible
            else self.tr("Enter = 按建议分流;选择其他分流方式需填写原因")
        )  # fmt: skip
        self.leader_name.clear()
        self.leader_pin.clear()
        banner = self.state.banner
        for d, button in self.disposition_buttons.items():
            # while an override is typed, Enter confirms it: the suggestion no longer claims it
            hint = (
                self.tr("建议 · Enter") if banner and d is banner.suggested and not visible
                else self.tr("建议") if banner and d is banner.suggested
                else f"F{list(Disposition).index(d) + 1}"
            )  # fmt: skip
            button.setText(f"{d.label(self.lang)}\n{hint}")
        if self.pending is not None:
            self.override_label.setText(
                self.tr("改为 {d},原因:").format(d=self.pending.label(self.lang))
            )
        for d, b in self.disposition_buttons.items():
            b.setCheckable(True)
            b.setChecked(d is self.pending)

    def show_state(self, state: LaneState) -> None:
        """Show the banner, reasons and buttons of ``state``."""
        self.state = state
        b = state.banner
        if b is None:
            return
        verdict_text = {Verdict.PASS: self.tr("通过"), Verdict.ATTENTION: self.tr("需关注"),
                        Verdict.STOP: self.tr("拦截")}[b.verdict]  # fmt: skip
        self.banner.setText(f"{verdict_text} → {b.suggested.label(self.lang)}")
        self.banner.setStyleSheet(
            f"background: {VERDICT_BG[b.verdict]}; color: {VERDICT_FG[b.verdict]}; "
            "border-radius: 10px; font-weight: bold;"
        )
        self.people_label.setText(
            self.tr("车上人员: ") + self.people_text.everyone([j.view for j in state.people])
        )
        lines = state.reason_lines(self.lang)
        if b.report_to_community:
            lines.append(REPORT_TO_COMMUNITY_ZH if self.lang.startswith("zh")
                         else REPORT_TO_COMMUNITY_EN)  # fmt: skip
        self.reasons_label.setText("\n".join(f"• {line}" for line in lines))
        for d, button in self.disposition_buttons.items():
            button.setProperty("suggested", d is b.suggested)
            button.style().unpolish(button)
            button.style().polish(button)
        self.override_reason.clear()
        self.show_override()
