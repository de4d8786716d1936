"""Course reminders pushed to Telegram (bot/channels/telegram/reminders.py): the real PTB stack
against the fake Bot API, the scheduler's pass in a worker thread as in the app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram.reminders import TelegramReminders, pass_sender
from bot.course.plans import Plan, load_plans
from bot.course.scheduler import (
    DEFAULT_SENDING_TIMEOUT,
    PassReport,
    ReminderTask,
    run_pass,
)
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.settings import PROJECT_ROOT
from bot.storage.console_models import PatientProfile
from bot.storage.conversations import conversation_for_invitation
from bot.storage.course_models import Enrolment, Occurrence, Reminder
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Patient, utcnow
from bot.storage.patients import create_invitation, create_patient
from bot.storage.telegram_chats import link_telegram_chat
from bot.storage.transcripts import transcript
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.rig import Rig, act, sqlite_factory
from tests.course.conftest import PLANS_DIR, enrol, local, passes_at_once

T0 = local(2026, 1, 5, 10, 0)
REMIND_AT = T0 + timedelta(days=2, hours=1)  # the first reminder of who5-14d is due


@pytest.fixture(scope="module")
def plans(questionnaires: dict[str, Questionnaire]) -> dict[str, Plan]:
    return load_plans(PLANS_DIR, questionnaires)


def linked_patient(
    factory: sessionmaker[Session], plans: dict[str, Plan], chat_id: int | None
) -> int:
    """A patient enrolled in who5-14d at T0, linked to a Telegram chat (None: web only), as
    `/start <code>` links one."""
    with session_scope(factory) as session:
        patient = create_patient(session)
        if chat_id is not None:
            issued = create_invitation(
                session, patient, "who5", channel="telegram", valid_for=timedelta(days=14)
            )
            conversation = conversation_for_invitation(session, issued.invitation)
            link_telegram_chat(session, chat_id, issued.invitation, conversation)
        enrol(session, plans["who5-14d"], T0, patient)
        return patient.id


async def remind(
    rig: Rig, plans: dict[str, Plan], questionnaires: Any, *, opened: bool = False
) -> PassReport:
    """Open at T0 (no sender), then the reminder pass, in a worker thread as in the app."""
    if not opened:
        await act(run_pass, rig.session_factory, plans, T0, None)
    sender = pass_sender(rig.channel, questionnaires)
    assert isinstance(sender, TelegramReminders)
    report: PassReport = await act(run_pass, rig.session_factory, plans, REMIND_AT, sender)
    return report


async def test_a_patient_is_reminded_without_writing_and_start_begins_the_occurrence(
    rig: Rig, plans: dict[str, Plan], questionnaires: dict[str, Questionnaire], texts: Texts
) -> None:
    user = rig.user(6001)
    await act(user.command, "start", await rig.invite(), sends=2)
    row = rig.chat_row(6001)
    assert row is not None
    first, patient_id = row.conversation_id, row.patient_id
    with session_scope(rig.session_factory) as session:
        conversation = session.get(Conversation, first)
        assert conversation is not None
        conversation.completed_at = utcnow()  # a one-off WHO-5, answered before the course
        enrol(session, plans["who5-14d"], T0, session.get(Patient, patient_id))

    since = rig.api.mark()
    report = await remind(rig, plans, questionnaires)
    assert (report.reminders_sent, report.reminders_unreachable) == (1, 0)
    [sent] = rig.api.sent_since(since, 6001)  # pushed: the patient wrote nothing
    title = questionnaires["who5"].title
    assert sent["text"] == texts._(
        "Hello. It is time for your questionnaire: {title}. Tap Start when you are ready.",
        title=title,
    )
    assert sent["text"].startswith("Hej. ") and title in sent["text"]
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "Start", "callback_data": "/start"}]]
    }

    row = rig.chat_row(6001)
    assert row is not None and row.keyboard_message_id == sent["message_id"]
    new = row.conversation_id
    assert new != first
    with session_scope(rig.session_factory) as session:
        conversation = session.get(Conversation, new)
        assert conversation is not None and conversation.occurrence_id is not None
        assert [(m.direction, m.text, m.buttons, m.meta) for m in transcript(session, new)] == [
            ("out", sent["text"], [{"title": "Start", "payload": "/start"}], {"kind": "reminder"})
        ]

    # The press goes to the new conversation, whose engine tracker is fresh.
    senders: list[str] = []
    engine_send = rig.engine.send

    async def recording_send(sender: str, message: str) -> Any:
        senders.append(sender)
        return await engine_send(sender, message)

    rig.engine.send = recording_send  # type: ignore[method-assign]
    await act(user.press, "Start", sends=2)
    assert senders == [new] and rig.engine.received[-1] == "/start"
    assert "Må vi gemme dine svar?" in user.text
    assert "reply_markup" not in rig.api.messages[sent["message_id"]]  # pressed once
    with session_scope(rig.session_factory) as session:
        inbound = [m for m in transcript(session, new) if m.direction == "in"]
        assert [(m.text, m.payload) for m in inbound] == [("Start", "/start")]


async def test_web_only_blocked_and_withdrawn_patients(
    rig: Rig, plans: dict[str, Plan], questionnaires: dict[str, Questionnaire]
) -> None:
    factory = rig.session_factory
    web = linked_patient(factory, plans, None)
    blocked = linked_patient(factory, plans, 6102)
    withdrawn = linked_patient(factory, plans, 6103)
    rig.api.blocked.add(6102)
    await act(run_pass, factory, plans, T0, None)  # opened, reminders planned
    with session_scope(factory) as session:
        session.add(PatientProfile(patient_id=withdrawn, withdrawn_at=utcnow()))

    report = await remind(rig, plans, questionnaires, opened=True)
    # The withdrawn patient's reminders are not even claimed.
    assert (report.reminders_sent, report.reminders_failed) == (0, 1)
    assert report.reminders_unreachable == 1
    assert "unreachable 1" in report.summary()
    with session_scope(factory) as session:
        rows = session.execute(
            select(Occurrence.enrolment_id, Reminder.status)
            .join(Reminder, Reminder.occurrence_id == Occurrence.id)
            .where(Reminder.attempt == 1)
            .order_by(Occurrence.enrolment_id)
        ).all()
    assert [status for _, status in rows] == ["skipped", "failed", "planned"]
    assert len(rig.api.calls_to("sendMessage", 6102)) == 1  # refused by Telegram
    chat = rig.chat_row(6102)
    assert chat is not None and chat.blocked_at is not None
    assert rig.api.calls_to("sendMessage", 6103) == []

    # Called directly: blocked is False and withdrawn None, and neither reaches Telegram.
    sender = pass_sender(rig.channel, questionnaires)
    assert sender is not None
    for patient_id, expected in [(blocked, False), (withdrawn, None), (web, None)]:
        assert await act(sender, task_of(factory, patient_id)) is expected
    assert len(rig.api.calls_to("sendMessage", 6102)) == 1
    assert rig.api.calls_to("sendMessage", 6103) == []
    with pytest.raises(AssertionError, match="worker thread"):
        sender(task_of(factory, web))  # on the bot's own loop it would wait for itself


def task_of(factory: sessionmaker[Session], patient_id: int) -> ReminderTask:
    with session_scope(factory) as session:
        reminder_id, occurrence_id, due_at = session.execute(
            select(Reminder.id, Occurrence.id, Occurrence.due_at)
            .join(Occurrence, Occurrence.id == Reminder.occurrence_id)
            .join(Enrolment, Enrolment.id == Occurrence.enrolment_id)
            .where(Enrolment.patient_id == patient_id, Reminder.attempt == 1)
        ).one()
    return ReminderTask(reminder_id, occurrence_id, 1, patient_id, "who5-14d", "who5", due_at)


async def test_two_passes_at_once_send_each_telegram_reminder_once(
    rig: Rig, plans: dict[str, Plan], questionnaires: dict[str, Questionnaire]
) -> None:
    chats = list(range(6201, 6209))
    for chat_id in chats:
        linked_patient(rig.session_factory, plans, chat_id)
    sender = pass_sender(rig.channel, questionnaires)
    assert sender is not None
    reports = await act(passes_at_once, rig.session_factory, plans, REMIND_AT, sender, 3)
    assert sum(r.opened for r in reports) == len(chats)
    assert sum(r.reminders_sent for r in reports) == len(chats)
    sends = rig.api.calls_to("sendMessage")
    assert sorted(call.chat_id or 0 for call in sends) == chats


def bot_schedule_run(env: dict[str, str], now: datetime) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "schedule", "run", "--now", now.isoformat()],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finished(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return out


def test_killed_while_telegram_holds_the_reminder_it_is_sent_once_more_never_none(
    api: FakeBotApi, tmp_path: Path, plans: dict[str, Plan]
) -> None:
    factory = sqlite_factory(tmp_path)
    env = {
        **os.environ,
        "BOT_HOME": str(PROJECT_ROOT),
        "BOT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
    }
    linked_patient(factory, plans, 7001)
    run_pass(factory, plans, T0, None)

    api.hold_sends()  # Telegram has the request but has not answered it
    process = bot_schedule_run(env, REMIND_AT)
    try:
        api.wait_for(lambda: len(api.calls_to("sendMessage")) == 1, timeout=60)
    finally:
        process.kill()
        process.communicate(timeout=30)
        api.release_sends()
    assert process.returncode == -signal.SIGKILL
    with session_scope(factory) as session:
        first = select(Reminder.status, Reminder.tries).where(Reminder.attempt == 1)
        assert session.execute(first).all() == [("sending", 1)]

    # Within the sending timeout: not sent again.
    soon = REMIND_AT + DEFAULT_SENDING_TIMEOUT - timedelta(minutes=1)
    assert "reminders sent 0" in finished(bot_schedule_run(env, soon))
    assert len(api.calls_to("sendMessage")) == 1
    # After it: sent once more, since the first may never have gone out.
    later = REMIND_AT + DEFAULT_SENDING_TIMEOUT + timedelta(minutes=1)
    assert "reminders sent 1" in finished(bot_schedule_run(env, later))
    assert [call.chat_id for call in api.calls_to("sendMessage")] == [7001, 7001]
    assert "reminders sent 0" in finished(bot_schedule_run(env, later + timedelta(minutes=5)))
    assert len(api.calls_to("sendMessage")) == 2


async def test_each_telegram_reminder_adds_the_same_few_statements(
    rig: Rig, plans: dict[str, Plan], questionnaires: dict[str, Questionnaire]
) -> None:
    """A reminder pass for 2 and for 12 Telegram patients: the pass's own statements stay the
    same, and each reminder sent adds a fixed number (the sender's and its recording)."""
    from tests.course.test_query_count import counting

    engine = rig.session_factory.kw["bind"]
    sender = pass_sender(rig.channel, questionnaires)
    assert sender is not None
    counts: list[tuple[int, int]] = []
    for size, first_chat in ((2, 6301), (12, 6401)):
        patients = [linked_patient(rig.session_factory, plans, first_chat + k) for k in range(size)]
        await act(run_pass, rig.session_factory, plans, T0, None)
        with counting(engine) as statements:
            report = await act(run_pass, rig.session_factory, plans, REMIND_AT, sender)
        assert report.reminders_sent == size
        counts.append((size, len(statements)))
        with session_scope(rig.session_factory) as session:  # this cohort's course ends
            for enrolment in session.scalars(
                select(Enrolment).where(Enrolment.patient_id.in_(patients))
            ):
                enrolment.ended_at = T0 + timedelta(days=3)
    (small, small_count), (large, large_count) = counts
    per_reminder, remainder = divmod(large_count - small_count, large - small)
    assert remainder == 0 and small_count - small * per_reminder == large_count - large * per_reminder
    print(f"\nTelegram reminder pass: {small_count - small * per_reminder} statements "
          f"+ {per_reminder} per reminder sent")  # fmt: skip
