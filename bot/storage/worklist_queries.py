"""What the worklist needs of every patient some teams may see, read in a fixed number of
queries (not a few per patient)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.console_models import ConsoleUser, PatientProfile, Review, Team
from bot.storage.course_models import Enrolment, Occurrence
from bot.storage.models import (
    Alert,
    Answer,
    Conversation,
    Invitation,
    Message,
    Patient,
    Response,
)
from bot.storage.patient_profiles import visible_patient_ids

Row = TypeVar("Row")
Key = TypeVar("Key")


@dataclass
class WorklistData:
    """Keyed by patient id unless said otherwise; lists in the order they happened."""

    patients: list[tuple[Patient, PatientProfile | None]] = field(default_factory=list)
    invitations: dict[int, list[Invitation]] = field(default_factory=dict)
    conversations: dict[int, list[Conversation]] = field(default_factory=dict)
    spoken: dict[str, int] = field(default_factory=dict)
    """Conversation id -> how many messages the patient wrote or pressed."""
    alerts: dict[int, list[Alert]] = field(default_factory=dict)
    responses: dict[int, list[Response]] = field(default_factory=dict)
    answers: dict[str, list[Answer]] = field(default_factory=dict)
    """Response id -> its current (not superseded) answers."""
    last_reviews: dict[int, datetime] = field(default_factory=dict)
    team_names: dict[int, str] = field(default_factory=dict)
    user_emails: dict[int, str] = field(default_factory=dict)
    late: dict[int, list[LateOccurrence]] = field(default_factory=dict)
    """Open occurrences of going courses that have an overdue time, the earliest first."""


@dataclass(frozen=True)
class LateOccurrence:
    questionnaire_id: str
    sequence: int
    status: str
    overdue_at: datetime


def worklist_data(session: Session, team_ids: Collection[int] | None) -> WorklistData:
    """Everything about the patients of these teams (None: every patient)."""
    visible = visible_patient_ids(team_ids).scalar_subquery()
    patients: list[tuple[Patient, PatientProfile | None]] = list(
        session.execute(
            select(Patient, PatientProfile)
            .outerjoin(PatientProfile, PatientProfile.patient_id == Patient.id)
            .where(Patient.id.in_(visible))
        ).tuples()
    )
    if not patients:
        return WorklistData()
    invitations = _grouped(
        session.scalars(
            select(Invitation).where(Invitation.patient_id.in_(visible)).order_by(Invitation.id)
        ),
        lambda invitation: invitation.patient_id,
    )
    conversations = _grouped(
        session.scalars(
            select(Conversation)
            .where(Conversation.patient_id.in_(visible))
            .order_by(Conversation.started_at)
        ),
        lambda conversation: conversation.patient_id,
    )
    spoken = {
        conversation_id: count
        for conversation_id, count in session.execute(
            select(Message.conversation_id, func.count())
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.patient_id.in_(visible),
                Message.direction == "in",
                Message.kind != "event",
            )
            .group_by(Message.conversation_id)
        ).tuples()
    }
    alerts = _grouped(
        session.scalars(select(Alert).where(Alert.patient_id.in_(visible))),
        lambda alert: alert.patient_id,
    )
    responses = _grouped(
        session.scalars(
            select(Response).where(Response.patient_id.in_(visible)).order_by(Response.started_at)
        ),
        lambda response: response.patient_id,
    )
    answers = _grouped(
        session.scalars(
            select(Answer)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.patient_id.in_(visible), Answer.superseded_at.is_(None))
            .order_by(Answer.id)
        ),
        lambda answer: answer.response_id,
    )
    last_reviews = {
        patient_id: at
        for patient_id, at in session.execute(
            select(Review.patient_id, func.max(Review.at))
            .where(Review.patient_id.in_(visible))
            .group_by(Review.patient_id)
        ).tuples()
        if at is not None
    }
    late = _grouped(
        (
            (patient_id, LateOccurrence(questionnaire_id, sequence, status, at))
            for patient_id, questionnaire_id, sequence, status, at in session.execute(
                select(
                    Enrolment.patient_id,
                    Occurrence.questionnaire_id,
                    Occurrence.sequence,
                    Occurrence.status,
                    Occurrence.overdue_at,
                )
                .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
                .where(
                    Enrolment.patient_id.in_(visible),
                    Enrolment.ended_at.is_(None),
                    Occurrence.status.in_(("due", "overdue")),
                    Occurrence.overdue_at.is_not(None),
                )
                .order_by(Occurrence.overdue_at, Occurrence.id)
            ).tuples()
            if at is not None
        ),
        lambda pair: pair[0],
    )
    return WorklistData(
        patients=patients,
        invitations=invitations,
        conversations=conversations,
        spoken=spoken,
        alerts=alerts,
        responses=responses,
        answers=answers,
        last_reviews=last_reviews,
        team_names={team.id: team.name for team in session.scalars(select(Team))},
        user_emails={user.id: user.email for user in session.scalars(select(ConsoleUser))},
        late={patient_id: [o for _, o in pairs] for patient_id, pairs in late.items()},
    )


def _grouped(rows: Iterable[Row], key: Callable[[Row], Key]) -> dict[Key, list[Row]]:
    """The rows by key, each list in the order of ``rows``."""
    groups: dict[Key, list[Row]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups
