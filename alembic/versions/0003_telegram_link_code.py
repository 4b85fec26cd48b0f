"""Users get a one-time code to link their Telegram account from the volunteer page (``/link CODE``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('telegram_link_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('telegram_link_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_users_telegram_link_hash', ['telegram_link_hash'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_index('ix_users_telegram_link_hash')
        batch.drop_column('telegram_link_expires_at')
        batch.drop_column('telegram_link_hash')
