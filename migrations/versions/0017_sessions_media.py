"""(reserved: filled by the work that needs it, or removed from the chain before merging)

Revision ID: 0017_sessions_media
Revises: 0016_sms_contacts
"""
from alembic import op  # noqa: F401

revision = "0017_sessions_media"
down_revision = "0016_sms_contacts"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
