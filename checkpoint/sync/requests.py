"""A leader's correction of another lane's record goes through the server (更正申请).

One owner per record: the lane that recorded a vehicle is the only place its record changes.
A leader signed in at lane A who corrects a record of lane B does not edit lane B's record
anywhere; the correction becomes a *request* row on the checkpoint's server:

1. At lane A, :func:`correct_anywhere` finds the record is not in the lane's own books and asks
   the server. In **one server transaction** it checks the correction against the server's copy
   of the record (the core's own ``Corrector`` inside a SAVEPOINT that is rolled back: the same
   permission, window, field and value checks, and the re-judged outcome to show), then inserts
   the ``correction_request`` and ``NOTIFY checkpoint_sync``. Lane A's audit chain records that
   it asked. Offline, nothing is written and the leader gets one sentence saying why.
2. Lane B's sender takes its waiting requests on every pass (:func:`carry_out`) and corrects its
   own record with ``Corrector`` (re-judged there, audited there, the request's id on each
   ``correction`` row). A request lane B cannot carry out (the record was purged since, the
   person lost the right) is marked ``refused`` on the server with the sentence why.
3. The corrected record goes up in lane B's next batch like any change of its own; the server
   marks the request ``applied`` in the same transaction that stores the corrected record
   (``checkpoint.sync.server``), so the server never shows one without the other.

A lane killed between 2 and 3 finds the request still waiting, sees its own correction rows
carrying the request's id, and does nothing twice. No conflict can arise: only the owner edits.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.errors import CheckpointError, StorageError
from checkpoint.leader.corrections import CorrectionAsk, CorrectionOutcome, Corrector
from checkpoint.storage import audit
from checkpoint.storage.db import Database, describe_error
from checkpoint.storage.ledger import CorrectionError
from checkpoint.storage.models import (
    Correction,
    Inspection,
    Lane,
    StaffMember,
    utcnow,
)
from checkpoint.sync.server import REFUSED, REQUESTS, WAITING
from checkpoint.team.site import ensure_place

LANES: Table = Lane.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class CorrectionRequested:
    """A correction of another lane's record, written on the server for that lane to carry out.

    ``preview`` is what the correction does to the server's copy (checked, then rolled back);
    the owning lane makes the change itself when it next reaches the server.
    """

    request_id: uuid.UUID
    inspection_id: uuid.UUID
    owner_lane: str
    preview: CorrectionOutcome


@dataclass(frozen=True)
class RequestState:
    """Where a correction request stands on the server."""

    request_id: uuid.UUID
    owner_lane: str
    field: str
    state: str
    requested_at: datetime
    settled_at: datetime | None
    note: str | None


def correct_anywhere(
    lane_db: Database, settings: Settings, ask: CorrectionAsk
) -> CorrectionOutcome | CorrectionRequested:
    """Correct a record where its owner keeps it: in this lane's books when it is there (or
    when no server is configured), otherwise as a request on the checkpoint's server.

    CorrectionError (one sentence) when the record is another lane's and the server cannot be
    reached, or neither this lane nor the server has it; nothing is written then.
    """
    corrector = Corrector.from_settings(lane_db, settings)
    with lane_db.session() as s:
        here = s.get(Inspection, ask.inspection_id) is not None
        lane = ensure_place(s, settings).lane
        lane_row = {c.name: getattr(lane, c.name) for c in LANES.c}
    url = settings.server_url
    if here or url is None or not lane_db.is_lane_copy(url):
        with lane_db.session() as s:
            return corrector.correct_in(s, ask)
    server = Database(url)
    try:
        requested = _request(server, corrector, lane_row, ask)
    except SQLAlchemyError as exc:
        raise CorrectionError(
            "This record is not in this lane's books, and a correction of another lane's "
            "record is written on the checkpoint's server, which cannot be reached now "
            f"({describe_error(exc, url)}); nothing was changed."
        ) from exc
    finally:
        server.dispose()
    with lane_db.session() as s:
        site = ensure_place(s, settings).site
        audit.record(
            s,
            site.id,
            ask.staff.id,
            "inspection.correct_request",
            str(ask.inspection_id),
            {
                "request": str(requested.request_id),
                "lane": requested.owner_lane,
                "field": ask.field,
            },
            at=ask.at,
        )
    return requested


def _request(
    server: Database,
    corrector: Corrector,
    lane_row: dict[str, Any],
    ask: CorrectionAsk,
) -> CorrectionRequested:
    now = ask.at or utcnow()
    inspection_id = ask.inspection_id
    with server.engine.begin() as conn:
        owner = conn.execute(
            select(Lane.id, Lane.name, Lane.site_id)
            .join(Inspection, Inspection.lane_id == Lane.id)
            .where(Inspection.id == inspection_id)
        ).first()
        if owner is None:
            raise CorrectionError(
                "That inspection is neither in this lane's books nor on the checkpoint's server."
            )
        # the core checks and re-judges the server's copy; the savepoint keeps none of it
        with Session(bind=conn, join_transaction_mode="create_savepoint") as s:
            preview = corrector.correct_in(s, replace(ask, at=now))
            s.rollback()
        # the asking lane may not have sent anything yet: its lane row is created if missing
        conn.execute(pg_insert(LANES).values(**lane_row).on_conflict_do_nothing())
        request_id = uuid.uuid4()
        conn.execute(
            REQUESTS.insert().values(
                id=request_id,
                site_id=owner.site_id,
                lane_id=owner.id,
                inspection_id=inspection_id,
                field=ask.field.strip(),
                value=ask.value,
                reason=ask.reason.strip(),
                staff_id=ask.staff.id,
                from_lane_id=lane_row["id"],
                requested_at=now,
                state=WAITING,
            )
        )
        notice = {"lane": str(owner.id), "correction_request": str(request_id)}
        conn.exec_driver_sql("SELECT pg_notify(%s, %s)", ("checkpoint_sync", json.dumps(notice)))
    return CorrectionRequested(request_id, inspection_id, owner.name, preview)


@dataclass(frozen=True)
class CarriedOut:
    """What one pass did with the server's requests for this lane."""

    applied: int
    refused: int


