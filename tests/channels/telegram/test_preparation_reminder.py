"""A preparation sent to a Telegram patient (bot/course/preparation.py) reaches them as a push
message at the scheduler's next pass, through the real Telegram reminder sender against the
fake Bot API: "Hej. Det er tid til dit spørgeskema: Forberedelse til samtalen med lægen …" with
Start, and the chat now points at the preparation's own conversation."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.channels.telegram.reminders import TelegramReminders, pass_sender
from bot.course.plans import Plan, load_plans
from bot.course.preparation import QUESTIONNAIRE_ID, Outcome, send_preparation
from bot.course.scheduler import PassReport, run_pass
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.storage.db import session_scope
from bot.storage.models import Conversation, utcnow
from tests.channels.telegram.rig import Rig, act
from tests.course.conftest import PLANS_DIR, local

T0 = local(2026, 3, 2, 10, 0)  # in reminder hours
CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(scope="module")
def plans(questionnaires: dict[str, Questionnaire]) -> dict[str, Plan]:
    return load_plans(PLANS_DIR, questionnaires)


async def test_a_telegram_patient_is_pushed_the_preparation(
    rig: Rig, plans: dict[str, Plan], questionnaires: dict[str, Questionnaire], texts: Texts
) -> None:
    user = rig.user(6301)
    await act(user.command, "start", await rig.invite(), sends=2)
    row = rig.chat_row(6301)
    assert row is not None
    first, patient_id = row.conversation_id, row.patient_id
    with session_scope(rig.session_factory) as session:
        conversation = session.get(Conversation, first)
        assert conversation is not None
        conversation.completed_at = utcnow()  # the invited questionnaire, answered
        sent = send_preparation(session, plans, patient_id, T0, zone=CPH)
        assert sent.outcome is Outcome.SENT

    since = rig.api.mark()
    sender = pass_sender(rig.channel, questionnaires)
    assert isinstance(sender, TelegramReminders)
    report: PassReport = await act(
        run_pass, rig.session_factory, plans, T0 + timedelta(minutes=1), sender
    )
    assert (report.reminders_sent, report.reminders_unreachable) == (1, 0)
    [pushed] = rig.api.sent_since(since, 6301)
    title = questionnaires[QUESTIONNAIRE_ID].title
    assert pushed["text"] == texts._(
        "Hello. It is time for your questionnaire: {title}. Tap Start when you are ready.",
        title=title,
    )
    assert "Forberedelse til samtalen med lægen" in pushed["text"]
    assert pushed["reply_markup"] == {
        "inline_keyboard": [[{"text": "Start", "callback_data": "/start"}]]
    }
    row = rig.chat_row(6301)
    assert row is not None and row.conversation_id != first
    with session_scope(rig.session_factory) as session:
        conversation = session.get(Conversation, row.conversation_id)
        assert conversation is not None
        assert conversation.questionnaire_id == QUESTIONNAIRE_ID
        assert conversation.occurrence_id == sent.occurrence.id  # type: ignore[union-attr]
