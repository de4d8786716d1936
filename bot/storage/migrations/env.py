"""Alembic environment: the engine is handed in by bot.storage.db.migrate()."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from bot.storage import (
    console_models,  # noqa: F401  (registers the console's tables)
    telegram_models,  # noqa: F401  (registers the Telegram table)
)
from bot.storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: a URL is then required
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/bot.db")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
