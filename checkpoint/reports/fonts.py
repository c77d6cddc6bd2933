"""The CJK font every report embeds: WenQuanYi Micro Hei (文泉驿微米黑), shipped in resources/fonts.

reportlab embeds only TrueType outlines, so the font is the TrueType collection from Debian's
fonts-wqy-microhei (Apache-2.0, licence beside it), never a viewer's or printer's font.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from checkpoint.errors import CheckpointError

FONT_NAME = "WQYMicroHei"
FONT_FILE = "wqy-microhei.ttc"
_lock = threading.Lock()


def fonts_dir() -> Path:
    """resources/fonts of the source tree, or of a frozen (PyInstaller) build."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen is not None:
        return Path(frozen) / "resources" / "fonts"
    return Path(__file__).resolve().parents[2] / "resources" / "fonts"


def font_path() -> Path:
    """The bundled CJK TrueType file; CheckpointError when the installation lacks it."""
    path = fonts_dir() / FONT_FILE
    if not path.is_file():
        raise CheckpointError(
            f"The report font {path} is missing; reinstall Checkpoint Desk to restore it."
        )
    return path


def register_cjk_font() -> str:
    """Register the CJK font with reportlab once per process; returns its reportlab name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(font_path()), subfontIndex=0))
            # One face only: map bold/italic to it so <b> in a paragraph never falls back.
            from reportlab.lib.fonts import addMapping

            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(FONT_NAME, bold, italic, FONT_NAME)
    return FONT_NAME


# Code points the bundled font maps to an empty glyph (they would print as blanks), with the
# text that prints the same meaning.
_BLANK_GLYPHS = str.maketrans({"\u2103": "°C", "\u2109": "°F"})


def printable(text: str) -> str:
    """``text`` with the characters the bundled font cannot draw spelled another way (℃ → °C)."""
    return text.translate(_BLANK_GLYPHS)
