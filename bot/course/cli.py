"""`bot schedule run [--now ISO-TIME]`: one scheduler pass, as if it were that time.

The pass runs in a worker thread while this process's event loop stays free, so a sender
that needs one (Telegram's bot) can post onto it, as in the app (bot/course/runner.py).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.course.scheduler import SendReminder, no_push_channel
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings

# The sender of the pass, made (and closed) on the command's event loop; None: reminders wait.
SenderFactory = Callable[
    [Settings, sessionmaker[Session], Mapping[str, Questionnaire]],
    AbstractAsyncContextManager[SendReminder | None],
]


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """An ISO time; without a UTC offset it is local time in ``zone``."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"not an ISO time: {text!r} (e.g. 2026-12-16T10:00 or 2026-12-16T09:00+00:00)"
        ) from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment


def cmd_schedule_run(
    args: argparse.Namespace, settings: Settings, sender_factory: SenderFactory | None
) -> int:
    from bot.course.plans import load_plans
    from bot.course.runner import reminder_hours
    from bot.course.scheduler import PassReport, run_pass
    from bot.questionnaire.loader import load_directory
    from bot.storage import db

    zone = ZoneInfo(settings.console_timezone)
    try:
        now = parse_moment(args.now, zone) if args.now else datetime.now(zone)
    except ValueError as error:
        print(f"error: --now: {error}", file=sys.stderr)
        return 2
    questionnaires = load_directory(
        settings.questionnaire_dir, canonical_base=settings.fhir_canonical_base
    )
    plans = load_plans(settings.plans_dir, questionnaires)
    database = db.open(settings)
    factory = database.session_factory
    senders: list[SendReminder | None] = []

    async def one_pass() -> PassReport:
        if sender_factory is None:
            senders.append(None)
            return run_pass(factory, plans, now, None, hours=reminder_hours(settings))
        async with sender_factory(settings, factory, questionnaires) as sender:
            senders.append(sender)
            return await asyncio.to_thread(
                run_pass, factory, plans, now, sender, hours=reminder_hours(settings)
            )

    try:
        report = asyncio.run(one_pass())
    finally:
        database.engine.dispose()
    local = now.astimezone(zone).isoformat(timespec="minutes")
    print(f"Scheduler pass at {local}: {report.summary()}.")
    if senders[0] is None:
        print("No reminder channel is ready: reminders were left for a later pass.")
    elif senders[0] is no_push_channel and report.reminders_unreachable:
        print(
            "No push channel (Telegram) is configured: those reminders were not sent; web "
            "patients see the questionnaire when they open their link."
        )
    return 0


def add_commands(commands: Any, sender_factory: SenderFactory | None = None) -> None:
    """Add `bot schedule run` to the CLI's subcommands; ``sender_factory`` makes the channel
    that sends reminders (none: the pass leaves reminders for a later one)."""
    schedule = commands.add_parser("schedule", help="the scheduler of the patients' courses")
    schedule_commands = schedule.add_subparsers(dest="schedule_command", required=True)
    run = schedule_commands.add_parser(
        "run", help="one pass: open due questionnaires, mark overdue and missed, send reminders"
    )
    run.add_argument(
        "--now",
        help="run as if it were this ISO time (local time unless it has an offset); default: now",
    )
    run.set_defaults(
        handler=lambda args, settings: cmd_schedule_run(args, settings, sender_factory)
    )
