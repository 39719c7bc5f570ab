"""Technicians told by SMS too (issue 13): fleet_technician.notify_sms (off for every existing technician),
and the ledger's channel ("email" for every existing row) and the SMS provider's message id

Revision ID: 0022_technician_sms
Revises: 0021_fleet

The ledger's unique key keeps its meaning, at most once per work and channel: an SMS's key ends in ":sms",
the email keys of 0021 are unchanged. No table refers to fleet_technician or fleet_notification by foreign key,
so the SQLite table rebuilds (batch mode: the CHECK constraint, the downgrade) cascade nothing.
"""
import sqlalchemy as sa
from alembic import op

revision = "0022_technician_sms"
down_revision = "0021_fleet"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fleet_technician") as batch_op:
        batch_op.add_column(sa.Column("notify_sms", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("fleet_notification") as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=10), nullable=False, server_default="email"))
        batch_op.add_column(sa.Column("provider_id", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_check_constraint("ck_fleet_notification_channel", "channel IN ('email', 'sms')")


def downgrade():
    with op.batch_alter_table("fleet_notification") as batch_op:
        batch_op.drop_constraint("ck_fleet_notification_channel", type_="check")
        batch_op.drop_column("provider_id")
        batch_op.drop_column("channel")
    with op.batch_alter_table("fleet_technician") as batch_op:
        batch_op.drop_column("notify_sms")
