"""Application start-up: arguments, database, fonts, translations, the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from checkpoint.errors import CheckpointError

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from checkpoint.config import Settings
    from checkpoint.lane.station import LaneStation
    from ui.main_window import WindowHost

log = logging.getLogger("checkpoint.desk")
STARTED = time.monotonic()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="app.py", description="Checkpoint Desk (卡口查验台)")
    p.add_argument("--demo", action="store_true", help="demo mode: synthetic camera, demo passes")
    p.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN")
    p.add_argument("--screenshot", type=Path, metavar="FILE", help="save the window as PNG, exit")
    p.add_argument("--size", metavar="WxH", help="with --scenario: the window's exact size")
    p.add_argument(
        "--scenario",
        metavar="NAME",
        help="with --screenshot: play a scenario (guide, verify-crowd, divert-override, "
        "handover, report-preview, ledger, no-camera, camera-dialog) in a throw-away data "
        "folder",
    )
    p.add_argument("--smoke", action="store_true", help="self-check without a window, then exit")
    p.add_argument("--db", metavar="URL", help="database URL (default: embedded SQLite)")
    p.add_argument("--dark", action="store_true", default=None, help="night theme")
    p.add_argument("--light", dest="dark", action="store_false", help="day theme")
    p.add_argument("--no-camera", action="store_true", help="do not open a camera")
    p.add_argument("--timing", action="store_true", help=argparse.SUPPRESS)  # for bench/
    return p.parse_args(list(argv))


def _no_display() -> bool:
    """On Linux/BSD: neither X11 nor Wayland is there to show a window on."""
    if sys.platform.startswith(("win", "darwin")) or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str]) -> int:
    from ui.footprint import pin_malloc_at_start

    pin_malloc_at_start()  # before anything big is allocated (no Qt in ui.footprint)
    args = parse_args(argv)
    if args.smoke or args.screenshot:
        # neither needs a screen: render offscreen unless told otherwise
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    elif _no_display():
        print(
            "app.py: no display found (DISPLAY/WAYLAND_DISPLAY unset); start it on a desktop, "
            "or use --screenshot FILE / --smoke, or set QT_QPA_PLATFORM=offscreen.",
            file=sys.stderr,
        )
        return 2
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:  # a system library of Qt is missing (bare Linux)
        print(
            f"app.py: Qt cannot load ({exc}); run ./run-desk once, which installs the system "
            "libraries Qt needs.",
            file=sys.stderr,
        )
        return 2
    from ui.footprint import apply_at_start

    apply_at_start()  # before the desk's modules are imported
    from ui.fonts import install_cjk_font
    from ui.i18n import install_translators

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    install_translators(app, args.lang)
    start = StartUp(app, args)
    try:
        return start.run()
    except CheckpointError as exc:
        message = start.say(exc)
    except Exception as exc:  # any start-up failure: one sentence, the details in the log
        message = start.unexpected(exc)
    print(f"app.py: {message}", file=sys.stderr)
    if not (args.screenshot or args.smoke):
        show_start_failure(message)
    return 2


def show_start_failure(message: str) -> None:
    """The one sentence of a failed start, in a window of its own (the desk never opened)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QMessageBox

    title = QCoreApplication.translate("StartUp", "卡口查验台无法启动")
    box = QMessageBox(QMessageBox.Icon.Critical, title, message)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.exec()


