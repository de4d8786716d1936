"""The preferences of the latest preparation (bot/console/preferences_view.py): answered through
the conversation service; none before; the newest wins; a skipped answer is None; a relative's
answers on the patient's behalf are not the patient's preferences."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.console.preferences_view import chosen_question, latest_preferences
from bot.dialogue.service import Dialogue
from bot.questionnaire.model import Questionnaire
from bot.storage.db import session_scope
from bot.storage.models import Answer, Conversation, Response, utcnow
from bot.storage.relative_models import Relative
from tests.console.preparation_helpers import WHAT_MATTERS, answer_preparation
from tests.helpers import new_conversation

VAELG_KLOGT = [
    "Har jeg virkelig brug for det?",
    "Hvad er fordele og ulemper?",
    "Er der enklere eller mere sikre muligheder?",
    "Hvad sker der, hvis jeg ikke gør noget?",
]


def _patient_of(session_factory: sessionmaker[Session], cid: str) -> int:
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        return conversation.patient_id


def test_the_four_questions_are_the_exact_valg_klogt_wording(
    questionnaires: dict[str, Questionnaire],
) -> None:
    questions = [chosen_question(i) for i in questionnaires["forberedelse"].items]
    assert [q for q in questions if q] == VAELG_KLOGT


def test_a_completed_preparation_gives_the_preferences(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    cid = new_conversation(session_factory, "forberedelse")
    patient_id = _patient_of(session_factory, cid)
    with session_scope(session_factory) as session:
        assert latest_preferences(session, patient_id, questionnaires) is None
    answer_preparation(service, session_factory, cid)
    with session_scope(session_factory) as session:
        prefs = latest_preferences(session, patient_id, questionnaires)
        response = session.scalar(select(Response).where(Response.conversation_id == cid))
    assert prefs is not None and response is not None
    assert prefs.what_matters == WHAT_MATTERS
    assert prefs.questions == (VAELG_KLOGT[0], VAELG_KLOGT[2])
    assert (prefs.information, prefs.role) == ("Det vigtigste", "Vi bestemmer sammen")
    assert prefs.answered_at == response.completed_at


def test_an_unfinished_preparation_is_not_shown_and_the_newest_completed_wins(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    first = answer_preparation(service, session_factory)
    patient_id = _patient_of(session_factory, first)
    with session_scope(session_factory) as session:
        # A second preparation of the same patient, answered later, with other choices.
        second = Conversation(patient_id=patient_id, questionnaire_id="forberedelse")
        session.add(second)
        session.flush()
        second_id = second.id
    answer_preparation(
        service, session_factory, second_id, what_matters=None,
        chosen=dict.fromkeys(("fb-brug-for", "fb-fordele", "fb-enklere", "fb-ingenting"), False),
        choices={"fb-information": "much", "fb-rolle": "self"},
    )  # fmt: skip
    with session_scope(session_factory) as session:
        session.execute(
            update(Response)
            .where(Response.conversation_id == first)
            .values(completed_at=utcnow() - timedelta(days=1))
        )
        prefs = latest_preferences(session, patient_id, questionnaires)
        assert prefs is not None
        assert (prefs.what_matters, prefs.questions) == (None, ())
        assert (prefs.information, prefs.role) == ("Så meget som muligt", "Jeg vil selv bestemme")
        # Not finished: the page keeps showing the last finished one.
        session.execute(
            update(Response).where(Response.conversation_id == second_id)
            .values(status="in-progress", completed_at=None)
        )  # fmt: skip
        prefs = latest_preferences(session, patient_id, questionnaires)
        assert prefs is not None and prefs.what_matters == WHAT_MATTERS


def test_answers_given_by_a_relative_are_not_the_patients_preferences(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    own = answer_preparation(service, session_factory)
    patient_id = _patient_of(session_factory, own)
    with session_scope(session_factory) as session:
        proxy = Conversation(patient_id=patient_id, questionnaire_id="forberedelse")
        session.add(proxy)
        relative = Relative(patient_id=patient_id, relation="min datter", invited_by="patient")
        session.add(relative)
        session.flush()
        proxy_id, relative_id = proxy.id, relative.id
    answer_preparation(service, session_factory, proxy_id, what_matters="Det ved min datter")
    with session_scope(session_factory) as session:
        # What the relative's own conversation would have stored: their id on every row.
        response_id = session.scalar(
            select(Response.id).where(Response.conversation_id == proxy_id)
        )
        session.execute(update(Response).where(Response.id == response_id)
                        .values(relative_id=relative_id))  # fmt: skip
        session.execute(update(Answer).where(Answer.response_id == response_id)
                        .values(relative_id=relative_id))  # fmt: skip
        prefs = latest_preferences(session, patient_id, questionnaires)
        assert prefs is not None and prefs.what_matters == WHAT_MATTERS
        # An answer of the patient's own response given by the relative is left out too.
        own_response = session.scalar(select(Response.id).where(Response.conversation_id == own))
        session.execute(
            update(Answer)
            .where(Answer.response_id == own_response, Answer.link_id == "fb-vigtigst")
            .values(relative_id=relative_id)
        )
        prefs = latest_preferences(session, patient_id, questionnaires)
        assert prefs is not None and prefs.what_matters is None
