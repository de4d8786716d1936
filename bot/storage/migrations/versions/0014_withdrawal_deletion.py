"""Withdrawal in the conversation and requests to delete a patient's data (issue 12):
the table of deletion requests (bot/storage/deletion_models.py) and the tombstone mark on an
erased patient (``patients.erased_at``).

Revision ID: 0014_withdrawal_deletion
Revises: 0013_relatives
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_withdrawal_deletion"
down_revision = "0013_relatives"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deletion_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_via", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        sa.Column("carried_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("carried_out_by", sa.String(length=254), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index(
        op.f("ix_deletion_requests_patient_id"), "deletion_requests", ["patient_id"], unique=False
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
    op.drop_index(op.f("ix_deletion_requests_patient_id"), table_name="deletion_requests")
    op.drop_table("deletion_requests")
