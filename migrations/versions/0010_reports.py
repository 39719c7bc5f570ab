"""reports: themes (the core's vocabulary) and their tags, the screens' online/offline history, the
roll-ups of plays (per day and per month), scans and SMS, campaign audience snapshots, targets and API
tokens; the gateway's price on each SMS message; an index on player_play.received_at (late-row search)

Revision ID: 0010_reports
Revises: 0011_alerts_levels

Numbered 0010 (the number reserved for it) but written after 0011_alerts_levels, so it follows that head and
the chain stays single-headed. Every table is new except two additions to existing ones (sms_message.price,
nullable; an index on player_play), done with plain ALTERs.
"""
import sqlalchemy as sa
from alembic import op

import signage.db_types

revision = "0010_reports"
down_revision = "0011_alerts_levels"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reports_campaign_audience',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('remaining', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('taken_at', signage.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('campaign_id', 'position')
    )
    op.create_table('reports_play_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('day', 'screen_id', 'item_type', 'item_id', 'entry_id', 'theme_id')
    )
    with op.batch_alter_table('reports_play_day', schema=None) as batch_op:
        batch_op.create_index('ix_reports_play_day_theme_day', ['theme_id', 'day'], unique=False)

    op.create_table('reports_play_month',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('plays', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('month', 'screen_id', 'item_type', 'item_id', 'entry_id', 'theme_id')
    )
    with op.batch_alter_table('reports_play_month', schema=None) as batch_op:
        batch_op.create_index('ix_reports_play_month_theme_month', ['theme_id', 'month'], unique=False)

    op.create_table('reports_rollup_mark',
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('rolled_at', signage.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('source', 'day')
    )
    op.create_table('reports_scan_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('slide_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'screen_id', 'slide_id', 'hour')
    )
    op.create_table('reports_sms_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('skip_reason', sa.String(length=40), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('segments', sa.Integer(), nullable=False),
    sa.Column('priced', sa.Integer(), nullable=False),
    sa.Column('cost_reported', sa.Float(), nullable=False),
    sa.Column('cost_estimated', sa.Float(), nullable=False),
    sa.Column('opted_out', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'campaign_id', 'language', 'state', 'skip_reason')
    )
    with op.batch_alter_table('reports_sms_day', schema=None) as batch_op:
        batch_op.create_index('ix_reports_sms_day_campaign', ['campaign_id', 'day'], unique=False)

    op.create_table('reports_watermark',
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('upto', signage.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('names', sa.JSON(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.Column('is_main', sa.Boolean(), nullable=False),
    sa.Column('created_at', signage.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_region_id'), ['region_id'], unique=False)

    op.create_table('item_theme',
    sa.Column('item_type', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("item_type IN ('slide', 'ticker', 'media', 'playlist', 'entry', 'campaign')",
                       name='ck_item_theme_item_type'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_type', 'item_id', 'theme_id')
    )
    with op.batch_alter_table('item_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_theme_theme_id'), ['theme_id'], unique=False)

    op.create_table('player_screen_interval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screen_id', sa.Integer(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('started_at', signage.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', signage.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['screen_id'], ['screen.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('player_screen_interval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_player_screen_interval_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index('ix_player_screen_interval_screen_started', ['screen_id', 'started_at'], unique=False)

    op.create_table('reports_api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', signage.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('last_used_at', signage.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', signage.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('reports_api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_api_token_region_id'), ['region_id'], unique=False)

    op.create_table('reports_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.String(length=40), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('created_at', signage.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reports_target', schema=None) as batch_op:
        batch_op.create_index('ix_reports_target_period', ['region_id', 'period_start', 'period_end'], unique=False)

    # existing tables: plain ALTERs (no batch copy, which would lose sms_message's CHECK constraints)
    op.create_index('ix_player_play_received_at', 'player_play', ['received_at'], unique=False)
    op.add_column('sms_message', sa.Column('price', sa.Float(), nullable=True))



def downgrade():
    op.drop_column('sms_message', 'price')
    op.drop_index('ix_player_play_received_at', table_name='player_play')

    with op.batch_alter_table('reports_target', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_target_period')

    op.drop_table('reports_target')
    with op.batch_alter_table('reports_api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_api_token_region_id'))

    op.drop_table('reports_api_token')
    with op.batch_alter_table('player_screen_interval', schema=None) as batch_op:
        batch_op.drop_index('ix_player_screen_interval_screen_started')
        batch_op.drop_index(batch_op.f('ix_player_screen_interval_ended_at'))

    op.drop_table('player_screen_interval')
    with op.batch_alter_table('item_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_theme_theme_id'))

    op.drop_table('item_theme')
    with op.batch_alter_table('theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_region_id'))

    op.drop_table('theme')
    op.drop_table('reports_watermark')
    with op.batch_alter_table('reports_sms_day', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_sms_day_campaign')

    op.drop_table('reports_sms_day')
    op.drop_table('reports_scan_day')
    op.drop_table('reports_rollup_mark')
    with op.batch_alter_table('reports_play_month', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_play_month_theme_month')

    op.drop_table('reports_play_month')
    with op.batch_alter_table('reports_play_day', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_play_day_theme_day')

    op.drop_table('reports_play_day')
    op.drop_table('reports_campaign_audience')
