"""Light and dark (night-shift) themes with large touch targets; verdict colours in one place."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QApplication

from checkpoint.domain import CodeColour, Verdict

VERDICT_BG = {Verdict.PASS: "#2e7d32", Verdict.ATTENTION: "#f9a825", Verdict.STOP: "#c62828"}
VERDICT_FG = {Verdict.PASS: "#ffffff", Verdict.ATTENTION: "#1a1a1a", Verdict.STOP: "#ffffff"}
CODE_BG = {CodeColour.GREEN: "#2e7d32", CodeColour.YELLOW: "#f9a825", CodeColour.RED: "#c62828"}
CODE_FG = {CodeColour.GREEN: "#ffffff", CodeColour.YELLOW: "#1a1a1a", CodeColour.RED: "#ffffff"}
UNVERIFIED_BG = "#546e7a"

_COMMON = """
QPushButton { min-height: 48px; min-width: 48px; padding: 4px 12px; border-radius: 6px; }
QLineEdit, QComboBox, QSpinBox { min-height: 44px; padding: 2px 8px; }
QPushButton[primary="true"] { font-weight: bold; }
QLabel#stepActive { font-weight: bold; border-radius: 6px; padding: 6px 14px; }
QLabel#stepDone, QLabel#stepTodo { border-radius: 6px; padding: 6px 14px; }
QLabel#errorBar { background: #c62828; color: white; padding: 4px 8px; border-radius: 6px; }
QLabel#noticeBar { padding: 6px; }
QComboBox QAbstractItemView::item { min-height: 44px; }
QCheckBox { min-height: 44px; spacing: 10px; }
QCheckBox::indicator { width: 28px; height: 28px; }
QListWidget::item { min-height: 44px; }
"""

LIGHT = _COMMON + """
QWidget { background: #f4f5f7; color: #1a1a1a; }
QLineEdit, QComboBox, QSpinBox, QTableView, QTextBrowser { background: white; }
QPushButton { background: #e3e6ea; border: 1px solid #b0b6bd; }
QPushButton:checked { background: #1565c0; color: white; border-color: #0d47a1; }
QPushButton[primary="true"] { background: #1565c0; color: white; }
QPushButton[suggested="true"] { background: #1565c0; color: white; border: 3px solid #ffb300; }
QPushButton:disabled { color: #8a8f95; }
QLabel#stepActive { background: #1565c0; color: white; }
QLabel#stepDone { background: #c8e6c9; color: #1b5e20; }
QLabel#stepTodo { background: #e0e0e0; color: #616161; }
QFrame#header { background: #263238; }
QFrame#header QLabel { background: #263238; color: #eceff1; }
"""

DARK = _COMMON + """
QWidget { background: #121417; color: #e6e6e6; }
QLineEdit, QComboBox, QSpinBox, QTableView, QTextBrowser { background: #1e2227; color: #f0f0f0;
    border: 1px solid #3a4048; }
QHeaderView::section { background: #23272d; color: #e6e6e6; }
QPushButton { background: #2a2f36; border: 1px solid #434a53; color: #e6e6e6; }
QPushButton:checked { background: #1e88e5; color: white; border-color: #64b5f6; }
QPushButton[primary="true"] { background: #1e88e5; color: white; }
QPushButton[suggested="true"] { background: #1e88e5; color: white; border: 3px solid #ffca28; }
QPushButton:disabled { color: #6b7178; }
QLabel#stepActive { background: #1e88e5; color: white; }
QLabel#stepDone { background: #1b3d20; color: #a5d6a7; }
QLabel#stepTodo { background: #23272d; color: #80868d; }
QFrame#header { background: #000000; }
QFrame#header QLabel { background: #000000; color: #cfd8dc; }
"""


def night_by_clock(local: datetime) -> bool:
    """Dark theme from 19:00 to 07:00 local time (the night and late shifts)."""
    return local.hour >= 19 or local.hour < 7


def apply_theme(app: QApplication, dark: bool) -> None:
    """Switch the whole application's style sheet."""
    app.setStyleSheet(DARK if dark else LIGHT)
