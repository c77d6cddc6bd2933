"""``shift status`` answered with the database driver alone: no SQLAlchemy, no ORM.

A status line is wanted in a blink (issue 14: 0.3 s from the command line), and importing
SQLAlchemy and the models costs more than that. So when everything the full path would set
up is already in place, this reads the few rows it needs with plain SQL through ``sqlite3`` or
``psycopg``: the database is at the shipped schema, its file private, the site, the lane and
an active plan exist, and the data folder's site marker already names this site for this
database (or there is no data folder to keep one in). Anything else (a new or old database,
a URL with a password or options, a missing row, any driver error) gives None, and the
command takes the full path, which sets things up and says what is wrong exactly as before.
Both paths print the same.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from checkpoint.config import Settings, load_settings
from checkpoint.errors import CheckpointError
from checkpoint.storage.schema_head import shipped_head
from checkpoint.team.shiftplan import PlanSpec, SlotSpec, locate

# The data folder's record of which site each database holds (checkpoint.team.site writes it).
MARKER_FILE = "site-marker.json"
SQLITE_PREFIX = "sqlite:///"
PG_PREFIX = "postgresql+psycopg://"
BUSY_TIMEOUT_S = 5.0


class _Reader:
    """One DB-API connection and how its driver spells parameters and stores ids and dates."""

    def __init__(self, conn: Any, *, sqlite: bool) -> None:
        self.conn = conn
        self.sqlite = sqlite

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.sqlite:  # SQLAlchemy keeps a UUID as 32 hex digits and a date as ISO text
            params = tuple(
                p.hex if isinstance(p, uuid.UUID) else p.isoformat() if isinstance(p, date) else p
                for p in params
            )
        else:
            sql = sql.replace("?", "%s")
        cur = self.conn.cursor()
        try:
            cur.execute(sql, params)
            return [tuple(r) for r in cur.fetchall()]
        finally:
            cur.close()

    def uuid(self, value: Any) -> uuid.UUID:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _plain_url(url: str) -> bool:
    """Whether ``url`` is one this module opens itself (no options, no password)."""
    if "?" in url or "#" in url:
        return False
    if url.startswith(SQLITE_PREFIX):
        name = url[len(SQLITE_PREFIX) :]
        return bool(name) and name != ":memory:"
    if url.startswith(PG_PREFIX):
        rest = url[len(PG_PREFIX) :]
        host = rest.split("/", 1)[0]
        return ":" not in host.rsplit("@", 1)[0] if "@" in host else True
    return False


def plain_settings(db_flag: str | None) -> Settings | None:
    """The settings with ``--db`` applied, when the URL is plain enough for this module (its
    full check, by SQLAlchemy's URL parser, is then left to the full path); else None."""
    if db_flag is None:
        return load_settings()
    if not _plain_url(db_flag):
        return None
    return replace(load_settings(), db_url=db_flag)


def _connect(url: str) -> _Reader | None:
    """A read-only connection for a plain URL this module can open; None for anything else."""
    if not _plain_url(url):
        return None
    if url.startswith(SQLITE_PREFIX):
        path = Path(url[len(SQLITE_PREFIX) :])
        try:
            if path.stat().st_mode & 0o077:  # the full path narrows it to the owner first
                return None
            conn = sqlite3.connect(
                f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S
            )
        except (OSError, sqlite3.Error):
            return None
        return _Reader(conn, sqlite=True)
    if url.startswith(PG_PREFIX):
        try:
            import psycopg

            pg = psycopg.connect(
                f"postgresql://{url[len(PG_PREFIX) :]}", connect_timeout=5, autocommit=True
            )
        except Exception:  # any trouble: the full path reports it in its own words
            return None
        return _Reader(pg, sqlite=False)
    return None


def _marked_site(settings: Settings, url: str) -> uuid.UUID | None:
    """The site the data folder's marker records for ``url``, if any."""
    try:
        doc = json.loads((settings.data_dir / MARKER_FILE).read_text(encoding="utf-8"))
        return uuid.UUID(str(doc[url]["site_id"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _plan(db: _Reader, site_id: uuid.UUID) -> PlanSpec | None:
    plans = db.rows("SELECT id, name FROM shift_plan WHERE site_id = ? AND active", site_id)
    if not plans:
        return None
    plan_id, name = plans[0]
    slots: Sequence[tuple[Any, ...]] = db.rows(
        "SELECT number, name_zh, name_en, start_minute, length_minutes FROM shift_slot "
        "WHERE plan_id = ? ORDER BY number",
        db.uuid(plan_id),
    )
    return PlanSpec(str(name), tuple(SlotSpec(*s) for s in slots))


def shift_status(
    settings: Settings, duty_date: date | None, number: int | None
) -> dict[str, Any] | None:
    """What ``shift status`` prints, read with plain SQL; None when the full path must answer.

    ``duty_date`` and ``number`` name a shift, or both None for the current one.
    """
    if (duty_date is None) != (number is None):
        raise CheckpointError("Give both --date and --shift, or neither for the current shift.")
    url = settings.database_url
    db = _connect(url)
    if db is None:
        return None
    try:
        return _status(db, settings, url, duty_date, number)
    except CheckpointError:  # the shift asked for is not in the plan: as the full path says
        raise
    except (sqlite3.Error, ValueError, TypeError):
        return None
    except Exception as exc:  # psycopg's errors, without importing it for SQLite
        if type(exc).__module__.startswith("psycopg"):
            return None
        raise
    finally:
        db.conn.close()


def _status(
    db: _Reader, settings: Settings, url: str, duty_date: date | None, number: int | None
) -> dict[str, Any] | None:
    stored = [r[0] for r in db.rows("SELECT version_num FROM alembic_version")]
    if shipped_head() is None or stored != [shipped_head()]:
        return None
    sites = db.rows("SELECT id FROM site WHERE name = ?", settings.site_name)
    if not sites:
        return None
    site_id = db.uuid(sites[0][0])
    if settings.data_dir.is_dir() and _marked_site(settings, url) != site_id:
        return None  # the full path records the site in the marker (a folder it can write)
    if not db.rows(
        "SELECT id FROM lane WHERE site_id = ? AND name = ?", site_id, settings.lane_name
    ):
        return None
    plan = _plan(db, site_id)
    if plan is None:
        return None
    if duty_date is not None and number is not None:
        slot = plan.slot(number)
    else:
        w = locate(datetime.now(UTC), plan, settings.tz)
        duty_date, slot = w.duty_date, w.slot
    shifts = db.rows(
        "SELECT s.closed_at, m.name FROM shift s JOIN staff_member m ON m.id = s.leader_id "
        "WHERE s.site_id = ? AND s.duty_date = ? AND s.slot_number = ?",
        site_id,
        duty_date,
        slot.number,
    )
    if shifts:
        closed_at, leader = shifts[0]
        state = "closed" if closed_at is not None else "open"
    else:
        state, leader = "not opened", None
    return {
        "site": settings.site_name,
        "duty_date": duty_date.isoformat(),
        "shift": slot.number,
        "shift_name": slot.name_zh,
        "hours": slot.hours_text(),
        "state": state,
        "leader": leader,
        "database": settings.database_url if settings.db_url is None else "configured URL",
    }
