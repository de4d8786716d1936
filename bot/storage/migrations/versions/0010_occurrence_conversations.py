"""A conversation knows the course occurrence it answers: each planned questionnaire of a
course is its own conversation (and engine tracker), opened when the patient next writes.

Revision ID: 0010_occurrence_conversations
Revises: 0009_course
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_occurrence_conversations"
down_revision = "0009_course"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occurrence_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_conversations_occurrence_id_occurrences", "occurrences", ["occurrence_id"], ["id"]
        )
        # One conversation per occurrence, even when two requests open it at once.
        batch_op.create_index(
            batch_op.f("ix_conversations_occurrence_id"), ["occurrence_id"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_occurrence_id"))
        batch_op.drop_constraint("fk_conversations_occurrence_id_occurrences", type_="foreignkey")
        batch_op.drop_column("occurrence_id")
