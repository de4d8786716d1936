"""Enrolments for the console tests: the invite form does not enrol yet, so the tests write
the course directly (bot/storage/enrolments.py), as a scheduler pass would leave it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import load_plans
from bot.course.schedule import planned_occurrences
from bot.questionnaire.model import Questionnaire
from bot.settings import PROJECT_ROOT
from bot.storage.course_models import Occurrence
from bot.storage.db import session_scope
from bot.storage.enrolments import add_enrolment


def enrol(
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    patient_id: int,
    at: datetime,
    plan_id: str = "who5-14d",
) -> int:
    """Enrol the patient in a shipped plan at ``at``; the enrolment id."""
    plan = load_plans(PROJECT_ROOT / "dialogues" / "plans", questionnaires)[plan_id]
    with session_scope(session_factory) as session:
        enrolment = add_enrolment(session, patient_id, plan_id, at, planned_occurrences(plan, at))
        return enrolment.id


def set_status(
    session_factory: sessionmaker[Session],
    enrolment_id: int,
    sequence: int,
    status: str,
    *,
    step_index: int = 0,
    response_id: str | None = None,
) -> None:
    """What the scheduler (or an answer) would have made of one occurrence."""
    with session_scope(session_factory) as session:
        session.execute(
            update(Occurrence)
            .where(
                Occurrence.enrolment_id == enrolment_id,
                Occurrence.step_index == step_index,
                Occurrence.sequence == sequence,
            )
            .values(status=status, response_id=response_id)
        )


def occurrence_ids(session_factory: sessionmaker[Session], enrolment_id: int) -> list[int]:
    with session_scope(session_factory) as session:
        return list(
            session.scalars(
                select(Occurrence.id)
                .where(Occurrence.enrolment_id == enrolment_id)
                .order_by(Occurrence.due_at)
            )
        )
