"""The header's server indicator: 在线 / 离线(自 HH:MM) / N 条待发送.

The sender (``checkpoint.sync.sender.Sender``) publishes a ``SyncStatus`` from its own thread;
:class:`SyncStatusFeed` turns that plain callback into a queued Qt signal, so the label is only
ever touched on the GUI thread. Wiring, for the main window::

    feed = SyncStatusFeed(parent=window)
    feed.statusChanged.connect(label.show_status)
    sender.subscribe(feed.publish)
    sender.start()            # and sender.stop() when the window closes
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from checkpoint.sync.status import SyncStatus

# The marker's colour per state; the words carry the meaning, the colour only helps a glance.
COLOURS = {"online": "#2e9d4b", "waiting": "#d08a00", "offline": "#c0392b", "alone": "#7f8c8d"}


class SyncStatusFeed(QObject):
    """Receives statuses on any thread and re-emits them on its own (GUI) thread."""

    statusChanged = Signal(object)
    _fromSender = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fromSender.connect(self.statusChanged.emit, Qt.ConnectionType.QueuedConnection)

    def publish(self, status: SyncStatus) -> None:
        """The sender's listener: safe to call from its thread."""
        self._fromSender.emit(status)


class SyncStatusLabel(QLabel):
    """One line in the header: whether the server is reached and how many records wait."""

    def __init__(self, tz: ZoneInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self.state = "alone"
        self.status: SyncStatus | None = None
        self.setTextFormat(Qt.TextFormat.RichText)
        self.show_status(SyncStatus(server=None, online=False, waiting=0, last_sent_at=None))

    def describe(self, status: SyncStatus) -> tuple[str, str]:
        """(state, text) for ``status``; the state names the marker colour."""
        waiting = self.tr("{n} 条待发送").format(n=status.waiting) if status.waiting else ""
        if status.server is None:
            return "alone", self.tr("单机(未配置服务器)")
        if status.refused:
            return "offline", " · ".join(filter(None, [self.tr("服务器拒收"), waiting]))
        if status.online:
            state = "waiting" if status.waiting else "online"
            return state, " · ".join(filter(None, [self.tr("在线"), waiting]))
        if status.offline_since is not None:
            since = status.offline_since.astimezone(self.tz).strftime("%H:%M")
            head = self.tr("离线(自 {time})").format(time=since)
        else:
            head = self.tr("未连接服务器")
        return "offline", " · ".join(filter(None, [head, waiting]))

    @Slot(object)
    def show_status(self, status: SyncStatus) -> None:
        """Render ``status`` (GUI thread only)."""
        self.status = status
        self.state, text = self.describe(status)
        self.setText(f'<span style="color:{COLOURS[self.state]}">●</span> {text}')
        tip = [status.server or ""]
        if status.error:
            tip.append(status.error)
        if status.staff_pulled_at is not None:
            pulled = status.staff_pulled_at.astimezone(self.tz).strftime("%m-%d %H:%M")
            tip.append(self.tr("人员名单更新于 {time}").format(time=pulled))
        self.setToolTip("\n".join(t for t in tip if t))
