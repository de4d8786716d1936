"""The patient's course: enrolments in a plan, occurrences, reminder attempts; a default team.

A new clinic's coordinators and patients need a team to meet in: when there is no team yet,
one named "Standard" is made (only the row; who joins it is decided by the app).

Revision ID: 0009_course
Revises: 0008_exact_answers
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_course"
down_revision = "0008_exact_answers"
branch_labels = None
depends_on = None

# Frozen here (not imported from the app): the migration must keep doing what it did.
DEFAULT_TEAM_NAME = "Standard"


def upgrade() -> None:
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=32), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(length=64), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("step_index", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("overdue_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["enrolment_id"], ["enrolments.id"]),
        sa.ForeignKeyConstraint(["response_id"], ["responses.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enrolment_id", "step_index", "sequence"),
    )
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_occurrences_status_due_at", ["status", "due_at"], unique=False)

    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["occurrence_id"], ["occurrences.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("occurrence_id", "attempt"),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminders_status_planned_at", ["status", "planned_at"], unique=False
        )

    connection = op.get_bind()
    if connection.execute(sa.text("SELECT COUNT(*) FROM console_teams")).scalar_one() == 0:
        teams = sa.table(
            "console_teams",
            sa.column("name", sa.String()),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        connection.execute(
            sa.insert(teams).values(name=DEFAULT_TEAM_NAME, created_at=datetime.now(UTC))
        )


def downgrade() -> None:
    # The default team goes only if nobody uses it yet (patients or users may have joined it).
    op.get_bind().execute(
        sa.text(
            "DELETE FROM console_teams WHERE name = :name "
            "AND id NOT IN (SELECT team_id FROM patient_profiles WHERE team_id IS NOT NULL) "
            "AND id NOT IN (SELECT team_id FROM console_team_members)"
        ),
        {"name": DEFAULT_TEAM_NAME},
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_planned_at")
    op.drop_table("reminders")
    with op.batch_alter_table("occurrences", schema=None) as batch_op:
        batch_op.drop_index("ix_occurrences_status_due_at")
    op.drop_table("occurrences")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_patient_id"))
    op.drop_table("enrolments")
