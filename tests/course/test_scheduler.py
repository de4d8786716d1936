"""A scheduler pass on a real database (SQLite and PostgreSQL): opening, overdue, missed,
reminders once, in reminder hours only, and never after withdrawal or an answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.course.scheduler import run_pass
from bot.storage.console_models import PatientProfile
from bot.storage.course_models import Occurrence, Reminder
from bot.storage.enrolments import end_enrolment, mark_answered, open_occurrence
from bot.storage.models import Conversation, Response
from tests.course.conftest import Channel, Enrol, local

DAY = timedelta(days=1)
T0 = local(2026, 1, 5, 10, 0)  # a Monday morning


def statuses(factory: sessionmaker[Session], enrolment_id: int) -> list[tuple[int, str]]:
    with factory() as session:
        rows = session.execute(
            select(Occurrence.sequence, Occurrence.status)
            .where(Occurrence.enrolment_id == enrolment_id, Occurrence.status != "scheduled")
            .order_by(Occurrence.sequence)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def reminders(factory: sessionmaker[Session]) -> list[tuple[int, str, object]]:
    with factory() as session:
        rows = session.execute(
            select(Reminder.attempt, Reminder.status, Reminder.planned_at).order_by(Reminder.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_the_first_occurrence_opens_at_enrolment_with_its_reminders(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    report = run_pass(session_factory, plans, T0 + timedelta(minutes=1), channel)
    assert (report.opened, report.reminders_sent, report.overdue, report.missed) == (1, 0, 0, 0)
    assert statuses(session_factory, enrolment.id) == [(1, "due")]
    assert reminders(session_factory) == [  # counted from when it was due
        (1, "planned", T0 + 2 * DAY), (2, "planned", T0 + 5 * DAY)
    ]  # fmt: skip
    assert channel.sent == []
    again = run_pass(session_factory, plans, T0 + timedelta(minutes=2), channel)
    assert again.opened == 0 and len(reminders(session_factory)) == 2  # nothing twice


def test_a_reminder_is_sent_once_when_due(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    run_pass(session_factory, plans, T0, channel)
    assert run_pass(session_factory, plans, T0 + 2 * DAY - timedelta(minutes=1), channel
                    ).reminders_sent == 0  # fmt: skip
    report = run_pass(session_factory, plans, T0 + 2 * DAY, channel)
    assert report.reminders_sent == 1
    (task,) = channel.sent
    assert (task.patient_id, task.questionnaire_id, task.plan_id, task.attempt) == (
        enrolment.patient_id, "who5", "who5-14d", 1
    )  # fmt: skip
    assert run_pass(session_factory, plans, T0 + 2 * DAY + timedelta(hours=1), channel
                    ).reminders_sent == 0  # fmt: skip
    assert [r[:2] for r in reminders(session_factory)] == [(1, "sent"), (2, "planned")]
    assert len(channel.sent) == 1


def test_overdue_then_missed_when_the_next_one_opens(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    run_pass(session_factory, plans, T0, channel)
    assert run_pass(session_factory, plans, T0 + 7 * DAY, channel).overdue == 1
    assert statuses(session_factory, enrolment.id) == [(1, "overdue")]
    report = run_pass(session_factory, plans, T0 + 14 * DAY, channel)
    assert (report.opened, report.missed) == (1, 1)
    assert statuses(session_factory, enrolment.id) == [(1, "missed"), (2, "due")]


def test_a_pass_40_days_later_catches_up_in_one_go(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    run_pass(session_factory, plans, T0, channel)
    report = run_pass(session_factory, plans, T0 + 40 * DAY, channel)
    # 1 (opened on day 0) and 2 (day 14, never opened) are missed; 3 (day 28) is open and
    # overdue since day 35, and of its reminders (days 30 and 33) only the latest is sent.
    assert (report.opened, report.overdue, report.missed) == (1, 1, 2)
    assert statuses(session_factory, enrolment.id) == [(1, "missed"), (2, "missed"),
                                                       (3, "overdue")]  # fmt: skip
    assert (report.reminders_sent, report.reminders_skipped) == (1, 1)
    assert [(t.attempt, t.due_at) for t in channel.sent] == [(2, T0 + 28 * DAY)]
    assert [r[1] for r in reminders(session_factory)] == ["skipped", "skipped", "skipped",
                                                          "sent"]  # fmt: skip


def test_reminders_due_together_send_only_the_latest(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolled(T0)
    run_pass(session_factory, plans, T0, channel)
    report = run_pass(session_factory, plans, T0 + 6 * DAY, channel)  # both 2d and 5d due
    assert (report.reminders_sent, report.reminders_skipped) == (1, 1)
    assert [t.attempt for t in channel.sent] == [2]
    assert [r[1] for r in reminders(session_factory)] == ["skipped", "sent"]


def test_no_reminder_at_night_it_waits_for_the_morning(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolled(local(2026, 1, 5, 19, 0))
    run_pass(session_factory, plans, local(2026, 1, 5, 19, 0), channel)
    assert reminders(session_factory)[0][2] == local(2026, 1, 7, 19, 0)
    # The pass did not run in the evening; at 22:00 the reminder waits ...
    assert run_pass(session_factory, plans, local(2026, 1, 7, 22, 0), channel
                    ).reminders_sent == 0  # fmt: skip
    assert run_pass(session_factory, plans, local(2026, 1, 8, 7, 59), channel
                    ).reminders_sent == 0  # fmt: skip
    assert run_pass(session_factory, plans, local(2026, 1, 8, 8, 0), channel
                    ).reminders_sent == 1  # fmt: skip


def test_a_reminder_planned_at_night_is_planned_for_8(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolled(local(2026, 1, 5, 22, 15))
    run_pass(session_factory, plans, local(2026, 1, 5, 22, 15), channel)
    assert [r[2] for r in reminders(session_factory)] == [
        local(2026, 1, 8, 8, 0), local(2026, 1, 11, 8, 0)
    ]  # fmt: skip


def test_nothing_after_withdrawal(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    run_pass(session_factory, plans, T0, channel)
    with session_factory() as session:
        session.add(PatientProfile(patient_id=enrolment.patient_id, withdrawn_at=T0 + DAY))
        session.commit()
    report = run_pass(session_factory, plans, T0 + 20 * DAY, channel)
    assert (report.opened, report.overdue, report.missed, report.reminders_sent) == (0, 0, 0, 0)
    assert channel.sent == []
    assert statuses(session_factory, enrolment.id) == [(1, "due")]


def test_nothing_after_the_enrolment_ended(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    run_pass(session_factory, plans, T0, channel)
    with session_factory() as session:
        end_enrolment(session, session.merge(enrolment), T0 + DAY, "stopped")
        session.commit()
    assert run_pass(session_factory, plans, T0 + 20 * DAY, channel).reminders_sent == 0
    assert [r[1] for r in reminders(session_factory)] == ["skipped", "skipped"]
    assert channel.sent == []


def test_no_reminder_once_answered(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    run_pass(session_factory, plans, T0, channel)
    with session_factory() as session:
        occurrence = open_occurrence(session, enrolment.patient_id, "who5")
        assert occurrence is not None and occurrence.sequence == 1
        conversation = Conversation(patient_id=enrolment.patient_id, questionnaire_id="who5")
        session.add(conversation)
        session.flush()
        response = Response(conversation_id=conversation.id, patient_id=enrolment.patient_id,
                            questionnaire_id="who5", questionnaire_version="1.0.0",
                            status="completed")  # fmt: skip
        session.add(response)
        session.flush()
        assert mark_answered(session, occurrence.id, response.id, T0 + DAY)
        assert not mark_answered(session, occurrence.id, response.id, T0 + DAY)  # only once
        session.commit()
    report = run_pass(session_factory, plans, T0 + 13 * DAY, channel)
    assert (report.reminders_sent, report.overdue, report.missed) == (0, 0, 0)
    assert statuses(session_factory, enrolment.id) == [(1, "answered")]
    assert [r[1] for r in reminders(session_factory)] == ["skipped", "skipped"]
    assert run_pass(session_factory, plans, T0 + 14 * DAY, channel).missed == 0


@pytest.mark.parametrize("how", ["false", "raises"])
def test_a_failed_send_is_recorded_and_not_repeated(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol, how: str,
) -> None:  # fmt: skip
    enrolled(T0)
    run_pass(session_factory, plans, T0, Channel())
    calls: list[int] = []

    def failing(task: object) -> bool:
        calls.append(1)
        if how == "raises":
            raise ConnectionError("chat 12345 unreachable")
        return False

    report = run_pass(session_factory, plans, T0 + 2 * DAY, failing)
    assert (report.reminders_sent, report.reminders_failed) == (0, 1)
    assert run_pass(session_factory, plans, T0 + 3 * DAY, failing).reminders_failed == 0
    assert len(calls) == 1
    assert [r[1] for r in reminders(session_factory)] == ["failed", "planned"]


def test_without_a_channel_reminders_wait(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolled(T0)
    run_pass(session_factory, plans, T0, None)
    assert run_pass(session_factory, plans, T0 + 2 * DAY, None).reminders_sent == 0
    assert [r[1] for r in reminders(session_factory)] == ["planned", "planned"]
    assert run_pass(session_factory, plans, T0 + 2 * DAY, channel).reminders_sent == 1


def test_an_occurrence_of_an_unknown_plan_opens_without_reminders(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    enrolment = enrolled(T0)
    assert run_pass(session_factory, {}, T0, channel).opened == 1
    assert statuses(session_factory, enrolment.id) == [(1, "due")]
    assert reminders(session_factory) == []


def test_a_send_of_unknown_outcome_is_resent_once_after_the_sending_timeout(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    channel: Channel,
) -> None:  # fmt: skip
    from bot.course.scheduler import OutcomeUnknown

    enrolled(T0)
    run_pass(session_factory, plans, T0, None)
    calls: list[int] = []

    def timing_out(task: object) -> bool:
        calls.append(1)
        raise OutcomeUnknown

    at = T0 + 2 * DAY
    assert run_pass(session_factory, plans, at, timing_out).reminders_sent == 0
    assert [r[1] for r in reminders(session_factory)] == ["sending", "planned"]
    # Within the sending timeout nothing is sent again; after it, once (one extra, never none).
    assert run_pass(session_factory, plans, at + timedelta(minutes=5), channel).reminders_sent == 0
    report = run_pass(session_factory, plans, at + timedelta(minutes=16), channel)
    assert report.reminders_sent == 1 and len(calls) == 1 and len(channel.sent) == 1
    assert [r[1] for r in reminders(session_factory)] == ["sent", "planned"]
