"""Enrolling a patient (bot/course/enrol.py): the course is written, what is due opens at once
with its reminders planned as a scheduler pass plans them, a second enrolment in the same
plan is the first, an unknown plan is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.enrol import UnknownPlan, enrol_patient, first_questionnaire
from bot.course.plans import Plan, PlanStep
from bot.course.scheduler import run_pass
from bot.storage.course_models import Enrolment, Occurrence, Reminder
from bot.storage.enrolments import end_enrolment
from tests.course.conftest import CPH, Channel, enrol, local, new_patient

DAY = timedelta(days=1)
T0 = local(2026, 1, 5, 10, 0)  # a Monday morning


def _course(session: Session, enrolment_id: int) -> list[tuple[str, str, object]]:
    rows = session.execute(
        select(Occurrence.questionnaire_id, Occurrence.status, Occurrence.opened_at)
        .where(Occurrence.enrolment_id == enrolment_id)
        .order_by(Occurrence.due_at, Occurrence.step_index)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _reminders(session: Session, enrolment_id: int) -> list[tuple[int, str, object]]:
    rows = session.execute(
        select(Reminder.attempt, Reminder.status, Reminder.planned_at)
        .join(Occurrence, Occurrence.id == Reminder.occurrence_id)
        .where(Occurrence.enrolment_id == enrolment_id)
        .order_by(Reminder.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_enrolling_opens_the_first_occurrence_and_plans_its_reminders(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient = new_patient(session)
        enrolment = enrol_patient(session, plans, patient.id, "who5-14d", T0, zone=CPH)
        session.commit()
        course = _course(session, enrolment.id)
        assert len(course) == 14
        assert course[0] == ("who5", "due", T0)
        assert {status for _, status, _ in course[1:]} == {"scheduled"}
        assert _reminders(session, enrolment.id) == [
            (1, "planned", T0 + 2 * DAY), (2, "planned", T0 + 5 * DAY)
        ]  # fmt: skip


def test_the_reminders_are_the_ones_a_scheduler_pass_plans(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], channel: Channel
) -> None:
    """The same plan, one patient enrolled by ``enrol_patient``, one by hand and opened by a
    pass at the same moment: the same occurrences and reminders. At 21:00 the 2-day reminder
    moves to the next morning, outside reminder hours."""
    evening = local(2026, 1, 5, 21, 0)
    with session_factory() as session:
        by_enrol = enrol_patient(
            session, plans, new_patient(session).id, "kemo", evening, zone=CPH
        ).id
        by_pass = enrol(session, plans["kemo"], evening).id
        session.commit()
    report = run_pass(session_factory, plans, evening, channel)
    assert report.opened == 1  # only the one enrolled by hand was left to open
    with session_factory() as session:
        assert _course(session, by_enrol) == _course(session, by_pass)
        assert _reminders(session, by_enrol) == _reminders(session, by_pass)
        assert _reminders(session, by_enrol)[0][2] == local(2026, 1, 8, 8, 0)
    assert channel.sent == []


def test_a_patient_is_not_enrolled_twice_in_the_same_plan(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient_id = new_patient(session).id
        first = enrol_patient(session, plans, patient_id, "who5-14d", T0, zone=CPH)
        again = enrol_patient(session, plans, patient_id, "who5-14d", T0 + DAY, zone=CPH)
        assert again.id == first.id
        other = enrol_patient(session, plans, patient_id, "kemo", T0 + DAY, zone=CPH)
        assert other.id != first.id
        end_enrolment(session, first, T0 + 2 * DAY, "stopped")
        later = enrol_patient(session, plans, patient_id, "who5-14d", T0 + 3 * DAY, zone=CPH)
        assert later.id not in (first.id, other.id)
        session.commit()
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 3
        assert len(_reminders(session, first.id)) == 2  # the repeat planned nothing again


def test_an_unknown_plan_is_refused_naming_the_known_ones(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient_id = new_patient(session).id
        with pytest.raises(
            ValueError, match=r"unknown plan 'nosuch' \(known: forberedelse, kemo, who5-14d\)"
        ):
            enrol_patient(session, plans, patient_id, "nosuch", T0, zone=CPH)
        with pytest.raises(UnknownPlan):
            enrol_patient(session, {}, patient_id, "who5-14d", T0, zone=CPH)
        assert session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_nothing_opens_at_enrolment_when_the_plan_starts_later(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    later = Plan("later", "Senere", (PlanStep("who5", first=DAY, overdue_after=DAY),))
    with session_factory() as session:
        patient_id = new_patient(session).id
        enrolment = enrol_patient(session, {"later": later}, patient_id, "later", T0, zone=CPH)
        assert _course(session, enrolment.id) == [("who5", "scheduled", None)]
        assert _reminders(session, enrolment.id) == []


def test_the_first_questionnaire_is_that_of_the_earliest_occurrence(
    plans: dict[str, Plan],
) -> None:
    assert first_questionnaire(plans["who5-14d"]) == "who5"
    assert first_questionnaire(plans["kemo"]) == "behovsvurdering"
    steps = (
        PlanStep("phq9", first=7 * DAY, overdue_after=DAY),
        PlanStep("gad7", first=2 * DAY, overdue_after=DAY),
        PlanStep("who5", first=2 * DAY, overdue_after=DAY),
    )
    assert first_questionnaire(Plan("x", "X", steps)) == "gad7"  # a tie: the step listed first
