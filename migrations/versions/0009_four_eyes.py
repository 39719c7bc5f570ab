"""four eyes: media are approvable with an on-air snapshot; slide snapshots pin their image file; the
self-approval exception of a one-person region

- content_media gets the approval columns (approval_state, submitted/reviewed at and by, review_comment,
  self_approved) and `on_air` / `on_air_version`, like slides and tickers. Every existing media item was on
  air before the rule, so each is marked approved with a snapshot of its current file (version 1, comment
  "approved before the four-eyes rule").
- content_slide, content_ticker and sms_campaign (the other approvable tables) get `self_approved`.
- region gets `allow_self_approval` (off).
- every on-air slide snapshot (and the `previous` one screens fall back to) gets `image`: the file of its
  media item now, which is what it has been showing ({"sha256", "ext"}, or null without an image).

Revision ID: 0009_four_eyes
Revises: 0008_enum_checks

New NOT NULL columns carry a server default so existing rows get a value (kept: the models' defaults are
Python-side, and Alembic's comparison ignores server defaults). SQLite adds the plain columns with ALTER
TABLE; content_media is rebuilt there (an ALTER TABLE cannot add its new foreign keys), with foreign keys
off as in 0008: dropping the old table would otherwise null every slide's media_id. The downgrade rebuilds
the same way.
"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0009_four_eyes"
down_revision = "0008_enum_checks"
branch_labels = None
depends_on = None

LEGACY_COMMENT = "approved before the four-eyes rule"
SELF_APPROVED_TABLES = ("content_slide", "content_ticker", "sms_campaign")


def _self_approved():
    return sa.Column("self_approved", sa.Boolean(), nullable=False, server_default="0")


def upgrade():
    with op.batch_alter_table("region") as batch_op:
        batch_op.add_column(sa.Column("allow_self_approval", sa.Boolean(), nullable=False, server_default="0"))
    for table in SELF_APPROVED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(_self_approved())
    _with_foreign_keys_off(_add_media_columns)
    bind = op.get_bind()
    images = _approve_existing_media(bind)
    _pin_slide_images(bind, images)


def _add_media_columns():
    with op.batch_alter_table("content_media") as batch_op:
        batch_op.add_column(sa.Column("approval_state", sa.String(length=20), nullable=False,
                                      server_default="draft"))
        batch_op.add_column(sa.Column("submitted_at", signage.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", signage.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_comment", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(_self_approved())
        for column in ("submitted_by_id", "reviewed_by_id"):
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
            # named as PostgreSQL names the unnamed ones of 0002
            batch_op.create_foreign_key(f"content_media_{column}_fkey", "user_account", [column], ["id"],
                                        ondelete="SET NULL")
        batch_op.add_column(sa.Column("on_air", sa.JSON(none_as_null=True), nullable=True))
        batch_op.add_column(sa.Column("on_air_version", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_content_media_approval_state"), ["approval_state"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_media_on_air_version"), ["on_air_version"], unique=False)


def _approve_existing_media(bind) -> dict[int, dict | None]:
    """Mark every media item approved with its current file on air; returns {media id: image file or None}."""
    media = sa.table(
        "content_media", sa.column("id", sa.Integer), sa.column("sha256", sa.String), sa.column("ext", sa.String),
        sa.column("mime", sa.String), sa.column("kind", sa.String), sa.column("size", sa.Integer),
        sa.column("width", sa.Integer), sa.column("height", sa.Integer), sa.column("duration_s", sa.Float),
        sa.column("approval_state", sa.String), sa.column("reviewed_at", signage.db_types.UTCDateTime()),
        sa.column("review_comment", sa.Text), sa.column("on_air", sa.JSON(none_as_null=True)),
        sa.column("on_air_version", sa.Integer),
    )
    now = datetime.now(UTC)
    images: dict[int, dict | None] = {}
    for row in bind.execute(sa.select(media)).mappings().all():
        snapshot = {"version": 1, "approved_at": now.isoformat(), "sha256": row["sha256"], "ext": row["ext"],
                    "mime": row["mime"], "kind": row["kind"], "size": row["size"], "width": row["width"],
                    "height": row["height"], "duration_s": row["duration_s"]}
        bind.execute(sa.update(media).where(media.c.id == row["id"]).values(
            approval_state="approved", reviewed_at=now, review_comment=LEGACY_COMMENT, on_air=snapshot,
            on_air_version=1))
        images[row["id"]] = {"sha256": row["sha256"], "ext": row["ext"]} if row["kind"] == "image" else None
    return images


def _pin_slide_images(bind, images: dict[int, dict | None]) -> None:
    slide = sa.table("content_slide", sa.column("id", sa.Integer), sa.column("on_air", sa.JSON(none_as_null=True)))
    for row in bind.execute(sa.select(slide).where(slide.c.on_air.is_not(None))).mappings().all():
        snapshot = dict(row["on_air"])
        snapshot.setdefault("image", images.get(snapshot.get("media_id")))
        if snapshot.get("previous"):
            previous = dict(snapshot["previous"])
            previous.setdefault("image", images.get(previous.get("media_id")))
            snapshot["previous"] = previous
        bind.execute(sa.update(slide).where(slide.c.id == row["id"]).values(on_air=snapshot))


def _with_foreign_keys_off(change):
    """Rebuilding a table on SQLite drops the old one: with foreign keys on, that would null or cascade what
    refers to it (slides' media, campaigns' messages). Off while rebuilding, checked afterwards (as in 0008)."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
            if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar() != 0:
                raise RuntimeError("could not turn foreign keys off: rebuilding the tables would cascade deletes")
    change()
    if sqlite:
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the table rebuild: {broken!r}")
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def downgrade():
    """Drops the columns; slide snapshots keep their `image` key (older code ignores it)."""

    def change():
        with op.batch_alter_table("content_media") as batch_op:
            batch_op.drop_index(batch_op.f("ix_content_media_on_air_version"))
            batch_op.drop_index(batch_op.f("ix_content_media_approval_state"))
            for column in ("on_air_version", "on_air", "reviewed_by_id", "submitted_by_id", "self_approved",
                           "review_comment", "reviewed_at", "submitted_at", "approval_state"):
                batch_op.drop_column(column)
        for table in SELF_APPROVED_TABLES:
            with op.batch_alter_table(table) as batch_op:
                batch_op.drop_column("self_approved")
        with op.batch_alter_table("region") as batch_op:
            batch_op.drop_column("allow_self_approval")

    _with_foreign_keys_off(change)
