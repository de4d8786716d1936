"""A patient's courses as the console's patient page shows them: every enrolment, ended ones
too, with its occurrences (two queries, whatever the length of the course)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.storage.course_models import Enrolment


def enrolments_of(session: Session, patient_id: int) -> list[Enrolment]:
    """The patient's enrolments, the earliest first, each with its occurrences by due time."""
    return list(
        session.scalars(
            select(Enrolment)
            .where(Enrolment.patient_id == patient_id)
            .options(selectinload(Enrolment.occurrences))
            .order_by(Enrolment.enrolled_at, Enrolment.id)
        )
    )
