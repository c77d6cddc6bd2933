"""Where the leader's views and the reports read: the whole checkpoint from its server when one
is configured and answers, this lane's own books otherwise, and always saying which (范围).

A lane records only into its own database, so its books hold its own lane; the checkpoint's
server holds every lane's (as far as each has sent). A lane that records straight into a shared
PostgreSQL database reads the whole checkpoint there. Reads never write to the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.errors import StorageError
from checkpoint.storage.db import Database
from checkpoint.storage.models import Site, SyncState, utcnow
from checkpoint.sync import outbox
from checkpoint.team.site import ensure_place

T = TypeVar("T")


class LaneOnly(StrEnum):
    """Why a view or report covers only this lane."""

    NO_SERVER = "no_server"  # this lane works alone (no [server] url)
    OFFLINE = "offline"  # the server did not answer
    NOT_ON_SERVER = "not_on_server"  # the server does not have this checkpoint (or shift) yet


@dataclass(frozen=True)
class ReadScope:
    """What a view or a report covers: every lane of the checkpoint, or the lane it was made
    at (its id and name), and why only that lane (offline since a local time); ``waiting``
    records of this lane had not reached the server yet when it read the whole checkpoint."""

    checkpoint: bool
    lane_id: uuid.UUID
    lane: str
    why_lane_only: LaneOnly | None = None
    offline_since: datetime | None = None
    waiting: int = 0

    @property
    def key(self) -> str:
        """``checkpoint`` or ``lane`` (the report's ``--json`` ``scope``)."""
        return "checkpoint" if self.checkpoint else "lane"

    def text_zh(self) -> str:
        """The line printed on a report: 全卡口（…） or 仅本车道 1号车道（卡口服务器离线…）."""
        if self.checkpoint:
            text = "全卡口（各车道，服务器数据）"
            if self.waiting:
                text += f"；本车道 {self.lane} 尚有 {self.waiting} 条记录未送达"
            return text
        why = {
            LaneOnly.NO_SERVER: "未配置卡口服务器",
            LaneOnly.OFFLINE: "卡口服务器离线",
            LaneOnly.NOT_ON_SERVER: "服务器尚无本卡口数据",
            None: "",
        }[self.why_lane_only]
        if self.why_lane_only is LaneOnly.OFFLINE and self.offline_since is not None:
            why += f"，自 {self.offline_since:%H:%M}"
        return f"仅本车道 {self.lane}" + (f"（{why}）" if why else "")

    def to_json(self) -> dict[str, Any]:
        """The keys a report's ``--json`` gains: scope, lane_id and why."""
        return {
            "scope": self.key,
            "lane_id": str(self.lane_id),
            "scope_lane": self.lane,
            "scope_reason": self.why_lane_only.value if self.why_lane_only else None,
            "scope_waiting": self.waiting,
        }


Reader = Callable[[Session, Site, ReadScope], T]


class CheckpointReads:
    """Runs reads against the checkpoint's server when it answers, else the lane's own books.

    Keeps one connection pool to the server between reads (the leader's live view re-reads on
    every notice); :meth:`close` releases it.
    """

    def __init__(self, lane_db: Database, settings: Settings) -> None:
        self.lane_db = lane_db
        self.settings = settings
        self._server: Database | None = None

    @property
    def server_configured(self) -> bool:
        """Whether this lane sends to a server (an embedded lane with ``[server] url``)."""
        return self.lane_db.is_lane_copy(self.settings.server_url)

    def server(self) -> Database | None:
        """The server's database (not connected until used), or None without a server."""
        if not self.server_configured:
            return None
        if self._server is None:
            assert self.settings.server_url is not None
            self._server = Database(self.settings.server_url)
        return self._server

    def read(self, reader: Reader[T], *, needs: Callable[[Session], bool] | None = None) -> T:
        """``reader(session, site, scope)`` on the server if it answers (and ``needs`` holds
        there, e.g. it has the shift), else on the lane's own database."""
        with self.lane_db.session() as s:
            place = ensure_place(s, self.settings)
            lane_id, lane, site_id = place.lane.id, place.lane.name, place.site.id
            waiting = outbox.waiting(s) if self.server_configured else 0
            state = s.get(SyncState, 1) if self.server_configured else None
            known_down = state.offline_since if state is not None else None
        why = LaneOnly.NO_SERVER
        since: datetime | None = None
        server = self.server()
        if server is None and self.lane_db.engine.dialect.name != "sqlite":
            with self.lane_db.session() as s:  # the lane records straight into the shared server
                site = s.get(Site, site_id)
                assert site is not None
                return reader(s, site, ReadScope(True, lane_id, lane))
        if server is not None:
            try:
                with server.session() as s:
                    site = s.scalars(select(Site).where(Site.id == site_id)).first()
                    if site is not None and (needs is None or needs(s)):
                        return reader(s, site, ReadScope(True, lane_id, lane, waiting=waiting))
                    why = LaneOnly.NOT_ON_SERVER
            except StorageError:
                why, since = LaneOnly.OFFLINE, (known_down or utcnow()).astimezone(self.settings.tz)
        with self.lane_db.session() as s:
            site = s.get(Site, site_id)
            assert site is not None
            return reader(s, site, ReadScope(False, lane_id, lane, why, since, waiting))

    def close(self) -> None:
        """Release the server connections."""
        if self._server is not None:
            self._server.dispose()
            self._server = None
