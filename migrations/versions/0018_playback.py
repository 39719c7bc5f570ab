"""sched_playlist_item.fit: how a playlist item's picture fills a screen of another shape (issue 12)

Revision ID: 0018_playback
Revises: 0015_sms_durability

NULL (every existing item) is automatic: the player covers the screen when the video's shape is close to the
screen's and shows the whole video over a blurred copy of itself when it is not; "cover" fills and crops,
"contain" shows it whole over the blurred copy, "pillarbox" whole between black bars. No table refers to
sched_playlist_item by foreign key, so the SQLite table rebuild (batch mode) cascades nothing.
"""
import sqlalchemy as sa
from alembic import op

revision = "0018_playback"
down_revision = "0015_sms_durability"
branch_labels = None
depends_on = None

FITS = ("cover", "contain", "pillarbox")


def upgrade():
    with op.batch_alter_table("sched_playlist_item") as batch_op:
        batch_op.add_column(sa.Column("fit", sa.String(10), nullable=True))
        batch_op.create_check_constraint(
            "ck_sched_playlist_item_fit", "fit IS NULL OR fit IN (" + ", ".join(f"'{f}'" for f in FITS) + ")")


def downgrade():
    with op.batch_alter_table("sched_playlist_item") as batch_op:
        batch_op.drop_constraint("ck_sched_playlist_item_fit", type_="check")
        batch_op.drop_column("fit")
