"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "site",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("name", name=op.f("uq_site_name")),
    )
    op.create_table(
        "lane",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_lane_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lane")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_lane_site_id")),
    )
    op.create_table(
        "shift_plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_shift_plan_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_plan")),
    )
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_staff_member_site_id_site")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_member")),
        sa.UniqueConstraint("site_id", "name", name=op.f("uq_staff_member_site_id")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
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
            ["actor_id"], ["staff_member.id"], name=op.f("fk_audit_event_actor_id_staff_member")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_audit_event_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("site_id", "seq", name=op.f("uq_audit_event_site_id")),
    )
    op.create_table(
        "shift_slot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name_zh", sa.String(length=20), nullable=False),
        sa.Column("name_en", sa.String(length=30), nullable=False),
        sa.Column("start_minute", sa.Integer(), nullable=False),
        sa.Column("length_minutes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["shift_plan.id"], name=op.f("fk_shift_slot_plan_id_shift_plan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_slot")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_shift_slot_plan_id")),
    )
    op.create_table(
        "shift",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("slot_id", sa.Uuid(), nullable=False),
        sa.Column("duty_date", sa.Date(), nullable=False),
        sa.Column("slot_number", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("leader_id", sa.Uuid(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by_id", sa.Uuid(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Uuid(), nullable=True),
        sa.Column("handover_to_id", sa.Uuid(), nullable=True),
        sa.Column("handover_note", sa.Text(), nullable=True),
        sa.Column("open_issues", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["staff_member.id"], name=op.f("fk_shift_closed_by_id_staff_member")
        ),
        sa.ForeignKeyConstraint(
            ["handover_to_id"],
            ["staff_member.id"],
            name=op.f("fk_shift_handover_to_id_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["leader_id"], ["staff_member.id"], name=op.f("fk_shift_leader_id_staff_member")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["staff_member.id"], name=op.f("fk_shift_opened_by_id_staff_member")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_shift_site_id_site")),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["shift_slot.id"], name=op.f("fk_shift_slot_id_shift_slot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift")),
        sa.UniqueConstraint("site_id", "duty_date", "slot_number", name=op.f("uq_shift_site_id")),
    )
    op.create_table(
        "inspection",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("lane_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("plate", sa.String(length=12), nullable=False),
        sa.Column("vehicle_type", sa.String(length=10), nullable=False),
        sa.Column("people_count", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=100), nullable=True),
        sa.Column("destination", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("guide_at", sa.DateTime(), nullable=True),
        sa.Column("guide_by_id", sa.Uuid(), nullable=True),
        sa.Column("verify_at", sa.DateTime(), nullable=True),
        sa.Column("verify_by_id", sa.Uuid(), nullable=True),
        sa.Column("record_at", sa.DateTime(), nullable=True),
        sa.Column("record_by_id", sa.Uuid(), nullable=True),
        sa.Column("divert_at", sa.DateTime(), nullable=True),
        sa.Column("divert_by_id", sa.Uuid(), nullable=True),
        sa.Column("suggested_disposition", sa.String(length=20), nullable=True),
        sa.Column("final_disposition", sa.String(length=20), nullable=True),
        sa.Column("report_to_community", sa.Boolean(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("policy_version", sa.String(length=60), nullable=True),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["divert_by_id"],
            ["staff_member.id"],
            name=op.f("fk_inspection_divert_by_id_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["guide_by_id"],
            ["staff_member.id"],
            name=op.f("fk_inspection_guide_by_id_staff_member"),
        ),
        sa.ForeignKeyConstraint(["lane_id"], ["lane.id"], name=op.f("fk_inspection_lane_id_lane")),
        sa.ForeignKeyConstraint(
            ["record_by_id"],
            ["staff_member.id"],
            name=op.f("fk_inspection_record_by_id_staff_member"),
        ),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shift.id"], name=op.f("fk_inspection_shift_id_shift")
        ),
        sa.ForeignKeyConstraint(
            ["verify_by_id"],
            ["staff_member.id"],
            name=op.f("fk_inspection_verify_by_id_staff_member"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index("ix_inspection_created", ["created_at"], unique=False)
        batch_op.create_index("ix_inspection_plate", ["plate"], unique=False)
        batch_op.create_index(
            "ix_inspection_shift_created", ["shift_id", "created_at"], unique=False
        )

    op.create_table(
        "shift_roster",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("shift_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"], ["shift.id"], name=op.f("fk_shift_roster_shift_id_shift")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_member.id"], name=op.f("fk_shift_roster_staff_id_staff_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_roster")),
        sa.UniqueConstraint("shift_id", "staff_id", "role", name=op.f("uq_shift_roster_shift_id")),
    )
    op.create_table(
        "correction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_correction_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_member.id"], name=op.f("fk_correction_staff_id_staff_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_correction")),
    )
    op.create_table(
        "person_check",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("occupant", sa.String(length=10), nullable=False),
        sa.Column("name_masked", sa.String(length=30), nullable=True),
        sa.Column("id_hash", sa.String(length=64), nullable=True),
        sa.Column("id_masked", sa.String(length=30), nullable=True),
        sa.Column("code_colour", sa.String(length=10), nullable=True),
        sa.Column("temperature", sa.Float(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("disposition", sa.String(length=20), nullable=True),
        sa.Column("report_to_community", sa.Boolean(), nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_person_check_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_check")),
        sa.UniqueConstraint("inspection_id", "seq", name=op.f("uq_person_check_inspection_id")),
    )
    with op.batch_alter_table("person_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_check_id_hash"), ["id_hash"], unique=False)

    op.create_table(
        "credential_scan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("person_check_id", sa.Uuid(), nullable=True),
        sa.Column("scanned_at", sa.DateTime(), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=True),
        sa.Column("issuer", sa.String(length=200), nullable=True),
        sa.Column("signature", sa.String(length=20), nullable=False),
        sa.Column("validity", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("demo", sa.Boolean(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
            name=op.f("fk_credential_scan_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_check_id"],
            ["person_check.id"],
            name=op.f("fk_credential_scan_person_check_id_person_check"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_scan")),
    )
    with op.batch_alter_table("credential_scan", schema=None) as batch_op:
        batch_op.create_index(
            "ix_credential_scan_fp_at", ["fingerprint", "scanned_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("credential_scan", schema=None) as batch_op:
        batch_op.drop_index("ix_credential_scan_fp_at")

    op.drop_table("credential_scan")
    with op.batch_alter_table("person_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_check_id_hash"))

    op.drop_table("person_check")
    op.drop_table("correction")
    op.drop_table("shift_roster")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_shift_created")
        batch_op.drop_index("ix_inspection_plate")
        batch_op.drop_index("ix_inspection_created")

    op.drop_table("inspection")
    op.drop_table("shift")
    op.drop_table("shift_slot")
    op.drop_table("audit_event")
    op.drop_table("staff_member")
    op.drop_table("shift_plan")
    op.drop_table("lane")
    op.drop_table("site")
