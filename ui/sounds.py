"""Two short, clearly different sounds: a rising chirp for "pass", a low buzz for "stop".

The WAV files are generated with the standard library (``wave``) into ``resources/sounds`` the
first time they are needed. They play through QSoundEffect when QtMultimedia can be loaded
(it needs the system's audio libraries); otherwise through ``winsound`` on Windows, or the
plain system beep. Nothing here may ever raise into the desk: a booth without speakers works.
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtWidgets import QApplication

SOUNDS_DIR = Path(__file__).resolve().parents[1] / "resources" / "sounds"
RATE = 22050

# (frequency Hz, milliseconds) per tone; 0 Hz is a pause.
TONES: dict[str, tuple[tuple[float, int], ...]] = {
    "pass": ((880.0, 90), (0.0, 30), (1320.0, 140)),
    "attention": ((660.0, 160), (0.0, 60), (660.0, 160)),
    "stop": ((220.0, 180), (0.0, 50), (220.0, 180), (0.0, 50), (220.0, 260)),
}


def _samples(tones: tuple[tuple[float, int], ...], square: bool) -> bytes:
    out = bytearray()
    for freq, ms in tones:
        n = RATE * ms // 1000
        for i in range(n):
            if freq == 0:
                value = 0.0
            else:
                phase = math.sin(2 * math.pi * freq * i / RATE)
                value = (1.0 if phase >= 0 else -1.0) * 0.5 if square else phase
            fade = min(1.0, i / 200, (n - i) / 200)  # no clicks at the edges
            out += struct.pack("<h", int(value * fade * 0.6 * 32767))
    return bytes(out)


def ensure_sounds(folder: Path = SOUNDS_DIR) -> dict[str, Path]:
    """The WAV file of each sound, written if missing."""
    paths = {}
    for name, tones in TONES.items():
        path = folder / f"{name}.wav"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            with wave.open(str(path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(_samples(tones, square=name == "stop"))
        paths[name] = path
    return paths


class SoundPlayer(QObject):
    """Plays "pass", "attention" and "stop". ``played`` lists what was asked for (for tests)."""

    def __init__(self, *, muted: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.muted = muted
        self.played: list[str] = []
        self._effects: dict[str, object] = {}
        self._paths: dict[str, Path] = {}
        if muted:
            return
        try:
            self._paths = ensure_sounds()
        except OSError:
            self._paths = {}
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:  # no audio libraries: fall back to winsound or the beep
            return
        for name, path in self._paths.items():
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            self._effects[name] = effect

    def play(self, name: str) -> None:
        """Play ``name``; silently nothing when muted or when no sound device works."""
        self.played.append(name)
        if self.muted:
            return
        effect = self._effects.get(name)
        if effect is not None:
            effect.play()  # type: ignore[attr-defined]
            return
        path = self._paths.get(name)
        if sys.platform == "win32" and path is not None:
            import winsound

            winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC)
            return
        QApplication.beep()
