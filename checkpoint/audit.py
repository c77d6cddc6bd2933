"""The audit trail (操作日志): who did what, when — hash-chained per site.

Each event carries the hash of the one before it, so editing, deleting or inserting a row by
hand breaks the chain at that row, and :func:`verify_chain` names it. :func:`record` writes in
the caller's transaction: the event commits or rolls back together with the change it
describes. Events hold ids and counts, never personal data, so the retention purge never has to
touch (and so break) the chain.

Several lanes may write to one PostgreSQL database: the next sequence number is claimed by
updating a per-site chain-head row (``audit_head``), which holds a row lock until the
transaction ends, so writers of one site queue up instead of colliding. On SQLite the same
UPDATE takes the database's write lock.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Table, func, select, update
from sqlalchemy.orm import Session

from checkpoint.models import AuditEvent, AuditHead, StaffMember, utcnow

GENESIS = "0" * 64

_HEAD: Table = AuditHead.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking a site's chain: ok, how many events, the first bad one and why."""

    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str | None


def _plain(value: Any) -> Any:
    """``value`` as it will come back from a JSON column (UUIDs and instants as text)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def event_hash(
    *,
    site_id: uuid.UUID,
    seq: int,
    at: datetime,
    actor_id: uuid.UUID | None,
    action: str,
    subject: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON form of the event's content and the previous hash."""
    body = {
        "site": str(site_id),
        "seq": seq,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": str(actor_id) if actor_id else None,
        "action": action,
        "subject": subject,
        "detail": detail,
        "prev": prev_hash,
    }
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _insert_head(session: Session, site_id: uuid.UUID) -> None:
    """Create the chain head for a site, continuing any events already there."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.site_id == site_id)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    values = {
        "site_id": site_id,
        "seq": last[0] if last else 0,
        "hash": last[1] if last else GENESIS,
    }
    dialect = session.get_bind().dialect.name
    # Each dialect's INSERT ... ON CONFLICT is imported when used: the PostgreSQL dialect
    # package (and asyncio under it) costs an SQLite start 50 ms.
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        session.execute(postgresql.insert(_HEAD).values(values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects import sqlite

        session.execute(sqlite.insert(_HEAD).values(values).on_conflict_do_nothing())


def _claim(session: Session, site_id: uuid.UUID) -> tuple[int, str]:
    """Lock the site's chain head and take the next number; returns (seq, previous hash)."""
    for _ in range(2):
        row = session.execute(
            update(_HEAD)
            .where(_HEAD.c.site_id == site_id)
            .values(seq=_HEAD.c.seq + 1)
            .returning(_HEAD.c.seq, _HEAD.c.hash)
        ).first()
        if row is not None:
            return int(row[0]), str(row[1])
        _insert_head(session, site_id)
    raise RuntimeError("the audit chain head could not be created")  # pragma: no cover


def record(
    session: Session,
    site_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    action: str,
    subject: str | None,
    detail: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> AuditEvent:
    """Append an event to the site's chain inside the caller's transaction.

    ``action`` is a dotted name (``inspection.divert``, ``shift.open``, ``report.print``);
    ``subject`` the id of what it concerns; ``detail`` small JSON facts — no names or ID
    numbers.
    """
    when = (at or utcnow()).astimezone(UTC)
    # Microseconds are all both databases keep; hash what will be read back.
    plain = _plain(detail or {})
    seq, prev = _claim(session, site_id)
    digest = event_hash(
        site_id=site_id,
        seq=seq,
        at=when,
        actor_id=actor_id,
        action=action,
        subject=subject,
        detail=plain,
        prev_hash=prev,
    )
    event = AuditEvent(
        site_id=site_id,
        seq=seq,
        at=when,
        actor_id=actor_id,
        action=action,
        subject=subject,
        detail=plain,
        prev_hash=prev,
        hash=digest,
    )
    session.add(event)
    session.execute(update(_HEAD).where(_HEAD.c.site_id == site_id).values(hash=digest))
    session.flush()
    return event


_EVENT: Table = AuditEvent.__table__  # type: ignore[assignment]


def events(
    session: Session, site_id: uuid.UUID, *, after_seq: int = 0, batch: int = 1000
) -> Iterator[Row[Any]]:
    """The site's events in chain order as plain rows (``.seq``, ``.action`` ...), in batches."""
    seq = after_seq
    while True:
        rows = session.execute(
            select(_EVENT)
            .where(_EVENT.c.site_id == site_id, _EVENT.c.seq > seq)
            .order_by(_EVENT.c.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        seq = rows[-1].seq


def verify_chain(session: Session, site_id: uuid.UUID) -> ChainReport:
    """Walk the chain and report the first event that was edited, removed or inserted."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    for ev in events(session, site_id):
        if ev.seq != expected_seq:
            return ChainReport(
                False,
                checked,
                expected_seq,
                f"event {expected_seq} is missing (the next one is {ev.seq})",
            )
        if ev.prev_hash != prev:
            return ChainReport(
                False,
                checked,
                ev.seq,
                f"event {ev.seq} does not link to event {ev.seq - 1} (prev_hash differs)",
            )
        digest = event_hash(
            site_id=ev.site_id,
            seq=ev.seq,
            at=ev.at,
            actor_id=ev.actor_id,
            action=ev.action,
            subject=ev.subject,
            detail=ev.detail,
            prev_hash=ev.prev_hash,
        )
        if digest != ev.hash:
            return ChainReport(
                False,
                checked,
                ev.seq,
                f"event {ev.seq} was altered (its content does not match its hash)",
            )
        checked += 1
        prev = ev.hash
        expected_seq += 1
    head = session.execute(
        select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.site_id == site_id)
    ).first()
    last_seq = expected_seq - 1
    if head is not None and (int(head[0]) != last_seq or str(head[1]) != prev):
        if int(head[0]) > last_seq:
            return ChainReport(
                False,
                checked,
                last_seq + 1,
                f"events {last_seq + 1}..{head[0]} were removed from the end of the chain",
            )
        return ChainReport(False, checked, last_seq, "the chain head does not match the last event")
    if head is None and checked:
        return ChainReport(False, checked, None, "the chain head row is missing")
    return ChainReport(True, checked, None, None)


def count(session: Session, site_id: uuid.UUID) -> int:
    """How many events the site's chain holds."""
    return int(session.scalar(select(func.count()).where(AuditEvent.site_id == site_id)) or 0)


def actor_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Staff names for audit actors, for showing the trail to a person."""
    if not ids:
        return {}
    rows = session.execute(select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(ids)))
    return {r[0]: r[1] for r in rows}
