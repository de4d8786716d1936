"""Questions for the doctor (bot/storage/question_models.py): written down in the conversation,
listed for the patient and the care team, marked handled by a coordinator."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, utcnow
from bot.storage.patient_profiles import visible_patient_ids
from bot.storage.question_models import MAX_QUESTION, SOURCES, DoctorQuestion

MAX_NOTE = 2000


def add_question(
    session: Session, conversation: Conversation, text: str, *, source: str
) -> DoctorQuestion:
    """Write the question down (committed by the turn that stores it)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    question = DoctorQuestion(
        patient_id=conversation.patient_id,
        conversation_id=conversation.id,
        text=text.strip()[:MAX_QUESTION],
        source=source,
        asked_at=utcnow(),
    )
    session.add(question)
    session.flush()
    return question


def questions_of(session: Session, patient_id: int) -> list[DoctorQuestion]:
    """The patient's questions, the newest first."""
    return list(
        session.scalars(
            select(DoctorQuestion)
            .where(DoctorQuestion.patient_id == patient_id)
            .order_by(DoctorQuestion.asked_at.desc(), DoctorQuestion.id.desc())
        )
    )


def question_of(session: Session, patient_id: int, public_id: str) -> DoctorQuestion | None:
    """One of this patient's questions (None: no such question, or another patient's)."""
    return session.scalar(
        select(DoctorQuestion).where(
            DoctorQuestion.public_id == public_id[:32], DoctorQuestion.patient_id == patient_id
        )
    )


def mark_handled(
    question: DoctorQuestion, *, by: str, note: str, at: datetime | None = None
) -> bool:
    """Handled by ``by`` with a note; False (and nothing changed) if it already was, so a
    second press of the button does not overwrite who handled it."""
    if question.handled_at is not None:
        return False
    question.handled_at = at or utcnow()
    question.handled_by = by
    question.handled_note = note.strip()[:MAX_NOTE] or None
    return True


def open_question_counts(session: Session, team_ids: Collection[int] | None) -> dict[int, int]:
    """Patient id -> how many of their questions are not handled yet, for the patients of
    these teams (None: every patient); one query, however many patients."""
    visible = visible_patient_ids(team_ids).scalar_subquery()
    rows = session.execute(
        select(DoctorQuestion.patient_id, func.count())
        .where(DoctorQuestion.patient_id.in_(visible), DoctorQuestion.handled_at.is_(None))
        .group_by(DoctorQuestion.patient_id)
    ).tuples()
    return {patient_id: count for patient_id, count in rows}


def erase_questions(session: Session, patient_id: int) -> int:
    """Delete the patient's questions (their words) when their data is deleted; how many."""
    result = session.execute(delete(DoctorQuestion).where(DoctorQuestion.patient_id == patient_id))
    return int(getattr(result, "rowcount", 0) or 0)
