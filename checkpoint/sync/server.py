"""The server's side: one lane's batch applied in one PostgreSQL transaction, or not at all.

Idempotent by construction: every row goes in with ``INSERT … ON CONFLICT`` on its UUID, so a
batch delivered twice (the lane was killed after the server committed, before it forgot the
batch) lands once. Each record has one owner: a lane's own records are replaced by what the lane
sends; the shared ones (site, lanes, rota plan, staff) are the server's and are only created
here when the server has never seen them, never overwritten. A shift is the checkpoint's: the
first lane to send it creates it, and its handover (a one-way change) is taken from the first
lane that closed it.

The audit chain of each lane is checked here too: a batch whose events do not continue the
chain the server holds for that lane (a gap, a different link, an altered event) is refused as
a whole, with a sentence saying where, and the lane keeps its records waiting.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, and_, select, update
from sqlalchemy.dialects.postgresql import insert

from checkpoint.errors import CheckpointError
from checkpoint.storage.audit import GENESIS, event_hash
from checkpoint.storage.models import (
    Base,
    CorrectionRequest,
    LaneAuditEvent,
    LaneAuditHead,
    Site,
    utcnow,
)
from checkpoint.sync.outbox import IDENTITY_MODELS, LANE_TABLES, Batch, Row, key_column

NOTIFY_CHANNEL = "checkpoint_sync"
# Closing a shift is the only change the server takes to a shift it already holds.
_SHIFT_CLOSE = ("closed_at", "closed_by_id", "handover_to_id", "handover_note", "open_issues")
_EVENTS: Table = LaneAuditEvent.__table__  # type: ignore[assignment]
_HEADS: Table = LaneAuditHead.__table__  # type: ignore[assignment]
REQUESTS: Table = CorrectionRequest.__table__  # type: ignore[assignment]
# A correction request (checkpoint.sync.requests) waits, then is applied or refused.
WAITING, APPLIED, REFUSED = "waiting", "applied", "refused"


class SyncRefused(CheckpointError):
    """The server would not take a lane's batch (its audit chain, or its site, does not fit)."""


@dataclass(frozen=True)
class Applied:
    """What one batch did on the server."""

    records: int
    new_events: int
    chain_seq: int


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _chunks(rows: Sequence[Row], columns: int) -> list[Sequence[Row]]:
    # PostgreSQL takes at most 65,535 parameters per statement.
    size = max(1, 30_000 // max(1, columns))
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _check_site(conn: Connection, batch: Batch) -> None:
    for row in batch.identity.get("site", []):
        held = conn.execute(select(Site.id).where(Site.name == row["name"])).scalar()
        if held is not None and held != row["id"]:
            raise SyncRefused(
                f"The server already has a site called {row['name']!r} under another id; "
                "this lane's database was set up on its own before the server knew the site. "
                "Start the lane with a fresh data directory to join the server."
            )


def _insert_identity(conn: Connection, batch: Batch) -> None:
    for model in IDENTITY_MODELS:
        table = _table(model.__tablename__)
        rows = batch.identity.get(model.__tablename__, [])
        for chunk in _chunks(rows, len(table.c)):
            conn.execute(insert(table).values(list(chunk)).on_conflict_do_nothing())


def _upsert_records(conn: Connection, batch: Batch) -> int:
    count = 0
    for name in LANE_TABLES:
        rows = batch.records.get(name, [])
        if not rows:
            continue
        table = _table(name)
        for chunk in _chunks(rows, len(table.c)):
            stmt = insert(table).values(list(chunk))
            if name == "shift":
                stmt = stmt.on_conflict_do_update(
                    index_elements=[table.c.id],
                    set_={c: stmt.excluded[c] for c in _SHIFT_CLOSE},
                    where=and_(table.c.closed_at.is_(None), stmt.excluded.closed_at.isnot(None)),
                )
                conn.execute(stmt)
            elif name == "shift_roster":
                # the same person on the same shift, listed by two lanes: one entry
                conn.execute(stmt.on_conflict_do_nothing())
            else:
                key = key_column(table)
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[key],
                        set_={c.name: stmt.excluded[c.name] for c in table.c if c is not key},
                    )
                )
        count += len(rows)
    return count


