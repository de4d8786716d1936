"""When occurrences are due and what a scheduler pass does to them: pure functions, no database.

- ``planned_occurrences``: every occurrence of a plan for one enrolment (due, overdue, closes);
- ``advance``: one occurrence's transitions at ``now`` — (state, now) → (actions, new state);
- ``reminder_times``: when an opened occurrence's reminders go out (only in reminder hours);
- ``choose_reminders``: which of the reminders found due at a pass are sent, skipped, given up.

Offsets are added in local calendar time (``ReminderHours.zone``), so "every 14 days" keeps
the hour of day across summer time; the results are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.course.plans import Plan

DEFAULT_ZONE = "Europe/Copenhagen"
MAX_TRIES = 2
"""Claims of one reminder: the first, and one more if the first was never recorded."""


@dataclass(frozen=True)
class ReminderHours:
    """The local hours in which reminders may go out: from ``start`` to ``end`` o'clock."""

    start: int = 8
    end: int = 20
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_ZONE))

    def allows(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(self.zone).hour < self.end

    def next_allowed(self, moment: datetime) -> datetime:
        """``moment`` itself in reminder hours, else the next ``start`` o'clock (UTC)."""
        if self.allows(moment):
            return moment.astimezone(UTC)
        local = moment.astimezone(self.zone)
        day = local.date() if local.hour < self.start else local.date() + timedelta(days=1)
        return datetime.combine(day, time(self.start), tzinfo=self.zone).astimezone(UTC)


def parse_hours(text: str, zone: str = DEFAULT_ZONE) -> ReminderHours:
    """``08-20`` (the value of a setting such as BOT_REMINDER_HOURS) as ``ReminderHours``."""
    parts = text.strip().split("-")
    try:
        start, end = (int(part) for part in parts)
    except ValueError:
        raise ValueError(f"reminder hours must look like 08-20, not {text!r}") from None
    if not 0 <= start < end <= 24:
        raise ValueError(f"reminder hours must be two hours from 0 to 24, first before last: "
                         f"{text!r}")  # fmt: skip
    return ReminderHours(start=start, end=end, zone=ZoneInfo(zone))


def local_add(moment: datetime, offset: timedelta, zone: ZoneInfo) -> datetime:
    """``moment`` plus ``offset`` counted in local calendar time, as UTC."""
    return (moment.astimezone(zone) + offset).astimezone(UTC)


# -- occurrences ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedOccurrence:
    step_index: int  # 0-based, in plan order
    sequence: int  # 1-based, within its step
    questionnaire_id: str
    due_at: datetime
    overdue_at: datetime
    closes_at: datetime | None  # None: stays open until answered


def planned_occurrences(
    plan: Plan, enrolled_at: datetime, zone: ZoneInfo | None = None
) -> list[PlannedOccurrence]:
    """Every occurrence of ``plan`` for a patient enrolled at ``enrolled_at``, by due time
    (offsets counted in ``zone``, by default Europe/Copenhagen)."""
    zone = zone or ZoneInfo(DEFAULT_ZONE)
    result: list[PlannedOccurrence] = []
    for index, step in enumerate(plan.steps):
        for sequence, offset in enumerate(step.offsets(), start=1):
            due = local_add(enrolled_at, offset, zone)
            open_for = step.open_for
            result.append(
                PlannedOccurrence(
                    step_index=index,
                    sequence=sequence,
                    questionnaire_id=step.questionnaire_id,
                    due_at=due,
                    overdue_at=local_add(due, step.overdue_after, zone),
                    closes_at=None if open_for is None else local_add(due, open_for, zone),
                )
            )
    result.sort(key=lambda o: (o.due_at, o.step_index))
    return result


@dataclass(frozen=True)
class OccurrenceState:
    status: str  # scheduled|due|answered|overdue|missed
    due_at: datetime
    overdue_at: datetime | None
    closes_at: datetime | None


OPEN = "open"
OVERDUE = "overdue"
MISSED = "missed"


def advance(state: OccurrenceState, now: datetime) -> tuple[tuple[str, ...], OccurrenceState]:
    """The transitions of one occurrence at ``now``: the actions taken and the new state.

    scheduled → due (``open``) once due; due → overdue (``overdue``) once overdue; anything
    still unanswered when it closes → missed (``missed``). A pass that comes late takes every
    step at once; an occurrence that closed before it was ever opened is missed without being
    opened (nobody is told about a questionnaire that can no longer be answered).
    """
    if state.status not in ("scheduled", "due", "overdue"):
        return (), state
    if state.closes_at is not None and now >= state.closes_at:
        return (MISSED,), replace(state, status="missed")
    actions: list[str] = []
    status = state.status
    if status == "scheduled" and now >= state.due_at:
        status = "due"
        actions.append(OPEN)
    if status == "due" and state.overdue_at is not None and now >= state.overdue_at:
        status = "overdue"
        actions.append(OVERDUE)
    return tuple(actions), replace(state, status=status)


# -- reminders --------------------------------------------------------------------------------


def reminder_times(
    due_at: datetime,
    offsets: Sequence[timedelta],
    closes_at: datetime | None,
    hours: ReminderHours,
) -> list[datetime]:
    """When the reminders of an occurrence due at ``due_at`` go out.

    A reminder that falls outside reminder hours moves to the next start of them (a night's
    reminder goes at 08:00); two that land on the same moment are one; one that would come
    after the occurrence has closed is dropped.
    """
    result: list[datetime] = []
    for offset in offsets:
        moment = hours.next_allowed(local_add(due_at, offset, hours.zone))
        if closes_at is not None and moment >= closes_at:
            continue
        if result and moment <= result[-1]:
            continue
        result.append(moment)
    return result


@dataclass(frozen=True)
class DueReminder:
    """A reminder found due at a pass: still ``planned``, or ``sending`` from a claim that was
    never recorded (``tries`` claims so far)."""

    id: int
    occurrence_id: int
    attempt: int
    status: str
    tries: int


@dataclass(frozen=True)
class ReminderChoice:
    send: tuple[int, ...] = ()
    skip: tuple[int, ...] = ()
    give_up: tuple[int, ...] = ()


def choose_reminders(
    due: Sequence[DueReminder], now: datetime, hours: ReminderHours
) -> ReminderChoice:
    """Of the reminders due at ``now``: at most one per occurrence is sent (its latest
    attempt), the earlier ones are skipped; none outside reminder hours (they wait for the
    morning). A reminder claimed ``MAX_TRIES`` times without a record is given up (failed)."""
    if not hours.allows(now):
        return ReminderChoice()
    latest: dict[int, DueReminder] = {}
    for reminder in due:
        current = latest.get(reminder.occurrence_id)
        if current is None or reminder.attempt > current.attempt:
            latest[reminder.occurrence_id] = reminder
    chosen = {r.id for r in latest.values()}
    send = tuple(sorted(r.id for r in latest.values() if r.tries < MAX_TRIES))
    give_up = tuple(sorted(r.id for r in latest.values() if r.tries >= MAX_TRIES))
    skip = tuple(sorted(r.id for r in due if r.id not in chosen))
    return ReminderChoice(send=send, skip=skip, give_up=give_up)
