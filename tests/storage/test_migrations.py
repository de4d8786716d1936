"""Migrations: one linear chain; a database left at the former branch heads upgrades cleanly."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from bot.storage.db import (
    MIGRATIONS_DIR,
    alembic_config,
    collapse_former_branch_heads,
    make_engine,
    migrate,
)
from bot.storage.models import Base

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def _versions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def _set_versions(engine: Engine, versions: set[str]) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alembic_version"))
        for version in sorted(versions):
            connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})


def test_the_migrations_are_one_chain_in_file_order() -> None:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    revisions = list(script.walk_revisions())  # newest first
    assert script.get_heads() == [revisions[0].revision]
    assert revisions[-1].revision == "0001" and revisions[-1].down_revision is None
    for newer, older in pairwise(revisions):
        assert newer.down_revision == older.revision
        assert not newer.branch_labels
    chain = [revision.revision for revision in reversed(revisions)]
    assert chain[:4] == ["0001", "0002_telegram", "0003_console", "0004_literacy"]
    assert chain == sorted(chain)  # numbered in the order they apply
    files = sorted(path.stem for path in (MIGRATIONS_DIR / "versions").glob("*.py"))
    assert [f[:4] for f in files] == [r[:4] for r in chain]  # a file per revision, numbered


@pytest.mark.parametrize("third_branch_head", ["0004_literacy", "0005_presented"])
def test_a_database_at_the_former_branch_heads_upgrades_cleanly(
    db_engine: Engine, third_branch_head: str
) -> None:
    # The schema and the alembic_version rows the code before the one chain left: it applied
    # every head of three branches from 0001.
    config = alembic_config(db_engine)
    command.downgrade(config, "base")
    command.upgrade(config, third_branch_head)
    with db_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO patients (id, pseudonym, created_at, consent, literacy_level, locale) "
            "VALUES (1, 'P-TEST0001', :now, 'given', 'plain', 'da')"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO invitations (id, patient_id, token, questionnaire_id, channel, "
            "created_at) VALUES (1, 1, 'token-1', 'who5', 'web', :now)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO conversations (id, patient_id, invitation_id, questionnaire_id, status, "
            "started_at, updated_at, attempts) VALUES ('c1', 1, 1, 'who5', 'active', :now, :now, "
            "0)"), {"now": NOW})  # fmt: skip
    _set_versions(db_engine, {"0002_telegram", "0003_console", third_branch_head})

    migrate(db_engine)

    head = ScriptDirectory.from_config(config).get_current_head()
    assert _versions(db_engine) == {head}
    inspector = inspect(db_engine)
    assert "locale" not in {c["name"] for c in inspector.get_columns("patients")}
    assert {"telegram_chats", "console_users", "patient_profiles"} <= set(
        inspector.get_table_names()
    )
    with db_engine.connect() as connection:
        patient = connection.execute(
            text("SELECT pseudonym, literacy_level, screening FROM patients WHERE id = 1")
        ).one()
        assert tuple(patient) == ("P-TEST0001", "plain", "pending")
        conversation = connection.execute(
            text("SELECT patient_id, invitation_id FROM conversations WHERE id = 'c1'")
        ).one()
        assert tuple(conversation) == (1, 1)
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []


def test_dropping_the_locale_can_be_undone(db_engine: Engine) -> None:
    config = alembic_config(db_engine)
    with db_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO patients (id, pseudonym, created_at, consent, literacy_level, "
            "screening, read_aloud) VALUES (1, 'P-TEST0001', :now, 'given', 'standard', "
            "'done', false)"), {"now": NOW})  # fmt: skip
    command.downgrade(config, "0005_presented")
    with db_engine.connect() as connection:
        assert connection.execute(text("SELECT locale FROM patients")).scalars().all() == ["da"]
    migrate(db_engine)
    assert "locale" not in {c["name"] for c in inspect(db_engine).get_columns("patients")}


@pytest.mark.parametrize(
    "versions",
    [
        {"0004_literacy"},  # one row: Alembic knows what to do
        {"0002_telegram", "0004_literacy"},  # not what the former code left
        {"0002_telegram", "0003_console", "9999_unknown"},  # Alembic reports it
    ],
)
def test_other_version_rows_are_left_to_alembic(tmp_path: Path, versions: set[str]) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    try:
        collapse_former_branch_heads(engine, alembic_config(engine))  # no table yet: nothing
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        _set_versions(engine, versions)
        collapse_former_branch_heads(engine, alembic_config(engine))
        assert _versions(engine) == versions
    finally:
        engine.dispose()
