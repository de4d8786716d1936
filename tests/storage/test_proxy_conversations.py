"""bot/storage/proxy_conversations.py: which questionnaire a relative answers on the patient's
behalf, the conversation they answer it in (opened by their own link), and that it never
takes the patient's course occurrence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan, load_plans
from bot.questionnaire.model import Questionnaire
from bot.storage.audit import access_log
from bot.storage.console_models import PatientProfile
from bot.storage.conversations import conversation_for_invitation, existing_conversation
from bot.storage.course_conversations import answer_occurrence, course_conversation
from bot.storage.course_models import Occurrence
from bot.storage.models import Conversation, Invitation, Patient, Response, utcnow
from bot.storage.patients import create_invitation, create_patient
from bot.storage.proxy_conversations import (
    is_proxy,
    open_proxy_conversation,
    proxy_questionnaire_id,
    relatives_by_id,
)
from bot.storage.relative_models import Relative
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID, invite_relative
from tests.course.conftest import PLANS_DIR, enrol

LOADED = frozenset({"who5", "phq9", "gad7", "behovsvurdering", RELATIVE_QUESTIONNAIRE_ID})


@pytest.fixture(scope="module")
def plans(questionnaires: dict[str, Questionnaire]) -> dict[str, Plan]:
    return load_plans(PLANS_DIR, questionnaires)


def _relative(session: Session, patient: Patient) -> tuple[Relative, Invitation]:
    relative = invite_relative(session, patient, "min datter", invited_by="patient").relative
    invitation = session.scalar(select(Invitation).where(Invitation.relative_id == relative.id))
    assert invitation is not None
    return relative, invitation


def _complete(session: Session, conversation: Conversation) -> None:
    conversation.status = "completed"
    conversation.completed_at = utcnow()
    session.flush()


def test_the_questionnaire_of_the_patients_latest_working_link(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        patient = create_patient(session)
        assert proxy_questionnaire_id(session, patient.id, LOADED) is None  # nothing open
        create_invitation(session, patient, "phq9")
        latest = create_invitation(session, patient, "who5").invitation
        _relative(session, patient)  # the relative's own link is never the patient's
        assert proxy_questionnaire_id(session, patient.id, LOADED) == "who5"
        assert proxy_questionnaire_id(session, patient.id, {"phq9"}) is None  # not loaded
        latest.revoked_at = utcnow()
        session.flush()
        assert proxy_questionnaire_id(session, patient.id, LOADED) == "phq9"


def test_nothing_once_the_patient_completed_it_or_withdrew(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        patient = create_patient(session)
        invitation = create_invitation(session, patient, "who5").invitation
        own = conversation_for_invitation(session, invitation)
        assert proxy_questionnaire_id(session, patient.id, LOADED) == "who5"
        _complete(session, own)
        assert proxy_questionnaire_id(session, patient.id, LOADED) is None

        other = create_patient(session)
        create_invitation(session, other, "who5")
        session.add(PatientProfile(patient_id=other.id, withdrawn_at=utcnow()))
        session.flush()
        assert proxy_questionnaire_id(session, other.id, LOADED) is None


def test_an_open_course_occurrence_comes_first(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient = create_patient(session)
        create_invitation(session, patient, "phq9")
        enrolment = enrol(session, plans["who5-14d"], utcnow() - timedelta(days=1), patient)
        first = session.scalars(
            select(Occurrence).where(Occurrence.enrolment_id == enrolment.id)
        ).first()
        assert first is not None
        first.status = "due"
        session.flush()
        assert proxy_questionnaire_id(session, patient.id, LOADED) == first.questionnaire_id


def test_the_proxy_conversation_is_opened_by_the_relatives_link_and_reused(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory() as session:
        patient = create_patient(session)
        create_invitation(session, patient, "who5")
        relative, link = _relative(session, patient)
        own = conversation_for_invitation(session, link)
        assert not is_proxy(own)
        _complete(session, own)

        proxy = open_proxy_conversation(session, relative, "who5", link.id)
        assert (proxy.patient_id, proxy.relative_id, proxy.occurrence_id) == (
            patient.id, relative.id, None,
        )  # fmt: skip
        assert is_proxy(proxy)
        # The relative's link now opens it, and the patient's course never takes it over.
        assert existing_conversation(session, link) is proxy
        assert course_conversation(session, proxy) is proxy
        assert open_proxy_conversation(session, relative, "who5", link.id) is proxy
        actions = [e.action for e in access_log(session, patient.id)]
        assert actions.count("relative.proxy.start") == 1
        assert relatives_by_id(session, [None, relative.id]) == {relative.id: relative}

        _complete(session, proxy)
        again = open_proxy_conversation(session, relative, "who5", link.id)
        assert again is not proxy  # a new round once the last one was completed


def test_a_proxy_response_never_answers_the_patients_occurrence(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient = create_patient(session)
        enrolment = enrol(session, plans["who5-14d"], utcnow() - timedelta(days=1), patient)
        occurrence = session.scalars(
            select(Occurrence).where(Occurrence.enrolment_id == enrolment.id)
        ).first()
        assert occurrence is not None
        occurrence.status = "due"
        session.flush()
        relative, link = _relative(session, patient)
        proxy = open_proxy_conversation(session, relative, occurrence.questionnaire_id, link.id)
        response = Response(conversation_id=proxy.id, patient_id=patient.id,
                            questionnaire_id=proxy.questionnaire_id, questionnaire_version="1",
                            relative_id=relative.id, status="completed")  # fmt: skip
        session.add(response)
        session.flush()
        # The patient's open occurrence neither takes the relative's link nor their response.
        assert course_conversation(session, proxy) is proxy
        assert proxy.occurrence_id is None
        assert answer_occurrence(session, proxy, response.id) is False
        assert proxy.occurrence_id is None
        session.refresh(occurrence)
        assert occurrence.status == "due"  # still the patient's to answer
