"""A conversation can wait for a reply that is not an answer to an item: a question for the
doctor being typed, a "Ja/Nej" to an offer or a confirmation (bot/dialogue/awaiting.py).

Revision ID: 0011_awaiting
Revises: 0010_occurrence_conversations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_awaiting"
down_revision = "0010_occurrence_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("awaiting", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("awaiting")
