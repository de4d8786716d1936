"""Health-literacy adaptation: the opening screen's status and the read-aloud preference.

Revision ID: 0004_literacy
Revises: 0003_console
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_literacy"
down_revision = "0003_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(
            sa.Column("screening", sa.String(16), nullable=False, server_default="pending")
        )
        batch.add_column(
            sa.Column("read_aloud", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("read_aloud")
        batch.drop_column("screening")
