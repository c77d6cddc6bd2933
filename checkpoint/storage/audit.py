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

:func:`defer` queues an event instead: the commit hook of checkpoint.storage.audit_rows writes the
transaction's deferred events and its record digests together, under one claim of the head and
one INSERT (an inspection step costs one claim, not two).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Row, Table, func, insert, select, update
from sqlalchemy.orm import Session

from checkpoint.storage.models import AuditEvent, AuditHead, StaffMember, utcnow

GENESIS = "0" * 64

_HEAD: Table = AuditHead.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking a site's chain: ok, how many events, the first bad one and why,
    the head the check reached, and how many live records were compared (and differ)."""

    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str | None
    head_seq: int = 0
    head_hash: str = "0" * 64
    records: int = 0
    bad_records: int = 0


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


_HEADS = "checkpoint.storage.audit.heads"
_HEADS_BEFORE = "checkpoint.storage.audit.heads_before"


@dataclass(frozen=True)
class Claim:
    """Numbers taken on a site's chain by one transaction, the head row locked until it ends:
    ``count`` events numbered from ``first_seq``, the first linking to ``prev_hash``."""

    site_id: uuid.UUID
    first_seq: int
    count: int
    prev_hash: str


def claim(session: Session, site_id: uuid.UUID, n: int = 1) -> Claim:
    """Lock the site's chain head and take the next ``n`` numbers (:func:`write` fills them)."""
    for _ in range(2):
        row = session.execute(
            update(_HEAD)
            .where(_HEAD.c.site_id == site_id)
            .values(seq=_HEAD.c.seq + n)
            .returning(_HEAD.c.seq, _HEAD.c.hash)
        ).first()
        if row is not None:
            taken = Claim(site_id, int(row[0]) - n + 1, n, str(row[1]))
            befores: dict[uuid.UUID, tuple[int, str]] = session.info.setdefault(_HEADS_BEFORE, {})
            befores.setdefault(site_id, (taken.first_seq - 1, taken.prev_hash))
            return taken
        _insert_head(session, site_id)
    raise RuntimeError("the audit chain head could not be created")  # pragma: no cover


def _note_head(session: Session, site_id: uuid.UUID, seq: int, digest: str) -> None:
    session.info.setdefault(_HEADS, {})[site_id] = (seq, digest)


def heads_of(
    session: Session,
) -> tuple[dict[uuid.UUID, tuple[int, str]], dict[uuid.UUID, tuple[int, str]]]:
    """(site → head (seq, hash) before this session's transaction first claimed it, site → head
    it left) for every chain the transaction appended to."""
    return session.info.get(_HEADS_BEFORE, {}), session.info.get(_HEADS, {})


def forget_heads(session: Session) -> None:
    """Start a new transaction's record of heads (after a commit or a rollback)."""
    session.info.pop(_HEADS_BEFORE, None)
    session.info.pop(_HEADS, None)


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
    taken = claim(session, site_id)
    seq, prev = taken.first_seq, taken.prev_hash
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
    _note_head(session, site_id, seq, digest)
    if subject is not None and actor_id is not None:
        actors_of(session)[subject] = actor_id
    session.flush()
    return event


_ACTORS = "checkpoint.storage.audit.actors"


def actors_of(session: Session) -> dict[str, uuid.UUID]:
    """Who the events of this session's transaction named, by subject: a record's digest event
    (checkpoint.storage.audit_rows) names the person whose step wrote the record."""
    actors: dict[str, uuid.UUID] = session.info.setdefault(_ACTORS, {})
    return actors


@dataclass(frozen=True)
class NewEvent:
    """An event to append with :func:`record_many` or :func:`write` (``at``: when it
    happened; None: when it is written)."""

    action: str
    subject: str | None
    detail: dict[str, Any]
    actor_id: uuid.UUID | None = None
    at: datetime | None = None


_DEFERRED = "checkpoint.storage.audit.deferred"
# Set in the info of sessions whose factory writes deferred events before commit.
DEFERRING = "checkpoint.storage.audit.deferring"


def defer(session: Session, site_id: uuid.UUID, item: NewEvent) -> None:
    """Append ``item`` to the site's chain like :func:`record`, numbered when the transaction
    commits: written with the transaction's record digests (checkpoint.storage.audit_rows) under one
    claim of the chain head. Sessions of a factory without that hook write it at once."""
    if not session.info.get(DEFERRING):
        record(session, site_id, item.actor_id, item.action, item.subject, item.detail, at=item.at)
        return
    queue: dict[uuid.UUID, list[NewEvent]] = session.info.setdefault(_DEFERRED, {})
    queue.setdefault(site_id, []).append(replace(item, at=(item.at or utcnow()).astimezone(UTC)))
    if item.subject is not None and item.actor_id is not None:
        actors_of(session)[item.subject] = item.actor_id


def take_deferred(session: Session) -> dict[uuid.UUID, list[NewEvent]]:
    """The events :func:`defer` queued in this transaction, by site, in order (and forget them)."""
    queued: dict[uuid.UUID, list[NewEvent]] = session.info.pop(_DEFERRED, {})
    return queued


