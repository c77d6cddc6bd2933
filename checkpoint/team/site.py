"""The site (卡口) and lane this installation works for, created from the settings on first use.

The data folder remembers which site each database held (``site-marker.json``: database →
site id). A database that lost that site (its file deleted, or replaced by an empty or other
one) is refused with a sentence instead of silently starting over in first-run state, where
anyone could create a new point chief.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.errors import StorageError
from checkpoint.storage.models import Lane, ShiftPlan, Site
from checkpoint.sync.keys import lane_key, site_key
from checkpoint.team.rota import DEFAULT_PLAN, install_plan

MARKER_FILE = "site-marker.json"


@dataclass(frozen=True)
class Place:
    """The site and lane rows this program records under."""

    site: Site
    lane: Lane


def _database_key(session: Session) -> str:
    url = session.get_bind().engine.url
    return make_url(url).render_as_string(hide_password=True)


def _read_marker(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _write_marker(path: Path, doc: dict[str, Any]) -> None:
    """Best effort: a read-only or full disk keeps the old marker."""
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(prefix=".site-marker-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1)
        os.replace(tmp, path)


def _check_marker(session: Session, settings: Settings, key: str) -> None:
    """StorageError if the data folder recorded a site for this database that it lacks."""
    path = settings.data_dir / MARKER_FILE
    entry = _read_marker(path).get(key)
    if not isinstance(entry, dict) or "site_id" not in entry:
        return
    try:
        recorded = uuid.UUID(str(entry["site_id"]))
    except ValueError:
        return
    if session.get(Site, recorded) is None:
        raise StorageError(
            f"The data folder {settings.data_dir} recorded site {entry.get('site', '?')} in "
            f"the database {key}, but that database no longer holds it (removed or replaced); "
            f"restore the database, or move {path} aside to start over on purpose."
        )


def ensure_place(session: Session, settings: Settings) -> Place:
    """The configured site and lane, created (with the default rota) when missing.

    A database that lost the site the data folder recorded for it is a StorageError; the
    site is bound to the session's Database, which checks it before each write.
    """
    key = _database_key(session)
    site = session.scalars(select(Site).where(Site.name == settings.site_name)).first()
    existed = site is not None
    if site is None:
        _check_marker(session, settings, key)
        site = Site(id=site_key(settings.site_name), name=settings.site_name)
        session.add(site)
        session.flush()
    lane = session.scalars(
        select(Lane).where(Lane.site_id == site.id, Lane.name == settings.lane_name)
    ).first()
    if lane is None:
        lane = Lane(
            id=lane_key(site.id, settings.lane_name), site_id=site.id, name=settings.lane_name
        )
        session.add(lane)
        session.flush()
    has_plan = session.scalars(select(ShiftPlan.id).where(ShiftPlan.site_id == site.id)).first()
    if has_plan is None:
        install_plan(session, site, DEFAULT_PLAN)
    database = session.info.get("database")
    if database is not None:
        database.bind_site(site.id)
    if existed:
        _mark(settings, key, site.id, site.name)
    else:  # a site made in this transaction is marked once it is committed
        site_id, name = site.id, site.name
        event.listen(
            session, "after_commit", lambda _s: _mark(settings, key, site_id, name), once=True
        )
    return Place(site, lane)


def _mark(settings: Settings, key: str, site_id: uuid.UUID, name: str) -> None:
    marker = settings.data_dir / MARKER_FILE
    doc = _read_marker(marker)
    entry = doc.get(key)
    if isinstance(entry, dict) and entry.get("site_id") == str(site_id):
        return
    if settings.data_dir.is_dir():
        doc[key] = {"site_id": str(site_id), "site": name}
        _write_marker(marker, doc)
