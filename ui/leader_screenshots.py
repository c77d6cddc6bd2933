"""Screenshots of the leader's screens for the docs, in Chinese and English, at 1366×768.

``python -m ui.leader_screenshots docs/screenshots`` fills a throw-away demo database through
the services (vehicles through the lane, one red code sent to 转运隔离, a correction, a
paper-ledger file), signs the point chief in and saves ``leader_<screen>_<lang>.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1366, 768)
CHIEF = "陈立新"
VEHICLES = (  # plate, people, a red code for the last person
    ("浙A12345", 2, False), ("浙B7K2M9", 1, False), ("皖K35871", 3, False),
    ("浙A0D5Q8", 1, True), ("苏E66Q21", 2, False),
)  # fmt: skip
PAPER = """时间,车牌,车型,人数,出发地,目的地,处置,备注
{t1},浙A55501,小客车,2,杭州,建德,放行,停电期间纸质登记
{t2},浙A55502,货车,1,宁波,寿昌,放行+落地报备,
"""


def _fill(station: Any, settings: Any, tmp: Path) -> tuple[Any, Any]:
    """Vehicles on the lane, a correction and a back-entry; returns the leader and shift."""
    from checkpoint.domain import CodeColour, VehicleType
    from checkpoint.leader.backentry import import_paper_ledger
    from checkpoint.leader.corrections import Corrector

    leader, shift_id = station.demo_team()
    lane = station.open_lane(leader, shift_id)
    lane.start()
    corrected = None
    for plate, people, red in VEHICLES:
        lane.guide(plate, VehicleType.CAR, people, "杭州", "建德")
        for i in range(people):
            lane.add_person_by_eye()
            last = i == people - 1
            lane.read_colour(CodeColour.RED if red and last else CodeColour.GREEN)
            lane.read_star(False)
            lane.read_test_hours(20)
            lane.set_temperature(36.6)
        lane.finish_verify()
        lane.confirm_record()
        corrected = corrected or lane.state.inspection_id
        lane.divert()
    assert corrected is not None
    Corrector.from_settings(station.db, settings).correct(
        corrected, "people_count", "3", reason="漏记一名乘客", staff=leader
    )
    now = datetime.now(settings.tz)
    paper = tmp / "纸质台账.csv"
    times = {"t1": (now - timedelta(minutes=40)).strftime("%H:%M"),
             "t2": (now - timedelta(minutes=35)).strftime("%H:%M")}  # fmt: skip
    paper.write_text(PAPER.format(**times), encoding="utf-8")
    duty = station.shift(shift_id).duty_date
    import_paper_ledger(station.db, settings, paper, duty, staff=leader)
    bad = tmp / "bad.csv"
    bad.write_text(PAPER.format(**times).replace("浙A55502", "浙I12345"), encoding="utf-8")
    return leader, shift_id


def _station(tmp: Path) -> tuple[Any, Any]:
    """A demo lane station on a throw-away data directory, and its settings."""
    from checkpoint.config import load_settings
    from checkpoint.lane.station import LaneStation

    os.environ["CHECKPOINT_DATA_DIR"] = str(tmp)
    os.environ["CHECKPOINT_CONFIG"] = str(tmp / "none.toml")
    settings = load_settings(demo=True)
    return LaneStation.open(settings, demo=True), settings


def shoot(out: Path, lang: str) -> list[Path]:
    """Save the leader's screens in ``lang`` into ``out``; returns the files."""
    from PySide6.QtWidgets import QApplication, QWidget

    from ui.fonts import install_cjk_font
    from ui.i18n import install_translators
    from ui.main_window import MainWindow
    from ui.screenshots import _settle, _wait

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    install_translators(app, lang)
    install_cjk_font(app)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        station, settings = _station(Path(tmp))
        _fill(station, settings, Path(tmp))
        w = MainWindow(station.db, settings, lang=lang, demo=True, camera=False, muted=True,
                       dark=False)  # fmt: skip
        w.resize(*SIZE)
        w.show()
        idle: Callable[[], bool] = lambda: w.jobs.pending == 0  # noqa: E731
        w.signin.reload()
        _wait(app, lambda: not w.signin.busy and idle())  # the names, read off the GUI thread
        w.signin.select_name(CHIEF)
        w.signin.secret.setText("0000")
        w.signin.sign_in()
        _wait(app, lambda: w.controller is not None and idle())

        def save(name: str, widget: QWidget | None = None) -> None:
            _wait(app, idle)
            _settle(app)
            path = out / f"leader_{name}_{lang}.png"
            (widget or w).grab().save(str(path))
            saved.append(path)

        ld, ledger = w.leader_desk, w.ledger
        assert ld is not None and ledger is not None
        # the 136 response 25 minutes on: its first measure is overdue on every lane
        ld.responses.clock = lambda: datetime.now(settings.tz) + timedelta(minutes=25)
        ld.poll()
        w.tabs.setCurrentWidget(ld.glance)
        save("glance")
        w.tabs.setCurrentWidget(ld.responses)
        save("response")
        w.tabs.setCurrentWidget(ledger)
        ledger.all_shifts.setChecked(True)
        save("ledger_search")
        row = next(i for i, r in enumerate(ledger.model.rows) if r.people_count == 3
                   and r.plate == "浙A12345")  # fmt: skip
        details = ledger.open_details(row)
        assert details is not None
        _wait(app, idle)
        save("details", details)
        assert ledger.shown is not None
        form = ledger.open_correction(ledger.shown)
        assert form is not None
        form.choose("person.1.temperature")
        form.value.setText("37.8")
        form.reason.setText("复测体温" if lang == "zh_CN" else "measured again")
        save("correction", form)
        form.close()
        details.close()
        entry = ledger.open_backentry()
        assert entry is not None
        entry.import_file(Path(tmp) / "bad.csv")
        save("backentry", entry)
        entry.close()
        team = ld.open_team()
        assert team is not None
        _wait(app, idle)
        team.select("刘洋")
        save("team", team)
        team.close()
        w.close()  # stops its timers, camera and database thread
        w.deleteLater()
        station.close()
        _settle(app, 0.1)
    return saved


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    saved = [path for lang in ("zh_CN", "en") for path in shoot(out, lang)]
    print("\n".join(str(path) for path in saved))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
