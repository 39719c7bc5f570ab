"""(reserved: filled by the work that needs it, or removed from the chain before merging)

Revision ID: 0021_fleet
Revises: 0020_player_health
"""
from alembic import op  # noqa: F401

revision = "0021_fleet"
down_revision = "0020_player_health"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
