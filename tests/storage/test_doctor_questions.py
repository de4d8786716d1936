"""bot/storage/doctor_questions.py on SQLite and PostgreSQL: written down, listed newest first,
handled once, counted per patient in one query, erased with the patient's data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.console_models import PatientProfile, Team
from bot.storage.db import session_scope
from bot.storage.doctor_questions import (
    add_question,
    erase_questions,
    mark_handled,
    open_question_counts,
    question_of,
    questions_of,
)
from bot.storage.models import utcnow
from tests.storage.conftest import assert_utc, new_conversation


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_scope(session_factory) as session:
        yield session


def test_written_down_and_listed_newest_first(db_session: Session) -> None:
    patient, _invitation, conversation = new_conversation(db_session)
    first = add_question(db_session, conversation, "  hvor længe varer kuren?  ", source="asked")
    second = add_question(db_session, conversation, "skal jeg tage flere piller?", source="offered")
    second.asked_at = first.asked_at + timedelta(minutes=1)
    db_session.flush()
    found = questions_of(db_session, patient.id)
    assert [(q.text, q.source) for q in found] == [
        ("skal jeg tage flere piller?", "offered"),
        ("hvor længe varer kuren?", "asked"),
    ]
    assert first.conversation_id == conversation.id and len(first.public_id) == 32
    assert_utc(found[0].asked_at)
    assert not first.handled


def test_an_unknown_source_is_refused(db_session: Session) -> None:
    _patient, _invitation, conversation = new_conversation(db_session)
    with pytest.raises(ValueError):
        add_question(db_session, conversation, "?", source="guessed")


def test_handled_once_and_only_for_its_own_patient(db_session: Session) -> None:
    patient, _invitation, conversation = new_conversation(db_session)
    other, _, _ = new_conversation(db_session)
    question = add_question(db_session, conversation, "må jeg cykle?", source="asked")
    assert question_of(db_session, other.id, question.public_id) is None
    found = question_of(db_session, patient.id, question.public_id)
    assert found is question
    assert mark_handled(question, by="nurse@example.org", note="  Talt om i dag. ")
    assert not mark_handled(question, by="other@example.org", note="again")
    db_session.flush()
    db_session.expire_all()
    again = question_of(db_session, patient.id, question.public_id)
    assert again is not None and again.handled
    assert (again.handled_by, again.handled_note) == ("nurse@example.org", "Talt om i dag.")
    assert_utc(again.handled_at)


def test_open_questions_are_counted_per_visible_patient(db_session: Session) -> None:
    team = Team(name="Team Q")
    db_session.add(team)
    db_session.flush()
    mine, _, in_team = new_conversation(db_session)
    db_session.add(PatientProfile(patient_id=mine.id, team_id=team.id))
    elsewhere, _, outside = new_conversation(db_session)
    for text in ("a?", "b?", "c?"):
        add_question(db_session, in_team, text, source="asked")
    handled = add_question(db_session, outside, "d?", source="asked")
    add_question(db_session, outside, "e?", source="asked")
    mark_handled(db_session.merge(handled), by="x@example.org", note="", at=utcnow())
    db_session.flush()
    assert open_question_counts(db_session, None) == {mine.id: 3, elsewhere.id: 1}
    assert open_question_counts(db_session, [team.id]) == {mine.id: 3}
    assert open_question_counts(db_session, []) == {}


def test_erased_with_the_patients_data(db_session: Session) -> None:
    patient, _, conversation = new_conversation(db_session)
    other, _, other_conversation = new_conversation(db_session)
    add_question(db_session, conversation, "a?", source="asked")
    add_question(db_session, conversation, "b?", source="offered")
    add_question(db_session, other_conversation, "c?", source="asked")
    assert erase_questions(db_session, patient.id) == 2
    assert questions_of(db_session, patient.id) == []
    assert len(questions_of(db_session, other.id)) == 1
