"""sms_message: the database alone says what must be sent and when (issue 11)

- enqueued_at: when the row was handed to a batch job (in flight until SMS_INFLIGHT_SECONDS after; the sweep
  hands out due rows that are not in flight — the claim's compare-and-set keeps a late twin from sending twice);
- first_tried_at: the first HTTP attempt (emergency and public-service messages retry until
  SMS_URGENT_RETRY_HOURS after it, shown as waiting);
- checked_at: the last time reconciliation asked the gateway about a row still `sent`.

Revision ID: 0015_sms_durability
Revises: 0014_slide_theme_mark

Only nullable columns are added (no table rebuild on the upgrade); no table refers to sms_message by foreign
key, so the downgrade's SQLite rebuild (batch mode) cascades nothing.
"""
import sqlalchemy as sa
from alembic import op

from signage.db_types import UTCDateTime

revision = "0015_sms_durability"
down_revision = "0014_slide_theme_mark"
branch_labels = None
depends_on = None

COLUMNS = ("enqueued_at", "first_tried_at", "checked_at")


def upgrade():
    with op.batch_alter_table("sms_message") as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_sms_message_reconcile", "sms_message", ["state", "sent_at"])


def downgrade():
    op.drop_index("ix_sms_message_reconcile", table_name="sms_message")
    with op.batch_alter_table("sms_message") as batch_op:
        for name in COLUMNS:
            batch_op.drop_column(name)
