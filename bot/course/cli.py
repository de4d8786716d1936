"""`bot schedule run [--now ISO-TIME]`: one scheduler pass, as if it were that time."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.course.scheduler import SendReminder
from bot.settings import Settings
from bot.storage.db import Database

SenderFactory = Callable[[Settings, Database], SendReminder]


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
    from bot.course.schedule import ReminderHours
    from bot.course.scheduler import run_pass
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
    try:
        sender = sender_factory(settings, database) if sender_factory else None
        report = run_pass(
            database.session_factory, plans, now, sender, hours=ReminderHours(zone=zone)
        )
    finally:
        database.engine.dispose()
    local = now.astimezone(zone).isoformat(timespec="minutes")
    print(f"Scheduler pass at {local}: {report.summary()}.")
    if sender is None:
        print("No reminder channel is wired in: reminders were left for a later pass.")
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
