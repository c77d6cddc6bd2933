"""The records the audit chain vouches for: a digest of every write, and the check of live rows.

Every transaction that writes a vehicle's record (its ``inspection`` row with its people, scans
and corrections) or a staff member appends, before it commits, one ``row.inspection`` or
``row.staff`` event per record it touched (subject ``inspection:<id>`` / ``staff:<id>``),
holding a SHA-256 digest of the record as the database then holds it. The session hook does
this for every ORM write made through :class:`checkpoint.storage.db.Database` sessions; bulk UPDATEs
call :func:`touch`. :func:`check_rows` recomputes every live record and compares it with the
newest digest the chain holds for it, so a row edited, inserted or deleted with plain SQL is
found and named.

A staff member's lock-out counters (failed tries, lock time) change on every wrong PIN and are
left out of the digest; name, role, PIN hash and the active flag are in it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row, Table, event, select
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker

from checkpoint.storage import audit
from checkpoint.storage.models import (
    Correction,
    CredentialScan,
    Inspection,
    Lane,
    PersonCheck,
    StaffMember,
)

INSPECTION = "inspection"
STAFF = "staff"
KINDS = (INSPECTION, STAFF)
ACTION_PREFIX = audit.ROW_DIGEST_PREFIX
BATCH = 500

_PENDING = "checkpoint.storage.audit_rows.pending"
_STAFF_UNDIGESTED = frozenset({"failed_attempts", "locked_until", "lockouts"})

_INSPECTION_T: Table = Inspection.__table__  # type: ignore[assignment]
_PERSON_T: Table = PersonCheck.__table__  # type: ignore[assignment]
_SCAN_T: Table = CredentialScan.__table__  # type: ignore[assignment]
_CORRECTION_T: Table = Correction.__table__  # type: ignore[assignment]
_STAFF_T: Table = StaffMember.__table__  # type: ignore[assignment]
_LANE_T: Table = Lane.__table__  # type: ignore[assignment]


def action(kind: str) -> str:
    """The audit action of a record digest, e.g. ``row.inspection``."""
    return ACTION_PREFIX + kind


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (uuid.UUID, date)):
        return str(value)
    return value


def _row(row: Row[Any], skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {k: _plain(v) for k, v in row._mapping.items() if k not in skip}


def _digest(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(ids: list[uuid.UUID]) -> Iterator[list[uuid.UUID]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i : i + BATCH]


def _children(
    session: Session, table: Table, ids: list[uuid.UUID], *order: str
) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = {}
    rows = session.execute(
        select(table).where(table.c.inspection_id.in_(ids)).order_by(*(table.c[o] for o in order))
    )
    for r in rows:
        out.setdefault(r.inspection_id, []).append(_row(r))
    return out


def inspection_digests(
    session: Session, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """(site id, digest) of each vehicle record in ``ids`` that exists: the inspection row
    with its people (by seat), scans and corrections."""
    out: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for chunk in _chunks(sorted(set(ids))):
        rows = session.execute(
            select(_INSPECTION_T, _LANE_T.c.site_id.label("_site"))
            .join(_LANE_T, _LANE_T.c.id == _INSPECTION_T.c.lane_id)
            .where(_INSPECTION_T.c.id.in_(chunk))
        ).all()
        if not rows:
            continue
        people = _children(session, _PERSON_T, chunk, "inspection_id", "seq")
        scans = _children(session, _SCAN_T, chunk, "inspection_id", "id")
        corrections = _children(session, _CORRECTION_T, chunk, "inspection_id", "id")
        for r in rows:
            body = {
                "inspection": _row(r, frozenset({"_site"})),
                "people": people.get(r.id, []),
                "scans": scans.get(r.id, []),
                "corrections": corrections.get(r.id, []),
            }
            out[r.id] = (r._site, _digest(body))
    return out


def staff_digests(
    session: Session, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """(site id, digest) of each staff member in ``ids`` that exists (lock counters left out)."""
    out: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for chunk in _chunks(sorted(set(ids))):
        for r in session.execute(select(_STAFF_T).where(_STAFF_T.c.id.in_(chunk))):
            out[r.id] = (r.site_id, _digest(_row(r, _STAFF_UNDIGESTED)))
    return out


_DIGESTERS = {INSPECTION: inspection_digests, STAFF: staff_digests}


def touch(session: Session, kind: str, ids: Iterable[uuid.UUID], site_id: uuid.UUID) -> None:
    """Note records of ``kind`` written by a bulk statement: they get digests at commit."""
    pending: dict[str, dict[uuid.UUID, uuid.UUID | None]] = session.info.setdefault(_PENDING, {})
    bucket = pending.setdefault(kind, {})
    for i in ids:
        bucket[i] = site_id


def _note(
    pending: dict[str, dict[uuid.UUID, uuid.UUID | None]],
    kind: str,
    ident: uuid.UUID | None,
    site_hint: uuid.UUID | None,
) -> None:
    if ident is None:
        return
    bucket = pending.setdefault(kind, {})
    if bucket.get(ident) is None:
        bucket[ident] = site_hint


def _staff_digest_changed(obj: StaffMember) -> bool:
    from sqlalchemy import inspect as sa_inspect

    state = sa_inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in _STAFF_UNDIGESTED:
            continue
        if state.attrs[attr.key].history.has_changes():
            return True
    return False


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    pending: dict[str, dict[uuid.UUID, uuid.UUID | None]] = session.info.setdefault(_PENDING, {})
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Inspection):
            _note(pending, INSPECTION, obj.id, None)
            if obj in session.deleted:
                pending.setdefault("_lanes", {})[obj.id] = obj.lane_id
        elif isinstance(obj, (PersonCheck, CredentialScan, Correction)):
            _note(pending, INSPECTION, obj.inspection_id, None)
        elif isinstance(obj, StaffMember):
            if obj in session.dirty and not _staff_digest_changed(obj):
                continue
            _note(pending, STAFF, obj.id, obj.site_id)


def _before_commit(session: Session) -> None:
    for _ in range(3):  # recording events writes no tracked rows: one more round at most
        session.flush()
        pending = session.info.pop(_PENDING, None)
        if not pending:
            return
        lanes: dict[uuid.UUID, uuid.UUID] = pending.pop("_lanes", {})
        record_digests(session, pending, lanes)


def record_digests(
    session: Session,
    pending: Mapping[str, Mapping[uuid.UUID, uuid.UUID | None]],
    deleted_lanes: Mapping[uuid.UUID, uuid.UUID] | None = None,
) -> int:
    """Append a digest event for every record in ``pending`` (kind → id → site hint); a record
    that no longer exists gets a digest of None (deleted). Returns how many were appended."""
    actors = audit.actors_of(session)
    by_site: dict[uuid.UUID, list[audit.NewEvent]] = {}
    for kind in KINDS:
        wanted = pending.get(kind)
        if not wanted:
            continue
        found = _DIGESTERS[kind](session, wanted)
        for ident in sorted(wanted):
            site_id: uuid.UUID | None
            if ident in found:
                site_id, digest = found[ident]
                value: str | None = digest
            else:
                site_id, value = wanted[ident], None
                lane_id = (deleted_lanes or {}).get(ident)
                if site_id is None and lane_id is not None:
                    site_id = session.scalar(
                        select(_LANE_T.c.site_id).where(_LANE_T.c.id == lane_id)
                    )
                if site_id is None:
                    continue  # created and removed in one transaction: nothing to vouch for
            by_site.setdefault(site_id, []).append(
                audit.NewEvent(
                    action(kind), f"{kind}:{ident}", {"digest": value}, actors.get(str(ident))
                )
            )
    total = 0
    for site_id, items in by_site.items():
        audit.record_many(session, site_id, items)
        total += len(items)
    return total


def install(factory: sessionmaker[Session]) -> None:
    """Make every session of ``factory`` append record digests before it commits."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)


