"""The app's scheduler task (bot/course/runner.py): a pass at start and every interval, a
failing pass logged by type and the loop going on, stop waiting for a pass in flight."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.course.runner import SchedulerRunner
from bot.course.scheduler import ReminderTask, SendReminder
from bot.settings import Settings
from bot.storage.course_models import Reminder
from bot.web import create_app
from tests.channels.test_webchat import closed_port
from tests.conftest import make_settings
from tests.course.conftest import Channel, Enrol, local

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

T0 = local(2026, 1, 5, 10, 0)
REMIND_AT = T0 + timedelta(days=2, hours=1)


def runner(
    settings: Settings,
    factory: sessionmaker[Session],
    plans: dict[str, Plan],
    sender: Callable[[], SendReminder | None],
    seconds: float = 0.05,
) -> SchedulerRunner:
    return SchedulerRunner(
        settings.with_overrides(scheduler_seconds=seconds), factory, plans, sender,
        clock=lambda: REMIND_AT,
    )  # fmt: skip


async def until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_pass_at_start_and_every_interval_and_stop_ends_them(
    settings: Settings, session_factory: sessionmaker[Session], plans: dict[str, Plan],
    enrolled: Enrol, channel: Channel,
) -> None:  # fmt: skip
    enrolled(T0)
    task = runner(settings, session_factory, plans, lambda: channel)
    await task.start()
    await until(lambda: task.passes >= 1)
    assert len(channel.sent) == 1  # the first pass, at start, opened and reminded
    await until(lambda: task.passes >= 4)
    await task.stop()
    passes = task.passes
    await asyncio.sleep(0.2)
    assert task.passes == passes
    assert len(channel.sent) == 1  # claimed once, however many passes


async def test_a_failing_pass_is_logged_by_type_and_the_loop_goes_on(
    settings: Settings, session_factory: sessionmaker[Session], plans: dict[str, Plan],
    enrolled: Enrol, channel: Channel, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    enrolled(T0)
    calls: list[int] = []

    def sender() -> SendReminder:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a message quoting P-ABCD2345")
        return channel

    failing = {"left": 1}

    def factory() -> Session:  # the second pass fails in its thread, on the database
        if failing["left"] and len(calls) == 2:
            failing["left"] = 0
            raise OSError("disk full")
        return session_factory()

    task = runner(settings, factory, plans, sender)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="bot.course.runner"):
        await task.start()
        await until(lambda: len(channel.sent) == 1)
        await task.stop()
    failures = [r.getMessage() for r in caplog.records if "scheduler pass failed" in r.message]
    assert failures == [
        "a scheduler pass failed: RuntimeError",
        "a scheduler pass failed: OSError",
    ]
    assert "P-ABCD2345" not in caplog.text and "disk full" not in caplog.text


async def test_stop_waits_for_the_pass_in_flight_and_zero_is_off(
    settings: Settings, session_factory: sessionmaker[Session], plans: dict[str, Plan],
    enrolled: Enrol,
) -> None:  # fmt: skip
    enrolled(T0)
    sending, finish = threading.Event(), threading.Event()

    def slow(task: ReminderTask) -> bool:
        sending.set()
        return finish.wait(timeout=10)

    off = runner(settings, session_factory, plans, lambda: slow, seconds=0)
    await off.start()
    await asyncio.sleep(0.1)
    assert off.passes == 0 and not sending.is_set()

    task = runner(settings, session_factory, plans, lambda: slow, seconds=60)
    await task.start()
    await asyncio.to_thread(sending.wait, 10)
    stopping = asyncio.create_task(task.stop())
    await asyncio.sleep(0.1)
    assert not stopping.done()  # the reminder is out: its outcome is recorded before stopping
    finish.set()
    await asyncio.wait_for(stopping, 10)
    with session_factory() as session:
        assert "sent" in session.scalars(select(Reminder.status)).all()


def test_the_app_runs_passes_while_it_runs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        BOT_SCHEDULER_SECONDS="0.05",
    )
    app = create_app(settings, manage_engine=False)
    with caplog.at_level(logging.DEBUG, logger="bot.course.scheduler"), TestClient(app) as client:
        state: Any = client.app.state  # type: ignore[attr-defined]
        deadline = time.monotonic() + 20
        while state.scheduler.passes < 2:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    # No Telegram: every reminder would count as unreachable.
    assert "scheduler pass: opened 0" in caplog.text


def test_reminder_hours_come_from_the_settings(tmp_path: Path) -> None:
    from bot.course.runner import reminder_hours

    hours = reminder_hours(make_settings(tmp_path, BOT_REMINDER_HOURS="09-17"))
    assert (hours.start, hours.end, str(hours.zone)) == (9, 17, "Europe/Copenhagen")
    assert not hours.allows(local(2026, 1, 5, 8, 30)) and hours.allows(local(2026, 1, 5, 9, 0))
