"""Controls sized for a gloved hand at the booth: big buttons and big labels."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLayout, QPushButton, QScrollArea, QWidget

W = TypeVar("W", bound=QWidget)


def touch_button(text: str, *, primary: bool = False, checkable: bool = False,
                 height: int = 56) -> QPushButton:  # fmt: skip
    """A button at least ``height`` pixels high; ``primary`` is the step's main action."""
    b = QPushButton(text)
    b.setMinimumHeight(height)
    b.setCheckable(checkable)
    b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
    if primary:
        b.setProperty("primary", True)
    return b


def sized(widget: W, pt: int) -> W:
    """``widget`` with its font at ``pt`` points."""
    f = widget.font()
    f.setPointSize(pt)
    widget.setFont(f)
    return widget


def scrolling(inner: QWidget | QLayout) -> QScrollArea:
    """``inner`` in a frameless vertical scroll area (a bus of people never pushes the step's
    actions off the screen); its bar is wide enough for a glove."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setStyleSheet("QScrollBar:vertical { width: 28px; }")
    if isinstance(inner, QLayout):
        holder = QWidget()
        holder.setLayout(inner)
        inner = holder
    area.setWidget(inner)
    return area
