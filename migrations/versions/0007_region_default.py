"""default playlist per region, inherited by screens without their own

Revision ID: 0007_region_default
Revises: 0006_merge_packages
"""
import sqlalchemy as sa
from alembic import op

revision = "0007_region_default"
down_revision = "0006_merge_packages"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sched_region_default",
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["playlist_id"], ["sched_playlist.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("region_id"),
    )
    op.create_index("ix_sched_region_default_playlist_id", "sched_region_default", ["playlist_id"])


def downgrade():
    op.drop_table("sched_region_default")
