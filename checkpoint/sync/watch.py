"""The leader's live view: LISTEN on the server's ``checkpoint_sync`` channel.

Every batch a lane delivers (and every correction request) is announced by the server with
``NOTIFY checkpoint_sync`` when its transaction commits (checkpoint.sync.server). A
:class:`ServerWatch` holds one listening connection on a daemon thread and calls ``on_news``
for each notice, and once each time it (re)connects, so a view re-reads on news instead of
polling; after a lost connection it tries again every ``retry`` seconds. Qt-free: the UI adapts
``on_news`` to a signal.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from checkpoint.sync.server import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

News = Callable[[dict[str, Any]], None]
# what on_news receives when the watch (re)connects: anything may have changed meanwhile
CONNECTED: dict[str, Any] = {"connected": True}


def conninfo(url: str) -> str:
    """A libpq connection string from the SQLAlchemy URL of the server."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ServerWatch:
    """Calls ``on_news(payload)`` on its own thread for every notice the server sends."""

    def __init__(self, server_url: str, on_news: News, *, retry: float = 5.0) -> None:
        self.server_url = server_url
        self.on_news = on_news
        self.retry = retry
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    def start(self) -> None:
        """Listen on a daemon thread until :meth:`stop`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="checkpoint-watch", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and wait for the thread (it notices within half a second)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.listening.clear()

    @property
    def running(self) -> bool:
        """Whether the listening thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                log.info("server watch: %s", str(exc).strip().splitlines()[0] if str(exc) else exc)
            except Exception:  # the watch must outlive any surprise; the view still polls
                log.exception("server watch failed")
            self.listening.clear()
            self._stop.wait(self.retry)

    def _listen(self) -> None:
        with psycopg.connect(conninfo(self.server_url), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.listening.set()
            self.on_news(dict(CONNECTED))
            while not self._stop.is_set():
                for notice in conn.notifies(timeout=0.5):
                    self.on_news(_payload(notice.payload))


def _payload(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {"raw": text}
    return data if isinstance(data, dict) else {"raw": data}
