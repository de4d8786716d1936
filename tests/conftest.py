"""Fixtures shared by all tests: settings, databases (SQLite and PostgreSQL), services."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.engine import ensure_model
from bot.i18n import Texts
from bot.questionnaire.loader import load_directory
from bot.questionnaire.model import Questionnaire
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.storage.db import make_engine, make_session_factory, migrate

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def make_settings(var_dir: Path, **env: str) -> Settings:
    # No background scheduler pass at real time in the middle of a test: the tests that need
    # one set BOT_SCHEDULER_SECONDS, the others drive passes themselves.
    base = {"BOT_HOME": str(PROJECT_ROOT), "BOT_VAR_DIR": str(var_dir), "BOT_SCHEDULER_SECONDS": "0"}
    base.update(env)
    return load_settings(base)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "var")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The engine model for the current dialogues/ (trained once if missing)."""
    return ensure_model(make_settings(PROJECT_ROOT / "var"), quiet=True)


@pytest.fixture(scope="session")
def questionnaires() -> dict[str, Questionnaire]:
    return load_directory(PROJECT_ROOT / "dialogues" / "questionnaires")


@pytest.fixture(scope="session")
def texts() -> Texts:
    return Texts(PROJECT_ROOT / "locales", "da")


_template: dict[str, str] = {}


def _admin_engine() -> Engine:
    return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _template_database() -> str:
    """A migrated database made once per test session; each test gets a copy of it (copying
    is much faster than migrating a new database every time)."""
    if "name" not in _template:
        name = f"bot_template_{uuid.uuid4().hex[:12]}"
        admin = _admin_engine()
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:  # a clear failure, not a silent skip: CI has PostgreSQL
            raise RuntimeError(f"PostgreSQL is needed at {POSTGRES_ADMIN_URL}: {error}") from error
        finally:
            admin.dispose()
        engine = make_engine(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
        migrate(engine)
        engine.dispose()
        _template["name"] = name
    return _template["name"]


def _postgres_database() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test, dropped afterwards."""
    template = _template_database()
    name = f"bot_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_template() -> Iterator[None]:
    yield
    if "name" in _template:
        admin = _admin_engine()
        with admin.connect() as connection:
            connection.execute(
                text(f'DROP DATABASE IF EXISTS "{_template.pop("name")}" WITH (FORCE)')
            )
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def db_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(db_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(db_engine)


@pytest.fixture
def service(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> Dialogue:
    return Dialogue(settings, session_factory, questionnaires, texts)
