"""Relatives: their own links and consent, and answers given on the patient's behalf
(bot/storage/relative_models.py). A link, a conversation, a response and an answer may name
the relative who uses or gives it; None is the patient themself.

Revision ID: 0013_relatives
Revises: 0012_doctor_questions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_relatives"
down_revision = "0012_doctor_questions"
branch_labels = None
depends_on = None

RESPONDENT_TABLES = ("invitations", "conversations", "responses", "answers")


def upgrade() -> None:
    op.create_table(
        "relatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("relation", sa.String(length=60), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invited_by", sa.String(length=200), nullable=False),
        sa.Column("consent", sa.String(length=16), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("literacy_level", sa.String(length=16), nullable=False),
        sa.Column("may_answer_for_patient", sa.Boolean(), nullable=False),
        sa.Column("may_answer_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index(op.f("ix_relatives_patient_id"), "relatives", ["patient_id"], unique=False)
    for table in RESPONDENT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("relative_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                f"fk_{table}_relative_id_relatives", "relatives", ["relative_id"], ["id"]
            )


def downgrade() -> None:
    for table in RESPONDENT_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_relative_id_relatives", type_="foreignkey")
            batch_op.drop_column("relative_id")
    op.drop_index(op.f("ix_relatives_patient_id"), table_name="relatives")
    op.drop_table("relatives")
