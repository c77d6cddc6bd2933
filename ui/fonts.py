"""Make Chinese render as Chinese on machines without a CJK font: load the bundled one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

BUNDLED_FONT = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "wqy-microhei.ttc"


def install_cjk_font(app: QApplication, point_size: int = 12) -> str | None:
    """Register the bundled CJK font and make it the application font; returns its family."""
    if not BUNDLED_FONT.exists():
        return None
    font_id = QFontDatabase.addApplicationFont(str(BUNDLED_FONT))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    font = QFont(families[0], point_size)
    app.setFont(font)
    return families[0]
