"""The ORM model: sites, lanes, staff, the rota, inspections and what they found, the audit trail.

Records that lanes may later merge (shifts, inspections, person checks, scans) have UUID keys.
Timestamps are stored as UTC and come back timezone-aware. No raw QR payload or full ID
number is stored: a credential is kept as its status and a fingerprint, an ID as a keyed hash
and a masked display form.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and returned timezone-aware (UTC) on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current instant, timezone-aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Site(Base):
    """A checkpoint (卡口), e.g. 杭千高速寿昌出口."""

    __tablename__ = "site"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    lanes: Mapped[list[Lane]] = relationship(back_populates="site")


class Lane(Base):
    """An inspection lane (车道) of a site; one laptop each."""

    __tablename__ = "lane"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    name: Mapped[str] = mapped_column(String(50))
    # Wrong PINs typed at this lane since its last good sign-in, and its lock (any account).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column()
    site: Mapped[Site] = relationship(back_populates="lanes")


class StaffMember(Base):
    """A person on the team, with their usual role (see domain.Role)."""

    __tablename__ = "staff_member"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str | None] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    # Lock-outs since the last good sign-in: each one doubles the next lock's length.
    lockouts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShiftPlan(Base):
    """A rota: how the day is cut into shifts. Plans are data; one is active per site."""

    __tablename__ = "shift_plan"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    slots: Mapped[list[ShiftSlot]] = relationship(
        back_populates="plan", order_by="ShiftSlot.number", cascade="all, delete-orphan"
    )


class ShiftSlot(Base):
    """One shift of a plan: number 1..n, names, local start time and length."""

    __tablename__ = "shift_slot"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shift_plan.id"))
    number: Mapped[int] = mapped_column(Integer)
    name_zh: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(String(30))
    start_minute: Mapped[int] = mapped_column(Integer)
    length_minutes: Mapped[int] = mapped_column(Integer)
    plan: Mapped[ShiftPlan] = relationship(back_populates="slots")


class Shift(Base):
    """A concrete shift: a slot on a duty date, opened by its leader and closed at handover."""

    __tablename__ = "shift"
    __table_args__ = (UniqueConstraint("site_id", "duty_date", "slot_number"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    slot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shift_slot.id"))
    duty_date: Mapped[date] = mapped_column(Date)
    slot_number: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    leader_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    handover_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    handover_note: Mapped[str | None] = mapped_column(Text)
    open_issues: Mapped[str | None] = mapped_column(Text)
    slot: Mapped[ShiftSlot] = relationship()
    leader: Mapped[StaffMember] = relationship(foreign_keys=[leader_id])
    handover_to: Mapped[StaffMember | None] = relationship(foreign_keys=[handover_to_id])
    roster: Mapped[list[ShiftRosterEntry]] = relationship(
        back_populates="shift", cascade="all, delete-orphan"
    )


class ShiftRosterEntry(Base):
    """Who worked which role on a shift."""

    __tablename__ = "shift_roster"
    __table_args__ = (UniqueConstraint("shift_id", "staff_id", "role"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shift.id"))
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    role: Mapped[str] = mapped_column(String(20))
    shift: Mapped[Shift] = relationship(back_populates="roster")
    staff: Mapped[StaffMember] = relationship()


class Inspection(Base):
    """One vehicle through guide → verify → record → divert, with who did each step and when."""

    __tablename__ = "inspection"
    __table_args__ = (
        Index("ix_inspection_shift_created", "shift_id", "created_at"),
        Index("ix_inspection_created", "created_at"),
        Index("ix_inspection_plate", "plate"),
        # the retention purge looks for "not purged yet, older than the cutoff" at every start
        Index("ix_inspection_purged_created", "purged_at", "created_at"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    shift_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("shift.id"))
    lane_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lane.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    step: Mapped[str] = mapped_column(String(10), default="guide")
    plate: Mapped[str] = mapped_column(String(12))
    vehicle_type: Mapped[str] = mapped_column(String(10))
    people_count: Mapped[int] = mapped_column(Integer)
    origin: Mapped[str | None] = mapped_column(String(100))
    destination: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The vehicle is guided in at guide_at (its shift is the one holding that moment);
    # guide_started_at is when the guide began on it, so the guide step has a duration.
    guide_started_at: Mapped[datetime | None] = mapped_column()
    guide_at: Mapped[datetime | None] = mapped_column()
    guide_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    verify_at: Mapped[datetime | None] = mapped_column()
    verify_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    record_at: Mapped[datetime | None] = mapped_column()
    record_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    divert_at: Mapped[datetime | None] = mapped_column()
    divert_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    suggested_disposition: Mapped[str | None] = mapped_column(String(20))
    final_disposition: Mapped[str | None] = mapped_column(String(20))
    report_to_community: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    # Who allowed a disposition other than the suggestion (a leader; may be the diverter).
    override_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    policy_version: Mapped[str | None] = mapped_column(String(60))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the retention purge removed this record's personal fields.
    purged_at: Mapped[datetime | None] = mapped_column()
    people: Mapped[list[PersonCheck]] = relationship(
        back_populates="inspection", order_by="PersonCheck.seq", cascade="all, delete-orphan"
    )
    shift: Mapped[Shift] = relationship()


class PersonCheck(Base):
    """One driver or passenger (司乘人员) of an inspection: findings, verdict, reasons."""

    __tablename__ = "person_check"
    __table_args__ = (UniqueConstraint("inspection_id", "seq"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    inspection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    occupant: Mapped[str] = mapped_column(String(10))
    name_masked: Mapped[str | None] = mapped_column(String(30))
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(30))
    code_colour: Mapped[str | None] = mapped_column(String(10))
    temperature: Mapped[float | None] = mapped_column(Float)
    findings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verdict: Mapped[str | None] = mapped_column(String(10))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    disposition: Mapped[str | None] = mapped_column(String(20))
    report_to_community: Mapped[bool] = mapped_column(Boolean, default=False)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    inspection: Mapped[Inspection] = relationship(back_populates="people")


class CredentialScan(Base):
    """A QR code read during verify: its status and fingerprint, not its personal payload."""

    __tablename__ = "credential_scan"
    __table_args__ = (
        Index("ix_credential_scan_fp_at", "fingerprint", "scanned_at"),
        Index("ix_credential_scan_inspection", "inspection_id"),
    )
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    inspection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE")
    )
    person_check_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("person_check.id", ondelete="SET NULL")
    )
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    format: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str | None] = mapped_column(String(40))
    issuer: Mapped[str | None] = mapped_column(String(200))
    signature: Mapped[str] = mapped_column(String(20))
    validity: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    errors: Mapped[list[Any]] = mapped_column(default=list)
    # The raw QR text, kept only when the policy says so (store_raw_payloads); purged with
    # the other personal fields.
    payload: Mapped[str | None] = mapped_column(Text)
    # Relationships also tell the unit of work to insert the parents first.
    inspection: Mapped[Inspection] = relationship()
    person: Mapped[PersonCheck | None] = relationship()


class Correction(Base):
    """A recorder's correction of a saved field: old and new value, who and why."""

    __tablename__ = "correction"
    __table_args__ = (Index("ix_correction_inspection", "inspection_id"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    inspection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE")
    )
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The server's correction request this change carried out (made at another lane), if any.
    request_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    inspection: Mapped[Inspection] = relationship()


class AuditHead(Base):
    """The newest link of a site's audit chain; writers lock this row to take the next seq."""

    __tablename__ = "audit_head"
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """Who did what, when. Events are hash-chained per site (prev_hash → hash)."""

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("site_id", "seq"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SyncOutbox(Base):
    """A lane's record that changed and is not yet on the server (filled by triggers).

    Triggers on the lane-owned tables add a row in the same transaction as the change, so
    nothing a lane saves can be missed by the sender, whatever is killed when.
    """

    __tablename__ = "sync_outbox"
    __table_args__ = ({"sqlite_autoincrement": True},)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(30))
    row_id: Mapped[str] = mapped_column(String(36))


class SyncState(Base):
    """The lane's one row of sender state: when it last reached the server, and what it said."""

    __tablename__ = "sync_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    server: Mapped[str | None] = mapped_column(String(300))
    last_sent_at: Mapped[datetime | None] = mapped_column()
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    offline_since: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    pulled_at: Mapped[datetime | None] = mapped_column()


class LaneAuditHead(Base):
    """On the server: the newest audit event it holds from each lane's chain."""

    __tablename__ = "lane_audit_head"
    lane_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lane.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class LaneAuditEvent(Base):
    """On the server: a lane's audit event as the lane chained it (see audit.event_hash)."""

    __tablename__ = "lane_audit_event"
    __table_args__ = (UniqueConstraint("lane_id", "seq"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    lane_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lane.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class SharedFile(Base):
    """On the server: a file every lane mirrors into its data directory (trust store, risk
    areas, policy), published by the point chief; the server owns it, lanes keep a copy."""

    __tablename__ = "shared_file"
    path: Mapped[str] = mapped_column(String(200), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
class PaperEntry(Base):
    """A vehicle entered afterwards from the paper ledger (补录): from which file and line, by
    whom and when, and the paper's note."""

    __tablename__ = "paper_entry"
    inspection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(String(200))
    line: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    entered_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Response(Base):
    """A 136 response (136 应急处置) started for one vehicle: what started it, when, when closed."""

    __tablename__ = "response"
    __table_args__ = (Index("ix_response_site_closed", "site_id", "closed_at"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    lane_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lane.id"))
    inspection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE"), unique=True
    )
    trigger: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    closed_at: Mapped[datetime | None] = mapped_column()
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    close_note: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[ResponseItem]] = relationship(
        back_populates="response", order_by="ResponseItem.seq", cascade="all, delete-orphan"
    )


class ResponseItem(Base):
    """One measure of a 136 response, as the policy gave it at the start, and its tick."""

    __tablename__ = "response_item"
    __table_args__ = (UniqueConstraint("response_id", "key"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    response_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(200))
    due_minutes: Mapped[int] = mapped_column(Integer)
    done_at: Mapped[datetime | None] = mapped_column()
    done_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_member.id"))
    response: Mapped[Response] = relationship(back_populates="items")


class CorrectionRequest(Base):
    """On the server: a leader's correction of a record another lane owns (更正申请).

    Written on the server by the lane where the leader signed in; the owning lane takes it
    down, corrects its own record (re-judged there) and sends the record back up. The batch
    that carries the correction marks the request ``applied``; a lane that cannot carry it
    out marks it ``refused`` with the sentence why. Nothing is edited in two places.
    """

    __tablename__ = "correction_request"
    __table_args__ = (Index("ix_correction_request_lane_state", "lane_id", "state"),)
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id"))
    lane_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lane.id"))
    inspection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("inspection.id", ondelete="CASCADE")
    )
    field: Mapped[str] = mapped_column(String(40))
    value: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_member.id"))
    from_lane_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lane.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default="waiting")
    settled_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
