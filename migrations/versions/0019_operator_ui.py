"""(reserved: filled by the work that needs it, or removed from the chain before merging)

Revision ID: 0019_operator_ui
Revises: 0018_playback
"""
from alembic import op  # noqa: F401

revision = "0019_operator_ui"
down_revision = "0018_playback"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
