"""Application start-up: arguments, database, fonts, translations, the main window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from checkpoint.errors import CheckpointError


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="app.py", description="Checkpoint Desk (卡口查验台)")
    p.add_argument("--demo", action="store_true", help="demo mode: synthetic camera, demo passes")
    p.add_argument("--lang", choices=("zh_CN", "en"), default="zh_CN")
    p.add_argument("--screenshot", type=Path, metavar="FILE", help="save the window as PNG, exit")
    p.add_argument("--smoke", action="store_true", help="self-check without a window, then exit")
    p.add_argument("--db", metavar="URL", help="database URL (default: embedded SQLite)")
    return p.parse_args(list(argv))


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from checkpoint.cli.common import open_db
    from checkpoint.config import load_settings
    from ui.fonts import install_cjk_font
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)
    install_cjk_font(app)
    try:
        settings = load_settings(db_url=args.db, demo=True if args.demo else None)
        db = open_db(settings)
    except CheckpointError as exc:
        if args.screenshot or args.smoke:
            print(f"app.py: {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, "卡口查验台", str(exc))
        return 2
    if args.smoke:
        print("ready")
        db.dispose()
        return 0
    window = MainWindow(db, settings)
    window.show()
    if args.screenshot:

        def shoot() -> None:
            window.grab().save(str(args.screenshot))
            app.quit()

        QTimer.singleShot(300, shoot)
    code = app.exec()
    db.dispose()
    return code
