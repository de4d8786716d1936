"""coordinator console: users, teams, patient profiles, reviews, login attempts

Revision ID: 0003_console
Revises: 0002_telegram
Create Date: 2026-11-26 08:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_console"
down_revision = "0002_telegram"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_login_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_console_login_attempts_email_at", ["email", "at"], unique=False)

    op.create_table(
        "console_teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "console_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "console_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=254), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["console_users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("console_reviews", schema=None) as batch_op:
        batch_op.create_index("ix_console_reviews_patient_at", ["patient_id", "at"], unique=False)

    op.create_table(
        "console_team_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["console_teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["console_users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "team_id"),
    )
    op.create_table(
        "patient_profiles",
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("sex", sa.String(length=16), nullable=True),
        sa.Column("site", sa.String(length=120), nullable=True),
        sa.Column("created_by", sa.String(length=254), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.ForeignKeyConstraint(["responsible_user_id"], ["console_users.id"]),
        sa.ForeignKeyConstraint(["team_id"], ["console_teams.id"]),
        sa.PrimaryKeyConstraint("patient_id"),
    )
    with op.batch_alter_table("patient_profiles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patient_profiles_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("patient_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patient_profiles_team_id"))
    op.drop_table("patient_profiles")
    op.drop_table("console_team_members")
    with op.batch_alter_table("console_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_console_reviews_patient_at")
    op.drop_table("console_reviews")
    op.drop_table("console_users")
    op.drop_table("console_teams")
    with op.batch_alter_table("console_login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_console_login_attempts_email_at")
    op.drop_table("console_login_attempts")
