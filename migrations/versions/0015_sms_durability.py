"""(reserved: filled by the work that needs it, or removed from the chain before merging)

Revision ID: 0015_sms_durability
Revises: 0014_slide_theme_mark
"""
from alembic import op  # noqa: F401

revision = "0015_sms_durability"
down_revision = "0014_slide_theme_mark"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
