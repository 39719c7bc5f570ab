"""emergency alerts

Revision ID: 0005_alerts
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0005_alerts"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "emergency_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("target_region_ids", sa.JSON(), nullable=False),
        sa.Column("target_screen_ids", sa.JSON(), nullable=False),
        sa.Column("target_group_ids", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("started_at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", signage.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("cap_reference", sa.String(length=600), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["cancelled_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cap_reference"),
    )
    with op.batch_alter_table("emergency_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_emergency_alert_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_emergency_alert_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_emergency_alert_cancelled_at"), ["cancelled_at"], unique=False)


def downgrade():
    with op.batch_alter_table("emergency_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_emergency_alert_cancelled_at"))
        batch_op.drop_index(batch_op.f("ix_emergency_alert_started_at"))
        batch_op.drop_index(batch_op.f("ix_emergency_alert_region_id"))
    op.drop_table("emergency_alert")
