"""Initial schema: visitors, anonymised events, monthly visitor counts, users, cases and channel bookkeeping.

HubDesk is pre-release: this one migration holds the whole schema until the first release.
Timestamps are stored as UTC (``hubdesk.models.UTCDateTime`` on the model side).

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

TIMESTAMP = sa.DateTime(timezone=True)

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hub_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('reply_language', sa.String(length=2), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('article_id', sa.String(length=96), nullable=True),
    sa.Column('helpful', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_events_day_outcome_category', 'events', ['day', 'outcome', 'category'], unique=False)
    op.create_index(
        'ix_events_hub_day_outcome_category', 'events', ['hub_id', 'day', 'outcome', 'category'], unique=False
    )

    op.create_table('month_keys',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('key', sa.LargeBinary(), nullable=True),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.PrimaryKeyConstraint('month')
    )
    op.create_table('month_visitor_counts',
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('hub_id', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month', 'hub_id')
    )
    op.create_table('month_visitors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('hub_id', sa.String(length=64), nullable=False),
    sa.Column('visitor_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month', 'hub_id', 'visitor_hash', name='uq_month_visitors_month_hub_hash')
    )
    op.create_table('processed_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'key', name='uq_processed_updates_source_key')
    )
    op.create_index('ix_processed_updates_created_at', 'processed_updates', ['created_at'], unique=False)

    op.create_table('rate_limit_windows',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat_key', sa.String(length=128), nullable=False),
    sa.Column('window_start', TIMESTAMP, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'chat_key', 'window_start')
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('hub_id', sa.String(length=64), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('revoked_at', TIMESTAMP, nullable=True),
    sa.Column('telegram_user_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_users_telegram_user_id', 'users', ['telegram_user_id'], unique=False)

    op.create_table('visitors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat_key', sa.String(length=128), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=True),
    sa.Column('hub_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('last_seen_at', TIMESTAMP, nullable=False),
    sa.Column('wa_last_inbound_at', TIMESTAMP, nullable=True),
    sa.Column('counted_for', sa.String(length=80), nullable=True),
    sa.Column('last_question', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'chat_key', name='uq_visitors_channel_chat_key')
    )
    op.create_index('ix_visitors_last_seen_at', 'visitors', ['last_seen_at'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('chat_key', sa.String(length=128), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('hub_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.Column('claimed_at', TIMESTAMP, nullable=True),
    sa.Column('claimed_by', sa.Integer(), nullable=True),
    sa.Column('first_reply_at', TIMESTAMP, nullable=True),
    sa.Column('answered_at', TIMESTAMP, nullable=True),
    sa.Column('closed_at', TIMESTAMP, nullable=True),
    sa.Column('purged_at', TIMESTAMP, nullable=True),
    sa.ForeignKeyConstraint(['claimed_by'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_cases_route_status', 'cases', ['channel', 'chat_key', 'status'], unique=False)
    op.create_index('ix_cases_status_created', 'cases', ['status', 'created_at'], unique=False)

    op.create_table('case_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('sender', sa.String(length=16), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_case_messages_case_id', 'case_messages', ['case_id'], unique=False)

    op.create_table('volunteer_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('chat_id', 'message_id', name='uq_volunteer_posts_chat_message')
    )
    op.create_index('ix_volunteer_posts_case_id', 'volunteer_posts', ['case_id'], unique=False)

    op.create_table('webchat_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_key', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', TIMESTAMP, nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_webchat_outbox_chat_key', 'webchat_outbox', ['chat_key'], unique=False)


def downgrade() -> None:
    # Reverse order of creation, so foreign keys never point at a dropped table.
    op.drop_table('webchat_outbox')
    op.drop_table('volunteer_posts')
    op.drop_table('case_messages')
    op.drop_table('cases')
    op.drop_table('visitors')
    op.drop_table('users')
    op.drop_table('rate_limit_windows')
    op.drop_table('processed_updates')
    op.drop_table('month_visitors')
    op.drop_table('month_visitor_counts')
    op.drop_table('month_keys')
    op.drop_table('events')
