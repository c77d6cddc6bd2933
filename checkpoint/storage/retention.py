"""The retention purge (到期清除): personal fields go after the policy's retention period.

What goes, for every inspection older than the period: each person's masked name, ID hash and
masked ID, temperature and detailed findings; each scan's fingerprint and any raw payload; the
old and new values of corrections; the plate is reduced to its masked form (浙A***45). What
stays: counts, verdicts, code colours, dispositions, reasons, step times, who worked — so shift
totals and reports come out exactly as before. The audit trail holds no personal data and is
left untouched, so its chain stays intact; each purged record gets a new digest event
(checkpoint.storage.audit_rows), so the purge is a recorded change, not a break.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Update, select, update
from sqlalchemy.orm import Session

from checkpoint.config import Settings
from checkpoint.privacy import mask_plate
from checkpoint.rules.policy import Policy
from checkpoint.storage import audit, audit_rows
from checkpoint.storage.db import Database
from checkpoint.storage.models import (
    Correction,
    CredentialScan,
    Inspection,
    PaperEntry,
    PersonCheck,
    Shift,
    StaffMember,
    utcnow,
)
from checkpoint.team.auth import Permission, require
from checkpoint.team.site import ensure_place

DEFAULT_RETENTION = timedelta(days=30)
BATCH = 2000
# At start-up the purge takes at most this many inspections, so a large backlog (retention
# switched on over a year of data) never keeps the window from opening for minutes; the rest
# follows at the next starts, or at once with `checkpoint purge`.
STARTUP_LIMIT = 5000  # a busy exit's day (3,500 vehicles) with room to spare


@dataclass(frozen=True)
class PurgeResult:
    """How many inspections (and their people and scans) lost their personal fields."""

    cutoff: datetime
    inspections: int
    people: int
    scans: int


def purge(
    session: Session,
    site_id: uuid.UUID,
    *,
    retention: timedelta = DEFAULT_RETENTION,
    now: datetime | None = None,
    by: StaffMember | None = None,
    batch: int = BATCH,
    limit: int | None = None,
) -> PurgeResult:
    """Purge personal fields of the site's inspections created before ``now - retention``.

        ``by`` needs MANAGE_RETENTION; None is the automatic purge at start-up. Runs in the
        caller's transaction and appends one ``retention.purge`` audit event (the automatic purge
    only when it purged something). Idempotent. ``limit`` caps how many inspections one call
    purges (None: all that are due).
    """
    if by is not None:
        require(by, Permission.MANAGE_RETENTION)
    if retention <= timedelta(0):
        raise ValueError("retention must be positive")
    at = now or utcnow()
    cutoff = at - retention
    site_shifts = select(Shift.id).where(Shift.site_id == site_id)
    inspections = people = scans = 0
    while limit is None or inspections < limit:
        take = batch if limit is None else min(batch, limit - inspections)
        rows = session.execute(
            select(Inspection.id, Inspection.plate)
            .where(
                Inspection.shift_id.in_(site_shifts),
                Inspection.created_at < cutoff,
                Inspection.purged_at.is_(None),
            )
            .limit(take)
        ).all()
        if not rows:
            break
        ids = [r[0] for r in rows]
        people += _rowcount(
            session,
            update(PersonCheck)
            .where(PersonCheck.inspection_id.in_(ids))
            .values(name_masked=None, id_hash=None, id_masked=None, temperature=None, findings={}),
        )
        scans += _rowcount(
            session,
            update(CredentialScan)
            .where(CredentialScan.inspection_id.in_(ids))
            .values(fingerprint="", payload=None),
        )
        session.execute(
            update(Correction)
            .where(Correction.inspection_id.in_(ids))
            .values(old_value=None, new_value=None)
            .execution_options(synchronize_session=False)
        )
        # a paper-ledger note (补录) is free text and may name people
        session.execute(
            update(PaperEntry)
            .where(PaperEntry.inspection_id.in_(ids))
            .values(note=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Inspection),
            [{"id": i, "plate": mask_plate(p), "purged_at": at} for i, p in rows],
        )
        audit_rows.touch(session, audit_rows.INSPECTION, ids, site_id)
        inspections += len(rows)
    if inspections == 0 and by is None:
        return PurgeResult(cutoff, 0, 0, 0)  # nothing due: no audit noise at every start-up
    audit.record(
        session,
        site_id,
        by.id if by else None,
        "retention.purge",
        None,
        {
            "cutoff": cutoff.isoformat(),
            "retention_days": retention.days,
            "inspections": inspections,
            "people": people,
            "scans": scans,
        },
        at=at,
    )
    return PurgeResult(cutoff, inspections, people, scans)


def _rowcount(session: Session, stmt: Update) -> int:
    result = session.execute(stmt.execution_options(synchronize_session=False))
    return int(cast(CursorResult[Any], result).rowcount)


def purge_at_startup(
    db: Database,
    site_id: uuid.UUID,
    retention: timedelta,
    *,
    now: datetime | None = None,
    limit: int | None = STARTUP_LIMIT,
) -> PurgeResult:
    """The automatic purge the app and ``checkpoint init`` run when they start: the app takes
    at most :data:`STARTUP_LIMIT` inspections per start (``limit``), init all that are due.

    Its own transaction; the audit event names no actor (the system did it).
    """
    with db.session() as s:
        return purge(s, site_id, retention=retention, now=now, limit=limit)


def purge_for_settings(
    db: Database, settings: Settings, *, limit: int | None = STARTUP_LIMIT
) -> PurgeResult:
    """The start-up purge for this installation: its site, its policy's retention period."""
    policy = Policy.load(settings.policy_file)
    with db.session() as s:
        site_id = ensure_place(s, settings).site.id
    return purge_at_startup(db, site_id, policy.retention, limit=limit)