def carry_out(
    server: Database, lane_db: Database, lane_id: uuid.UUID, corrector: Callable[[], Corrector]
) -> CarriedOut:
    """Correct this lane's records as the server's waiting requests ask, oldest first; mark
    those this lane cannot carry out refused, with the sentence why. ``corrector`` makes the
    lane's Corrector (its policy as it is now) when there is something to do. SQLAlchemyError
    when the server cannot be reached (the sender's caller turns it into the offline state)."""
    with server.engine.connect() as conn:
        waiting = conn.execute(
            select(REQUESTS)
            .where(REQUESTS.c.lane_id == lane_id, REQUESTS.c.state == WAITING)
            .order_by(REQUESTS.c.requested_at, REQUESTS.c.id)
        ).all()
    applied = 0
    refusals: dict[uuid.UUID, str] = {}
    lane_corrector = corrector() if waiting else None
    for req in waiting:
        with lane_db.session() as s:
            done = s.scalar(select(Correction.id).where(Correction.request_id == req.id).limit(1))
            member = s.get(StaffMember, req.staff_id)
        if done is not None:
            continue  # carried out before; the batch carrying it marks it applied
        try:
            if member is None:
                raise CorrectionError(
                    "The person who asked for this correction is not on this lane's staff list."
                )
            ask = CorrectionAsk(
                req.inspection_id, req.field, req.value, req.reason, member, req.requested_at,
                req.id,
            )  # fmt: skip
            assert lane_corrector is not None
            with lane_db.session() as s:
                lane_corrector.correct_in(s, ask)
            applied += 1
        except StorageError:
            raise  # the lane's own disk: try again next pass, refuse nothing
        except CheckpointError as exc:
            refusals[req.id] = f"{exc}"
    if refusals:
        with server.engine.begin() as conn:
            for request_id, why in refusals.items():
                conn.execute(
                    update(REQUESTS)
                    .where(REQUESTS.c.id == request_id, REQUESTS.c.state == WAITING)
                    .values(state=REFUSED, settled_at=utcnow(), note=why)
                )
    return CarriedOut(applied, len(refusals))


def request_states(server: Database, request_ids: list[uuid.UUID]) -> list[RequestState]:
    """Where the given requests stand on the server (for the leader who made them)."""
    with server.engine.connect() as conn:
        rows = conn.execute(
            select(REQUESTS, Lane.name)
            .join(Lane, Lane.id == REQUESTS.c.lane_id)
            .where(REQUESTS.c.id.in_(request_ids))
            .order_by(REQUESTS.c.requested_at)
        ).all()
    return [
        RequestState(r.id, r.name, r.field, r.state, r.requested_at, r.settled_at, r.note)
        for r in rows
    ]
