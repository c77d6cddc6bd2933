"""growing lock-out back-off per account and a sign-in limit per lane

Revision ID: 0005b
Revises: 0004
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005b"
down_revision: str | None = "0005r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "staff_member",
        sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "lane",
        sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("lane", sa.Column("locked_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lane") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("failed_attempts")
    with op.batch_alter_table("staff_member") as batch:
        batch.drop_column("lockouts")
