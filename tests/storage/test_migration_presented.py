"""Migration 0005_presented: conversations started before it get what they have shown filled in
from their transcripts, so a patient mid-questionnaire continues at the same item."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, text

from bot.storage.db import alembic_config, migrate

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def _old_database(db_engine: Engine) -> None:
    """A database as the code before 0005 left it, with one conversation mid-WHO-5."""
    command.downgrade(alembic_config(db_engine), "0004_literacy")
    with db_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO patients (id, pseudonym, created_at, consent, literacy_level, locale, "
            "screening, read_aloud) VALUES (1, 'P-TEST0001', :now, 'given', 'standard', 'da', "
            "'skipped', false)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO conversations (id, patient_id, questionnaire_id, status, started_at, "
            "updated_at, attempts) VALUES ('c1', 1, 'who5', 'active', :now, :now, 0)"),
            {"now": NOW})
        lines = [
            ("in", None, None),
            ("out", None, {"kind": "intro", "questionnaire": "who5"}),
            ("out", "who5-1", {"kind": "question", "questionnaire": "who5"}),
            ("in", None, None),
            ("out", None, {"kind": "confirm", "item": "who5-1"}),
        ]
        for number, (direction, link_id, meta) in enumerate(lines, start=1):
            connection.execute(text(
                "INSERT INTO messages (id, conversation_id, direction, channel, kind, text, "
                "link_id, meta, created_at) VALUES (:id, 'c1', :direction, 'web', 'text', '', "
                ":link_id, :meta, :now)"),
                {"id": number, "direction": direction, "link_id": link_id,
                 "meta": json.dumps(meta) if meta else None, "now": NOW})


def test_presented_is_filled_in_from_the_transcript(db_engine: Engine) -> None:
    _old_database(db_engine)
    migrate(db_engine)
    with db_engine.connect() as connection:
        stored = connection.execute(
            text("SELECT presented FROM conversations WHERE id = 'c1'")
        ).scalar_one()
    presented = json.loads(stored) if isinstance(stored, str) else stored
    assert presented == {
        "markers": ["intro", "intro:who5", "who5-1", "question", "question:who5", "confirm"],
        "last_link_id": "who5-1",
        "last_kind": "confirm",
    }
