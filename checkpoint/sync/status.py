"""What the header shows about the server: online, or offline since HH:MM, and N records waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from checkpoint.errors import ConfigError, StorageError
from checkpoint.storage.db import check_url
from checkpoint.sync import outbox


@dataclass(frozen=True)
class SyncStatus:
    """The lane's link to its server as the sender last saw it.

    ``server`` is None when the lane works alone (no server configured). ``refused`` means the
    server answered but would not take the records (``error`` says why); retrying will not help
    until someone fixes the cause.
    """

    server: str | None
    online: bool
    waiting: int
    last_sent_at: datetime | None
    offline_since: datetime | None = None
    error: str | None = None
    refused: bool = False
    staff_pulled_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``checkpoint sync status --json`` object (contract keys first)."""
        return {
            "server": self.server,
            "online": self.online,
            "waiting": self.waiting,
            "last_sent_at": _iso(self.last_sent_at),
            "offline_since": _iso(self.offline_since),
            "error": self.error,
            "refused": self.refused,
            "staff_pulled_at": _iso(self.staff_pulled_at),
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def safe_server(url: str | None) -> str | None:
    """The server URL with any password hidden, fit for a header or a log."""
    if url is None:
        return None
    return make_url(url).render_as_string(hide_password=True)


def read_status(session: Session, server_url: str | None) -> SyncStatus:
    """The status as stored in the lane's database (no network: safe on any thread, any time)."""
    state = outbox.load_state(session)
    reached = state.last_attempt_at is not None and state.offline_since is None
    return SyncStatus(
        server=safe_server(server_url),
        online=server_url is not None and reached and not state.refused,
        waiting=outbox.waiting(session),
        last_sent_at=state.last_sent_at,
        offline_since=state.offline_since,
        error=state.last_error,
        refused=state.refused,
        staff_pulled_at=state.pulled_at,
    )


def check_server_url(url: str) -> None:
    """ConfigError unless ``url`` names a PostgreSQL server (psycopg 3), the only kind of server."""

    try:
        check_url(url)
    except StorageError as exc:
        raise ConfigError(f"The server URL is unusable: {exc}") from exc
    if make_url(url).drivername != "postgresql+psycopg":
        raise ConfigError(
            "The server must be PostgreSQL: postgresql+psycopg://user@host/dbname "
            f"(not {safe_server(url)})."
        )
