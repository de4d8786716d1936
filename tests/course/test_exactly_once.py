"""Reminders exactly once: two passes at the same time, and a pass killed between sending a
reminder and recording it (on SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.course.scheduler import DEFAULT_SENDING_TIMEOUT, ReminderTask, run_pass
from bot.settings import PROJECT_ROOT
from bot.storage.course_models import Reminder
from tests.course.conftest import Channel, Enrol, local, passes_at_once

DAY = timedelta(days=1)
T0 = local(2026, 1, 5, 10, 0)
PATIENTS = 40


class SlowChannel(Channel):
    """A channel that takes a moment per message, so the two passes overlap."""

    def __call__(self, task: ReminderTask) -> bool:
        threading.Event().wait(0.005)
        return super().__call__(task)


def test_passes_at_the_same_time_send_each_reminder_once(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
) -> None:  # fmt: skip
    enrolled(T0, count=PATIENTS)
    channel = SlowChannel()
    # Both passes also open the occurrences (they run late): each is opened once, with its
    # reminders planned once, and the due reminder of each patient is sent once.
    reports = passes_at_once(session_factory, plans, T0 + 2 * DAY, channel, times=3)
    assert sum(r.opened for r in reports) == PATIENTS
    assert sum(r.reminders_sent for r in reports) == PATIENTS
    assert len(channel.sent) == PATIENTS
    assert len({task.reminder_id for task in channel.sent}) == PATIENTS
    assert len({task.patient_id for task in channel.sent}) == PATIENTS
    with session_factory() as session:
        statuses = session.scalars(select(Reminder.status)).all()
    assert sorted(statuses) == ["planned"] * PATIENTS + ["sent"] * PATIENTS


def _kill_while_sending(database_url: str, now: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(Path(__file__).with_name("die_while_sending.py")), database_url, now],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _claims(factory: sessionmaker[Session]) -> list[tuple[str, int]]:
    with factory() as session:
        rows = session.execute(select(Reminder.status, Reminder.tries).where(Reminder.attempt == 1))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_killed_between_sending_and_recording_it_sends_once_more_never_none(
    database_url: str, session_factory: sessionmaker[Session], plans: dict[str, Plan],
    enrolled: Enrol,
) -> None:  # fmt: skip
    enrolled(T0)
    run_pass(session_factory, plans, T0, Channel())
    killed = _kill_while_sending(database_url, (T0 + 2 * DAY).isoformat())
    assert killed.returncode == -9, killed.stderr
    assert killed.stdout.strip() == "sending reminder 1"  # it went out, then the process died
    assert _claims(session_factory) == [("sending", 1)]

    # A restart within the timeout does not send it again ...
    channel = Channel()
    soon = T0 + 2 * DAY + DEFAULT_SENDING_TIMEOUT - timedelta(seconds=1)
    assert run_pass(session_factory, plans, soon, channel).reminders_sent == 0
    # ... after it, the pass cannot know whether it went out and sends it once more.
    later = T0 + 2 * DAY + DEFAULT_SENDING_TIMEOUT
    assert run_pass(session_factory, plans, later, channel).reminders_sent == 1
    assert [t.attempt for t in channel.sent] == [1]
    assert _claims(session_factory) == [("sent", 2)]
    assert run_pass(session_factory, plans, later + DAY, channel).reminders_sent == 0
    assert len(channel.sent) == 1


def test_killed_twice_the_reminder_is_given_up(
    database_url: str, session_factory: sessionmaker[Session], plans: dict[str, Plan],
    enrolled: Enrol,
) -> None:  # fmt: skip
    enrolled(T0)
    run_pass(session_factory, plans, T0, Channel())
    first = T0 + 2 * DAY
    assert _kill_while_sending(database_url, first.isoformat()).returncode == -9
    second = first + DEFAULT_SENDING_TIMEOUT
    assert _kill_while_sending(database_url, second.isoformat()).returncode == -9
    assert _claims(session_factory) == [("sending", 2)]
    channel = Channel()
    report = run_pass(session_factory, plans, second + DEFAULT_SENDING_TIMEOUT, channel)
    assert (report.reminders_sent, report.reminders_failed) == (0, 1)
    assert channel.sent == []
    assert _claims(session_factory) == [("failed", 2)]


@pytest.mark.parametrize("status", ["sent", "failed"])
def test_a_recorded_reminder_is_never_claimed_again(
    session_factory: sessionmaker[Session], plans: dict[str, Plan], enrolled: Enrol,
    status: str,
) -> None:  # fmt: skip
    enrolled(T0)
    run_pass(session_factory, plans, T0, Channel())
    assert run_pass(session_factory, plans, T0 + 2 * DAY, Channel(ok=status == "sent")
                    ).reminders_sent == (status == "sent")  # fmt: skip
    channel = Channel()
    run_pass(session_factory, plans, T0 + 2 * DAY + 2 * DEFAULT_SENDING_TIMEOUT, channel)
    assert channel.sent == []
