"""Engine, sessions and migrating: `open` gives a migrated database; migrating again changes
nothing; the schema is the models'."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import db
from bot.storage.db import alembic_config, migrate, ping, session_scope
from bot.storage.models import Base
from bot.storage.patients import create_patient, patient_by_pseudonym
from tests.conftest import make_settings

from .conftest import new_conversation


def test_open_migrates_and_makes_sessions(database_url: str, tmp_path: Path) -> None:
    database = db.open(make_settings(tmp_path / "var", DATABASE_URL=database_url))
    try:
        head = ScriptDirectory.from_config(alembic_config(database.engine)).get_current_head()
        with database.engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert versions.scalars().all() == [head]
        with session_scope(database.session_factory) as session:
            patient = create_patient(session)
        assert patient.pseudonym  # still readable: objects are not expired on commit
        with session_scope(database.session_factory) as session:
            assert patient_by_pseudonym(session, patient.pseudonym) is not None
    finally:
        database.engine.dispose()


def test_migrate_twice_is_a_no_op_and_schema_matches_models(
    db_engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        new_conversation(session)
    heads = set(ScriptDirectory.from_config(alembic_config(db_engine)).get_heads())
    before = sorted(inspect(db_engine).get_table_names())
    migrate(db_engine)
    migrate(db_engine)
    inspector = inspect(db_engine)
    assert sorted(inspector.get_table_names()) == before
    assert set(Base.metadata.tables) <= set(before)
    with db_engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert set(versions) == heads  # every head applied, once
        assert connection.execute(text("SELECT count(*) FROM conversations")).scalar() == 1
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    assert ping(db_engine)


def test_a_failing_statement_does_not_quote_its_parameters(db_engine: Engine) -> None:
    # An error's text reaches logs and tracebacks; a bound value may be what a patient wrote.
    secret = "Jeg har ondt om natten 4711"
    query = text("SELECT no_such_column FROM patients WHERE pseudonym = :p")
    with db_engine.connect() as connection, pytest.raises(DBAPIError) as raised:
        connection.execute(query, {"p": secret})
    assert secret not in str(raised.value)
    assert "4711" not in repr(raised.value)
