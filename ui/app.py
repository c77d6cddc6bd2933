"""Application start-up: arguments, database, fonts, translations, the main window."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from checkpoint.errors import CheckpointError

STARTED = time.monotonic()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="app.py", description="Checkpoint Desk (卡口查验台)")
    p.add_argument("--demo", action="store_true", help="demo mode: synthetic camera, demo passes")
    p.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN")
    p.add_argument("--screenshot", type=Path, metavar="FILE", help="save the window as PNG, exit")
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
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from checkpoint import logfile
    from checkpoint.cli.common import open_db
    from checkpoint.config import load_settings
    from checkpoint.retention import purge_for_settings
    from ui.crash_dialog import CrashReporter
    from ui.fonts import install_cjk_font
    from ui.i18n import install_translators
    from ui.main_window import WindowHost

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    install_translators(app, args.lang)
    try:
        settings = load_settings(db_url=args.db, demo=True if args.demo else None)
        if args.demo and settings.db_url is None:
            # demo vehicles never land in the real ledger: a separate file beside it
            settings.ensure_data_dir()
            from dataclasses import replace

            demo_db = (settings.data_dir / "demo.db").as_posix()
            settings = replace(settings, db_url=f"sqlite:///{demo_db}")
        db = open_db(settings)
        purge_for_settings(db, settings)  # personal fields past the retention period
    except CheckpointError as exc:
        if args.screenshot or args.smoke:
            print(f"app.py: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "卡口查验台", str(exc))
        return 2
    if args.smoke:
        db.dispose()
        from checkpoint.smoke import READY, run_smoke

        try:
            result = run_smoke(settings)
        except CheckpointError as exc:
            print(f"app.py: {exc}", file=sys.stderr)
            return 1
        print("\n".join(result.lines()))
        print(READY)
        return 0
    host = WindowHost(db, settings, demo=args.demo, camera=not args.no_camera, dark=args.dark)
    CrashReporter(lambda: host.window, logfile.configure(settings.data_dir, "desk")).install()
    host.build(args.lang)
    if args.timing:
        # the event loop runs: the window has been shown and painted
        QTimer.singleShot(0, lambda: print("window-shown", flush=True))
    if args.screenshot:
        deadline = time.monotonic() + 5.0

        def shoot() -> None:
            w = host.window
            assert w is not None
            frames = w.screen_.camera.frames if w.screen_ is not None else 2
            if w.use_camera and frames < 2 and time.monotonic() < deadline:
                QTimer.singleShot(100, shoot)  # ready = the camera shows a picture
                return
            w.grab().save(str(args.screenshot))
            w.shutdown()
            app.quit()

        QTimer.singleShot(300, shoot)
    code = app.exec()
    host.shutdown()
    db.dispose()
    return code