def write(session: Session, taken: Claim, items: Sequence[NewEvent]) -> None:
    """Fill the numbers of ``taken`` with ``items`` (one INSERT) and move the head to the last."""
    if len(items) != taken.count:
        raise ValueError(f"{len(items)} events for {taken.count} claimed numbers")
    now = utcnow()
    seq = taken.first_seq - 1
    prev = taken.prev_hash
    values = []
    for item in items:
        seq += 1
        when = (item.at or now).astimezone(UTC)
        plain = _plain(item.detail)
        digest = event_hash(
            site_id=taken.site_id,
            seq=seq,
            at=when,
            actor_id=item.actor_id,
            action=item.action,
            subject=item.subject,
            detail=plain,
            prev_hash=prev,
        )
        values.append(
            {
                "id": uuid.uuid4(),
                "site_id": taken.site_id,
                "seq": seq,
                "at": when,
                "actor_id": item.actor_id,
                "action": item.action,
                "subject": item.subject,
                "detail": plain,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(insert(_EVENT), values)
    session.execute(update(_HEAD).where(_HEAD.c.site_id == taken.site_id).values(hash=prev))
    _note_head(session, taken.site_id, seq, prev)


def record_many(
    session: Session, site_id: uuid.UUID, items: list[NewEvent], *, at: datetime | None = None
) -> None:
    """Append ``items`` to the site's chain in one claim of the head and one INSERT (the bulk
    form of :func:`record`); an item without its own ``at`` takes ``at`` (default: now)."""
    if not items:
        return
    when = (at or utcnow()).astimezone(UTC)
    dated = [item if item.at is not None else replace(item, at=when) for item in items]
    write(session, claim(session, site_id, len(dated)), dated)


_EVENT: Table = AuditEvent.__table__  # type: ignore[assignment]
EVENT_TABLE = _EVENT


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


@dataclass(frozen=True)
class Anchor:
    """A chain head written down outside the database: on a handover report (the digest only)
    or in the anchor log (with its event number)."""

    hash: str
    seq: int | None = None
    source: str = "--anchor"


def _anchor_break(anchor: Anchor, found: dict[str, int], last_seq: int) -> tuple[int, str] | None:
    """(first broken seq, reason) if ``anchor`` no longer matches the chain."""
    short = anchor.hash[:12]
    at = found.get(anchor.hash)
    if at is not None and (anchor.seq is None or anchor.seq == at):
        return None
    if anchor.seq is not None and anchor.seq > last_seq:
        return (
            last_seq + 1,
            f"the chain ends at event {last_seq} but {anchor.source} names event {anchor.seq} "
            f"({short}): events were cut off the end",
        )
    if anchor.seq is not None:
        return (
            anchor.seq,
            f"event {anchor.seq} differs from {anchor.source} ({short}): the chain was "
            "rewritten from there",
        )
    return (
        last_seq + 1,
        f"{anchor.source} {short} is not in the chain: events were cut off or rewritten "
        "after it was printed",
    )


# The action of a record's digest event: ``row.<kind>`` (written by checkpoint.storage.audit_rows).
ROW_DIGEST_PREFIX = "row."


class RowProblem(Protocol):
    """A live record that differs from its newest digest in the chain."""

    @property
    def seq(self) -> int | None: ...

    @property
    def text(self) -> str: ...


# (session, site, (kind, id) → (seq, digest) of each record's newest digest event)
#   → (records checked, problems in chain order); checkpoint.storage.audit_rows.check_rows is one
RowCheck = Callable[
    [Session, uuid.UUID, Mapping[tuple[str, str], tuple[int, str | None]]],
    tuple[int, Sequence[RowProblem]],
]


def verify_chain(
    session: Session,
    site_id: uuid.UUID,
    *,
    anchors: Sequence[Anchor] = (),
    rows: RowCheck | None = None,
) -> ChainReport:
    """Walk the chain and report the first event that was edited, removed or inserted; then
    each anchor (a head written down outside the database) must still be in it, and, with
    ``rows`` (checkpoint.storage.audit_rows.check_rows), every live record must match its newest
    digest in the chain; :func:`checkpoint.storage.audit_rows.verify_books` does both."""
    expected_seq = 1
    prev = GENESIS
    checked = 0
    wanted = {a.hash for a in anchors}
    found: dict[str, int] = {}
    latest: dict[tuple[str, str], tuple[int, str | None]] = {}
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
        if ev.hash in wanted:
            found[ev.hash] = ev.seq
        if rows and ev.action.startswith(ROW_DIGEST_PREFIX) and ev.subject:
            detail = ev.detail if isinstance(ev.detail, dict) else {}
            latest[(ev.action[len(ROW_DIGEST_PREFIX) :], ev.subject.split(":")[-1])] = (
                ev.seq,
                detail.get("digest"),
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
    breaks = [b for a in anchors if (b := _anchor_break(a, found, last_seq)) is not None]
    if breaks:
        seq, reason = min(breaks)
        return ChainReport(False, checked, seq, reason, last_seq, prev)
    records = 0
    if rows:
        records, problems = rows(session, site_id, latest)
        if problems:
            first = problems[0]
            more = f"; {len(problems) - 1} more records differ" if len(problems) > 1 else ""
            return ChainReport(
                False, checked, first.seq, first.text + more, last_seq, prev, records,
                len(problems),
            )  # fmt: skip
    return ChainReport(True, checked, None, None, last_seq, prev, records)


def head(session: Session, site_id: uuid.UUID) -> Anchor:
    """The site's chain head now: the hash of its newest event and its number."""
    row = session.execute(
        select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.site_id == site_id)
    ).first()
    if row is None:
        return Anchor(GENESIS, 0)
    return Anchor(str(row[1]), int(row[0]))


def count(session: Session, site_id: uuid.UUID) -> int:
    """How many events the site's chain holds."""
    return int(session.scalar(select(func.count()).where(AuditEvent.site_id == site_id)) or 0)


def actor_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Staff names for audit actors, for showing the trail to a person."""
    if not ids:
        return {}
    rows = session.execute(select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(ids)))
    return {r[0]: r[1] for r in rows}
