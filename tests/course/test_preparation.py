"""Sending a preparation (bot/course/preparation.py): the first one enrols the patient in the
one-step plan forberedelse and opens it now, with a push reminder at the next pass; a second
press while it is open changes nothing; after it is answered the next press adds occasion 2;
a withdrawn patient gets nothing; a patient in another course keeps it and the link opens the
preparation; a plan of a course can hold the preparation as a step of its own."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.enrol import enrol_patient
from bot.course.plans import Plan, load_plans
from bot.course.preparation import PLAN_ID, QUESTIONNAIRE_ID, Outcome, send_preparation
from bot.course.scheduler import run_pass
from bot.questionnaire.model import Questionnaire
from bot.storage.console_models import PatientProfile
from bot.storage.course_conversations import course_conversation
from bot.storage.course_models import Enrolment, Occurrence, Reminder
from bot.storage.enrolments import mark_answered
from bot.storage.models import Conversation, Response
from tests.course.conftest import CPH, Channel, local, new_patient

DAY = timedelta(days=1)
T0 = local(2026, 3, 2, 10, 0)  # a Monday morning, in reminder hours


def _occurrences(session: Session, patient_id: int) -> list[tuple[int, str, object]]:
    rows = session.execute(
        select(Occurrence.sequence, Occurrence.status, Occurrence.due_at)
        .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
        .where(Enrolment.patient_id == patient_id, Enrolment.plan_id == PLAN_ID)
        .order_by(Occurrence.sequence)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _answer(session: Session, patient_id: int, occurrence: Occurrence) -> None:
    conversation = Conversation(
        patient_id=patient_id, questionnaire_id=QUESTIONNAIRE_ID, occurrence_id=occurrence.id
    )
    session.add(conversation)
    session.flush()
    response = Response(
        conversation_id=conversation.id, patient_id=patient_id,
        questionnaire_id=QUESTIONNAIRE_ID, questionnaire_version="1.0.0", status="completed",
    )  # fmt: skip
    session.add(response)
    session.flush()
    assert mark_answered(session, occurrence.id, response.id, T0 + DAY)


def test_the_plan_is_one_preparation_due_at_once(plans: dict[str, Plan]) -> None:
    (step,) = plans[PLAN_ID].steps
    assert (step.questionnaire_id, step.first, step.every) == (QUESTIONNAIRE_ID, 0 * DAY, None)
    assert step.reminders[0] == 0 * DAY  # a Telegram patient hears of it at the next pass
    assert step.open_for is not None and step.overdue_after < step.open_for


def test_the_first_preparation_enrols_and_opens_now_with_a_push_at_the_next_pass(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], channel: Channel
) -> None:
    with session_factory() as session:
        patient = new_patient(session)
        sent = send_preparation(session, plans, patient.id, T0, zone=CPH)
        session.commit()
        assert sent.outcome is Outcome.SENT and sent.occurrence is not None
        assert sent.occurrence.status == "due"
        assert _occurrences(session, patient.id) == [(1, "due", T0)]
        patient_id = patient.id
    report = run_pass(session_factory, plans, T0 + timedelta(minutes=1), channel)
    assert report.reminders_sent == 1
    (task,) = channel.sent
    assert (task.patient_id, task.plan_id, task.questionnaire_id) == (
        patient_id, PLAN_ID, QUESTIONNAIRE_ID
    )  # fmt: skip


def test_a_second_press_while_one_is_open_sends_nothing(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient = new_patient(session)
        first = send_preparation(session, plans, patient.id, T0, zone=CPH)
        again = send_preparation(session, plans, patient.id, T0 + DAY, zone=CPH)
        session.commit()
        assert again.outcome is Outcome.ALREADY_OPEN
        assert first.occurrence is not None and again.occurrence is not None
        assert again.occurrence.id == first.occurrence.id
        assert _occurrences(session, patient.id) == [(1, "due", T0)]
        assert session.scalar(select(Enrolment.id).where(Enrolment.patient_id == patient.id))


def test_after_an_answer_the_next_press_adds_the_next_occasion_due_then(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    later = T0 + 30 * DAY
    with session_factory() as session:
        patient = new_patient(session)
        first = send_preparation(session, plans, patient.id, T0, zone=CPH)
        assert first.occurrence is not None
        _answer(session, patient.id, first.occurrence)
        second = send_preparation(session, plans, patient.id, later, zone=CPH)
        session.commit()
        assert second.outcome is Outcome.SENT and second.occurrence is not None
        assert _occurrences(session, patient.id) == [(1, "answered", T0), (2, "due", later)]
        enrolments = session.scalars(select(Enrolment).where(Enrolment.patient_id == patient.id))
        assert len(list(enrolments)) == 1  # one CarePlan, one more activity
        reminders = session.scalars(
            select(Reminder.planned_at).where(Reminder.occurrence_id == second.occurrence.id)
        )
        assert list(reminders) == [later, later + 2 * DAY]
        assert second.occurrence.closes_at == later + 14 * DAY


def test_a_withdrawn_patient_gets_no_preparation(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient = new_patient(session)
        session.add(PatientProfile(patient_id=patient.id, withdrawn_at=T0 - DAY))
        session.flush()
        sent = send_preparation(session, plans, patient.id, T0, zone=CPH)
        assert sent.outcome is Outcome.WITHDRAWN and sent.occurrence is None
        assert _occurrences(session, patient.id) == []


def test_a_patient_in_a_course_keeps_it_and_their_link_opens_the_preparation(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient = new_patient(session)
        course = enrol_patient(session, plans, patient.id, "who5-14d", T0 - 20 * DAY, zone=CPH)
        # The first WHO-5 is answered; the second is not due until day 28 (from T0 - 20).
        (first_who5,) = [o for o in course.occurrences if o.sequence == 1]
        done = Conversation(patient_id=patient.id, questionnaire_id="who5",
                            occurrence_id=first_who5.id, status="completed",
                            completed_at=T0 - 19 * DAY)  # fmt: skip
        session.add(done)
        session.flush()
        session.execute(
            Occurrence.__table__.update()
            .where(Occurrence.id == first_who5.id)
            .values(status="answered")
        )
        sent = send_preparation(session, plans, patient.id, T0, zone=CPH)
        assert sent.outcome is Outcome.SENT and sent.occurrence is not None
        opened = course_conversation(session, done)
        assert opened.questionnaire_id == QUESTIONNAIRE_ID
        assert opened.occurrence_id == sent.occurrence.id
        plan_ids = session.scalars(
            select(Enrolment.plan_id).where(
                Enrolment.patient_id == patient.id, Enrolment.ended_at.is_(None)
            )
        )
        assert sorted(plan_ids) == [PLAN_ID, "who5-14d"]


def test_a_course_plan_can_hold_the_preparation_as_a_step(
    tmp_path: Path, questionnaires: dict[str, Questionnaire]
) -> None:
    # The step docs/COURSE.md shows: a preparation a week before the three-month talk.
    (tmp_path / "kemo-samtale.yml").write_text(
        "id: kemo-samtale\n"
        'title: "Kemo med samtale efter tre måneder"\n'
        "steps:\n"
        "  - questionnaire: who5\n"
        "    first: 0d\n    every: 14d\n    until: 182d\n    overdue_after: 7d\n"
        "  - questionnaire: forberedelse\n"
        "    first: 84d\n    window: 7d\n    reminders: [0h, 2d]\n    overdue_after: 5d\n",
        encoding="utf-8",
    )
    plan = load_plans(tmp_path, questionnaires)["kemo-samtale"]
    preparation = plan.steps[1]
    assert preparation.questionnaire_id == QUESTIONNAIRE_ID
    assert preparation.offsets() == (84 * DAY,)


def test_two_presses_at_once_send_one_preparation(
    session_factory: sessionmaker[Session], plans: dict[str, Plan]
) -> None:
    with session_factory() as session:
        patient_id = new_patient(session).id
        session.commit()
    start = threading.Barrier(2)
    outcomes: list[Outcome] = []
    errors: list[BaseException] = []

    def press() -> None:
        try:
            with session_factory() as session:
                start.wait()
                sent = send_preparation(session, plans, patient_id, T0, zone=CPH)
                # Slow to commit, as a request that still renders its page.
                time.sleep(0.2)
                session.commit()
                outcomes.append(sent.outcome)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(outcomes) == [Outcome.ALREADY_OPEN, Outcome.SENT]
    with session_factory() as session:
        assert _occurrences(session, patient_id) == [(1, "due", T0)]
        plans_of = session.scalars(
            select(Enrolment.plan_id).where(Enrolment.patient_id == patient_id)
        )
        assert list(plans_of) == [PLAN_ID]
