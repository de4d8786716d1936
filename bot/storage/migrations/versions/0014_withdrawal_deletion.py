"""Withdrawal in the conversation and requests to delete a patient's data (issue 12).

Revision ID: 0014_withdrawal_deletion
Revises: 0013_relatives
"""

from __future__ import annotations

revision = "0014_withdrawal_deletion"
down_revision = "0013_relatives"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
