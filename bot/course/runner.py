"""The app's scheduler: a scheduler pass at start-up and every ``BOT_SCHEDULER_SECONDS``.

Started and stopped by the app's lifespan (bot/web.py). Each pass runs `run_pass` in a worker
thread at the current time, with the sender the app can offer at that moment (chosen anew
each pass, since Telegram may connect after the app started). A failing pass is logged (its
type only: an error's text may name a patient) and the next one comes as planned.

Several app processes may each run this loop against one database: `run_pass` claims every
reminder exactly once (see bot/course/scheduler.py), so no lease between processes is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.course.schedule import ReminderHours
from bot.course.scheduler import PassReport, SendReminder, run_pass
from bot.settings import Settings

log = logging.getLogger(__name__)

STOP_WAIT = 30.0  # seconds a pass in flight is given to finish when the app stops


def reminder_hours(settings: Settings) -> ReminderHours:
    """Reminder hours (BOT_REMINDER_HOURS) in the console's time zone (the patients' local
    time)."""
    start, end = settings.reminder_hours
    return ReminderHours(start=start, end=end, zone=ZoneInfo(settings.console_timezone))


class SchedulerRunner:
    """The background task. ``sender`` is called on the event loop before each pass and
    gives that pass's sender (None: reminders wait for a later pass)."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        plans: Mapping[str, Plan],
        sender: Callable[[], SendReminder | None],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.interval = settings.scheduler_seconds
        self.hours = reminder_hours(settings)
        self.session_factory = session_factory
        self.plans = plans
        self.sender = sender
        self.clock = clock
        self.passes = 0  # passes finished (failed ones too)
        self._task: asyncio.Task[None] | None = None
        self._pass: asyncio.Future[PassReport] | None = None

    async def start(self) -> None:
        if self.interval > 0:
            self._task = asyncio.create_task(self._loop(), name="scheduler")

    async def stop(self) -> None:
        """Stop the loop; a pass in flight (in its thread) is waited for, briefly."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._pass is not None and not self._pass.done():
            await asyncio.wait({self._pass}, timeout=STOP_WAIT)

    async def _loop(self) -> None:
        while True:
            await self.run_once()
            await asyncio.sleep(self.interval)

    async def run_once(self) -> PassReport | None:
        """One pass now; None if it failed."""
        report: PassReport | None = None
        try:
            send = self.sender()
            work = asyncio.to_thread(
                run_pass, self.session_factory, self.plans, self.clock(), send, hours=self.hours
            )
            self._pass = asyncio.ensure_future(work)
            # Shielded: a stop while the thread works lets the pass record what it sent.
            report = await asyncio.shield(self._pass)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.error("a scheduler pass failed: %s", type(error).__name__)
        self.passes += 1
        return report
