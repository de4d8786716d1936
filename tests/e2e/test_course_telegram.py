"""A Telegram patient's course, end to end (real engine, real app with python-telegram-bot,
the fake Bot API in place of Telegram's cloud): enrolled with `bot invite --channel telegram
--plan who5-14d`, the patient answers the first WHO-5; two `bot schedule run --now` passes
at the same moment 17 days later push ONE reminder with a "Start" button, without the patient
writing first; the press starts the next WHO-5 in a conversation of its own."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.i18n import Texts
from bot.storage.db import session_scope
from bot.storage.models import Conversation
from tests.channels.telegram.fake_bot_api import USERNAME
from tests.e2e.conftest import BOT
from tests.e2e.test_telegram import CHOSEN, CONFIDENT_READER, TelegramSystem, telegram_system

pytestmark = pytest.mark.e2e

CPH = ZoneInfo("Europe/Copenhagen")


@pytest.fixture(scope="module")
def tg(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[TelegramSystem]:
    # The test runs the passes itself, at the times it chooses.
    var_dir = tmp_path_factory.mktemp("course-telegram")
    env = {"BOT_SCHEDULER_SECONDS": "0"}
    with telegram_system(var_dir, trained_model, "polling", env) as system:
        yield system


def schedule_run(tg: TelegramSystem, at: datetime) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [BOT, "schedule", "run", "--now", at.isoformat(timespec="minutes")],
        env={**os.environ, **tg.system.env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_a_telegram_patient_is_reminded_by_push_and_the_press_starts_the_next_who5(
    tg: TelegramSystem, texts: Texts
) -> None:
    result = subprocess.run(
        [BOT, "invite", "--channel", "telegram", "--plan", "who5-14d"],
        env={**os.environ, **tg.system.env}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    link = result.stdout.strip()
    assert link.startswith(f"https://t.me/{USERNAME}?start="), link
    enrolled = datetime.now(CPH)
    user = tg.user()
    user.command("start", link.split("?start=", 1)[1])
    user.press(texts._("Yes, that is fine"))
    for title in CONFIDENT_READER:
        user.press(title)
    for title in CHOSEN:
        user.press(title)
    assert texts._("Thank you! You have answered all the questions.") in user.text

    # 17 days on at noon: the second WHO-5 (due on day 14) has its first reminder due (two
    # days after). Two passes at the same moment, in two processes: one push.
    at = (enrolled + timedelta(days=17)).replace(hour=12, minute=0)
    mark = tg.api.mark()
    passes = [schedule_run(tg, at), schedule_run(tg, at)]
    reports = [p.communicate(timeout=120) for p in passes]
    assert all(p.returncode == 0 for p in passes), reports
    pushed = tg.api.sent_since(mark, user.chat_id)
    assert len(pushed) == 1, pushed
    reminder = pushed[0]
    buttons = [b["text"] for row in reminder["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [texts._("Start")]
    assert "sent 1" in "".join(out for out, _err in reports), reports

    # The same pass again later that day: nothing more (the next reminder is days away).
    again = schedule_run(tg, at + timedelta(hours=1))
    again.communicate(timeout=120)
    assert len(tg.api.sent_since(mark, user.chat_id)) == 1

    # The press starts the next WHO-5, in a conversation of its own.
    user.press(texts._("Start"), sends=2)
    assert user.buttons(), user.last
    assert CHOSEN[0] in user.buttons()
    row = tg.chat(user.chat_id)
    assert row is not None
    with session_scope(tg.session_factory) as session:
        conversations = session.scalars(
            select(Conversation).where(Conversation.patient_id == row.patient_id)
        ).all()
        assert len(conversations) == 2
        current = session.get(Conversation, row.conversation_id)
        assert current is not None and current.occurrence_id is not None
        assert current.completed_at is None
    for title in CHOSEN:
        user.press(title)
    assert texts._("Thank you! You have answered all the questions.") in user.text
