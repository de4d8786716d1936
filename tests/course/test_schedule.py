"""The pure time rules: occurrences of a plan, their transitions, reminder hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.course.plans import Plan
from bot.course.schedule import (
    DueReminder,
    OccurrenceState,
    ReminderHours,
    advance,
    choose_reminders,
    parse_hours,
    planned_occurrences,
    reminder_times,
)
from tests.course.conftest import CPH, local

HOURS = ReminderHours()
DAY = timedelta(days=1)


def test_who5_14d_occurrences(plans: dict[str, Plan]) -> None:
    enrolled = local(2026, 1, 5, 10, 0)
    occurrences = planned_occurrences(plans["who5-14d"], enrolled, CPH)
    assert [o.sequence for o in occurrences] == list(range(1, 15))
    assert occurrences[0].due_at == enrolled
    assert occurrences[-1].due_at == local(2026, 7, 6, 10, 0)  # day 182
    first = occurrences[0]
    assert first.overdue_at == local(2026, 1, 12, 10, 0)
    assert first.closes_at == occurrences[1].due_at  # missed when the next one opens
    assert all(o.due_at.tzinfo == UTC for o in occurrences)


def test_days_are_local_calendar_days_across_summer_time(plans: dict[str, Plan]) -> None:
    # Summer time starts on 29 March 2026: 14 days after 10:00 is 10:00 again, an hour less
    # in UTC.
    occurrences = planned_occurrences(plans["who5-14d"], local(2026, 3, 20, 10, 0), CPH)
    assert occurrences[0].due_at == datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
    assert occurrences[1].due_at == datetime(2026, 4, 3, 8, 0, tzinfo=UTC)
    assert occurrences[1].due_at.astimezone(CPH).hour == 10


def test_kemo_occurrences_are_in_due_order(plans: dict[str, Plan]) -> None:
    occurrences = planned_occurrences(plans["kemo"], local(2026, 1, 5, 10, 0), CPH)
    assert len(occurrences) == 3 + 13
    assert [(o.questionnaire_id, o.sequence) for o in occurrences[:3]] == [
        ("behovsvurdering", 1), ("who5", 1), ("who5", 2)
    ]  # fmt: skip
    needs = [o for o in occurrences if o.questionnaire_id == "behovsvurdering"]
    assert [o.due_at.astimezone(CPH).date().isoformat() for o in needs] == [
        "2026-01-05", "2026-04-06", "2026-07-06"
    ]  # fmt: skip
    assert needs[0].closes_at == local(2026, 2, 2, 10, 0)  # window 28d


T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STATE = OccurrenceState("scheduled", T0, T0 + 7 * DAY, T0 + 14 * DAY)


@pytest.mark.parametrize(
    ("status", "now", "actions", "after"),
    [
        ("scheduled", T0 - timedelta(seconds=1), (), "scheduled"),
        ("scheduled", T0, ("open",), "due"),
        ("scheduled", T0 + 7 * DAY, ("open", "overdue"), "overdue"),  # a late pass
        ("scheduled", T0 + 14 * DAY, ("missed",), "missed"),  # never opened: nobody told
        ("due", T0 + DAY, (), "due"),
        ("due", T0 + 7 * DAY, ("overdue",), "overdue"),
        ("due", T0 + 14 * DAY, ("missed",), "missed"),
        ("overdue", T0 + 13 * DAY, (), "overdue"),
        ("overdue", T0 + 14 * DAY, ("missed",), "missed"),
        ("answered", T0 + 30 * DAY, (), "answered"),
        ("missed", T0 + 30 * DAY, (), "missed"),
    ],
)
def test_advance(status: str, now: datetime, actions: tuple[str, ...], after: str) -> None:
    state = OccurrenceState(status, STATE.due_at, STATE.overdue_at, STATE.closes_at)
    got_actions, got = advance(state, now)
    assert got_actions == actions
    assert got.status == after
    assert (got.due_at, got.overdue_at, got.closes_at) == (T0, T0 + 7 * DAY, T0 + 14 * DAY)


def test_an_occurrence_without_a_window_is_never_missed() -> None:
    state = OccurrenceState("overdue", T0, T0 + DAY, None)
    assert advance(state, T0 + 1000 * DAY) == ((), state)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (local(2026, 1, 5, 7, 59), False),
        (local(2026, 1, 5, 8, 0), True),
        (local(2026, 1, 5, 19, 59), True),
        (local(2026, 1, 5, 20, 0), False),
        (local(2026, 7, 5, 7, 30), False),  # summer: 05:30 UTC
        (datetime(2026, 7, 5, 6, 30, tzinfo=UTC), True),  # 08:30 in Copenhagen
    ],
)
def test_reminder_hours_are_local(moment: datetime, allowed: bool) -> None:
    assert HOURS.allows(moment) is allowed


@pytest.mark.parametrize(
    ("moment", "moved"),
    [
        (local(2026, 1, 5, 12, 0), local(2026, 1, 5, 12, 0)),
        (local(2026, 1, 5, 3, 0), local(2026, 1, 5, 8, 0)),  # before 08: the same morning
        (local(2026, 1, 5, 20, 0), local(2026, 1, 6, 8, 0)),  # from 20: the next morning
        (local(2026, 1, 5, 23, 30), local(2026, 1, 6, 8, 0)),
        (local(2026, 3, 28, 22, 0), local(2026, 3, 29, 8, 0)),  # into summer time
    ],
)
def test_a_reminder_at_night_moves_to_8(moment: datetime, moved: datetime) -> None:
    assert HOURS.next_allowed(moment) == moved
    assert HOURS.next_allowed(moment).tzinfo == UTC


def test_reminder_times() -> None:
    opened = local(2026, 1, 5, 21, 30)
    closes = opened + 14 * DAY
    times = reminder_times(opened, [2 * DAY, 5 * DAY], closes, HOURS)
    assert times == [local(2026, 1, 8, 8, 0), local(2026, 1, 11, 8, 0)]


def test_reminders_that_meet_at_8_are_one_and_none_comes_after_closing() -> None:
    opened = local(2026, 1, 5, 21, 0)
    offsets = [timedelta(hours=1), timedelta(hours=2), 2 * DAY]
    times = reminder_times(opened, offsets, local(2026, 1, 7, 9, 0), HOURS)
    assert times == [local(2026, 1, 6, 8, 0)]  # 22:00 and 23:00 are one; day 2 is too late


def test_parse_hours() -> None:
    hours = parse_hours("09-17", "Europe/Copenhagen")
    assert (hours.start, hours.end, hours.zone) == (9, 17, ZoneInfo("Europe/Copenhagen"))
    assert parse_hours("08-20") == ReminderHours()
    for bad in ("8", "20-08", "08-25", "a-b", "08-20-22"):
        with pytest.raises(ValueError, match="reminder hours"):
            parse_hours(bad)


def due(rid: int, occurrence: int, attempt: int, status: str = "planned", tries: int = 0
        ) -> DueReminder:  # fmt: skip
    return DueReminder(rid, occurrence, attempt, status, tries)


def test_one_reminder_per_occurrence_the_latest() -> None:
    found = [due(1, 10, 1), due(2, 10, 2), due(3, 11, 1)]
    choice = choose_reminders(found, local(2026, 1, 5, 12, 0), HOURS)
    assert choice.send == (2, 3)
    assert choice.skip == (1,)
    assert choice.give_up == ()


def test_no_reminder_outside_reminder_hours() -> None:
    choice = choose_reminders([due(1, 10, 1)], local(2026, 1, 5, 20, 30), HOURS)
    assert (choice.send, choice.skip, choice.give_up) == ((), (), ())


def test_an_unrecorded_claim_is_sent_once_more_then_given_up() -> None:
    now = local(2026, 1, 5, 12, 0)
    assert choose_reminders([due(1, 10, 1, "sending", 1)], now, HOURS).send == (1,)
    given_up = choose_reminders([due(1, 10, 1, "sending", 2)], now, HOURS)
    assert (given_up.send, given_up.give_up) == ((), (1,))
