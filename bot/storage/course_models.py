"""Tables of the patient's course: enrolments in a plan, their occurrences, reminder attempts.

The scheduler keeps all of its state here (migration ``0009_course``), so a restart loses and
repeats nothing: an occurrence row is written for every planned questionnaire when a patient
is enrolled, and a reminder row for every planned reminder when its occurrence opens.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.models import Base, new_id, utcnow

DEFAULT_TEAM_NAME = "Standard"
"""The team that migration 0009 creates when there is none (patients and users without one)."""

OCCURRENCE_STATUSES: tuple[str, ...] = ("scheduled", "due", "answered", "overdue", "missed")
OPEN_STATUSES: tuple[str, ...] = ("due", "overdue")
# skipped: not sent, because the occurrence was closed first or a later reminder of the same
# occurrence was due at the same pass (one reminder at a time, never a burst).
REMINDER_STATUSES: tuple[str, ...] = ("planned", "sending", "sent", "failed", "skipped")
END_REASONS: tuple[str, ...] = ("completed", "withdrawn", "stopped")


class Enrolment(Base):
    """A patient following one plan from ``enrolled_at``; ``ended_at`` stops the course."""

    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id the FHIR export uses (CarePlan.id): database keys are never exported.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    plan_id: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(16))

    occurrences: Mapped[list[Occurrence]] = relationship(
        back_populates="enrolment", order_by=lambda: (Occurrence.due_at, Occurrence.step_index)
    )


class Occurrence(Base):
    """One planned questionnaire of an enrolment: the ``sequence``-th of plan step
    ``step_index`` (0-based), open from ``due_at`` until ``closes_at`` (None: until answered),
    overdue for the coordinator from ``overdue_at``."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("enrolment_id", "step_index", "sequence"),
        Index("ix_occurrences_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"))
    step_index: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    questionnaire_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    due_at: Mapped[datetime]
    overdue_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    response_id: Mapped[str | None] = mapped_column(ForeignKey("responses.id"))

    enrolment: Mapped[Enrolment] = relationship(back_populates="occurrences")
    reminders: Mapped[list[Reminder]] = relationship(
        back_populates="occurrence", order_by="Reminder.attempt"
    )


class Reminder(Base):
    """One reminder attempt of an occurrence. ``sending`` is written and committed before the
    channel is called, ``sent`` after (see bot/course/scheduler.py for what a crash leaves)."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "attempt"),
        Index("ix_reminders_status_planned_at", "status", "planned_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("occurrences.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    planned_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="planned")
    # When the last claim marked it `sending`, and how many claims there were (a claim that
    # never got recorded is retried once, see the scheduler).
    claimed_at: Mapped[datetime | None]
    tries: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]

    occurrence: Mapped[Occurrence] = relationship(back_populates="reminders")
