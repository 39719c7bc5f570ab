"""scheduling and the player API: playlists, schedule entries, pairing, tokens, status, proof of play

Revision ID: 0003_scheduling
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0003_scheduling"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _utc():
    return signage.db_types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "player_pairing",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("device", sa.JSON(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", _utc(), nullable=True),
        sa.Column("claimed_by_id", sa.Integer(), nullable=True),
        sa.Column("token_once", sa.String(length=128), nullable=True),
        sa.Column("delivered_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["claimed_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_player_pairing_code", "player_pairing", ["code"])

    op.create_table(
        "player_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", _utc(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_player_token_screen_id", "player_token", ["screen_id"])

    op.create_table(
        "player_screen_status",
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.Column("playing", sa.JSON(), nullable=False),
        sa.Column("app_version", sa.String(length=64), nullable=False),
        sa.Column("screen_w", sa.Integer(), nullable=True),
        sa.Column("screen_h", sa.Integer(), nullable=True),
        sa.Column("free_storage", sa.BigInteger(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("remote_addr", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("screen_id"),
    )

    op.create_table(
        "player_play",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("screen_id", "client_id", name="uq_player_play_client"),
    )
    op.create_index("ix_player_play_screen_id", "player_play", ["screen_id"])
    op.create_index("ix_player_play_started_at", "player_play", ["started_at"])

    op.create_table(
        "sched_playlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("region_id", "name", name="uq_sched_playlist_region_name"),
    )
    op.create_index("ix_sched_playlist_region_id", "sched_playlist", ["region_id"])

    op.create_table(
        "sched_playlist_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("valid_from", _utc(), nullable=True),
        sa.Column("valid_until", _utc(), nullable=True),
        sa.ForeignKeyConstraint(["playlist_id"], ["sched_playlist.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sched_playlist_item_playlist_id", "sched_playlist_item", ["playlist_id"])
    op.create_index("ix_sched_playlist_item_item_id", "sched_playlist_item", ["item_id"])

    op.create_table(
        "sched_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("days_of_week", sa.Integer(), nullable=False),
        sa.Column("daypart_start", sa.String(length=5), nullable=True),
        sa.Column("daypart_end", sa.String(length=5), nullable=True),
        sa.Column("recurrence", sa.String(length=20), nullable=False),
        sa.Column("max_plays_per_hour", sa.Integer(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["playlist_id"], ["sched_playlist.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sched_entry_region_id", "sched_entry", ["region_id"])
    op.create_index("ix_sched_entry_playlist_id", "sched_entry", ["playlist_id"])

    op.create_table(
        "sched_target",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["entry_id"], ["sched_entry.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entry_id", "target_type", "target_id", name="uq_sched_target"),
    )
    op.create_index("ix_sched_target_entry_id", "sched_target", ["entry_id"])
    op.create_index("ix_sched_target_target_id", "sched_target", ["target_id"])

    op.create_table(
        "sched_screen_default",
        sa.Column("screen_id", sa.Integer(), nullable=False),
        sa.Column("playlist_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["screen_id"], ["screen.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["playlist_id"], ["sched_playlist.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("screen_id"),
    )
    op.create_index("ix_sched_screen_default_playlist_id", "sched_screen_default", ["playlist_id"])


def downgrade():
    for table in ("sched_screen_default", "sched_target", "sched_entry", "sched_playlist_item", "sched_playlist",
                  "player_play", "player_screen_status", "player_token", "player_pairing"):
        op.drop_table(table)