def _refuse_chain(lane: str, detail: str) -> SyncRefused:
    return SyncRefused(
        f"The server refused lane {lane}'s records: its audit chain does not continue the one "
        f"the server holds ({detail}); nothing was stored and the records stay waiting on the lane."
    )


def _lock_head(conn: Connection, lane_id: uuid.UUID) -> tuple[int, str]:
    conn.execute(
        insert(_HEADS)
        .values(lane_id=lane_id, seq=0, hash=GENESIS, received_at=utcnow())
        .on_conflict_do_nothing()
    )
    row = conn.execute(
        select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.lane_id == lane_id).with_for_update()
    ).one()
    return int(row[0]), str(row[1])


def _continue_chain(conn: Connection, batch: Batch, lane: str) -> tuple[int, int]:
    """Append the batch's new events to the lane's chain; (new events, head seq)."""
    seq, head = _lock_head(conn, batch.lane_id)
    events = batch.events
    old = [e["seq"] for e in events if e["seq"] <= seq]
    held: dict[int, str] = {}
    if old:
        held = {
            int(s): str(h)
            for s, h in conn.execute(
                select(_EVENTS.c.seq, _EVENTS.c.hash).where(
                    _EVENTS.c.lane_id == batch.lane_id, _EVENTS.c.seq.in_(old)
                )
            )
        }
    fresh: list[Row] = []
    for ev in events:
        if ev["seq"] <= seq:
            if held.get(ev["seq"]) != ev["hash"]:
                raise _refuse_chain(
                    lane, f"event {ev['seq']} differs from the event {ev['seq']} it already holds"
                )
            continue
        if ev["seq"] != seq + 1:
            raise _refuse_chain(
                lane, f"the server holds events up to {seq}, the lane sent event {ev['seq']} next"
            )
        if ev["prev_hash"] != head:
            raise _refuse_chain(
                lane, f"event {ev['seq']} does not link to event {seq} the server holds"
            )
        digest = event_hash(
            site_id=ev["site_id"],
            seq=ev["seq"],
            at=ev["at"],
            actor_id=ev["actor_id"],
            action=ev["action"],
            subject=ev["subject"],
            detail=ev["detail"],
            prev_hash=ev["prev_hash"],
        )
        if digest != ev["hash"]:
            raise _refuse_chain(lane, f"event {ev['seq']} was altered after it was chained")
        fresh.append({**ev, "lane_id": batch.lane_id})
        seq, head = ev["seq"], ev["hash"]
    for chunk in _chunks(fresh, len(_EVENTS.c)):
        conn.execute(insert(_EVENTS).values(list(chunk)))
    if fresh:
        conn.execute(
            update(_HEADS)
            .where(_HEADS.c.lane_id == batch.lane_id)
            .values(seq=seq, hash=head, received_at=utcnow())
        )
    return len(fresh), seq


def _settle_requests(conn: Connection, batch: Batch) -> None:
    """The batch's corrections carried out requests made at other lanes: mark them applied in
    the transaction that stores the corrected record, so the two are never seen apart."""
    done = {r["request_id"] for r in batch.records.get("correction", []) if r.get("request_id")}
    if done:
        conn.execute(
            update(REQUESTS)
            .where(REQUESTS.c.id.in_(sorted(done)), REQUESTS.c.state == WAITING)
            .values(state=APPLIED, settled_at=utcnow(), note=None)
        )


def apply_batch(conn: Connection, batch: Batch, lane_name: str) -> Applied:
    """Store ``batch`` in the caller's transaction (commit is the caller's); SyncRefused if the
    lane's site or audit chain does not fit what the server holds."""
    _check_site(conn, batch)
    _insert_identity(conn, batch)
    records = _upsert_records(conn, batch)
    _settle_requests(conn, batch)
    new_events, chain_seq = _continue_chain(conn, batch, lane_name)
    # The leader's live view LISTENs; the notice is delivered when this transaction commits.
    payload: dict[str, Any] = {
        "lane": str(batch.lane_id),
        "records": records,
        "events": new_events,
    }
    conn.exec_driver_sql("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, json.dumps(payload)))
    return Applied(records, new_events, chain_seq)


def held_chain(conn: Connection, lane_id: uuid.UUID) -> tuple[int, str] | None:
    """The (seq, hash) of the newest event the server holds from a lane, if any."""
    row = conn.execute(
        select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.lane_id == lane_id)
    ).first()
    return (int(row[0]), str(row[1])) if row else None
