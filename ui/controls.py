"""Controls sized for a gloved hand at the booth: big buttons and big labels."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

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
