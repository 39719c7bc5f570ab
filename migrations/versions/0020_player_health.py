"""players: the player's diagnostics on the screen status (player_screen_status.diagnostics), plays the
controller did not believe (player_play_rejected), the manifests served to each screen
(player_manifest_served), captures of the glass (player_capture), remote commands (player_command), blank
hours (player_blank_hours) and the blank time's proof of play (player_blank_period)

Revision ID: 0020_player_health
Revises: 0018_playback
"""
import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0020_player_health"
down_revision = "0018_playback"
branch_labels = None
depends_on = None

UTC = signage.db_types.UTCDateTime


def upgrade():
    with op.batch_alter_table("player_screen_status") as batch_op:
        batch_op.add_column(sa.Column("diagnostics", sa.JSON(), nullable=True))

    op.create_table(
        "player_play_rejected",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("received_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("screen_id", "client_id", name="uq_player_play_rejected_client"),
    )
    op.create_index("ix_player_play_rejected_screen_id", "player_play_rejected", ["screen_id"])
    op.create_index("ix_player_play_rejected_received_at", "player_play_rejected", ["received_at"])

    op.create_table(
        "player_manifest_served",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("served_at", UTC(timezone=True), nullable=False),
        sa.Column("valid_until", UTC(timezone=True), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_player_manifest_served_screen_at", "player_manifest_served", ["screen_id", "served_at"])

    op.create_table(
        "player_capture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", UTC(timezone=True), nullable=False),
        sa.Column("received_at", UTC(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("shows", sa.JSON(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_player_capture_screen_taken", "player_capture", ["screen_id", "taken_at"])
    op.create_index("ix_player_capture_received_at", "player_capture", ["received_at"])

    op.create_table(
        "player_command",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("acked_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_player_command_screen_status", "player_command", ["screen_id", "status"])

    op.create_table(
        "player_blank_hours",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(screen_id IS NULL) <> (region_id IS NULL)", name="ck_player_blank_target"),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_player_blank_hours_screen_id", "player_blank_hours", ["screen_id"])
    op.create_index("ix_player_blank_hours_region_id", "player_blank_hours", ["region_id"])

    op.create_table(
        "player_blank_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", UTC(timezone=True), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("received_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("screen_id", "client_id", name="uq_player_blank_period_client"),
    )
    op.create_index("ix_player_blank_period_screen_id", "player_blank_period", ["screen_id"])
    op.create_index("ix_player_blank_period_started_at", "player_blank_period", ["started_at"])


def downgrade():
    for table in ("player_blank_period", "player_blank_hours", "player_command", "player_capture",
                  "player_manifest_served", "player_play_rejected"):
        op.drop_table(table)
    with op.batch_alter_table("player_screen_status") as batch_op:
        batch_op.drop_column("diagnostics")
