"""Questions for the doctor, written down in the conversation (bot/storage/question_models.py).

Revision ID: 0012_doctor_questions
Revises: 0011_awaiting
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_doctor_questions"
down_revision = "0011_awaiting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "doctor_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(length=200), nullable=True),
        sa.Column("handled_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index(
        op.f("ix_doctor_questions_patient_id"), "doctor_questions", ["patient_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_doctor_questions_patient_id"), table_name="doctor_questions")
    op.drop_table("doctor_questions")
