"""indexes for the retention purge and for a vehicle's scans and corrections

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inspection_purged_created", "inspection", ["purged_at", "created_at"])
    op.create_index("ix_credential_scan_inspection", "credential_scan", ["inspection_id"])
    op.create_index("ix_correction_inspection", "correction", ["inspection_id"])


def downgrade() -> None:
    op.drop_index("ix_correction_inspection", table_name="correction")
    op.drop_index("ix_credential_scan_inspection", table_name="credential_scan")
    op.drop_index("ix_inspection_purged_created", table_name="inspection")
