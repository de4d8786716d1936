"""Web chat links that can be withdrawn: hashed tokens, expiry after last activity, revocation.

Existing rows get the SHA-256 of their token, then the plaintext column is dropped, so the
links already handed out keep working while the database no longer holds them.

Batch mode, because SQLite can only drop a column by copying the table (see env.py for its
foreign keys during that copy).

Revision ID: 0007_links
Revises: 0006_drop_patient_locale
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = "0007_links"
down_revision = "0006_drop_patient_locale"
branch_labels = None
depends_on = None

_invitations = sa.table(
    "invitations",
    sa.column("id", sa.Integer),
    sa.column("token", sa.String),
    sa.column("token_hash", sa.String),
)


def _sha256(value: str) -> str:
    # The same function as bot.storage.patients.hash_token; copied so that this revision
    # keeps meaning what it meant when the code changes.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.String(length=16), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_invitations.c.id, _invitations.c.token)).all()
    for row_id, token in rows:
        connection.execute(
            _invitations.update()
            .where(_invitations.c.id == row_id)
            .values(token_hash=_sha256(token))
        )
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("token_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("uq_invitations_token_hash", ["token_hash"])
        batch.drop_column("token")


def downgrade() -> None:
    # The plaintext tokens are gone for good: every link is stored as its hash, which keeps
    # the column unique and not null but opens nothing. Links must be issued anew.
    with op.batch_alter_table("invitations") as batch:
        batch.add_column(sa.Column("token", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    connection.execute(_invitations.update().values(token=_invitations.c.token_hash))
    with op.batch_alter_table("invitations") as batch:
        batch.alter_column("token", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint("invitations_token_key", ["token"])
        batch.drop_constraint("uq_invitations_token_hash", type_="unique")
        batch.drop_column("revoked_reason")
        batch.drop_column("revoked_at")
        batch.drop_column("last_used_at")
        batch.drop_column("token_hash")
