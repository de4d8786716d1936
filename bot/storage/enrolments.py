"""Enrolments in a plan and their occurrences: enrol, find the open occurrence, answer, end.

Enrolling writes every occurrence of the plan at once (status ``scheduled``), so the course
is visible in advance and a scheduler pass only changes statuses (bot/course/scheduler.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, selectinload

from bot.course.schedule import PlannedOccurrence
from bot.storage.course_models import END_REASONS, OPEN_STATUSES, Enrolment, Occurrence, Reminder


def add_enrolment(
    session: Session,
    patient_id: int,
    plan_id: str,
    enrolled_at: datetime,
    occurrences: Sequence[PlannedOccurrence],
) -> Enrolment:
    """A new enrolment with its planned occurrences (``schedule.planned_occurrences``)."""
    enrolment = Enrolment(patient_id=patient_id, plan_id=plan_id, enrolled_at=enrolled_at)
    session.add(enrolment)
    session.flush()
    # One multi-row insert: enrolling a whole clinic's patients stays quick.
    session.execute(
        insert(Occurrence),
        [
            {
                "enrolment_id": enrolment.id,
                "step_index": o.step_index,
                "sequence": o.sequence,
                "questionnaire_id": o.questionnaire_id,
                "status": "scheduled",
                "due_at": o.due_at,
                "overdue_at": o.overdue_at,
                "closes_at": o.closes_at,
            }
            for o in occurrences
        ],
    )
    return enrolment


def active_enrolments(
    session: Session, patient_id: int, *, with_occurrences: bool = False
) -> list[Enrolment]:
    """The patient's enrolments that have not ended (with their occurrences loaded in one
    more query, if asked)."""
    query = (
        select(Enrolment)
        .where(Enrolment.patient_id == patient_id, Enrolment.ended_at.is_(None))
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    )
    if with_occurrences:
        query = query.options(selectinload(Enrolment.occurrences))
    return list(session.scalars(query))


def end_enrolment(session: Session, enrolment: Enrolment, at: datetime, reason: str) -> None:
    """Stop a course: nothing more opens or is reminded; planned reminders are skipped."""
    if reason not in END_REASONS:
        raise ValueError(f"unknown end reason {reason!r}")
    enrolment.ended_at = at
    enrolment.end_reason = reason
    occurrence_ids = select(Occurrence.id).where(Occurrence.enrolment_id == enrolment.id)
    session.execute(
        update(Reminder)
        .where(Reminder.occurrence_id.in_(occurrence_ids), Reminder.status == "planned")
        .values(status="skipped")
        .execution_options(synchronize_session=False)
    )


def open_occurrence(session: Session, patient_id: int, questionnaire_id: str) -> Occurrence | None:
    """The patient's oldest open (due or overdue) occurrence of this questionnaire in a course
    that has not ended: the one their next answers to it belong to."""
    return session.scalar(
        select(Occurrence)
        .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
        .where(
            Enrolment.patient_id == patient_id,
            Enrolment.ended_at.is_(None),
            Occurrence.questionnaire_id == questionnaire_id,
            Occurrence.status.in_(OPEN_STATUSES),
        )
        .order_by(Occurrence.due_at, Occurrence.id)
        .limit(1)
    )


def mark_answered(session: Session, occurrence_id: int, response_id: str, at: datetime) -> bool:
    """Record that a completed response answers an open occurrence; its planned reminders are
    skipped. False when the occurrence is not open (answered, missed, or not due yet)."""
    result = session.execute(
        update(Occurrence)
        .where(Occurrence.id == occurrence_id, Occurrence.status.in_(OPEN_STATUSES))
        .values(status="answered", answered_at=at, response_id=response_id)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    session.execute(
        update(Reminder)
        .where(Reminder.occurrence_id == occurrence_id, Reminder.status == "planned")
        .values(status="skipped")
        .execution_options(synchronize_session=False)
    )
    return True
