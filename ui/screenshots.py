"""Screenshots for the docs: sign-in, each inspection step and the ledger, in Chinese and English.

``python -m ui.screenshots docs/screenshots`` walks demo vehicles through the desk in a throw-away
data directory (offscreen) and saves ``<screen>_<lang>.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _settle(app: object, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.02)


def shoot(out: Path, lang: str, dark: bool) -> list[Path]:
    """Save the screens for ``lang`` into ``out``; returns the files."""
    from PySide6.QtWidgets import QApplication

    from checkpoint.config import load_settings
    from checkpoint.domain import Step, VehicleType
    from checkpoint.lane.station import LaneStation
    from ui.fonts import install_cjk_font
    from ui.i18n import install_translators
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    install_translators(app, lang)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CHECKPOINT_DATA_DIR"] = tmp
        os.environ["CHECKPOINT_CONFIG"] = str(Path(tmp) / "none.toml")
        settings = load_settings(demo=True)
        station = LaneStation.open(settings, demo=True)
        w = MainWindow(
            station.db, settings, lang=lang, demo=True, camera=True, muted=True, dark=dark
        )
        w.resize(1366, 860)
        w.show()

        def save(name: str) -> None:
            _settle(app)
            path = out / f"{name}_{lang}.png"
            w.grab().save(str(path))
            saved.append(path)

        ready = lambda: w.controller is not None and w.jobs.pending == 0  # noqa: E731
        idle = lambda: w.jobs.pending == 0  # noqa: E731
        w.demo_sign_in()
        _wait(app, ready)
        w.sign_out()
        _wait(app, lambda: not w.signin.busy and w.jobs.pending == 0)  # the names, read
        w.signin.select_name("王建国")
        save("signin")
        w.demo_sign_in()
        _wait(app, ready)
        s = w.screen_
        assert s is not None
        # a finished vehicle first, so the ledger and "last vehicle" have something to show
        s.guide.plate_edit.setText("A12345")
        s.guide.set_people_count(2)
        s.submit_guide()
        _wait(app, lambda: s.state.step is Step.RECORD)
        for _ in range(2):
            _wait(app, idle)
            s.primary_action()
        _wait(app, idle)
        s.guide.plate_edit.setText("B8F2K6")
        s.guide.type_buttons[VehicleType.CAR].setChecked(True)
        s.guide.set_people_count(2)
        s.guide.origin_edit.setText("杭州市西湖区" if lang == "zh_CN" else "Hangzhou")
        s.guide.destination_edit.setText("寿昌镇" if lang == "zh_CN" else "Shouchang")
        s.guide.plate_changed()
        save("guide")
        assert w.feed is not None
        w.feed.count = 2  # the demo camera's third kind of car: a yellow-coded passenger
        s.submit_guide()
        _wait(app, lambda: len(s.state.people) >= 2)
        _wait(app, idle)
        save("verify")
        s.primary_action()
        _wait(app, idle)
        save("record")
        s.primary_action()
        _wait(app, idle)
        save("divert")
        s.primary_action()
        _wait(app, idle)
        w.tabs.setCurrentIndex(1)
        _wait(app, idle)
        save("ledger")
        w.shutdown()
        w.close()
        w.deleteLater()
        _settle(app, 0.1)
        station.close()
    return saved


def _wait(app: object, done: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the desk did not get to the next screen in time")
        _settle(app, 0.1)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    for lang in ("zh_CN", "en"):
        for path in shoot(out, lang, dark="--dark" in argv):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
