"""Fleet: incidents (one open per screen and cause) and their notes, the rule set per region, the
technicians told about a region, the ledger of their emails (issue 13)

Revision ID: 0021_fleet
Revises: 0020_player_health

New tables only (fleet/models.py declares the same ones for create_all): nothing to rebuild on SQLite.
"""
import sqlalchemy as sa
from alembic import op

revision = "0021_fleet"
down_revision = "0020_player_health"
branch_labels = None
depends_on = None


def _utc(name, nullable=True):
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade():
    op.create_table(
        "fleet_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=True),
        _utc("opened_at", nullable=False),
        _utc("acknowledged_at"),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        _utc("closed_at"),
        sa.Column("closed_reason", sa.String(length=20), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("notice", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("screen_id", "cause", "active", name="uq_fleet_incident_open"),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name="ck_fleet_incident_status"),
        sa.CheckConstraint("(status = 'closed') = (active IS NULL)", name="ck_fleet_incident_active"),
    )
    op.create_index("ix_fleet_incident_opened_at", "fleet_incident", ["opened_at"])
    op.create_index("ix_fleet_incident_region_active", "fleet_incident", ["region_id", "active"])
    op.create_table(
        "fleet_incident_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        _utc("created_at", nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["fleet_incident.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_fleet_incident_note_incident_id", "fleet_incident_note", ["incident_id"])
    op.create_table(
        "fleet_rule",
        sa.Column("region_id", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=True) for name in (
            "offline_min", "stale_min", "black_min", "asset_errors", "storage_min_mb", "clock_drift_s")),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("region_id"),
    )
    op.create_table(
        "fleet_technician",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "region_id", name="uq_fleet_technician_user_region"),
    )
    op.create_index("ix_fleet_technician_region_id", "fleet_technician", ["region_id"])
    op.create_table(
        "fleet_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        _utc("created_at", nullable=False),
        _utc("sent_at"),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["fleet_incident.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_fleet_notification_key"),
    )
    op.create_index("ix_fleet_notification_incident_id", "fleet_notification", ["incident_id"])


def downgrade():
    for table in ("fleet_notification", "fleet_technician", "fleet_rule", "fleet_incident_note", "fleet_incident"):
        op.drop_table(table)
