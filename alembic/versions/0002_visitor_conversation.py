"""Visitors remember the conversation's language and the topic of their last question.

``conversation_language``: the reply language of what the visitor last wrote in a language we recognise, so
a tap answers in it rather than in the browser's or app's locale. ``last_category`` and ``last_language``:
the topic and input language of ``last_question``, so the case it becomes (and its event) is about it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('visitors') as batch:
        batch.add_column(sa.Column('conversation_language', sa.String(length=2), nullable=True))
        batch.add_column(sa.Column('last_category', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('last_language', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('visitors') as batch:
        batch.drop_column('last_language')
        batch.drop_column('last_category')
        batch.drop_column('conversation_language')
