"""(reserved: filled by the work that needs it, or removed from the chain before merging)

Revision ID: 0018_playback
Revises: 0017_sessions_media
"""
from alembic import op  # noqa: F401

revision = "0018_playback"
down_revision = "0017_sessions_media"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
