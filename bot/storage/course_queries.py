"""The set-based queries of a scheduler pass (bot/course/scheduler.py).

Every query here touches all the rows it concerns at once: a pass makes the same number of
queries for ten patients as for ten thousand (IN lists are cut at ``CHUNK`` ids). On
PostgreSQL the selects lock what they return with ``FOR UPDATE SKIP LOCKED``, so two passes at
the same time share the work instead of doing it twice; every status change is also
conditional on the status it was read with, which is what keeps SQLite (one writer at a time)
and any other database exact.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.storage.console_models import PatientProfile
from bot.storage.course_models import OPEN_STATUSES, Enrolment, Occurrence, Reminder

CHUNK = 10_000


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def course_goes_on() -> ColumnElement[bool]:
    """The enrolment has not ended and the patient has not withdrawn."""
    return and_(Enrolment.ended_at.is_(None), PatientProfile.withdrawn_at.is_(None))


@dataclass(frozen=True)
class OccurrenceRow:
    id: int
    plan_id: str
    step_index: int
    status: str
    due_at: datetime
    overdue_at: datetime | None
    closes_at: datetime | None


def occurrences_to_advance(
    session: Session, now: datetime, *, enrolment_id: int | None = None
) -> list[OccurrenceRow]:
    """Occurrences of going courses that have a transition due at ``now`` (only those of
    ``enrolment_id`` if given)."""
    due = or_(
        and_(Occurrence.status == "scheduled", Occurrence.due_at <= now),
        and_(Occurrence.status == "scheduled", Occurrence.closes_at <= now),
        and_(Occurrence.status == "due", Occurrence.overdue_at <= now),
        and_(Occurrence.status.in_(OPEN_STATUSES), Occurrence.closes_at <= now),
    )
    query = (
        select(
            Occurrence.id,
            Enrolment.plan_id,
            Occurrence.step_index,
            Occurrence.status,
            Occurrence.due_at,
            Occurrence.overdue_at,
            Occurrence.closes_at,
        )
        .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
        .outerjoin(PatientProfile, PatientProfile.patient_id == Enrolment.patient_id)
        .where(course_goes_on(), due)
        .order_by(Occurrence.id)
        .with_for_update(of=Occurrence, skip_locked=True)
    )
    if enrolment_id is not None:
        query = query.where(Occurrence.enrolment_id == enrolment_id)
    return [OccurrenceRow(*row) for row in session.execute(query)]


def change_status(
    session: Session, ids: Sequence[int], old: str, new: str, now: datetime
) -> list[int]:
    """Move occurrences still in ``old`` to ``new``; the ids that moved. Opening one (leaving
    ``scheduled`` for an open status) sets its ``opened_at``."""
    values: dict[str, Any] = {"status": new}
    if old == "scheduled" and new in OPEN_STATUSES:
        values["opened_at"] = now
    moved: list[int] = []
    for chunk in _chunks(ids):
        result = session.execute(
            update(Occurrence)
            .where(Occurrence.id.in_(chunk), Occurrence.status == old)
            .values(**values)
            .returning(Occurrence.id)
            .execution_options(synchronize_session=False)
        )
        moved.extend(result.scalars())
    return moved


def add_reminders(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Planned reminders, each ``{"occurrence_id", "attempt", "planned_at"}``: one statement."""
    if rows:
        session.execute(insert(Reminder), [{**r, "status": "planned", "tries": 0} for r in rows])


def skip_planned_reminders(session: Session, occurrence_ids: Sequence[int]) -> None:
    for chunk in _chunks(occurrence_ids):
        session.execute(
            update(Reminder)
            .where(Reminder.occurrence_id.in_(chunk), Reminder.status == "planned")
            .values(status="skipped")
            .execution_options(synchronize_session=False)
        )


@dataclass(frozen=True)
class ReminderRow:
    id: int
    occurrence_id: int
    attempt: int
    status: str
    tries: int
    patient_id: int
    plan_id: str
    questionnaire_id: str
    due_at: datetime


def _claimable(now: datetime, stale_before: datetime) -> ColumnElement[bool]:
    """Planned and due, or claimed before ``stale_before`` and never recorded."""
    return or_(
        and_(Reminder.status == "planned", Reminder.planned_at <= now),
        and_(Reminder.status == "sending", Reminder.claimed_at <= stale_before),
    )


def due_reminders(session: Session, now: datetime, stale_before: datetime) -> list[ReminderRow]:
    """Reminders to consider at ``now``, of open occurrences of going courses."""
    query = (
        select(
            Reminder.id,
            Reminder.occurrence_id,
            Reminder.attempt,
            Reminder.status,
            Reminder.tries,
            Enrolment.patient_id,
            Enrolment.plan_id,
            Occurrence.questionnaire_id,
            Occurrence.due_at,
        )
        .join(Occurrence, Occurrence.id == Reminder.occurrence_id)
        .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
        .outerjoin(PatientProfile, PatientProfile.patient_id == Enrolment.patient_id)
        .where(
            course_goes_on(),
            Occurrence.status.in_(OPEN_STATUSES),
            _claimable(now, stale_before),
        )
        .order_by(Reminder.id)
        .with_for_update(of=Reminder, skip_locked=True)
    )
    return [ReminderRow(*row) for row in session.execute(query)]


def claim_reminders(
    session: Session, ids: Sequence[int], now: datetime, stale_before: datetime
) -> list[int]:
    """Mark reminders ``sending`` (if still claimable); the ids this claim got."""
    claimed: list[int] = []
    for chunk in _chunks(ids):
        result = session.execute(
            update(Reminder)
            .where(Reminder.id.in_(chunk), _claimable(now, stale_before))
            .values(status="sending", claimed_at=now, tries=Reminder.tries + 1)
            .returning(Reminder.id)
            .execution_options(synchronize_session=False)
        )
        claimed.extend(result.scalars())
    return claimed


def set_reminder_status(
    session: Session, ids: Sequence[int], status: str, *, only_from: Sequence[str]
) -> None:
    for chunk in _chunks(ids):
        session.execute(
            update(Reminder)
            .where(Reminder.id.in_(chunk), Reminder.status.in_(only_from))
            .values(status=status)
            .execution_options(synchronize_session=False)
        )


def record_reminder(session: Session, reminder_id: int, sent: bool | None, now: datetime) -> None:
    """What came of a claimed reminder: ``sent`` (at ``now``), ``failed``, or ``skipped``
    (``sent`` None: the patient has no channel that can push)."""
    values: dict[str, Any] = {"status": "sent", "sent_at": now} if sent else {"status": "failed"}
    if sent is None:
        values = {"status": "skipped"}
    session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
