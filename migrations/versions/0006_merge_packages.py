"""Join the package branches (content, scheduling, sms, alerts) into one head.

Revision ID: 0006_merge_packages
Revises: 0002_content, 0003_scheduling, 0004_sms, 0005_alerts
Create Date: 2026-11-23
"""

revision = "0006_merge_packages"
down_revision = ("0002_content", "0003_scheduling", "0004_sms", "0005_alerts")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
