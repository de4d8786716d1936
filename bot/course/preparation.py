"""Sending a patient a preparation for a consultation (Vælg Klogt): an occasion due now.

A preparation goes through the course machinery, so everything a course occasion gets, it
gets: the web link opens it (bot/storage/course_conversations.py), a Telegram patient gets the
push reminder at the scheduler's next pass (the plan's ``reminders: [0h, 2d]``), the coordinator
sees it as overdue when it is not answered, and its response is ``basedOn`` a CarePlan.

The first preparation enrols the patient in the one-step plan ``forberedelse``
(dialogues/plans/forberedelse.yml); every later one adds one more occasion of that step to the
same enrolment, due at the moment it is sent (a step without ``every`` has one occasion in the
plan; the extra ones are what the coordinator asked for). One preparation is open at a time:
while one is due, sending again changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.course.enrol import enrol_patient, plan_named
from bot.course.plans import Plan
from bot.course.schedule import ReminderHours, planned_occurrences
from bot.course.scheduler import advance_occurrences
from bot.storage.conversations import Refused, refusing_duplicates
from bot.storage.course_models import OPEN_STATUSES, Enrolment, Occurrence
from bot.storage.enrolments import active_enrolments
from bot.storage.models import Patient
from bot.storage.patient_profiles import profile_of

__all__ = ["PLAN_ID", "QUESTIONNAIRE_ID", "Outcome", "Sent", "send_preparation"]

log = logging.getLogger(__name__)

PLAN_ID = "forberedelse"
QUESTIONNAIRE_ID = "forberedelse"


class Outcome(StrEnum):
    SENT = "sent"
    ALREADY_OPEN = "already-open"  # one is due and not answered yet: nothing new
    WITHDRAWN = "withdrawn"  # nothing is sent to a patient who has withdrawn


@dataclass(frozen=True)
class Sent:
    outcome: Outcome
    occurrence: Occurrence | None = None  # the open preparation (new or already there)


def send_preparation(
    session: Session,
    plans: Mapping[str, Plan],
    patient_id: int,
    now: datetime,
    *,
    zone: ZoneInfo,
    hours: ReminderHours | None = None,
) -> Sent:
    """Make a preparation due now for the patient (see the module docstring). ``UnknownPlan``
    (a ValueError) when the plan ``forberedelse`` is not loaded."""
    plan = plan_named(plans, PLAN_ID)
    profile = profile_of(session, patient_id)
    if profile is not None and profile.withdrawn_at is not None:
        return Sent(Outcome.WITHDRAWN)
    hours = hours or ReminderHours(zone=zone)
    _one_at_a_time(session, patient_id)
    enrolment = _enrolment(session, patient_id)
    if enrolment is None:
        enrolment = enrol_patient(session, plans, patient_id, plan.id, now, zone=zone, hours=hours)
        log.info("sent a preparation (new enrolment)")
        return Sent(Outcome.SENT, _open(session, enrolment.id))
    already = _open(session, enrolment.id)
    if already is not None:
        return Sent(Outcome.ALREADY_OPEN, already)
    (first,) = planned_occurrences(plan, now, zone)
    last = session.scalar(
        select(func.max(Occurrence.sequence)).where(
            Occurrence.enrolment_id == enrolment.id, Occurrence.step_index == first.step_index
        )
    )
    planned = replace(first, sequence=(last or 0) + 1)
    occurrence = Occurrence(
        enrolment_id=enrolment.id,
        step_index=planned.step_index,
        sequence=planned.sequence,
        questionnaire_id=planned.questionnaire_id,
        status="scheduled",
        due_at=planned.due_at,
        overdue_at=planned.overdue_at,
        closes_at=planned.closes_at,
    )
    try:
        with refusing_duplicates(session):
            session.add(occurrence)
            session.flush()
    except Refused:
        # Another coordinator's press made this occasion a moment ago: that one is sent.
        return Sent(Outcome.ALREADY_OPEN, _open(session, enrolment.id))
    advance_occurrences(session, plans, now, hours, enrolment_id=enrolment.id)
    session.refresh(occurrence)
    log.info("sent a preparation (occasion %d)", occurrence.sequence)
    return Sent(Outcome.SENT, occurrence)


def _one_at_a_time(session: Session, patient_id: int) -> None:
    """Hold the patient's row until commit, so that two presses at once (a double click, two
    coordinators) are one after the other and the second sees the first's preparation: a
    no-op update takes the row lock on PostgreSQL and the write lock on SQLite (whose driver
    begins the transaction at the first write, so the reads after it see the first press)."""
    session.execute(update(Patient).where(Patient.id == patient_id).values(id=Patient.id))


def _enrolment(session: Session, patient_id: int) -> Enrolment | None:
    for enrolment in active_enrolments(session, patient_id):
        if enrolment.plan_id == PLAN_ID:
            return enrolment
    return None


def _open(session: Session, enrolment_id: int) -> Occurrence | None:
    """The enrolment's preparation that is due and not answered, if any. Read afresh: the
    scheduler and an answer change statuses by bulk updates, past any loaded row."""
    return session.scalar(
        select(Occurrence)
        .where(Occurrence.enrolment_id == enrolment_id, Occurrence.status.in_(OPEN_STATUSES))
        .order_by(Occurrence.due_at, Occurrence.id)
        .limit(1)
        .execution_options(populate_existing=True)
    )
