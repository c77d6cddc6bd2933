"""the shift leader's books: paper-ledger back-entries (补录) and 136 responses

Revision ID: 0005r
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005r"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "paper_entry",
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("entered_by_id", sa.Uuid(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_paper_entry_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["staff_member.id"],
            name=op.f("fk_paper_entry_entered_by_id_staff_member"),
        ),
        sa.PrimaryKeyConstraint("inspection_id", name=op.f("pk_paper_entry")),
    )
    op.create_table(
        "response",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("lane_id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("started_by_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.Column("close_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_response_site_id_site")),
        sa.ForeignKeyConstraint(["lane_id"], ["lane.id"], name=op.f("fk_response_lane_id_lane")),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_response_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["started_by_id"],
            ["staff_member.id"],
            name=op.f("fk_response_started_by_id_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["staff_member.id"],
            name=op.f("fk_response_closed_by_id_staff_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response")),
        sa.UniqueConstraint("inspection_id", name=op.f("uq_response_inspection_id")),
    )
    op.create_index("ix_response_site_closed", "response", ["site_id", "closed_at"])
    op.create_table(
        "response_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("response_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label_zh", sa.String(length=100), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("due_minutes", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_response_item_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["staff_member.id"],
            name=op.f("fk_response_item_done_by_id_staff_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_item")),
        sa.UniqueConstraint("response_id", "key", name=op.f("uq_response_item_response_id")),
    )


def downgrade() -> None:
    op.drop_table("response_item")
    op.drop_index("ix_response_site_closed", table_name="response")
    op.drop_table("response")
    op.drop_table("paper_entry")
