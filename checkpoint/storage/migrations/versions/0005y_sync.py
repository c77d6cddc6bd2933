"""local-first sync: the lane's outbox (filled by triggers) and sender state; lanes' audit chains
and the files lanes mirror (trust store, risk areas, policy) on the server

Revision ID: 0005y
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005y"
down_revision: str | None = "0005b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The records a lane owns and sends, in the order the server must apply them.
LANE_TABLES = (
    "shift",
    "shift_roster",
    "inspection",
    "person_check",
    "credential_scan",
    "correction",
    "audit_event",
)


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.String(length=30), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_outbox")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("server", sa.String(length=300), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("offline_since", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("pulled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "lane_audit_head",
        sa.Column("lane_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lane_id"], ["lane.id"], name=op.f("fk_lane_audit_head_lane_id_lane")
        ),
        sa.PrimaryKeyConstraint("lane_id", name=op.f("pk_lane_audit_head")),
    )
    op.create_table(
        "lane_audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("lane_id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["lane_id"], ["lane.id"], name=op.f("fk_lane_audit_event_lane_id_lane")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lane_audit_event")),
        sa.UniqueConstraint("lane_id", "seq", name=op.f("uq_lane_audit_event_lane_id")),
    )
    op.create_table(
        "shared_file",
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_shared_file")),
    )
    if op.get_bind().dialect.name != "sqlite":
        return  # a server receives records; only an embedded lane database sends them
    for table in LANE_TABLES:
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER sync_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN INSERT INTO sync_outbox (table_name, row_id) "
                f"VALUES ('{table}', NEW.id); END"
            )
    # What the lane recorded before it could sync waits to be sent too, oldest first.
    for table in LANE_TABLES:
        order = "seq" if table == "audit_event" else "rowid"
        op.execute(
            f"INSERT INTO sync_outbox (table_name, row_id) "
            f"SELECT '{table}', id FROM {table} ORDER BY {order}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in LANE_TABLES:
            for event in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS sync_{table}_{event}")
    op.drop_table("shared_file")
    op.drop_table("lane_audit_event")
    op.drop_table("lane_audit_head")
    op.drop_table("sync_state")
    op.drop_table("sync_outbox")
