"""The lane's side: what waits to be sent, read as one batch, and forgotten once the server has it.

Triggers (migrations 0005y, 0006s) put a row into ``sync_outbox`` in the same transaction as
every insert or update of a lane-owned record, so the outbox is exactly what the server has not
confirmed yet. A batch carries the records' *current* state; sending one twice, or sending a
record whose later change is still waiting, lands the same rows on the server.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, delete, func, select
from sqlalchemy.orm import Session

from checkpoint.storage.models import (
    Base,
    Lane,
    ShiftPlan,
    ShiftSlot,
    Site,
    StaffMember,
    SyncOutbox,
    SyncState,
)

# The records a lane owns, in the order the server applies them (parents first).
LANE_TABLES = (
    "shift",
    "shift_roster",
    "inspection",
    "person_check",
    "credential_scan",
    "correction",
    # the leader's books (migration 0006s): back-entries and 136 responses
    "paper_entry",
    "response",
    "response_item",
)
AUDIT_TABLE = "audit_event"
# What those records point at; sent with every batch and kept on the server only if new there.
IDENTITY_MODELS = (Site, Lane, ShiftPlan, ShiftSlot, StaffMember)

Row = dict[str, Any]


@dataclass(frozen=True)
class Batch:
    """Records of one lane to deliver together: identity, lane-owned rows, audit events."""

    lane_id: uuid.UUID
    upto_seq: int
    identity: dict[str, list[Row]] = field(default_factory=dict)
    records: dict[str, list[Row]] = field(default_factory=dict)
    events: list[Row] = field(default_factory=list)

    @property
    def size(self) -> int:
        """How many distinct records the batch carries (identity rows not counted)."""
        return sum(len(rows) for rows in self.records.values()) + len(self.events)


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def key_column(table: Table) -> Column[Any]:
    """The one-column primary key the outbox names a row by (``id``; a back-entry's
    ``inspection_id``)."""
    (column,) = table.primary_key.columns
    return column


def _rows(session: Session, table: Table, ids: list[uuid.UUID]) -> list[Row]:
    rows: list[Row] = []
    key = key_column(table)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows.extend(dict(r._mapping) for r in session.execute(select(table).where(key.in_(chunk))))
    return rows


def read_batch(session: Session, lane_id: uuid.UUID, limit: int) -> Batch | None:
    """The oldest ``limit`` outbox entries as a batch of current rows, or None if none wait."""
    entries = session.execute(
        select(SyncOutbox.seq, SyncOutbox.table_name, SyncOutbox.row_id)
        .order_by(SyncOutbox.seq)
        .limit(limit)
    ).all()
    if not entries:
        return None
    wanted: dict[str, list[uuid.UUID]] = {}
    for _seq, table_name, row_id in entries:
        ids = wanted.setdefault(table_name, [])
        key = uuid.UUID(row_id)
        if key not in ids:
            ids.append(key)
    records = {
        name: _rows(session, _table(name), wanted[name]) for name in LANE_TABLES if name in wanted
    }
    events = sorted(
        _rows(session, _table(AUDIT_TABLE), wanted.get(AUDIT_TABLE, [])), key=lambda r: r["seq"]
    )
    identity = {
        model.__tablename__: [
            dict(r._mapping) for r in session.execute(select(_table(model.__tablename__)))
        ]
        for model in IDENTITY_MODELS
    }
    return Batch(lane_id, int(entries[-1][0]), identity, records, events)


def acknowledge(session: Session, batch: Batch, at: datetime) -> None:
    """The server committed ``batch``: forget its outbox entries and note when."""
    session.execute(delete(SyncOutbox).where(SyncOutbox.seq <= batch.upto_seq))
    state = load_state(session)
    state.last_sent_at = at


def waiting(session: Session) -> int:
    """How many records (not changes) are waiting to be sent."""
    distinct_rows = select(SyncOutbox.table_name, SyncOutbox.row_id).distinct().subquery()
    return int(session.scalar(select(func.count()).select_from(distinct_rows)) or 0)


def load_state(session: Session) -> SyncState:
    """The lane's sender state row, created empty on first use."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, refused=False)
        session.add(state)
        session.flush()
    return state
