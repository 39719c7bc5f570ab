"""sms: contacts, consent, opt-outs, suppression lists, campaigns, messages, opt-in codes, outbox

Revision ID: 0004_sms
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0004_sms"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def _dt():
    return signage.db_types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "sms_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("tags_text", sa.String(length=1000), nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("departure_date", sa.Date(), nullable=True),
        sa.Column("consent_at", _dt(), nullable=True),
        sa.Column("created_at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone"),
    )
    with op.batch_alter_table("sms_contact") as b:
        b.create_index("ix_sms_contact_language", ["language"], unique=False)
        b.create_index("ix_sms_contact_kind", ["kind"], unique=False)
        b.create_index("ix_sms_contact_region_id", ["region_id"], unique=False)
        b.create_index("ix_sms_contact_arrival_date", ["arrival_date"], unique=False)

    op.create_table(
        "sms_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("text_shown", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["sms_contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sms_consent") as b:
        b.create_index("ix_sms_consent_contact_id", ["contact_id"], unique=False)

    op.create_table(
        "sms_optout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("at", _dt(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["sms_contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contact_id", "kind", name="uq_sms_optout_contact_kind"),
    )

    op.create_table(
        "sms_suppression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_name", sa.String(length=80), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("added_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("list_name", "phone", name="uq_sms_suppression_list_phone"),
    )
    with op.batch_alter_table("sms_suppression") as b:
        b.create_index("ix_sms_suppression_phone", ["phone"], unique=False)

    op.create_table(
        "sms_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("event", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("valid_from", _dt(), nullable=True),
        sa.Column("valid_until", _dt(), nullable=True),
        sa.Column("use_unaccented", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("started_at", _dt(), nullable=True),
        sa.Column("materialised_at", _dt(), nullable=True),
        sa.Column("approval_state", sa.String(length=20), nullable=False),
        sa.Column("submitted_at", _dt(), nullable=True),
        sa.Column("reviewed_at", _dt(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["region_id"], ["region.id"]),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["user_account.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sms_campaign") as b:
        b.create_index("ix_sms_campaign_region_id", ["region_id"], unique=False)
        b.create_index("ix_sms_campaign_status", ["status"], unique=False)
        b.create_index("ix_sms_campaign_approval_state", ["approval_state"], unique=False)

    op.create_table(
        "sms_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=20), nullable=False),
        sa.Column("promotional", sa.Boolean(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("not_before", _dt(), nullable=True),
        sa.Column("claimed_at", _dt(), nullable=True),
        sa.Column("sent_at", _dt(), nullable=True),
        sa.Column("final_at", _dt(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider_sid", sa.String(length=64), nullable=False),
        sa.Column("error_code", sa.String(length=20), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("skip_reason", sa.String(length=40), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["sms_campaign.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["sms_contact.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "contact_id", "occurrence", name="uq_sms_message_campaign_contact"),
    )
    with op.batch_alter_table("sms_message") as b:
        b.create_index("ix_sms_message_cap", ["contact_id", "promotional", "claimed_at"], unique=False)
        b.create_index("ix_sms_message_due", ["campaign_id", "state", "not_before"], unique=False)
        b.create_index("ix_sms_message_provider_sid", ["provider_sid"], unique=False)

    op.create_table(
        "sms_optin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("consent_text", sa.Text(), nullable=False),
        sa.Column("code_hash", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.Column("expires_at", _dt(), nullable=False),
        sa.Column("confirmed_at", _dt(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("sms_optin") as b:
        b.create_index("ix_sms_optin_phone", ["phone"], unique=False)

    op.create_table(
        "sms_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("sender", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", _dt(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
        sa.UniqueConstraint("sid"),
    )
    with op.batch_alter_table("sms_outbox") as b:
        b.create_index("ix_sms_outbox_phone", ["phone"], unique=False)


def downgrade():
    for table in ("sms_outbox", "sms_optin", "sms_message", "sms_campaign", "sms_suppression", "sms_optout",
                  "sms_consent", "sms_contact"):
        op.drop_table(table)
