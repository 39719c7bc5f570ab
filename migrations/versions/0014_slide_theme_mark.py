"""content_slide.theme_mark: the slide shows its theme's mark (off for every existing slide)

Revision ID: 0014_slide_theme_mark
Revises: 0013_alert_checks

No table refers to content_slide by foreign key, so the downgrade's SQLite table rebuild (batch mode) cascades
nothing.
"""
import sqlalchemy as sa
from alembic import op

revision = "0014_slide_theme_mark"
down_revision = "0013_alert_checks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("content_slide") as batch_op:
        batch_op.add_column(sa.Column("theme_mark", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("content_slide") as batch_op:
        batch_op.drop_column("theme_mark")
