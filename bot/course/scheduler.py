"""One scheduler pass: open due occurrences, mark overdue and missed ones, send due reminders.

``run_pass(session_factory, plans, now, send_reminder)`` does everything that is due at
``now`` and reports what it did. All of its state is in the database (occurrences and
reminder attempts are rows), so it can run in any process, as often as wanted, and be killed
at any point.

Exactly once. A reminder is claimed before it is sent: its row goes from ``planned`` to
``sending`` and that is committed; only then is ``send_reminder`` called, and its outcome is
recorded right after: ``sent``, ``failed``, or ``skipped`` when the patient has no channel
the bot can write to first (a web-only patient sees the questionnaire when they open their
link, and the coordinator sees them as overdue). Two passes at the same time cannot claim the
same row: on PostgreSQL the select locks the rows it returns (``FOR UPDATE SKIP LOCKED``, so
the other pass skips them), and on every database the claim is an ``UPDATE … WHERE status =
'planned'`` whose ``RETURNING`` says which rows this pass got (SQLite has one writer at a
time, so one of the two updates finds the rows already taken).

Killed between sending and recording (or a sender that cannot tell, raising
``OutcomeUnknown``). The row stays ``sending``, and the pass cannot know whether the message
went out. We err on one extra, never on none: a row still ``sending``
``sending_timeout`` (15 minutes by default, far longer than a send takes) after it was
claimed is claimed again and sent once more; a row claimed twice without a record is given up
(``failed``). A patient may therefore, rarely, get one reminder twice; never none because of
a crash. A restart within the timeout sends nothing again.

No reminder goes out outside reminder hours (they wait for the morning), after the
enrolment has ended or the patient has withdrawn (``PatientProfile.withdrawn_at``), or once
the occurrence is answered or closed. If several reminders of one occurrence are due at once
(the scheduler was down), only the latest is sent and the others are skipped. Reminder
offsets count from when the occurrence was due, which is when a pass running every few
minutes opens it.

Queries per pass: a constant number of set-based statements (see bot/storage/course_queries),
plus one update per reminder actually sent to record it; nothing grows with the number of
patients or answers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.course.schedule import (
    MISSED,
    OPEN,
    OVERDUE,
    DueReminder,
    OccurrenceState,
    ReminderHours,
    advance,
    choose_reminders,
    reminder_times,
)
from bot.storage import course_queries as queries
from bot.storage.db import session_scope

log = logging.getLogger(__name__)

DEFAULT_SENDING_TIMEOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class ReminderTask:
    """What a channel needs to send one reminder."""

    reminder_id: int
    occurrence_id: int
    attempt: int
    patient_id: int
    plan_id: str
    questionnaire_id: str
    due_at: datetime


# True: sent; False: it failed (blocked chat, Telegram error); None: the patient has no
# channel that can push (web only), so nothing was sent and the row is ``skipped``.
SendReminder = Callable[[ReminderTask], bool | None]


def no_push_channel(task: ReminderTask) -> None:
    """The sender when no push channel is configured: every patient is unreachable."""
    return None


@dataclass(frozen=True)
class PassReport:
    opened: int = 0
    overdue: int = 0
    missed: int = 0
    reminders_sent: int = 0
    reminders_failed: int = 0
    reminders_skipped: int = 0
    reminders_unreachable: int = 0  # patients without a push channel (skipped, not sent)

    def summary(self) -> str:
        return (
            f"opened {self.opened}, reminders sent {self.reminders_sent}, "
            f"overdue {self.overdue}, missed {self.missed}"
            f" (reminders failed {self.reminders_failed}, skipped {self.reminders_skipped},"
            f" unreachable {self.reminders_unreachable})"
        )


def run_pass(
    session_factory: sessionmaker[Session],
    plans: Mapping[str, Plan],
    now: datetime,
    send_reminder: SendReminder | None,
    *,
    hours: ReminderHours | None = None,
    sending_timeout: timedelta = DEFAULT_SENDING_TIMEOUT,
) -> PassReport:
    """Everything due at ``now`` (aware); see the module docstring. With no
    ``send_reminder`` (no channel wired in) reminders are left as they are, to be sent by a
    later pass that has one."""
    hours = hours or ReminderHours()
    with session_scope(session_factory) as session:
        counts = advance_occurrences(session, plans, now, hours)
    tasks: list[ReminderTask] = []
    skipped = given_up = 0
    if send_reminder is not None:
        with session_scope(session_factory) as session:
            tasks, skipped, given_up = _claim_reminders(session, now, now - sending_timeout, hours)
    outcomes: list[bool | None] = []
    unknown = 0
    for task in tasks:
        assert send_reminder is not None
        try:
            outcome = _send(send_reminder, task)
        except OutcomeUnknown:
            # Left `sending`: as after a crash, it is sent once more after the sending
            # timeout (one extra, never none).
            unknown += 1
            continue
        with session_scope(session_factory) as session:
            queries.record_reminder(session, task.reminder_id, outcome, now)
        outcomes.append(outcome)
    sent, failed = outcomes.count(True), outcomes.count(False) + unknown
    report = PassReport(
        opened=counts[OPEN],
        overdue=counts[OVERDUE],
        missed=counts[MISSED],
        reminders_sent=sent,
        reminders_failed=failed + given_up,
        reminders_skipped=skipped,
        reminders_unreachable=outcomes.count(None),
    )
    # A pass every minute that did nothing is no news for the operator.
    level = logging.INFO if report != PassReport() else logging.DEBUG
    log.log(level, "scheduler pass: %s", report.summary())
    return report


def advance_occurrences(
    session: Session,
    plans: Mapping[str, Plan],
    now: datetime,
    hours: ReminderHours,
    *,
    enrolment_id: int | None = None,
) -> dict[str, int]:
    """Open, mark overdue and miss what is due at ``now``, and plan the reminders of what
    opened; the number of each action. ``enrolment_id``: only that enrolment's occurrences
    (enrolling opens what is due at once, bot/course/enrol.py)."""
    rows = queries.occurrences_to_advance(session, now, enrolment_id=enrolment_id)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    actions_of: dict[int, tuple[str, ...]] = {}
    by_id = {row.id: row for row in rows}
    for row in rows:
        state = OccurrenceState(row.status, row.due_at, row.overdue_at, row.closes_at)
        actions, after = advance(state, now)
        if actions:
            groups[(row.status, after.status)].append(row.id)
            actions_of[row.id] = actions
    counts: dict[str, int] = defaultdict(int)
    opened: list[int] = []
    closed: list[int] = []
    for (old, new), ids in sorted(groups.items()):
        for occurrence_id in queries.change_status(session, ids, old, new, now):
            for action in actions_of[occurrence_id]:
                counts[action] += 1
            if OPEN in actions_of[occurrence_id]:
                opened.append(occurrence_id)
            if new == "missed":
                closed.append(occurrence_id)
    queries.add_reminders(session, _planned_reminders([by_id[i] for i in opened], plans, hours))
    queries.skip_planned_reminders(session, closed)
    return counts


def _planned_reminders(
    rows: list[queries.OccurrenceRow],
    plans: Mapping[str, Plan],
    hours: ReminderHours,
) -> list[dict[str, Any]]:
    # Counted from when the occurrence was due, not from when a pass got to open it: after a
    # scheduler outage the reminders that are overdue by then come at once (only the latest
    # is sent), instead of the occurrence closing before its first reminder.
    result: list[dict[str, Any]] = []
    unknown = 0
    for row in rows:
        plan = plans.get(row.plan_id)
        if plan is None or row.step_index >= len(plan.steps):
            unknown += 1
            continue
        offsets = plan.steps[row.step_index].reminders
        for attempt, moment in enumerate(
            reminder_times(row.due_at, offsets, row.closes_at, hours), 1
        ):
            result.append({"occurrence_id": row.id, "attempt": attempt, "planned_at": moment})
    if unknown:
        log.warning("%d opened occurrences belong to plans that are not loaded: no reminders",
                    unknown)  # fmt: skip
    return result


def _claim_reminders(
    session: Session, now: datetime, stale_before: datetime, hours: ReminderHours
) -> tuple[list[ReminderTask], int, int]:
    """The reminders this pass got to send, and how many it skipped and gave up."""
    if not hours.allows(now):
        return [], 0, 0
    rows = queries.due_reminders(session, now, stale_before)
    choice = choose_reminders(
        [DueReminder(r.id, r.occurrence_id, r.attempt, r.status, r.tries) for r in rows],
        now,
        hours,
    )
    claimed = set(queries.claim_reminders(session, choice.send, now, stale_before))
    queries.set_reminder_status(session, choice.skip, "skipped", only_from=("planned", "sending"))
    queries.set_reminder_status(session, choice.give_up, "failed", only_from=("sending",))
    tasks = [
        ReminderTask(
            r.id, r.occurrence_id, r.attempt, r.patient_id, r.plan_id, r.questionnaire_id, r.due_at
        )
        for r in rows
        if r.id in claimed
    ]
    return tasks, len(choice.skip), len(choice.give_up)


class OutcomeUnknown(Exception):
    """A sender cannot tell whether its message went out (e.g. the channel's answer timed
    out): the reminder is treated as after a crash between sending and recording."""


def _send(send_reminder: SendReminder, task: ReminderTask) -> bool | None:
    try:
        outcome = send_reminder(task)
        return None if outcome is None else bool(outcome)
    except OutcomeUnknown:
        raise
    except Exception as error:  # a channel failure must not stop the other reminders
        # The error's text may name the chat; its type is enough for the operator.
        log.warning("a reminder could not be sent: %s", type(error).__name__)
        return False
