"""The records the audit chain vouches for: a digest of every write, and the check of live rows.

Every transaction that writes a vehicle's record (its ``inspection`` row with its people, scans
and corrections) or a staff member appends, before it commits, one ``row.inspection`` or
``row.staff`` event per record it touched (subject ``inspection:<id>`` / ``staff:<id>``),
holding a SHA-256 digest of the record as the database then holds it. The session hook does
this for every ORM write made through :class:`checkpoint.storage.db.Database` sessions; bulk UPDATEs
call :func:`touch`. :func:`check_rows` recomputes every live record and compares it with the
newest digest the chain holds for it, so a row edited, inserted or deleted with plain SQL is
found and named.

Before commit, per site and under one claim of the chain head, the hook writes the events the
transaction deferred (:func:`checkpoint.storage.audit.defer`) and then the digests. A vehicle record
the session holds is digested from the objects in hand (the inspection row, its people, the
scans and corrections it added) plus the record as the chain last vouched for it, kept in
memory per session factory: that is sound only if nothing was written since, so it is used
when the site's chain head is where this factory's last transaction left it (every write made
through these sessions appends to the chain); otherwise, and for bulk writes, the record is
read back. An inspection step thus reads none of its record's child rows back.

A staff member's lock-out counters (failed tries, lock time) change on every wrong PIN and are
left out of the digest; name, role, PIN hash and the active flag are in it.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, Row, String, Table, Uuid, event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.util import identity_key

from checkpoint.storage import audit
from checkpoint.storage.models import (
    Correction,
    CredentialScan,
    Inspection,
    Lane,
    PersonCheck,
    StaffMember,
    UTCDateTime,
)

INSPECTION = "inspection"
STAFF = "staff"
KINDS = (INSPECTION, STAFF)
ACTION_PREFIX = audit.ROW_DIGEST_PREFIX
BATCH = 500

_PENDING = "checkpoint.storage.audit_rows.pending"
_CHANGES = "checkpoint.storage.audit_rows.changes"
_BULK = "checkpoint.storage.audit_rows.bulk"
_STAGED = "checkpoint.storage.audit_rows.staged"
_MEMO = "checkpoint.storage.audit_rows.memo"
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


@dataclass(frozen=True)
class _Body:
    """A vehicle record as its digest covers it: the inspection row, its people (by seat),
    scans and corrections (by id), each row as plain JSON values."""

    inspection: dict[str, Any]
    people: list[dict[str, Any]]
    scans: list[dict[str, Any]]
    corrections: list[dict[str, Any]]

    def digest(self) -> str:
        return _digest(
            {
                "inspection": self.inspection,
                "people": self.people,
                "scans": self.scans,
                "corrections": self.corrections,
            }
        )


def inspection_digests(
    session: Session,
    ids: Iterable[uuid.UUID],
    bodies: dict[uuid.UUID, tuple[uuid.UUID, _Body]] | None = None,
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """(site id, digest) of each vehicle record in ``ids`` that exists: the inspection row
    with its people (by seat), scans and corrections. ``bodies`` receives what was read."""
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
            body = _Body(
                _row(r, frozenset({"_site"})),
                people.get(r.id, []),
                scans.get(r.id, []),
                corrections.get(r.id, []),
            )
            out[r.id] = (r._site, body.digest())
            if bodies is not None:
                bodies[r.id] = (r._site, body)
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
    bulk: set[uuid.UUID] = session.info.setdefault(_BULK, set())
    for i in ids:
        bucket[i] = site_id
        bulk.add(i)


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
    state = sa_inspect(obj)
    for attr in state.mapper.column_attrs:
        if attr.key in _STAFF_UNDIGESTED:
            continue
        if state.attrs[attr.key].history.has_changes():
            return True
    return False


@dataclass
class _Changes:
    """What one transaction did to a vehicle record through the ORM: the objects in hand."""

    created: bool = False
    people: dict[uuid.UUID, PersonCheck] = field(default_factory=dict)
    people_new: list[PersonCheck] = field(default_factory=list)
    people_gone: set[uuid.UUID] = field(default_factory=set)
    scans_new: dict[uuid.UUID, CredentialScan] = field(default_factory=dict)
    scans_gone: set[uuid.UUID] = field(default_factory=set)
    corrections_new: dict[uuid.UUID, Correction] = field(default_factory=dict)
    # a scan or correction row changed in place: read those back
    other: bool = False


def _changes(session: Session, ident: uuid.UUID) -> _Changes:
    changes: dict[uuid.UUID, _Changes] = session.info.setdefault(_CHANGES, {})
    return changes.setdefault(ident, _Changes())


def _after_flush(session: Session, _flush: UOWTransaction) -> None:
    pending: dict[str, dict[uuid.UUID, uuid.UUID | None]] = session.info.setdefault(_PENDING, {})
    new, deleted = session.new, session.deleted
    for obj in (*new, *session.dirty, *deleted):
        if isinstance(obj, Inspection):
            _note(pending, INSPECTION, obj.id, None)
            if obj in deleted:
                pending.setdefault("_lanes", {})[obj.id] = obj.lane_id
            else:
                _changes(session, obj.id).created |= obj in new
        elif isinstance(obj, (PersonCheck, CredentialScan, Correction)):
            _note(pending, INSPECTION, obj.inspection_id, None)
            if obj.inspection_id is None:
                continue
            seen = _changes(session, obj.inspection_id)
            if isinstance(obj, PersonCheck):
                if obj in deleted:
                    seen.people_gone.add(obj.id)
                else:
                    seen.people[obj.id] = obj
                    if obj in new:
                        seen.people_new.append(obj)
            elif obj in deleted and isinstance(obj, CredentialScan):
                seen.scans_gone.add(obj.id)
            elif obj in new and isinstance(obj, CredentialScan):
                seen.scans_new[obj.id] = obj
            elif obj in new and isinstance(obj, Correction):
                seen.corrections_new[obj.id] = obj
            else:
                seen.other = True
        elif isinstance(obj, StaffMember):
            if obj in session.dirty and not _staff_digest_changed(obj):
                continue
            _note(pending, STAFF, obj.id, obj.site_id)


# --- digests from the objects in hand ---------------------------------------------------------

_UNSURE = object()


def _as_stored(column_type: Any, value: Any) -> Any:
    """``value`` as a column of ``column_type`` gives it back (what :func:`_row` would make of
    it), or _UNSURE when that cannot be told without reading it back."""
    if value is None:
        return None
    kind = type(value)
    if isinstance(column_type, UTCDateTime):
        return _plain(value) if kind is datetime and value.tzinfo is not None else _UNSURE
    if isinstance(column_type, Uuid):
        return str(value) if kind is uuid.UUID else _UNSURE
    if isinstance(column_type, Boolean):
        return value if kind is bool else _UNSURE
    if isinstance(column_type, Float):
        return float(value) if kind in (float, int) else _UNSURE
    if isinstance(column_type, Integer):
        return value if kind is int else _UNSURE
    if isinstance(column_type, String):  # Text too
        return value if kind is str else _UNSURE
    if isinstance(column_type, JSON):
        return json.loads(json.dumps(value))
    return _UNSURE


# mapper → (column name, attribute key, column type, whether an unset column is NULL)
_LAYOUTS: dict[Any, tuple[tuple[str, str, Any, bool], ...]] = {}


def _layout(mapper: Any) -> tuple[tuple[str, str, Any, bool], ...]:
    layout = _LAYOUTS.get(mapper)
    if layout is None:
        layout = tuple(
            (
                column.name,
                mapper.get_property_by_column(column).key,
                column.type,
                column.default is None and column.server_default is None,
            )
            for column in mapper.local_table.columns
        )
        _LAYOUTS[mapper] = layout
    return layout


def _in_hand(obj: Any, inserted: bool) -> dict[str, Any] | None:
    """The row of ``obj`` (flushed) as the database now holds it, without reading it back;
    None if an attribute is not loaded or of a type whose stored form is not certain.
    ``inserted``: this transaction inserted it, so a column it never set is NULL."""
    state = sa_inspect(obj)
    loaded = state.dict
    out: dict[str, Any] = {}
    for name, key, column_type, null_unset in _layout(state.mapper):
        if key in loaded:
            value = _as_stored(column_type, loaded[key])
            if value is _UNSURE:
                return None
        elif inserted and null_unset:
            value = None
        else:
            return None
        out[name] = value
    return out


def _rows_in_hand(objs: Iterable[Any], inserted: Iterable[Any] = ()) -> list[dict[str, Any]] | None:
    rows = []
    new = set(inserted)
    for obj in objs:
        row = _in_hand(obj, obj in new)
        if row is None:
            return None
        rows.append(row)
    return rows


def _by_id(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    # The read orders by id: UUIDs compare as their hex text on both databases.
    return sorted(rows, key=lambda r: str(r["id"]).replace("-", ""))


def _body_in_hand(insp: Inspection, seen: _Changes, before: _Body | None) -> _Body | None:
    """The record's body from this transaction's objects and ``before`` (the body as the chain
    vouched for it when nothing else has written since), or None: read it back."""
    # a person removed may leave scans pointing at it (ON DELETE SET NULL): read back
    if seen.other or seen.people_gone or (before is None and not seen.created):
        return None
    row = _in_hand(insp, seen.created)
    if row is None:
        return None
    state = sa_inspect(insp)
    if seen.created:
        people_objs: list[Any] | None = list(seen.people.values())
        old_people: list[dict[str, Any]] = []
        old_scans: list[dict[str, Any]] = []
        old_corrections: list[dict[str, Any]] = []
    else:
        assert before is not None
        old_people, old_scans, old_corrections = before.people, before.scans, before.corrections
        people_objs = None
        if seen.people:
            if "people" not in state.dict:
                return None
            people_objs = list(insp.people)
            if not set(seen.people) <= {p.id for p in people_objs}:
                return None  # added without the collection: read back
    if people_objs is None:
        people = old_people
    else:
        found = _rows_in_hand(people_objs, seen.people_new)
        if found is None:
            return None
        people = sorted(found, key=lambda r: int(r["seq"]))
    scans = [s for i, s in seen.scans_new.items() if i not in seen.scans_gone]
    scans_new = _rows_in_hand(scans, scans)
    corrections_new = _rows_in_hand(seen.corrections_new.values(), seen.corrections_new.values())
    if scans_new is None or corrections_new is None:
        return None
    gone = {str(i) for i in seen.scans_gone}
    return _Body(
        row,
        people,
        _by_id([*(r for r in old_scans if r["id"] not in gone), *scans_new]),
        _by_id([*old_corrections, *corrections_new]),
    )


class _Memo:
    """What the chain last vouched for, shared by the sessions of one factory: each site's head
    as our last transaction left it, and the recent vehicle records' bodies at that head.

    Sound because every write through these sessions appends to the chain: when a transaction
    finds the head where our last one left it, nothing has been written since (a plain-SQL
    edit in between is not taken over: the digest keeps what the chain vouched for, and
    ``audit verify`` reports the edit)."""

    SIZE = 256

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.heads: dict[uuid.UUID, tuple[int, str]] = {}
        self.bodies: OrderedDict[uuid.UUID, tuple[uuid.UUID, _Body]] = OrderedDict()
        self.lane_sites: dict[uuid.UUID, uuid.UUID] = {}

    def body(self, site_id: uuid.UUID, head: tuple[int, str], ident: uuid.UUID) -> _Body | None:
        with self.lock:
            if self.heads.get(site_id) != head:
                return None
            kept = self.bodies.get(ident)
            return kept[1] if kept is not None and kept[0] == site_id else None

    def committed(
        self,
        before: dict[uuid.UUID, tuple[int, str]],
        after: dict[uuid.UUID, tuple[int, str]],
        bodies: dict[uuid.UUID, tuple[uuid.UUID, _Body] | None],
    ) -> None:
        """A transaction of ours committed: it found the heads at ``before``, left them at
        ``after``, and wrote ``bodies`` (None: a record it wrote but did not keep)."""
        with self.lock:
            for site_id, head in after.items():
                if self.heads.get(site_id) != before.get(site_id):
                    stale = [i for i, (s, _b) in self.bodies.items() if s == site_id]
                    for ident in stale:
                        del self.bodies[ident]
                self.heads[site_id] = head
            for ident, kept in bodies.items():
                if kept is None:
                    self.bodies.pop(ident, None)
                elif kept[0] in after:
                    self.bodies[ident] = kept
                    self.bodies.move_to_end(ident)
            while len(self.bodies) > self.SIZE:
                self.bodies.popitem(last=False)


def _memo(session: Session) -> _Memo | None:
    memo = session.info.get(_MEMO)
    return memo if isinstance(memo, _Memo) else None


def _lane_site(session: Session, memo: _Memo | None, lane_id: uuid.UUID) -> uuid.UUID | None:
    if memo is not None and lane_id in memo.lane_sites:
        return memo.lane_sites[lane_id]
    site_id = session.scalar(select(_LANE_T.c.site_id).where(_LANE_T.c.id == lane_id))
    if memo is not None and site_id is not None:
        memo.lane_sites[lane_id] = site_id
    return site_id


def _held(session: Session, ident: uuid.UUID) -> Inspection | None:
    """The inspection ``ident`` if this session holds it (and did not delete it)."""
    obj = session.identity_map.get(identity_key(Inspection, ident))
    if isinstance(obj, Inspection) and obj not in session.deleted:
        return obj
    return None


def _before_commit(session: Session) -> None:
    for _ in range(3):  # recording events writes no tracked rows: one more round at most
        session.flush()
        pending = session.info.pop(_PENDING, None) or {}
        deferred = audit.take_deferred(session)
        if not pending and not deferred:
            return
        _append(session, pending, deferred)


def _append(
    session: Session,
    pending: dict[str, dict[uuid.UUID, uuid.UUID | None]],
    deferred: dict[uuid.UUID, list[audit.NewEvent]],
) -> None:
    """Append, per site and under one claim of its head: the events the transaction deferred,
    then a digest of every record it wrote (vehicle records from the objects in hand where it
    can, else read back; staff read back)."""
    lanes = pending.pop("_lanes", {})
    changes: dict[uuid.UUID, _Changes] = session.info.pop(_CHANGES, {})
    bulk: set[uuid.UUID] = session.info.pop(_BULK, set())
    memo = _memo(session)
    held: dict[uuid.UUID, list[tuple[uuid.UUID, Inspection]]] = {}
    rest = {kind: dict(ids) for kind, ids in pending.items()}
    for ident in list(rest.get(INSPECTION, {})):
        insp = _held(session, ident)
        if insp is None or ident in bulk or ident not in changes:
            continue
        site_id = _lane_site(session, memo, insp.lane_id)
        if site_id is None:
            continue
        held.setdefault(site_id, []).append((ident, insp))
        del rest[INSPECTION][ident]
    by_site = _digest_events(session, rest, lanes)
    staged: dict[uuid.UUID, tuple[uuid.UUID, _Body] | None] = session.info.setdefault(_STAGED, {})
    for ident in rest.get(INSPECTION, {}):
        staged[ident] = None  # read back outside the claim: forget what the memo held
    actors = audit.actors_of(session)
    for site_id in {*deferred, *by_site, *held}:
        read = by_site.get(site_id, [])
        mine = held.get(site_id, [])
        taken = audit.claim(
            session, site_id, len(deferred.get(site_id, ())) + len(read) + len(mine)
        )
        head = audit.heads_of(session)[0][site_id]
        made: dict[tuple[str, str], audit.NewEvent] = {(e.action, e.subject or ""): e for e in read}
        for ident, insp in mine:
            before = memo.body(site_id, head, ident) if memo is not None else None
            body = _body_in_hand(insp, changes[ident], before)
            if body is None:
                found: dict[uuid.UUID, tuple[uuid.UUID, _Body]] = {}
                inspection_digests(session, [ident], found)
                body = found[ident][1] if ident in found else None
            if body is not None:
                staged[ident] = (site_id, body)
            subject = f"{INSPECTION}:{ident}"
            made[(action(INSPECTION), subject)] = audit.NewEvent(
                action(INSPECTION), subject, {"digest": body.digest() if body else None},
                actors.get(str(ident)),
            )  # fmt: skip
        digests = [made[k] for k in sorted(made, key=_event_order)]
        audit.write(session, taken, [*deferred.get(site_id, ()), *digests])


def _event_order(key: tuple[str, str]) -> tuple[int, str]:
    kind, ident = key[1].split(":", 1)
    return KINDS.index(kind), str(uuid.UUID(ident))


def _digest_events(
    session: Session,
    pending: Mapping[str, Mapping[uuid.UUID, uuid.UUID | None]],
    deleted_lanes: Mapping[uuid.UUID, uuid.UUID | None] | None = None,
) -> dict[uuid.UUID, list[audit.NewEvent]]:
    """A digest event, by site, for every record in ``pending`` (kind → id → site hint), read
    back; a record that no longer exists gets a digest of None (deleted)."""
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
    return by_site


def record_digests(
    session: Session,
    pending: Mapping[str, Mapping[uuid.UUID, uuid.UUID | None]],
    deleted_lanes: Mapping[uuid.UUID, uuid.UUID] | None = None,
) -> int:
    """Append a digest event for every record in ``pending`` (kind → id → site hint), read
    back; a record that no longer exists gets a digest of None (deleted). Returns how many."""
    total = 0
    for site_id, items in _digest_events(session, pending, deleted_lanes).items():
        audit.record_many(session, site_id, items)
        total += len(items)
    return total


def _after_commit(session: Session) -> None:
    before, after = audit.heads_of(session)
    staged = session.info.pop(_STAGED, {})
    memo = _memo(session)
    if memo is not None and after:
        memo.committed(dict(before), dict(after), staged)
    audit.forget_heads(session)


def _after_rollback(session: Session) -> None:
    for key in (_PENDING, _CHANGES, _BULK, _STAGED):
        session.info.pop(key, None)
    audit.take_deferred(session)
    audit.forget_heads(session)


def install(factory: sessionmaker[Session]) -> None:
    """Make every session of ``factory`` append its deferred events and record digests before
    it commits (sharing one :class:`_Memo` of what the chain last vouched for)."""
    info = factory.kw.setdefault("info", {})
    info[_MEMO] = _Memo()
    info[audit.DEFERRING] = True
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_commit", _after_commit)
    event.listen(factory, "after_soft_rollback", _after_rollback_soft)


def _after_rollback_soft(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:  # the outermost transaction: it is all gone
        _after_rollback(session)


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
