"""The header's server indicator, fed the way the sender feeds it: from another thread."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pytestqt.qtbot import QtBot

from checkpoint.sync.status import SyncStatus
from ui.sync_status import SyncStatusFeed, SyncStatusLabel

SH = ZoneInfo("Asia/Shanghai")
SERVER = "postgresql+psycopg://postgres@10.0.0.5/checkpoint"


def _status(**kw: object) -> SyncStatus:
    base: dict[str, object] = {
        "server": SERVER,
        "online": False,
        "waiting": 0,
        "last_sent_at": None,
    }
    base.update(kw)
    return SyncStatus(**base)  # type: ignore[arg-type]


def test_states_read_as_the_booth_expects(qtbot: QtBot) -> None:
    label = SyncStatusLabel(SH)
    qtbot.addWidget(label)
    assert label.state == "alone" and "单机" in label.text()
    label.show_status(_status(online=True))
    assert label.state == "online" and label.text().endswith("在线")
    label.show_status(_status(online=True, waiting=12))
    assert label.state == "waiting" and "在线 · 12 条待发送" in label.text()
    down = datetime(2022, 4, 18, 6, 5, tzinfo=UTC)  # 14:05 in Shanghai
    label.show_status(_status(offline_since=down, waiting=340, error="cannot be reached"))
    assert label.state == "offline" and "离线(自 14:05) · 340 条待发送" in label.text()
    assert "cannot be reached" in label.toolTip()
    label.show_status(_status(refused=True, waiting=3, error="The server refused lane 1"))
    assert "服务器拒收 · 3 条待发送" in label.text()


def test_a_status_published_on_the_sender_thread_reaches_the_label_on_the_gui_thread(
    qtbot: QtBot,
) -> None:
    label = SyncStatusLabel(SH)
    qtbot.addWidget(label)
    feed = SyncStatusFeed()
    seen_on: list[threading.Thread] = []

    def shown(status: SyncStatus) -> None:
        seen_on.append(threading.current_thread())
        label.show_status(status)

    feed.statusChanged.connect(shown)
    sender = threading.Thread(target=feed.publish, args=(_status(online=True, waiting=7),))
    with qtbot.waitSignal(feed.statusChanged, timeout=5000):
        sender.start()
        sender.join()
    assert seen_on == [threading.main_thread()]
    assert "在线 · 7 条待发送" in label.text()


def test_the_indicator_speaks_english_too(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.i18n import install_translators

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_translators(app, "en")
    try:
        label = SyncStatusLabel(SH)
        qtbot.addWidget(label)
        down = datetime(2022, 4, 18, 6, 5, tzinfo=UTC)
        label.show_status(_status(offline_since=down, waiting=2))
        assert "Offline (since 14:05) · 2 records waiting" in label.text()
    finally:
        install_translators(app, "zh_CN")


def test_the_desk_starts_its_sender_and_shows_the_server_in_its_header(
    qtbot: QtBot, pg_url: str
) -> None:
    """A lane with ``[server] url`` set records locally and its window sends in the background:
    the header says 在线 once the server answered; closing the window stops the sender."""
    from dataclasses import replace

    from checkpoint.cli.common import open_db
    from checkpoint.config import load_settings
    from checkpoint.storage.db import open_database
    from ui.main_window import MainWindow

    open_database(pg_url).dispose()  # the server's schema (checkpoint init --db URL)
    settings = replace(load_settings(), server_url=pg_url)
    db = open_db(settings)
    window = MainWindow(db, settings, camera=False, muted=True)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.sync_label is not None, timeout=20_000)
    label = window.sync_label
    assert label is not None
    qtbot.waitUntil(lambda: label.state in ("online", "waiting"), timeout=30_000)
    assert "在线" in label.text()
    sender = window.sync_sender
    assert sender is not None
    window.shutdown()
    assert window.sync_sender is None
    db.dispose()


def test_a_lane_without_a_server_starts_no_sender(qtbot: QtBot) -> None:
    from checkpoint.cli.common import open_db
    from checkpoint.config import load_settings
    from ui.main_window import MainWindow

    settings = load_settings()
    db = open_db(settings)
    window = MainWindow(db, settings, camera=False, muted=True)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.jobs.pending == 0, timeout=20_000)
    assert window.sync_sender is None and window.sync_label is None
    window.shutdown()
    db.dispose()
