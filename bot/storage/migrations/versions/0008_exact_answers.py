"""Exact answers under concurrent use: one current answer per (response, item), one stored
message per Telegram update.

Revision ID: 0008_exact_answers
Revises: 0007_links
"""

from __future__ import annotations

revision = "0008_exact_answers"
down_revision = "0007_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