# --- checking live rows against the chain ---------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """A record that differs from the chain: which, and the event it should match (if any)."""

    kind: str
    ident: str
    seq: int | None
    text: str


def _site_inspection_ids(session: Session, site_id: uuid.UUID) -> Iterator[list[uuid.UUID]]:
    last: uuid.UUID | None = None
    while True:
        q = (
            select(_INSPECTION_T.c.id)
            .join(_LANE_T, _LANE_T.c.id == _INSPECTION_T.c.lane_id)
            .where(_LANE_T.c.site_id == site_id)
            .order_by(_INSPECTION_T.c.id)
            .limit(BATCH)
        )
        if last is not None:
            q = q.where(_INSPECTION_T.c.id > last)
        ids = list(session.scalars(q))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _site_staff_ids(session: Session, site_id: uuid.UUID) -> Iterator[list[uuid.UUID]]:
    ids = list(session.scalars(select(_STAFF_T.c.id).where(_STAFF_T.c.site_id == site_id)))
    yield from _chunks(sorted(ids))


_NOUN = {INSPECTION: "vehicle record (inspection)", STAFF: "staff member"}


def check_rows(
    session: Session,
    site_id: uuid.UUID,
    latest: Mapping[tuple[str, str], tuple[int, str | None]],
) -> tuple[int, list[RowProblem]]:
    """Compare every live record of the site with ``latest`` ((kind, id) → (seq, digest), the
    newest digest event of each record). Returns (records checked, problems in chain order;
    records the chain never saw last)."""
    problems: list[RowProblem] = []
    seen: set[tuple[str, str]] = set()
    checked = 0
    listers = {INSPECTION: _site_inspection_ids, STAFF: _site_staff_ids}
    for kind in KINDS:
        noun = _NOUN[kind]
        for ids in listers[kind](session, site_id):
            digests = _DIGESTERS[kind](session, ids)
            for ident, (_site, digest) in digests.items():
                key = (kind, str(ident))
                seen.add(key)
                checked += 1
                known = latest.get(key)
                if known is None:
                    problems.append(
                        RowProblem(
                            kind, str(ident), None,
                            f"{noun} {ident} is not in the audit chain "
                            "(written outside the program)",
                        )
                    )  # fmt: skip
                elif known[1] != digest:
                    problems.append(
                        RowProblem(
                            kind, str(ident), known[0],
                            f"{noun} {ident} differs from its digest in event {known[0]} "
                            "(changed outside the program)",
                        )
                    )  # fmt: skip
    for key, (seq, recorded) in latest.items():
        if recorded is not None and key not in seen:
            problems.append(
                RowProblem(
                    key[0], key[1], seq,
                    f"{_NOUN[key[0]]} {key[1]} of event {seq} is missing "
                    "(deleted outside the program)",
                )
            )  # fmt: skip
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0, p.ident))
    return checked, problems


