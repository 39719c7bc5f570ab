"""(reserved: filled by the work that needs it, or removed from the chain before merging)

Revision ID: 0020_player_health
Revises: 0019_operator_ui
"""
from alembic import op  # noqa: F401

revision = "0020_player_health"
down_revision = "0019_operator_ui"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
