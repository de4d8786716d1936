"""`bot schedule run --now ISO-TIME`: one pass as if it were that time, told in plain English."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.course.cli import add_commands
from bot.course.plans import Plan
from bot.course.scheduler import SendReminder, no_push_channel
from bot.settings import Settings
from bot.storage import db
from tests.course.conftest import Channel, enrol, local

T0 = local(2026, 1, 5, 10, 0)


def run(settings: Settings, *argv: str, channel: SendReminder | None = None) -> int:
    @contextlib.asynccontextmanager
    async def sender(*_: Any) -> AsyncIterator[SendReminder]:
        assert channel is not None
        yield channel

    parser = argparse.ArgumentParser(prog="bot")
    add_commands(
        parser.add_subparsers(dest="command", required=True),
        sender if channel is not None else None,
    )
    args = parser.parse_args(list(argv))
    result: int = args.handler(args, settings)
    return result


@pytest.fixture
def enrolled_patient(settings: Settings, plans: dict[str, Plan]) -> None:
    database = db.open(settings)
    with db.session_scope(database.session_factory) as session:
        enrol(session, plans["who5-14d"], T0)
    database.engine.dispose()


@pytest.mark.usefixtures("enrolled_patient")
def test_a_pass_as_if_it_were_15_days_later(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(settings, "schedule", "run", "--now", "2026-01-05T10:05") == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "Scheduler pass at 2026-01-05T10:05+01:00: opened 1, reminders sent 0, overdue 0, "
        "missed 0 (reminders failed 0, skipped 0, unreachable 0)."
    )
    assert run(settings, "schedule", "run", "--now", "2026-01-20T09:05+00:00") == 0
    out = capsys.readouterr().out
    # Day 15 (10:05 local): the first is missed, the second (day 14) open; without a channel
    # the reminders wait.
    assert out.splitlines() == [
        "Scheduler pass at 2026-01-20T10:05+01:00: opened 1, reminders sent 0, overdue 0, "
        "missed 1 (reminders failed 0, skipped 0, unreachable 0).",
        "No reminder channel is ready: reminders were left for a later pass.",
    ]


@pytest.mark.usefixtures("enrolled_patient")
def test_with_a_channel_the_reminders_are_sent(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    channel = Channel()
    run(settings, "schedule", "run", "--now", T0.isoformat(), channel=channel)
    later = (T0 + timedelta(days=2, hours=1)).isoformat()
    assert run(settings, "schedule", "run", "--now", later, channel=channel) == 0
    assert "opened 0, reminders sent 1, overdue 0, missed 0" in capsys.readouterr().out
    assert [task.questionnaire_id for task in channel.sent] == ["who5"]


def test_a_bad_time_is_an_error(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, "schedule", "run", "--now", "next tuesday") == 2
    assert "error: --now: not an ISO time: 'next tuesday'" in capsys.readouterr().err


@pytest.mark.usefixtures("enrolled_patient")
def test_without_a_push_channel_the_reminder_is_skipped_as_unreachable(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    run(settings, "schedule", "run", "--now", T0.isoformat(), channel=no_push_channel)
    later = (T0 + timedelta(days=2, hours=1)).isoformat()
    assert run(settings, "schedule", "run", "--now", later, channel=no_push_channel) == 0
    out = capsys.readouterr().out
    assert "reminders sent 0" in out and "unreachable 1)" in out
    assert "No push channel (Telegram) is configured" in out
    # Skipped, not left planned: the next pass has nothing to send.
    assert run(settings, "schedule", "run", "--now", later, channel=no_push_channel) == 0
    out = capsys.readouterr().out
    assert "unreachable 0)" in out and "No push channel" not in out  # nothing was due
