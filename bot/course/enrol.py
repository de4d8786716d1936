"""Enrolling a patient in a plan: the course is written and what is due already opens.

``enrol_patient`` writes the enrolment with every planned occurrence and at once opens the
ones due at enrolment (a plan's ``first: 0d``), with their reminders planned, by the same code
as a scheduler pass (``scheduler.advance_occurrences``, limited to the new enrolment): the
invitation link then opens an occurrence that is already due, and nothing waits for the next
pass. ``first_questionnaire`` is what that link opens.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.course.plans import Plan
from bot.course.schedule import OPEN, ReminderHours, planned_occurrences
from bot.course.scheduler import advance_occurrences
from bot.storage.course_models import Enrolment
from bot.storage.enrolments import active_enrolments, add_enrolment

log = logging.getLogger(__name__)


class UnknownPlan(ValueError):
    """No loaded plan has this id; the message names the known ones."""


def plan_named(plans: Mapping[str, Plan], plan_id: str) -> Plan:
    plan = plans.get(plan_id)
    if plan is None:
        known = ", ".join(sorted(plans)) or "none"
        raise UnknownPlan(f"unknown plan '{plan_id}' (known: {known})")
    return plan


def first_questionnaire(plan: Plan) -> str:
    """The questionnaire of the plan's earliest occurrence (a tie: the step listed first),
    which is what the invitation link opens."""
    index = min(range(len(plan.steps)), key=lambda i: (plan.steps[i].first, i))
    return plan.steps[index].questionnaire_id


def enrol_patient(
    session: Session,
    plans: Mapping[str, Plan],
    patient_id: int,
    plan_id: str,
    now: datetime,
    *,
    zone: ZoneInfo,
    hours: ReminderHours | None = None,
) -> Enrolment:
    """Enrol the patient in the plan at ``now`` (aware), offsets counted in ``zone``; open
    what is due at ``now`` and plan its reminders (in ``hours``, by default 08-20 in
    ``zone``). A patient already in a going course of this plan keeps it: that enrolment is
    returned and nothing is written. ``UnknownPlan`` (a ValueError) for an unknown plan id."""
    plan = plan_named(plans, plan_id)
    for enrolment in active_enrolments(session, patient_id):
        if enrolment.plan_id == plan.id:
            return enrolment
    enrolment = add_enrolment(
        session, patient_id, plan.id, now, planned_occurrences(plan, now, zone)
    )
    counts = advance_occurrences(
        session, plans, now, hours or ReminderHours(zone=zone), enrolment_id=enrolment.id
    )
    log.info("enrolled a patient in plan %s (%d opened at once)", plan.id, counts.get(OPEN, 0))
    return enrolment
