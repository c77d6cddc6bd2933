"""The CJK font every report embeds: WenQuanYi Micro Hei (文泉驿微米黑), shipped in resources/fonts.

reportlab embeds only TrueType outlines, so the font is the TrueType collection from Debian's
fonts-wqy-microhei (Apache-2.0, licence beside it), never a viewer's or printer's font.

reportlab reads the font's tables (metrics of 49,531 glyphs) in Python: 0.1 s, a tenth of a
shift report from the command line. What it reads is kept in the user's cache folder
(``marshal``: plain numbers, strings and containers, no code) and used while the font file,
reportlab and Python are the same; anything else, or any doubt, parses the font again.
"""

from __future__ import annotations

import marshal
import os
import sys
import threading
from pathlib import Path
from typing import Any

from checkpoint.config import APP_NAME
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


_CACHE_FORMAT = 1
# Parsed attributes of reportlab's TTFontFace that are name strings (TTFNameBytes).
_NAME_FIELDS = ("name", "familyName", "styleName", "fullName", "uniqueFontID")
# Attributes not cached: the file's bytes (read again) and the scale function (rebuilt).
_NOT_CACHED = ("_ttf_data", "_pdfScale")


def metrics_cache_file(path: Path) -> Path:
    """Where the parsed metrics of the font file ``path`` are kept for this reportlab."""
    import platformdirs
    from reportlab import Version

    st = path.stat()
    tag = (
        f"{path.stem}-{st.st_size}-{st.st_mtime_ns}-rl{Version}-"
        f"py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}-{_CACHE_FORMAT}"
    )
    folder = os.environ.get("CHECKPOINT_CACHE_DIR") or platformdirs.user_cache_dir(
        APP_NAME, appauthor=False
    )
    return Path(folder) / "fonts" / f"{tag}.metrics"


def _face_state(face: Any) -> dict[str, Any]:
    state = {k: v for k, v in face.__dict__.items() if k not in _NOT_CACHED}
    for k in _NAME_FIELDS:
        state[k] = bytes(state[k])
    return state


def _cached_face(path: Path) -> Any | None:
    """The font's face from the metrics cache, or None (no cache, stale, unreadable)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace

    try:
        state = marshal.loads(metrics_cache_file(path).read_bytes())
        face = TTFontFace.__new__(TTFontFace)
        pdfmetrics.TypeFace.__init__(face, None)
        face.__dict__.update(state)
        for k in _NAME_FIELDS:
            setattr(face, k, TTFNameBytes(state[k]))
        face._ttf_data = path.read_bytes()
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        return None
    upm = face.unitsPerEm
    mult = 1000 / upm
    face._pdfScale = (lambda x: x) if upm == 1000 else (lambda x: x * mult)
    return face


def _save_face(path: Path, face: Any) -> None:
    """Keep the parsed metrics for the next process (best effort: a cache, never required)."""
    try:
        target = metrics_cache_file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(f"{target.name}.{os.getpid()}.part")
        part.write_bytes(marshal.dumps(_face_state(face)))
        part.replace(target)
    except (OSError, ValueError):
        pass


def _cjk_font(path: Path) -> Any:
    """reportlab's TTFont for ``path``, its metrics from the cache when they are there."""
    from reportlab.pdfbase import ttfonts

    face = _cached_face(path)
    if face is None:
        font = ttfonts.TTFont(FONT_NAME, str(path), subfontIndex=0)
        _save_face(path, font.face)
        return font
    # TTFont builds its face from the file; hand it the cached one for this one call.
    parse = ttfonts.TTFontFace
    ttfonts.TTFontFace = lambda *_a, **_k: face
    try:
        return ttfonts.TTFont(FONT_NAME, str(path), subfontIndex=0)
    finally:
        ttfonts.TTFontFace = parse


def register_cjk_font() -> str:
    """Register the CJK font with reportlab once per process; returns its reportlab name."""
    from reportlab.pdfbase import pdfmetrics

    with _lock:
        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(_cjk_font(font_path()))
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
