"""Announcements: subscriptions (consent, hanging on the visitor row), announcements, per-recipient delivery.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'subscriptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=False),
        sa.Column('hub_id', sa.String(length=64), nullable=False),
        sa.Column('topics', sa.String(length=400), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('visitor_id', 'hub_id', name='uq_subscriptions_visitor_hub'),
    )
    op.create_index('ix_subscriptions_hub_id', 'subscriptions', ['hub_id'], unique=False)
    op.create_table(
        'announcements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hub_id', sa.String(length=64), nullable=False),
        sa.Column('topics', sa.String(length=400), nullable=False),
        sa.Column('texts', sa.Text(), nullable=False),
        sa.Column('article_id', sa.String(length=96), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('send_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recipients_ready', sa.Boolean(), nullable=False),
        sa.Column('unsubscribed_after', sa.Integer(), nullable=False),
        sa.Column('worker', sa.String(length=64), nullable=True),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_announcements_status_send_at', 'announcements', ['status', 'send_at'], unique=False)
    op.create_index('ix_announcements_hub_started', 'announcements', ['hub_id', 'started_at'], unique=False)
    op.create_table(
        'announcement_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('announcement_id', sa.Integer(), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['announcement_id'], ['announcements.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('announcement_id', 'visitor_id', name='uq_deliveries_announcement_visitor'),
    )
    op.create_index('ix_announcement_deliveries_visitor_id', 'announcement_deliveries', ['visitor_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_announcement_deliveries_visitor_id', table_name='announcement_deliveries')
    op.drop_table('announcement_deliveries')
    op.drop_index('ix_announcements_hub_started', table_name='announcements')
    op.drop_index('ix_announcements_status_send_at', table_name='announcements')
    op.drop_table('announcements')
    op.drop_index('ix_subscriptions_hub_id', table_name='subscriptions')
    op.drop_table('subscriptions')
