"""Migration 0009: the course tables, and a default team when there is none."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, inspect, text

from bot.storage.course_models import DEFAULT_TEAM_NAME
from bot.storage.db import alembic_config, migrate

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def _teams(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(text("SELECT name FROM console_teams ORDER BY name"))
                    .scalars())  # fmt: skip


def test_a_new_database_has_the_default_team_and_the_course_tables(db_engine: Engine) -> None:
    assert _teams(db_engine) == [DEFAULT_TEAM_NAME] == ["Standard"]
    assert {"enrolments", "occurrences", "reminders"} <= set(inspect(db_engine).get_table_names())


def test_no_default_team_when_the_clinic_has_teams(db_engine: Engine) -> None:
    config = alembic_config(db_engine)
    command.downgrade(config, "0008_exact_answers")
    assert _teams(db_engine) == []
    with db_engine.begin() as connection:
        connection.execute(text("INSERT INTO console_teams (name, created_at) VALUES "
                                "('Onkologi A', :now)"), {"now": NOW})  # fmt: skip
    migrate(db_engine)
    assert _teams(db_engine) == ["Onkologi A"]


def test_undoing_keeps_the_default_team_once_someone_joined_it(db_engine: Engine) -> None:
    with db_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO console_users (email, password_hash, role, active, session_epoch, "
            "created_at) VALUES ('a@example.org', 'x', 'coordinator', true, 0, :now)"
        ), {"now": NOW})  # fmt: skip
        connection.execute(text(
            "INSERT INTO console_team_members (user_id, team_id) SELECT u.id, t.id "
            "FROM console_users u, console_teams t"
        ))  # fmt: skip
    command.downgrade(alembic_config(db_engine), "0008_exact_answers")
    assert _teams(db_engine) == ["Standard"]
    assert "reminders" not in inspect(db_engine).get_table_names()
    migrate(db_engine)
    assert _teams(db_engine) == ["Standard"]  # not a second one
