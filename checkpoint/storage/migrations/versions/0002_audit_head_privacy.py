"""audit chain head, override approver, purge marker, optional raw payload

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_audit_head_site_id_site")),
        sa.PrimaryKeyConstraint("site_id", name=op.f("pk_audit_head")),
    )
    with op.batch_alter_table("inspection") as batch:
        batch.add_column(sa.Column("override_by_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("purged_at", sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_inspection_override_by_id_staff_member"),
            "staff_member",
            ["override_by_id"],
            ["id"],
        )
    with op.batch_alter_table("credential_scan") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("credential_scan") as batch:
        batch.drop_column("payload")
    with op.batch_alter_table("inspection") as batch:
        batch.drop_constraint(op.f("fk_inspection_override_by_id_staff_member"), type_="foreignkey")
        batch.drop_column("purged_at")
        batch.drop_column("override_by_id")
    op.drop_table("audit_head")
