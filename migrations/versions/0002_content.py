"""content: media, slides, tickers, renders, QR scans

Revision ID: 0002_content
Revises: 0001_core
Create Date: 2026-11-23 09:40:00

"""
import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0002_content"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _approvable_columns():
    return [
        sa.Column("approval_state", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", signage.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", signage.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
    ]


def _approvable_constraints():
    return [
        sa.ForeignKeyConstraint(["submitted_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user_account.id"], ondelete="SET NULL"),
    ]


def upgrade():
    op.create_table(
        "content_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ext", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("created_at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_media_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_media_sha256"), ["sha256"], unique=False)

    op.create_table(
        "content_slide",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("template", sa.String(length=30), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("qr_url", sa.String(length=1000), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("on_air", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("on_air_version", sa.Integer(), nullable=True),
        sa.Column("created_at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        *_approvable_columns(),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["media_id"], ["content_media.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        *_approvable_constraints(),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_slide", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_slide_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_slide_media_id"), ["media_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_slide_on_air_version"), ["on_air_version"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_slide_approval_state"), ["approval_state"], unique=False)

    op.create_table(
        "content_ticker",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("speed_px_s", sa.Integer(), nullable=False),
        sa.Column("fg", sa.String(length=7), nullable=False),
        sa.Column("bg", sa.String(length=7), nullable=False),
        sa.Column("valid_from", signage.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("valid_until", signage.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("on_air", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("on_air_version", sa.Integer(), nullable=True),
        sa.Column("created_at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        *_approvable_columns(),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        *_approvable_constraints(),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_ticker", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_ticker_region_id"), ["region_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_ticker_on_air_version"), ["on_air_version"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_ticker_approval_state"), ["approval_state"], unique=False)

    op.create_table(
        "content_render",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("ext", sa.String(length=10), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("content_render", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_render_sha256"), ["sha256"], unique=False)

    op.create_table(
        "content_qr_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", signage.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("slide_id", sa.Integer(), nullable=False),
        sa.Column("screen_id", sa.Integer(), nullable=True),
        sa.Column("target_url", sa.String(length=1000), nullable=False),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("content_qr_scan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_qr_scan_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_qr_scan_slide_id"), ["slide_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_qr_scan_screen_id"), ["screen_id"], unique=False)


def downgrade():
    op.drop_table("content_qr_scan")
    op.drop_table("content_render")
    op.drop_table("content_ticker")
    op.drop_table("content_slide")
    op.drop_table("content_media")
