"""Which conversation a course patient's next message belongs to.

Each occurrence of a course (the WHO-5 of week 2, of week 4, ...) is its own conversation,
with its own response and its own engine tracker, so the engine starts each one afresh and
`QuestionnaireResponse.basedOn` says which occurrence it answers. A patient keeps one link
(one web token, one Telegram chat): every channel asks `course_conversation` for the
conversation their link stands for now, and a new one is opened here when an occurrence is
open and the one they were in is done.

The rule, in order:
- no open occurrence: the conversation the link already has (one-off use is unchanged);
- a conversation not completed stays until it is (the patient finishes what they are on),
  unless it belongs to an occurrence that has closed (missed); on the way it is tied to the
  open occurrence of its questionnaire, if that has no conversation yet;
- otherwise the oldest open occurrence's conversation, made on first use.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.storage.console_models import PatientProfile
from bot.storage.conversations import Refused, refusing_duplicates
from bot.storage.course_models import OPEN_STATUSES, Enrolment, Occurrence
from bot.storage.course_queries import course_goes_on
from bot.storage.enrolments import mark_answered, open_occurrence
from bot.storage.models import Conversation, utcnow


def _going(what: Any, patient_id: int) -> Select[Any]:
    """``what`` of the patient's occurrences in courses that go on (not ended, the patient
    not withdrawn: the scheduler's own condition)."""
    return (
        select(what)
        .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
        .outerjoin(PatientProfile, PatientProfile.patient_id == Enrolment.patient_id)
        .where(Enrolment.patient_id == patient_id, course_goes_on())
    )


def open_occurrences(session: Session, patient_id: int) -> list[Occurrence]:
    """The patient's open (due or overdue) occurrences of courses that go on, oldest first."""
    query = _going(Occurrence, patient_id).where(Occurrence.status.in_(OPEN_STATUSES))
    return list(session.scalars(query.order_by(Occurrence.due_at, Occurrence.id)))


def next_due_at(session: Session, patient_id: int) -> datetime | None:
    """When the patient's next planned questionnaire of a course that goes on is due."""
    query = _going(Occurrence.due_at, patient_id).where(
        Occurrence.status == "scheduled",
        # Already due, it opens at the scheduler's next pass: not "next" any more.
        Occurrence.due_at > utcnow(),
    )
    return session.scalar(query.order_by(Occurrence.due_at).limit(1))


def conversation_of(session: Session, occurrence_id: int) -> Conversation | None:
    return session.scalar(
        select(Conversation)
        .where(Conversation.occurrence_id == occurrence_id)
        .order_by(Conversation.started_at.desc(), Conversation.id)
        .limit(1)
    )


def occurrence_conversation(
    session: Session, occurrence: Occurrence, patient_id: int, invitation_id: int | None
) -> Conversation:
    """The occurrence's conversation, made on first use (under the patient's invitation, so
    the link that opened the last one opens this one)."""
    conversation = conversation_of(session, occurrence.id)
    if conversation is not None:
        return conversation
    conversation = Conversation(
        patient_id=patient_id,
        invitation_id=invitation_id,
        questionnaire_id=occurrence.questionnaire_id,
        occurrence_id=occurrence.id,
    )
    try:
        with refusing_duplicates(session):
            session.add(conversation)
            session.flush()
    except Refused:
        # Made meanwhile by another request of the patient (the unique index).
        made = conversation_of(session, occurrence.id)
        assert made is not None
        return made
    return conversation


def course_conversation(session: Session, conversation: Conversation) -> Conversation:
    """The conversation the patient's next message belongs to (see the module docstring)."""
    if conversation.relative_id is not None:
        return conversation  # a relative's link: the patient's course is not theirs to answer
    occurrences = open_occurrences(session, conversation.patient_id)
    if not occurrences:
        return conversation
    open_ids = {o.id for o in occurrences}
    if conversation.completed_at is None:
        if conversation.occurrence_id is None:
            _tie(session, conversation, occurrences)
            return conversation
        if conversation.occurrence_id in open_ids:
            return conversation
    return occurrence_conversation(
        session, occurrences[0], conversation.patient_id, conversation.invitation_id
    )


def _tie(session: Session, conversation: Conversation, occurrences: list[Occurrence]) -> None:
    """Tie a one-off conversation to the open occurrence of its questionnaire that has none
    (the invitation's first conversation, made before its occurrence was looked at)."""
    for occurrence in occurrences:
        if occurrence.questionnaire_id != conversation.questionnaire_id:
            continue
        if conversation_of(session, occurrence.id) is None:
            with contextlib.suppress(Refused), refusing_duplicates(session):
                conversation.occurrence_id = occurrence.id
                session.flush()
        return


def answer_occurrence(session: Session, conversation: Conversation, response_id: str) -> bool:
    """A completed response answers its conversation's occurrence (or, for a conversation not
    tied to one, the patient's open occurrence of that questionnaire); False when there is
    none open (a one-off questionnaire, or an occurrence that closed meanwhile). A relative's
    answers on the patient's behalf never answer the patient's occurrence: it stays open for
    the patient's own answers (docs/SHARED_DECISIONS.md)."""
    if conversation.relative_id is not None:
        return False
    occurrence_id = conversation.occurrence_id
    if occurrence_id is None:
        occurrence = open_occurrence(
            session, conversation.patient_id, conversation.questionnaire_id
        )
        if occurrence is None or conversation_of(session, occurrence.id) is not None:
            return False
        conversation.occurrence_id = occurrence_id = occurrence.id
    return mark_answered(session, occurrence_id, response_id, utcnow())
