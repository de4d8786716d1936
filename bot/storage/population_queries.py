"""What the population view needs: the invitations to one questionnaire in a period, their
conversations, whether the patient took part, and the current answers; and the outcomes of
the course occurrences due in the period (for the response rates).

Self-report only: relatives' links, conversations and responses (``relative_id`` set: their
own questionnaire, or answers on the patient's behalf) are left out of every figure; a
proxy response never answers an occurrence either (``course_conversations``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.console_models import PatientProfile
from bot.storage.course_models import Enrolment, Occurrence
from bot.storage.models import Answer, Conversation, Invitation, Message, Patient, Response
from bot.storage.patient_profiles import visible_patient_ids


@dataclass
class PopulationData:
    invitations: list[tuple[Invitation, Patient, PatientProfile | None]] = field(
        default_factory=list
    )
    conversations: dict[int, Conversation] = field(default_factory=dict)
    """Invitation id -> the conversation it opened."""
    spoken: set[str] = field(default_factory=set)
    """Ids of the conversations in which the patient wrote or pressed something."""
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    """Conversation id -> its current answers to the questionnaire."""


def population_data(
    session: Session,
    team_ids: Collection[int] | None,
    *,
    questionnaire_id: str,
    start: datetime,
    end: datetime,
) -> PopulationData:
    """The invitations to ``questionnaire_id`` made in [start, end) of the patients of these
    teams (None: every patient), with what became of them."""
    visible = visible_patient_ids(team_ids).scalar_subquery()
    invitations: list[tuple[Invitation, Patient, PatientProfile | None]] = list(
        session.execute(
            select(Invitation, Patient, PatientProfile)
            .join(Patient, Patient.id == Invitation.patient_id)
            .outerjoin(PatientProfile, PatientProfile.patient_id == Patient.id)
            .where(
                Invitation.patient_id.in_(visible),
                # Self-report figures: a relative's link is no invitation of the patient's.
                Invitation.relative_id.is_(None),
                Invitation.questionnaire_id == questionnaire_id,
                Invitation.created_at >= start,
                Invitation.created_at < end,
            )
        ).tuples()
    )
    data = PopulationData(invitations=invitations)
    invitation_ids = [invitation.id for invitation, _patient, _profile in invitations]
    if invitation_ids:
        for found in session.scalars(
            select(Conversation).where(
                Conversation.invitation_id.in_(invitation_ids),
                # A relative's answers on the patient's behalf are never a self-report.
                Conversation.relative_id.is_(None),
            )
        ):
            if found.invitation_id is not None:
                data.conversations.setdefault(found.invitation_id, found)
    conversation_ids = [c.id for c in data.conversations.values()]
    if not conversation_ids:
        return data
    data.spoken = set(
        session.scalars(
            select(Message.conversation_id)
            .where(
                Message.conversation_id.in_(conversation_ids),
                Message.direction == "in",
                Message.kind != "event",
            )
            .group_by(Message.conversation_id)
            .having(func.count() > 0)
        )
    )
    answers: dict[str, list[Answer]] = defaultdict(list)
    for answer, conversation_id in session.execute(
        select(Answer, Response.conversation_id)
        .join(Response, Response.id == Answer.response_id)
        .where(
            Response.conversation_id.in_(conversation_ids),
            Response.questionnaire_id == questionnaire_id,
            Response.relative_id.is_(None),
            Answer.superseded_at.is_(None),
        )
    ).tuples():
        answers[conversation_id].append(answer)
    data.answers = answers
    return data


@dataclass(frozen=True)
class Outcome:
    """One occurrence of a course whose outcome is known: answered, missed or overdue."""

    patient_id: int
    plan_id: str
    step_index: int
    sequence: int
    questionnaire_id: str
    status: str
    due_at: datetime
    site: str | None


OUTCOME_STATUSES = ("answered", "missed", "overdue")


def course_outcomes(
    session: Session, team_ids: Collection[int] | None, *, start: datetime, end: datetime
) -> list[Outcome]:
    """The occurrences due in [start, end) of the patients of these teams (None: every
    patient) that were answered, missed or are overdue: one query, whatever the numbers."""
    visible = visible_patient_ids(team_ids).scalar_subquery()
    rows = session.execute(
        select(
            Enrolment.patient_id,
            Enrolment.plan_id,
            Occurrence.step_index,
            Occurrence.sequence,
            Occurrence.questionnaire_id,
            Occurrence.status,
            Occurrence.due_at,
            PatientProfile.site,
        )
        .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
        .outerjoin(PatientProfile, PatientProfile.patient_id == Enrolment.patient_id)
        .where(
            Enrolment.patient_id.in_(visible),
            Occurrence.status.in_(OUTCOME_STATUSES),
            Occurrence.due_at >= start,
            Occurrence.due_at < end,
        )
        .order_by(Occurrence.due_at, Occurrence.id)
    ).tuples()
    return [Outcome(*row) for row in rows]
