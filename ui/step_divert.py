"""Step 4, divert (分流): the verdict banner with everyone's reasons and the five dispositions.
Enter takes the suggestion; another one asks for a reason (F1–F5 choose, Esc goes back)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from checkpoint.domain import (
    REPORT_TO_COMMUNITY_EN,
    REPORT_TO_COMMUNITY_ZH,
    Disposition,
    Verdict,
)
from checkpoint.lane import LaneState
from ui.controls import sized, touch_button
from ui.theme import VERDICT_BG, VERDICT_FG

Act = Callable[..., None]


class DivertStep(QWidget):
    """The divert step: the suggestion at a glance, an override only with a reason."""

    def __init__(self, *, lang: str, act: Act) -> None:
        super().__init__()
        self.lang = lang
        self.act = act
        self.state = LaneState()
        self.pending: Disposition | None = None  # a disposition other than the suggestion
        v = QVBoxLayout(self)
        self.banner = sized(QLabel(), 30)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setMinimumHeight(110)
        v.addWidget(self.banner)
        self.reasons_label = sized(QLabel(), 15)
        self.reasons_label.setWordWrap(True)
        v.addWidget(self.reasons_label)
        v.addStretch(1)
        row = QHBoxLayout()
        self.disposition_buttons: dict[Disposition, QPushButton] = {}
        for i, d in enumerate(Disposition):
            b = sized(touch_button(f"{d.label(lang)}\nF{i + 1}", height=96), 15)
            b.clicked.connect(lambda _=False, dd=d: self.choose(dd))
            self.disposition_buttons[d] = b
            row.addWidget(b, 1)
        v.addLayout(row)
        over = QHBoxLayout()
        self.override_label = QLabel()
        self.override_reason = QLineEdit()
        self.override_reason.setPlaceholderText(self.tr("不按建议分流的原因(必填)"))
        self.override_button = touch_button(self.tr("确认分流  Enter"), primary=True, height=56)
        self.override_button.clicked.connect(self.confirm_override)
        over.addWidget(self.override_label)
        over.addWidget(self.override_reason, 1)
        over.addWidget(self.override_button)
        self.override_box = QWidget()
        self.override_box.setLayout(over)
        v.addWidget(self.override_box)
        self.divert_hint = QLabel(self.tr("Enter = 按建议分流;选择其他分流方式需填写原因"))
        v.addWidget(self.divert_hint)

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

    def confirm_override(self) -> None:
        """Divert to the chosen (not suggested) disposition with the typed reason."""
        if self.pending is not None:
            self.act("divert", self.pending, self.override_reason.text())

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
        lines = state.reason_lines(self.lang)
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
        self.show_override()
