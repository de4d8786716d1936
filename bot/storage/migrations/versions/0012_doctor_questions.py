"""Questions for the doctor, written down in the conversation (issue 12).

Revision ID: 0012_doctor_questions
Revises: 0011_awaiting
"""

from __future__ import annotations

revision = "0012_doctor_questions"
down_revision = "0011_awaiting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
