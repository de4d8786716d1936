"""Exact answers under concurrent use: one current answer per (response, item), one stored
message per Telegram update.

Rows that break either rule (left by two turns racing before this revision) are repaired
first: of two current answers to one item the newest stays current and the others are
superseded by it; of two inbound messages with one external id the first keeps it.

Revision ID: 0008_exact_answers
Revises: 0007_links
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008_exact_answers"
down_revision = "0007_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    _supersede_duplicate_answers(connection)
    _clear_duplicate_external_ids(connection)
    op.create_index(
        "ux_answers_current",
        "answers",
        ["response_id", "link_id"],
        unique=True,
        sqlite_where=sa.text("superseded_at IS NULL"),
        postgresql_where=sa.text("superseded_at IS NULL"),
    )
    op.create_index(
        "ux_messages_conversation_external",
        "messages",
        ["conversation_id", "external_id"],
        unique=True,
        sqlite_where=sa.text("external_id IS NOT NULL"),
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_messages_conversation_external", table_name="messages")
    op.drop_index("ux_answers_current", table_name="answers")


def _supersede_duplicate_answers(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT id, response_id, link_id FROM answers WHERE superseded_at IS NULL "
            "ORDER BY response_id, link_id, id DESC"
        )
    )
    newest: dict[tuple[str, str], int] = {}
    stale: list[tuple[int, int]] = []  # (answer, the newest one that supersedes it)
    for answer_id, response_id, link_id in rows:
        key = (response_id, link_id)
        if key in newest:
            stale.append((answer_id, newest[key]))
        else:
            newest[key] = answer_id
    # A typed column, so SQLite gets the datetime in the format the app reads back.
    answers = sa.table(
        "answers",
        sa.column("id", sa.Integer()),
        sa.column("superseded_at", sa.DateTime(timezone=True)),
        sa.column("superseded_by_id", sa.Integer()),
    )
    now = datetime.now(UTC)
    for answer_id, newer_id in stale:
        connection.execute(
            answers.update()
            .where(answers.c.id == answer_id)
            .values(superseded_at=now, superseded_by_id=newer_id)
        )


def _clear_duplicate_external_ids(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT id, conversation_id, external_id FROM messages "
            "WHERE external_id IS NOT NULL ORDER BY conversation_id, external_id, id"
        )
    )
    seen: set[tuple[str, str]] = set()
    later: list[int] = []
    for message_id, conversation_id, external_id in rows:
        key = (conversation_id, external_id)
        if key in seen:
            later.append(message_id)
        seen.add(key)
    for message_id in later:
        connection.execute(
            sa.text("UPDATE messages SET external_id = NULL WHERE id = :id"), {"id": message_id}
        )
