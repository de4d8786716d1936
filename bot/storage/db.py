"""Database engine, sessions and migrations; ``open`` does all three for a command or the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage import (
    console_models,  # noqa: F401  (registers the console's tables)
    course_models,  # noqa: F401  (registers the course's tables)
    deletion_models,  # noqa: F401  (registers the deletion requests' table)
    question_models,  # noqa: F401  (registers the doctor questions' table)
    relative_models,  # noqa: F401  (registers the relatives' table)
    telegram_models,  # noqa: F401  (registers the Telegram table)
)

if TYPE_CHECKING:
    from bot.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Until 0002_telegram, 0003_console and 0004_literacy were made one chain, each was a branch of
# its own from 0001 and `migrate` applied every head. A database migrated then has one
# alembic_version row per branch: 0002_telegram, 0003_console and the newest revision of the
# third branch (0004_literacy, or 0005_presented, which followed it there for a while). Alembic
# refuses such rows for one chain (they overlap); as everything up to the newest of them is
# applied, that row alone says the same.
FORMER_BRANCH_HEADS = frozenset({"0002_telegram", "0003_console"})


@dataclass(frozen=True)
class Database:
    """An open, migrated app database: its engine and the factory of its sessions."""

    engine: Engine
    session_factory: sessionmaker[Session]


# Named for how callers read it, `db.open(settings)`; it shadows the builtin in this module only.
def open(settings: Settings) -> Database:
    """Connect to the configured database and bring its schema up to date."""
    engine = make_engine(settings.database_url)
    migrate(engine)
    return Database(engine=engine, session_factory=make_session_factory(engine))


def make_engine(database_url: str) -> Engine:
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # hide_parameters: an error's text reaches logs and tracebacks, and a bound value may be
    # what a patient wrote (or a token).
    kwargs: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the action webhook write while a web request reads; synchronous=FULL makes a
    # committed answer survive a SIGKILL of the app.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work: committed on success, rolled back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    config = alembic_config(engine)
    collapse_former_branch_heads(engine, config)
    command.upgrade(config, "head")


def collapse_former_branch_heads(engine: Engine, config: Config) -> None:
    """Leave only the newest alembic_version row of a database at the former branch heads."""
    revisions = ScriptDirectory.from_config(config).walk_revisions()  # newest first
    chain = [revision.revision for revision in reversed(list(revisions))]
    with engine.begin() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return
        versions = set(
            connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        )
        if len(versions) > 1 and FORMER_BRANCH_HEADS <= versions <= set(chain):
            connection.execute(
                text("DELETE FROM alembic_version WHERE version_num <> :newest"),
                {"newest": max(versions, key=chain.index)},
            )


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
