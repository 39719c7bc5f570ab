"""(reserved: filled by the work that needs it, or removed from the chain before merging)

Revision ID: 0016_sms_contacts
Revises: 0015_sms_durability
"""
from alembic import op  # noqa: F401

revision = "0016_sms_contacts"
down_revision = "0015_sms_durability"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
