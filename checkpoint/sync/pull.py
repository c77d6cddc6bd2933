"""What flows down: the server's staff list (roles, PIN hashes, who is active) and lanes.

The server owns these; a lane keeps the copy it pulled last (and when, so it can say how old
it is) and signs people in against it while offline. A lane's own lock-out counters stay local.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from checkpoint.storage.models import Lane, Site, StaffMember

_STAFF: Table = StaffMember.__table__  # type: ignore[assignment]
_LANE: Table = Lane.__table__  # type: ignore[assignment]
# The fields of a staff member the server decides; failed attempts and lock-outs are the lane's.
SERVER_STAFF_FIELDS = ("name", "role", "secret_hash", "active")


@dataclass(frozen=True)
class Pulled:
    """What one pull brought down: staff members added or changed, names kept local (a clash)."""

    staff: int
    kept_local: tuple[str, ...]


def pull(server: Connection, lane: Session, site_id: uuid.UUID) -> Pulled:
    """Copy the server's staff and lanes of ``site_id`` into the lane's database (its session)."""
    if server.execute(select(Site.id).where(Site.id == site_id)).first() is None:
        return Pulled(0, ())
    lanes = [
        dict(r._mapping) for r in server.execute(select(_LANE).where(_LANE.c.site_id == site_id))
    ]
    known_lanes = set(lane.scalars(select(_LANE.c.id).where(_LANE.c.site_id == site_id)))
    missing = [r for r in lanes if r["id"] not in known_lanes]
    if missing:
        lane.execute(insert(_LANE).values(missing).on_conflict_do_nothing())
    staff = [
        dict(r._mapping) for r in server.execute(select(_STAFF).where(_STAFF.c.site_id == site_id))
    ]
    local = {
        r.name: dict(r._mapping)
        for r in lane.execute(select(_STAFF).where(_STAFF.c.site_id == site_id))
    }
    kept = tuple(sorted(r["name"] for r in staff if local.get(r["name"], r)["id"] != r["id"]))
    # only what differs is written: an unchanged list costs the lane no write at all
    rows = [
        r
        for r in staff
        if r["name"] not in kept
        and (
            r["name"] not in local or any(local[r["name"]][f] != r[f] for f in SERVER_STAFF_FIELDS)
        )
    ]
    if rows:
        stmt = insert(_STAFF).values(rows)
        lane.execute(
            stmt.on_conflict_do_update(
                index_elements=[_STAFF.c.id],
                set_={c: stmt.excluded[c] for c in SERVER_STAFF_FIELDS},
            )
        )
    return Pulled(len(rows), kept)
