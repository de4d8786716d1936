"""Which conversation a course patient's link opens: the one they are in until it is done, then
the open occurrence's own conversation, made once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan, load_plans
from bot.course.scheduler import run_pass
from bot.questionnaire.model import Questionnaire
from bot.storage.console_models import PatientProfile
from bot.storage.course_conversations import (
    answer_occurrence,
    course_conversation,
    next_due_at,
)
from bot.storage.course_models import Occurrence
from bot.storage.models import Conversation, Invitation, Response, utcnow
from tests.course.conftest import PLANS_DIR, enrol, new_patient

DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def plans(questionnaires: dict[str, Questionnaire]) -> dict[str, Plan]:
    return load_plans(PLANS_DIR, questionnaires)


@pytest.fixture
def start() -> object:
    # Enrolled a little in the past, at a daytime hour: passes at start + n days are real
    # calendar days of the course, not the clock of the test run.
    return (utcnow() - 2 * DAY).replace(hour=9, minute=0, second=0, microsecond=0)


def _first_conversation(session: Session, plans: dict[str, Plan], at: object) -> Conversation:
    patient = new_patient(session)
    enrol(session, plans["who5-14d"], at, patient)  # type: ignore[arg-type]
    invitation = Invitation(patient_id=patient.id, questionnaire_id="who5", channel="web")
    invitation.token_hash = f"hash-{patient.pseudonym}"
    session.add(invitation)
    session.flush()
    conversation = Conversation(
        patient_id=patient.id, invitation_id=invitation.id, questionnaire_id="who5"
    )
    session.add(conversation)
    session.flush()
    return conversation


def _complete(session: Session, conversation: Conversation) -> None:
    response = Response(
        conversation_id=conversation.id,
        patient_id=conversation.patient_id,
        questionnaire_id=conversation.questionnaire_id,
        questionnaire_version="1",
        status="completed",
    )
    session.add(response)
    session.flush()
    conversation.status = "completed"
    conversation.completed_at = utcnow()
    answer_occurrence(session, conversation, response.id)
    session.flush()


def _pass(factory: sessionmaker[Session], plans: dict[str, Plan], at: object) -> None:
    run_pass(factory, plans, at, None)  # type: ignore[arg-type]


def test_a_patient_without_a_course_keeps_their_conversation(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        patient = new_patient(session)
        conversation = Conversation(patient_id=patient.id, questionnaire_id="who5")
        session.add(conversation)
        session.flush()
        assert course_conversation(session, conversation) is conversation
        assert next_due_at(session, patient.id) is None


def test_the_course_goes_from_one_occurrence_to_the_next(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], start: object
) -> None:
    with session_factory.begin() as session:
        first = _first_conversation(session, plans, start)
        first_id = first.id
    _pass(session_factory, plans, start)
    with session_factory.begin() as session:
        first = session.get_one(Conversation, first_id)
        # The invitation's first conversation answers the first occurrence.
        assert course_conversation(session, first) is first
        assert first.occurrence_id is not None
        _complete(session, first)
        occurrence = session.get_one(Occurrence, first.occurrence_id)
        assert occurrence.status == "answered"
        assert occurrence.response_id is not None
        # Nothing open: the link opens the completed one ("you have answered everything").
        assert course_conversation(session, first) is first
        next_due = next_due_at(session, first.patient_id)
        assert next_due is not None and next_due > utcnow()
    _pass(session_factory, plans, start + 15 * DAY)  # type: ignore[operator]
    with session_factory.begin() as session:
        first = session.get_one(Conversation, first_id)
        second = course_conversation(session, first)
        assert second.id != first.id
        assert second.questionnaire_id == "who5"
        assert second.invitation_id == first.invitation_id
        second_occurrence = session.get_one(Occurrence, second.occurrence_id)
        assert (second_occurrence.step_index, second_occurrence.sequence) == (0, 2)  # the second WHO-5 (sequences count from 1)
        assert second_occurrence.status == "due"
        # Made once: every later message of the patient lands in the same one.
        assert course_conversation(session, first).id == second.id
        assert course_conversation(session, second) is second
        count = session.scalar(
            select(func.count()).where(Conversation.patient_id == first.patient_id)
        )
        assert count == 2


def test_an_unfinished_conversation_stays_until_its_occurrence_closes(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], start: object
) -> None:
    with session_factory.begin() as session:
        first_id = _first_conversation(session, plans, start).id
    _pass(session_factory, plans, start)
    with session_factory.begin() as session:
        first = session.get_one(Conversation, first_id)
        assert course_conversation(session, first) is first  # tied, not completed
    # 14 days on, the next one opens and the unanswered first one is missed.
    _pass(session_factory, plans, start + 14 * DAY + timedelta(hours=1))  # type: ignore[operator]
    with session_factory.begin() as session:
        first = session.get_one(Conversation, first_id)
        assert session.get_one(Occurrence, first.occurrence_id).status == "missed"
        moved = course_conversation(session, first)
        assert moved.id != first.id
        assert session.get_one(Occurrence, moved.occurrence_id).sequence == 2


def test_a_withdrawn_patient_is_not_moved_on(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], start: object
) -> None:
    with session_factory.begin() as session:
        first = _first_conversation(session, plans, start)
        first_id = first.id
        _complete(session, first)
        session.add(PatientProfile(patient_id=first.patient_id, withdrawn_at=utcnow()))
    _pass(session_factory, plans, start + 15 * DAY)  # type: ignore[operator]
    with session_factory.begin() as session:
        first = session.get_one(Conversation, first_id)
        assert course_conversation(session, first) is first
        assert next_due_at(session, first.patient_id) is None


def test_a_one_off_response_answers_the_open_occurrence_of_its_questionnaire(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], start: object
) -> None:
    with session_factory.begin() as session:
        first_id = _first_conversation(session, plans, start).id
    _pass(session_factory, plans, start)
    with session_factory.begin() as session:
        first = session.get_one(Conversation, first_id)
        assert first.occurrence_id is None  # never routed (e.g. the engine's own start)
        _complete(session, first)
        assert first.occurrence_id is not None
        assert session.get_one(Occurrence, first.occurrence_id).status == "answered"


def test_two_requests_opening_one_occurrence_make_one_conversation(
    session_factory: sessionmaker[Session],
    plans: dict[str, Plan],
    start: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.storage import course_conversations

    with session_factory.begin() as session:
        first = _first_conversation(session, plans, start)
        first_id = first.id
        _complete(session, first)
    _pass(session_factory, plans, start + 15 * DAY)  # type: ignore[operator]
    with session_factory.begin() as session:
        made = course_conversation(session, session.get_one(Conversation, first_id))
        made_id, occurrence_id = made.id, made.occurrence_id
    # The other request looked before this one committed: it saw no conversation yet.
    looked = course_conversations.conversation_of
    calls: list[int] = []

    def stale_then_fresh(session: Session, occurrence: int) -> Conversation | None:
        calls.append(occurrence)
        return None if len(calls) == 1 else looked(session, occurrence)

    monkeypatch.setattr(course_conversations, "conversation_of", stale_then_fresh)
    with session_factory.begin() as session:
        occurrence = session.get_one(Occurrence, occurrence_id)
        again = course_conversations.occurrence_conversation(
            session, occurrence, occurrence.enrolment.patient_id, None
        )
        assert again.id == made_id
    with session_factory() as session:
        count = session.scalar(
            select(func.count()).where(Conversation.occurrence_id == occurrence_id)
        )
        assert count == 1
