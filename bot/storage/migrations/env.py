"""Alembic environment: the engine is handed in by bot.storage.db.migrate()."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.storage import (
    console_models,  # noqa: F401  (registers the console's tables)
    course_models,  # noqa: F401  (registers the course's tables)
    deletion_models,  # noqa: F401  (registers the deletion requests' table)
    question_models,  # noqa: F401  (registers the doctor questions' table)
    relative_models,  # noqa: F401  (registers the relatives' table)
    telegram_models,  # noqa: F401  (registers the Telegram table)
)
from bot.storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: a URL is then required
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/bot.db")

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite drops or changes a column by copying the table (batch mode); with foreign keys
        # enforced, dropping the old table fails while other tables refer to it. The pragma
        # only takes effect outside a transaction, hence before the migrations begin theirs.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
    finally:
        if sqlite:
            # The connection goes back to the pool: later sessions must enforce them again.
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
