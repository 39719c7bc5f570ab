"""sms: the alert a campaign texts (sms_campaign.alert_id)

An alert's SMS is one campaign per alert (sms.broadcast); the id links it to its alert so that a cancel or an
expiry stops its unsent messages, its messages go first, and its live board shows their progress. A plain
integer: the alerts package sits above sms and its table is not sms's to point at. Existing campaigns: none.

Revision ID: 0012_sms_alert_campaign
Revises: 0010_reports

A second small migration rather than a change to 0011_alerts_levels: 0011 was committed (and 0010_reports put
on top of it) before the SMS refactor this column waited for had landed.
"""
import sqlalchemy as sa
from alembic import op

revision = "0012_sms_alert_campaign"
down_revision = "0010_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sms_campaign") as batch_op:
        batch_op.add_column(sa.Column("alert_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sms_campaign_alert_id"), ["alert_id"], unique=False)


def downgrade():
    with op.batch_alter_table("sms_campaign") as batch_op:
        batch_op.drop_index(batch_op.f("ix_sms_campaign_alert_id"))
        batch_op.drop_column("alert_id")