class StartUp:
    """One start of the desk: settings, database, window, event loop; cleans up what it made."""

    def __init__(self, app: QApplication, args: argparse.Namespace) -> None:
        self.app = app
        self.args = args
        self.log_file: Path | None = None
        self.station: LaneStation | None = None
        self.host: WindowHost | None = None

    def say(self, error: CheckpointError) -> str:
        """``error`` in the desk's language; what was built so far is closed."""
        from ui.errors import error_text

        self.close()
        sentence = error_text(error, self.args.lang).strip()
        return sentence if sentence.endswith((".", "。", "!", "?")) else sentence + "."

    def unexpected(self, exc: Exception) -> str:
        """Log ``exc`` with its traceback and return the sentence for the person at the booth."""
        from PySide6.QtCore import QCoreApplication

        log.error("start-up failed", exc_info=exc)
        self.close()
        where = str(self.log_file) if self.log_file is not None else "-"
        return QCoreApplication.translate(
            "StartUp", "启动时出现意外错误({0}: {1}),详情已写入日志 {2}。"
        ).format(type(exc).__name__, exc, where)

    def close(self) -> None:
        """Stop the window and the database, if they were made (after a failure too)."""
        if self.host is not None:
            self.host.shutdown()
            if self.host.window is not None:
                self.host.window.close()
            self.host = None
        if self.station is not None:
            self.station.close()
            self.station = None

    def run(self) -> int:
        """Start the desk and run it until it closes; a start-up failure raises."""
        from PySide6.QtCore import QTimer

        from checkpoint import logfile
        from checkpoint.config import load_settings
        from checkpoint.lane.accounts import Accounts
        from checkpoint.lane.station import LaneStation
        from checkpoint.storage.retention import purge_for_settings
        from ui.crash_dialog import CrashReporter
        from ui.main_window import WindowHost

        args, app = self.args, self.app
        self.stage("imports")
        settings = load_settings(db_url=args.db, demo=True if args.demo else None)
        if args.scenario:
            return self.play_scenario(settings)
        self.log_file = logfile.configure(settings.data_dir, "desk")
        if args.demo and settings.db_url is None:
            # demo vehicles never land in the real ledger: a separate file beside it
            settings.ensure_data_dir()
            demo_db = (settings.data_dir / "demo.db").as_posix()
            settings = replace(settings, db_url=f"sqlite:///{demo_db}")
        self.station = LaneStation.open(settings, demo=bool(args.demo))
        db = self.station.db
        self.stage("database")
        purge_for_settings(db, settings)  # personal fields past the retention period
        self.stage("purge")
        # The window reads the sign-in names on its database thread; a database that cannot
        # give them (a damaged file) is a start-up failure in one sentence, read here before
        # there is a window, not a sign-in screen waiting on an error.
        Accounts(db, settings).page()
        if args.smoke:
            self.close()
            from checkpoint.smoke import READY, run_smoke
            from ui.binding_check import check_binding

            binding = check_binding()
            result = run_smoke(settings)
            print("\n".join(result.lines()))
            print(binding)
            print(READY)
            return 0
        self.host = host = WindowHost(
            db, settings, demo=args.demo, camera=not args.no_camera, dark=args.dark
        )
        # errors inside Qt's callbacks while the window is built reach it; the ones build()
        # raises come back here and are a start-up failure
        CrashReporter(lambda: host.window, self.log_file).install()
        host.build(args.lang)
        self.stage("window")
        if args.timing:
            # the event loop runs: the window has been shown and painted
            QTimer.singleShot(0, lambda: print("window-shown", flush=True))
        if args.screenshot:
            self._shoot_when_ready(args.screenshot)
        code = app.exec()
        self.close()
        return code

    def play_scenario(self, settings: Settings) -> int:
        """--scenario: the desk in a throw-away data folder plays it; the PNG is written."""
        import tempfile

        from checkpoint.lane.station import LaneStation
        from ui.main_window import MainWindow
        from ui.scenarios import NoCamera, ScenarioError, parse_size, shoot

        args = self.args
        if not args.screenshot:
            raise ScenarioError("--scenario needs --screenshot FILE.")
        size = parse_size(args.size or "1366x768")
        production = args.scenario == "no-camera"  # the production desk, whatever --demo says
        with tempfile.TemporaryDirectory(prefix="checkpoint-scenario-") as tmp:
            settings = replace(settings, data_dir=Path(tmp), db_url=None,
                               demo=not production, config_file=None)  # fmt: skip
            self.station = station = LaneStation.open(settings, demo=not production)
            window = MainWindow(station.db, settings, lang=args.lang, demo=not production,
                                muted=True, dark=args.dark,
                                camera_source=NoCamera if production else None)  # fmt: skip
            try:
                shoot(window, args.scenario, size, args.screenshot)
            finally:
                window.shutdown()
                window.close()
                window.deleteLater()
                self.close()
        return 0

    def stage(self, name: str) -> None:
        """With --timing (bench/bench_startup.py): the monotonic clock (system-wide, so the
        bench that launched this process can compare it) when a start-up stage ended."""
        if self.args.timing:
            print(f"stage {name} {time.monotonic():.4f}", flush=True)

    def _shoot_when_ready(self, target: Path) -> None:
        from PySide6.QtCore import QTimer

        host, app = self.host, self.app
        assert host is not None
        deadline = time.monotonic() + 5.0

        def shoot() -> None:
            w = host.window
            assert w is not None
            frames = w.screen_.camera.frames if w.screen_ is not None else 2
            if w.use_camera and frames < 2 and time.monotonic() < deadline:
                QTimer.singleShot(100, shoot)  # ready = the camera shows a picture
                return
            w.grab().save(str(target))
            w.shutdown()
            app.quit()

        QTimer.singleShot(300, shoot)
