"""Relatives: their own links and consent, and answers given on the patient's behalf (issue 12).

Revision ID: 0013_relatives
Revises: 0012_doctor_questions
"""

from __future__ import annotations

revision = "0013_relatives"
down_revision = "0012_doctor_questions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
