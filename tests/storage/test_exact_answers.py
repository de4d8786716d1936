"""The database refuses a second current answer to one item and a second message with one
external id (migration 0008_exact_answers), and the migration repairs rows that broke either
rule before it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.conversations import Refused, lock_conversation, refusing_duplicates
from bot.storage.db import alembic_config, migrate, session_scope
from bot.storage.models import Answer, Message
from bot.storage.responses import add_answer, current_answers, open_response
from bot.storage.transcripts import add_message
from tests.storage.conftest import answer_row, new_conversation

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def test_a_second_current_answer_to_one_item_is_refused(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        _, _, conversation = new_conversation(session)
        response = open_response(session, conversation, "1.0")
        add_answer(session, response, answer_row("who5-1", "3"))
        add_answer(session, response, answer_row("who5-1", "4"))  # supersedes: allowed
        with pytest.raises(Refused), refusing_duplicates(session):
            # Written past add_answer, as two racing turns would without the row lock.
            session.add(Answer(response_id=response.id, **_columns(answer_row("who5-1", "5"))))
            session.flush()
        # The session is still usable and nothing of the refused block was kept.
        assert [a.code for a in current_answers(session, response.id)] == ["4"]


def test_a_second_message_with_one_external_id_is_refused(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        _, _, conversation = new_conversation(session)
        add_message(session, conversation, direction="in", channel="telegram", text="a",
                    external_id="tg:7")  # fmt: skip
        add_message(session, conversation, direction="in", channel="telegram", text="b")
        add_message(session, conversation, direction="in", channel="telegram", text="c")
        with pytest.raises(Refused), refusing_duplicates(session):
            add_message(session, conversation, direction="in", channel="telegram", text="a",
                        external_id="tg:7")  # fmt: skip
        assert len(conversation.messages) == 3


def test_lock_conversation_returns_the_row(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _, _, conversation = new_conversation(session)
        cid = conversation.id
    with session_scope(session_factory) as session:
        locked = lock_conversation(session, cid)
        assert locked is not None and locked.id == cid
        assert lock_conversation(session, "no-such-conversation") is None


def _columns(answer: Answer) -> dict[str, object]:
    return {c: getattr(answer, c) for c in
            ("link_id", "item_type", "code", "input_kind", "literacy_level", "wording_shown")}  # fmt: skip


# fmt: off
def test_the_migration_keeps_the_newest_answer_and_the_first_external_id(
    db_engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    command.downgrade(alembic_config(db_engine), "0007_links")
    with db_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO patients (id, pseudonym, created_at, consent, literacy_level, "
            "screening, read_aloud) VALUES (1, 'P-TEST0001', :now, 'given', 'standard', "
            "'skipped', false)"), {"now": NOW})
        connection.execute(text(
            "INSERT INTO conversations (id, patient_id, questionnaire_id, status, started_at, "
            "updated_at, attempts) VALUES ('c1', 1, 'who5', 'active', :now, :now, 0)"),
            {"now": NOW})
        connection.execute(text(
            "INSERT INTO responses (id, conversation_id, patient_id, questionnaire_id, "
            "questionnaire_version, status, started_at) VALUES ('r1', 'c1', 1, 'who5', '1', "
            "'in-progress', :now)"), {"now": NOW})
        for answer_id, link_id, code in [(1, "who5-1", "2"), (2, "who5-1", "3"),
                                         (3, "who5-2", "1"), (4, "who5-1", "4")]:
            connection.execute(text(
                "INSERT INTO answers (id, response_id, link_id, item_type, status, code, "
                "input_kind, literacy_level, wording_shown, created_at) VALUES (:id, 'r1', "
                ":link, 'choice', 'answered', :code, 'button', 'standard', 'x', :now)"),
                {"id": answer_id, "link": link_id, "code": code, "now": NOW})
        for message_id, external_id in [(1, "tg:5"), (2, "tg:5"), (3, None), (4, None)]:
            connection.execute(text(
                "INSERT INTO messages (id, conversation_id, direction, channel, kind, text, "
                "external_id, created_at) VALUES (:id, 'c1', 'in', 'telegram', 'text', '', "
                ":external, :now)"), {"id": message_id, "external": external_id, "now": NOW})

    # fmt: on
    migrate(db_engine)

    with session_scope(session_factory) as session:
        rows = {a.id: a for a in session.scalars(select(Answer))}
        assert {i for i, a in rows.items() if a.superseded_at is None} == {3, 4}
        assert rows[1].superseded_by_id == 4 and rows[2].superseded_by_id == 4
        assert rows[1].superseded_at is not None and rows[1].superseded_at.tzinfo is not None
        external = dict(session.execute(select(Message.id, Message.external_id)).tuples().all())
        assert external == {1: "tg:5", 2: None, 3: None, 4: None}