def needs_baseline(session: Session) -> bool:
    """True when records exist but the chain holds no record digest yet (a database from
    before record digests): :func:`baseline` vouches for them once, at the upgrade."""
    any_digest = session.scalar(
        select(audit.EVENT_TABLE.c.id)
        .where(audit.EVENT_TABLE.c.action.like(ACTION_PREFIX + "%"))
        .limit(1)
    )
    if any_digest is not None:
        return False
    has_rows = session.scalar(select(_INSPECTION_T.c.id).limit(1)) or session.scalar(
        select(_STAFF_T.c.id).limit(1)
    )
    return has_rows is not None


def baseline(session: Session) -> int:
    """Record digests of every record (all sites) as they are now; returns how many."""
    pending: dict[str, dict[uuid.UUID, uuid.UUID | None]] = {
        INSPECTION: {i: None for i in session.scalars(select(_INSPECTION_T.c.id))},
        STAFF: {i: None for i in session.scalars(select(_STAFF_T.c.id))},
    }
    return record_digests(session, pending)


def verify_books(
    session: Session, site_id: uuid.UUID, *, anchors: Sequence[audit.Anchor] = ()
) -> audit.ChainReport:
    """The chain, its anchors and every live record against its newest digest in the chain
    (what ``checkpoint audit verify`` reports)."""
    return audit.verify_chain(session, site_id, anchors=anchors, rows=check_rows)
