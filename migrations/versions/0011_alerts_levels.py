"""alerts: levels (emergency / announcement / correction), approval, expiry, SMS as a property, acknowledgements,
and the admins' tables for CAP areas, CAP SMS rules and two-person confirmation

- emergency_alert gets `level` (existing rows: "emergency"), `send_sms` and `sms_region_ids` (existing rows:
  no SMS recorded — whether they texted was not stored), `created_at` (existing rows: their `started_at`),
  `duration_s`, `expires_at`, `ended_reason` (existing ended rows: "cancelled") and the approval columns of
  `signage.approval.Approvable` (existing rows: "approved" — they went on air under the old rule);
  `started_at` becomes nullable (an alert waiting for approval is not on air yet).
- alert_ack: which screen put which alert on the glass, when.
- alert_cap_area, alert_cap_sms_rule, alert_region_rule: edited by admins on the alert rules page.

Revision ID: 0011_alerts_levels
Revises: 0009_four_eyes

SQLite rebuilds emergency_alert (an ALTER TABLE cannot add its foreign keys nor drop NOT NULL), with foreign
keys off as in 0008/0009 (nothing refers to the table before this revision, but the same guard costs nothing);
the CHECK constraint of 0008 on `severity` is carried over by the rebuild. The downgrade drops what this adds.
"""
import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0011_alerts_levels"
down_revision = "0009_four_eyes"
branch_labels = None
depends_on = None


def _utc(name, **kwargs):
    return sa.Column(name, signage.db_types.UTCDateTime(timezone=True), **kwargs)


def upgrade():
    _with_foreign_keys_off(_alter_alert)
    alert = sa.table("emergency_alert", sa.column("started_at", signage.db_types.UTCDateTime()),
                     sa.column("created_at", signage.db_types.UTCDateTime()),
                     sa.column("cancelled_at", signage.db_types.UTCDateTime()),
                     sa.column("reviewed_at", signage.db_types.UTCDateTime()),
                     sa.column("approval_state", sa.String), sa.column("ended_reason", sa.String))
    op.execute(alert.update().values(created_at=alert.c.started_at, approval_state="approved",
                                     reviewed_at=alert.c.started_at))
    op.execute(alert.update().where(alert.c.cancelled_at.is_not(None)).values(ended_reason="cancelled"))
    _with_foreign_keys_off(_created_at_required)

    op.create_table(
        "alert_ack",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        _utc("shown_at", nullable=False),
        _utc("received_at", nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["emergency_alert.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "screen_id", name="uq_alert_ack_alert_screen"),
    )
    op.create_index("ix_alert_ack_screen_id", "alert_ack", ["screen_id"], unique=False)
    op.create_table(
        "alert_cap_area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("match", "value", name="uq_alert_cap_area_match_value"),
    )
    op.create_index("ix_alert_cap_area_region_id", "alert_cap_area", ["region_id"], unique=False)
    op.create_table(
        "alert_cap_sms_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("send_sms", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_cap_sms_rule_region_id", "alert_cap_sms_rule", ["region_id"], unique=False)
    op.create_table(
        "alert_region_rule",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("two_person", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("region_id"),
    )


def _alter_alert():
    with op.batch_alter_table("emergency_alert") as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=20), nullable=False, server_default="emergency"))
        batch_op.add_column(sa.Column("send_sms", sa.Boolean(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("sms_region_ids", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(_utc("created_at", nullable=True))
        batch_op.add_column(sa.Column("duration_s", sa.Integer(), nullable=True))
        batch_op.add_column(_utc("expires_at", nullable=True))
        batch_op.add_column(sa.Column("ended_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("approval_state", sa.String(length=20), nullable=False, server_default="draft"))
        batch_op.add_column(_utc("submitted_at", nullable=True))
        batch_op.add_column(_utc("reviewed_at", nullable=True))
        batch_op.add_column(sa.Column("review_comment", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("self_approved", sa.Boolean(), nullable=False, server_default="0"))
        for column in ("submitted_by_id", "reviewed_by_id"):
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            # named as PostgreSQL names unnamed ones
            batch_op.create_foreign_key(f"emergency_alert_{column}_fkey", "user_account", [column], ["id"],
                                        ondelete="SET NULL")
        batch_op.alter_column("started_at", existing_type=signage.db_types.UTCDateTime(timezone=True),
                              nullable=True)
        batch_op.create_index(batch_op.f("ix_emergency_alert_level"), ["level"], unique=False)
        batch_op.create_index(batch_op.f("ix_emergency_alert_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_emergency_alert_approval_state"), ["approval_state"], unique=False)


def _created_at_required():
    with op.batch_alter_table("emergency_alert") as batch_op:
        batch_op.alter_column("created_at", existing_type=signage.db_types.UTCDateTime(timezone=True),
                              nullable=False)


def _with_foreign_keys_off(change):
    """Rebuilding a table on SQLite drops the old one; with foreign keys on, that could null or cascade what
    refers to it. Off while rebuilding, checked afterwards (as in 0008 and 0009)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
            if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
                raise RuntimeError("could not turn foreign keys off: rebuilding the tables would cascade deletes")
    change()
    if sqlite:
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken!r}")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def downgrade():
    op.drop_table("alert_region_rule")
    op.drop_index("ix_alert_cap_sms_rule_region_id", table_name="alert_cap_sms_rule")
    op.drop_table("alert_cap_sms_rule")
    op.drop_index("ix_alert_cap_area_region_id", table_name="alert_cap_area")
    op.drop_table("alert_cap_area")
    op.drop_index("ix_alert_ack_screen_id", table_name="alert_ack")
    op.drop_table("alert_ack")

    def change():
        alert = sa.table("emergency_alert", sa.column("started_at", signage.db_types.UTCDateTime()),
                         sa.column("created_at", signage.db_types.UTCDateTime()))
        # alerts that never went on air had no place in the old table
        op.execute(alert.delete().where(alert.c.started_at.is_(None)))
        with op.batch_alter_table("emergency_alert") as batch_op:
            batch_op.drop_index(batch_op.f("ix_emergency_alert_approval_state"))
            batch_op.drop_index(batch_op.f("ix_emergency_alert_expires_at"))
            batch_op.drop_index(batch_op.f("ix_emergency_alert_level"))
            batch_op.alter_column("started_at", existing_type=signage.db_types.UTCDateTime(timezone=True),
                                  nullable=False)
            for column in ("reviewed_by_id", "submitted_by_id"):
                batch_op.drop_constraint(f"emergency_alert_{column}_fkey", type_="foreignkey")
                batch_op.drop_column(column)
            for column in ("self_approved", "review_comment", "reviewed_at", "submitted_at", "approval_state",
                           "ended_reason", "expires_at", "duration_s", "created_at", "sms_region_ids", "send_sms",
                           "level"):
                batch_op.drop_column(column)

    _with_foreign_keys_off(change)
