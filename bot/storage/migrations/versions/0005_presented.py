"""What each conversation has shown the patient, kept on the conversation row.

The dialogue used to rescan the whole transcript every turn to find out which item was last
asked and which intros were already sent; `conversations.presented` now holds that, updated
with every bot message stored. Existing conversations are filled in from their transcripts.

Revision ID: 0005_presented
Revises: 0004_literacy
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

# The app's own rule, so old and new conversations agree; should it ever change, freeze a
# copy of this version here first.
from bot.storage.transcripts import presented_after

revision = "0005_presented"
down_revision = "0004_literacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("presented", sa.JSON(), nullable=True))
    connection = op.get_bind()
    conversations = sa.table("conversations", sa.column("id"), sa.column("presented", sa.JSON()))
    rows = connection.execute(
        sa.text(
            "SELECT conversation_id, link_id, meta FROM messages "
            "WHERE direction = 'out' ORDER BY conversation_id, id"
        )
    )
    presented: dict[str, dict[str, Any]] = {}
    for conversation_id, link_id, meta in rows:
        if isinstance(meta, str):  # SQLite hands JSON back as text in a raw query
            meta = json.loads(meta)
        presented[conversation_id] = presented_after(presented.get(conversation_id), link_id, meta)
    for conversation_id, value in presented.items():
        connection.execute(
            conversations.update()
            .where(conversations.c.id == conversation_id)
            .values(presented=value)
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("presented")
