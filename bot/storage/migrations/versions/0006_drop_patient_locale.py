"""Drop patients.locale: it was written with its default ("da") and never read; the patient's
language is the deployment's (BOT_LOCALE).

Batch mode, because SQLite can only drop a column by copying the table (see env.py for its
foreign keys during that copy).

Revision ID: 0006_drop_patient_locale
Revises: 0005_presented
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_drop_patient_locale"
down_revision = "0005_presented"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("locale")


def downgrade() -> None:
    # Existing rows get the value every patient had.
    with op.batch_alter_table("patients") as batch:
        batch.add_column(
            sa.Column("locale", sa.String(length=8), nullable=False, server_default="da")
        )
