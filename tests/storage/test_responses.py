"""Responses and answers: superseded, never deleted; the export's selection."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.models import Answer
from bot.storage.responses import (
    add_answer,
    all_answers,
    current_answers,
    open_response,
    responses_for_export,
)

from .conftest import answer_row, assert_utc, new_conversation


def test_add_answer_supersedes_the_earlier_answer(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _patient, _invitation, conversation = new_conversation(session)
        response = open_response(session, conversation, "1.0.0")
        assert open_response(session, conversation, "1.0.0").id == response.id
        first = add_answer(session, response, answer_row("who5-1", "5"))
        other = add_answer(session, response, answer_row("who5-2", "3"))
        response_id, first_id, other_id = response.id, first.id, other.id

    with session_scope(session_factory) as session:
        again = get_conversation(session, conversation.id)
        assert again is not None
        response = open_response(session, again, "1.0.0")
        second = add_answer(session, response, answer_row("who5-1", "1"))
        second_id = second.id

    with session_scope(session_factory) as session:
        old = session.get(Answer, first_id)
        assert old is not None
        assert_utc(old.superseded_at)
        assert old.superseded_by_id == second_id
        untouched = session.get(Answer, other_id)
        assert untouched is not None and untouched.superseded_at is None
        assert [(a.link_id, a.code) for a in current_answers(session, response_id)] == [
            ("who5-2", "3"),
            ("who5-1", "1"),
        ]
        assert sorted(a.id for a in all_answers(session, response_id)) == sorted(
            [first_id, other_id, second_id]
        )
        # Nothing was deleted, and the history chain is intact.
        assert session.scalar(text("SELECT count(*) FROM answers")) == 3


def test_responses_for_export_filters(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _p, _i, who5 = new_conversation(session, "who5")
        _p2, _i2, phq9 = new_conversation(session, "phq9")
        first = open_response(session, who5, "1.0.0")
        second = open_response(session, phq9, "1.0.0")
        first_id, second_id = first.id, second.id
        cutoff = second.started_at
    with session_scope(session_factory) as session:
        assert [r.id for r in responses_for_export(session)] == [first_id, second_id]
        assert [r.id for r in responses_for_export(session, questionnaire_id="phq9")] == [second_id]
        assert [r.id for r in responses_for_export(session, since=cutoff)] == [second_id]
        later = cutoff + timedelta(hours=1)
        assert responses_for_export(session, since=later) == []
