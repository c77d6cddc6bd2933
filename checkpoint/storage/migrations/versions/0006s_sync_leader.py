"""sync of the leader's books: back-entries and 136 responses join the outbox; corrections of
another lane's record wait on the server as requests the owning lane carries out

Revision ID: 0006s
Revises: 0005y
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006s"
down_revision: str | None = "0005y"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The leader's lane-owned tables that now go up too, parents first, with their key column.
LEADER_TABLES = (
    ("paper_entry", "inspection_id"),
    ("response", "id"),
    ("response_item", "id"),
)


def upgrade() -> None:
    op.create_table(
        "correction_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("lane_id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("from_lane_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_correction_request_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["lane_id"], ["lane.id"], name=op.f("fk_correction_request_lane_id_lane")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_correction_request_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_member.id"],
            name=op.f("fk_correction_request_staff_id_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["from_lane_id"], ["lane.id"], name=op.f("fk_correction_request_from_lane_id_lane")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction_request")),
    )
    op.create_index("ix_correction_request_lane_state", "correction_request", ["lane_id", "state"])
    # A plain ADD COLUMN (no batch copy) keeps the outbox triggers on `correction`.
    op.add_column("correction", sa.Column("request_id", sa.Uuid(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        return  # a server receives records; only an embedded lane database sends them
    for table, key in LEADER_TABLES:
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER sync_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN INSERT INTO sync_outbox (table_name, row_id) "
                f"VALUES ('{table}', NEW.{key}); END"
            )
    # What the leader entered before this upgrade waits to be sent too.
    for table, key in LEADER_TABLES:
        op.execute(
            f"INSERT INTO sync_outbox (table_name, row_id) "
            f"SELECT '{table}', {key} FROM {table} ORDER BY rowid"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, _key in LEADER_TABLES:
            for event in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS sync_{table}_{event}")
        op.execute(
            "DELETE FROM sync_outbox WHERE table_name IN ('paper_entry', 'response', "
            "'response_item')"
        )
    with op.batch_alter_table("correction") as batch:
        batch.drop_column("request_id")
    if op.get_bind().dialect.name == "sqlite":  # the batch copy dropped 0005y's triggers
        for event in ("INSERT", "UPDATE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS sync_correction_{event.lower()} AFTER {event} "
                f"ON correction BEGIN INSERT INTO sync_outbox (table_name, row_id) "
                f"VALUES ('correction', NEW.id); END"
            )
    op.drop_index("ix_correction_request_lane_state", table_name="correction_request")
    op.drop_table("correction_request")
