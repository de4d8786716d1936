"""Patients on Telegram, end to end: the real engine and the real app (`bot run`) as processes,
python-telegram-bot inside the app, and a fake Bot API server (real HTTP) in place of
Telegram's cloud. Both modes: polling (the fake serves getUpdates) and webhook (the test
posts updates to the app's /telegram/webhook with the secret header, as Telegram does)."""

from __future__ import annotations

import itertools
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.models import Alert, Answer, Conversation, Invitation, Message, Patient, Response
from bot.storage.patients import invitation_by_token
from bot.storage.responses import all_answers, current_answers
from bot.storage.telegram_chats import telegram_chat
from bot.storage.telegram_models import TelegramChat
from bot.storage.transcripts import transcript
from tests.channels.telegram.fake_bot_api import USERNAME, FakeBotApi, TelegramUser
from tests.e2e.conftest import BOT, LiveSystem
from tests.e2e.conftest import Patient as WebPatient

pytestmark = pytest.mark.e2e

SECRET = "e2e-webhook-secret_0123456789"
WEBHOOK = "/telegram/webhook"
CONFIDENT_READER = ("Aldrig", "Meget sikker")  # the opening literacy screen
CHOSEN = [
    "Det meste af tiden",
    "Lidt af tiden",
    "Hele tiden",
    "På intet tidspunkt",
    "Lidt mindre end halvdelen af tiden",
]
_chat_ids = itertools.count(710_000_001)


@dataclass
class TelegramSystem:
    mode: str
    api: FakeBotApi
    system: LiveSystem
    session_factory: sessionmaker[Session]

    # ------------------------------------------------------------------ Telegram's side

    def post(self, update: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
        """What Telegram does in webhook mode (waits while the app is still connecting)."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET} if headers is None else headers
        for _ in range(100):
            answer = httpx.post(
                f"{self.system.base_url}{WEBHOOK}", json=update, headers=headers, timeout=60
            )
            if answer.status_code != 503:
                return answer
            time.sleep(0.2)
        return answer

    def user(self) -> TelegramUser:
        chat_id = next(_chat_ids)
        if self.mode == "polling":

            def wait(user: TelegramUser, since: int, sends: int, token: int) -> None:
                self.api.wait_for(lambda: self.api.taken(token), timeout=60)
                quiet = 0.5 if sends else 1.5
                self.api.wait_quiet(since, chat_id=user.chat_id, sends=sends, quiet=quiet)

            return TelegramUser(self.api, chat_id, self.api.push_update, wait=wait)

        def deliver(update: dict[str, Any]) -> None:
            answer = self.post(update)
            assert answer.status_code == 200, answer.text  # handled before the answer

        return TelegramUser(self.api, chat_id, deliver)

    # ------------------------------------------------------------------ operator's side

    def invite(self, questionnaire: str = "who5") -> str:
        """`bot invite --channel telegram` as an operator runs it; returns the code."""
        result = subprocess.run(
            [BOT, "invite", "--channel", "telegram", "--questionnaire", questionnaire],
            env=self.env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        link = result.stdout.strip()
        assert link.startswith(f"https://t.me/{USERNAME}?start="), link
        return link.split("?start=", 1)[1]

    @property
    def env(self) -> dict[str, str]:
        import os

        return {**os.environ, **self.system.env}

    def counts(self) -> dict[str, int]:
        with session_scope(self.session_factory) as session:
            return {
                model.__name__: int(session.scalar(select(func.count()).select_from(model)) or 0)
                for model in (Patient, Invitation, Conversation, Message, Answer, TelegramChat)
            }

    def chat(self, chat_id: int) -> TelegramChat | None:
        with session_scope(self.session_factory) as session:
            return telegram_chat(session, chat_id)

    def response_id(self, chat_id: int) -> str:
        row = self.chat(chat_id)
        assert row is not None
        with session_scope(self.session_factory) as session:
            responses = session.scalars(
                select(Response).where(
                    Response.conversation_id == row.conversation_id,
                    Response.questionnaire_id == "who5",
                )
            ).all()
            assert len(responses) == 1
            return responses[0].id

    def exported(self, chat_id: int) -> dict[str, str]:
        """The patient's exported WHO-5 answers (linkId -> code)."""
        response_id = self.response_id(chat_id)
        bundle = self.system.export_fhir("--questionnaire", "who5")
        (response,) = [
            e["resource"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "QuestionnaireResponse"
            and e["resource"]["id"] == response_id
        ]
        return {i["linkId"]: i["answer"][0]["valueCoding"]["code"] for i in response["item"]}


@contextmanager
def telegram_system(
    var_dir: Path, model: Path, mode: str, extra_env: dict[str, str] | None = None
) -> Iterator[TelegramSystem]:
    """The engine and the app with Telegram on the fake Bot API, in ``mode``; at the end, the
    output is checked for the bot token and the webhook secret."""
    api = FakeBotApi().start()
    env = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "TELEGRAM_MODE": mode,
        **(extra_env or {}),
    }
    if mode == "webhook":
        env["TELEGRAM_WEBHOOK_URL"] = "http://127.0.0.1:{app_port}" + WEBHOOK
        env["TELEGRAM_WEBHOOK_SECRET"] = SECRET
    system = LiveSystem(
        var_dir=var_dir,
        model=model,
        database_url=f"sqlite:///{var_dir / 'bot.db'}",
        extra_env=env,
    )
    engine = None
    try:
        system.start_engine()
        system.start_app()
        system.wait_ready()
        api.wait_for(lambda: bool(api.calls_to("setMyCommands")), timeout=60)
        engine = make_engine(system.database_url)
        yield TelegramSystem(mode, api, system, make_session_factory(engine))
    finally:
        system.stop()
        api.stop()
        if engine is not None:
            engine.dispose()
    assert_no_secret_logged(var_dir, api.token)


@pytest.fixture(scope="module", params=["polling", "webhook"])
def tg(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, trained_model: Path
) -> Iterator[TelegramSystem]:
    mode = request.param
    with telegram_system(tmp_path_factory.mktemp(f"telegram-{mode}"), trained_model, mode) as tg:
        yield tg


def assert_no_secret_logged(var_dir: Path, token: str) -> None:
    """The app's and engine's output never shows the bot token or the webhook secret."""
    for log in var_dir.glob("*.out"):
        text = log.read_text(errors="replace")
        assert token.split(":")[1] not in text, log
        assert SECRET not in text, log


def consent(user: TelegramUser, tg: TelegramSystem, texts: Texts) -> None:
    """Open the deep link, read the Telegram notice, consent, answer the literacy screen."""
    code = tg.invite()
    user.command("start", code)
    assert texts._("Yes, that is fine") in user.buttons()
    notice = next(m["text"] for m in user.last if "Telegram" in m["text"])
    assert "CPR" in notice and f"{tg.system.base_url}/chat/" in notice
    user.press(texts._("Yes, that is fine"))
    for title in CONFIDENT_READER:
        user.press(title)


def web_link(user: TelegramUser) -> str:
    """The web chat link that the Telegram notice's hand-off link leads to: the hand-off link
    works once (a second open answers 410) and redirects to a fresh web chat link."""
    texts = [m.get("text", "") for m in user.api.chat_messages(user.chat_id)]
    match = next(re.search(r"(http://\S+/chat/[A-Za-z0-9_-]+)", t) for t in texts if "/chat/" in t)
    assert match is not None
    handoff = match.group(1)
    opened = httpx.get(handoff, follow_redirects=False)
    assert opened.status_code == 303
    assert httpx.get(handoff, follow_redirects=False).status_code == 410
    return str(httpx.URL(handoff).join(opened.headers["location"]))


# ---------------------------------------------------------------------- the questionnaire


def test_who5_by_inline_buttons(
    tg: TelegramSystem, texts: Texts, questionnaires: dict[str, Questionnaire]
) -> None:
    who5 = questionnaires["who5"]
    user = tg.user()
    since = tg.api.mark()
    consent(user, tg, texts)
    for item, title in zip(who5.items, CHOSEN, strict=True):
        assert item.text in user.text
        user.press(title)
    assert texts._("Thank you! You have answered all the questions.") in user.text

    codes = {
        item.link_id: next(o.code for o in item.options if o.display == title)
        for item, title in zip(who5.items, CHOSEN, strict=True)
    }
    assert tg.exported(user.chat_id) == codes
    with session_scope(tg.session_factory) as session:
        rows = current_answers(session, tg.response_id(user.chat_id))
        assert [r.input_kind for r in rows] == ["button"] * 5
    # Every press answered; no keyboard left to press; "typing" shown for every turn.
    presses = 1 + len(CONFIDENT_READER) + 5
    assert len(tg.api.calls_to("answerCallbackQuery", since=since)) == presses
    assert user.keyboards() == []
    assert len(tg.api.calls_to("sendChatAction", user.chat_id, since)) >= presses + 1
    # Telegram's name for the user never reaches the database.
    with sqlite3.connect(tg.system.database_url.split("///", 1)[1]) as connection:
        dump = "\n".join(connection.iterdump())
    assert TelegramUser.FIRST_NAME not in dump and TelegramUser.LAST_NAME not in dump


def test_who5_by_typed_danish_text(tg: TelegramSystem, texts: Texts) -> None:
    user = tg.user()
    user.command("start", tg.invite())
    user.say("ja tak")
    user.say("aldrig")  # screening: a confident reader
    user.say("meget sikker")
    user.say("det meste af tiden vel")  # item 1 -> 4
    user.say("hele tidden")  # misspelled -> 5
    user.say("næsten aldrig")  # colloquial -> 1
    user.say("3")  # a bare number: confirmed first
    assert "Lidt mere end halvdelen af tiden" in user.text
    user.say("ja")
    user.say("lidt mindre end halvdelen af tidem")  # -> 2
    assert texts._("Thank you! You have answered all the questions.") in user.text
    assert tg.exported(user.chat_id) == {
        "who5-1": "4",
        "who5-2": "5",
        "who5-3": "1",
        "who5-4": "3",
        "who5-5": "2",
    }


def test_a_redelivered_update_is_not_double_counted(tg: TelegramSystem, texts: Texts) -> None:
    user = tg.user()
    consent(user, tg, texts)
    press = user.button_update("Hele tiden")
    user.send_update(press)
    assert "rolig og afslappet" in user.text  # item 2 is asked
    user.send_update(press, sends=0)  # Telegram delivers the same update again
    assert user.last == []
    typed = user.message_update("lidt af tiden")
    first = [m["text"] for m in user.send_update(typed)]
    assert "aktiv og energisk" in user.text  # item 3 is asked
    # Delivered again: not handled twice; the stored reply is sent again (nothing is lost).
    assert [m["text"] for m in user.send_update(typed)] == first
    with session_scope(tg.session_factory) as session:
        rows = all_answers(session, tg.response_id(user.chat_id))
        assert sorted((r.link_id, r.code) for r in rows) == [("who5-1", "5"), ("who5-2", "1")]
        row = tg.chat(user.chat_id)
        assert row is not None
        stored = [
            m.external_id
            for m in transcript(session, row.conversation_id)
            if m.direction == "in"
        ]
        assert len(stored) == len(set(stored))
        assert f"tg:{press['update_id']}" in stored and f"tg:{typed['update_id']}" in stored


def test_a_stranger_gets_the_explanation_only(tg: TelegramSystem, texts: Texts) -> None:
    explanation = texts._(
        "Hi! I am a chatbot from your hospital. To talk with me, you need a personal link from "
        "your care team. Open that link, and we can begin. If you have not got a link, ask your "
        "care team."
    )
    before = tg.counts()
    stranger = tg.user()
    stranger.command("start")
    assert stranger.text == explanation
    stranger.say("Hej, jeg vil gerne svare")
    assert stranger.text == explanation
    stranger.command("start", "ThisIsNotAValidInvitationCode0")
    assert "virker ikke" in stranger.text
    # A used code does not work for another chat.
    owner = tg.user()
    code = tg.invite()
    owner.command("start", code)
    after_owner = tg.counts()
    stranger.command("start", code)
    assert "virker ikke" in stranger.text
    assert tg.counts() == after_owner
    assert tg.chat(stranger.chat_id) is None
    assert after_owner["TelegramChat"] == before["TelegramChat"] + 1


def test_forged_webhook_requests_are_refused(tg: TelegramSystem) -> None:
    code = tg.invite()
    user = tg.user()
    start = user.message_update(f"/start {code}")
    if tg.mode == "polling":
        assert tg.post(start).status_code == 404  # no webhook in polling mode
        return
    before = tg.counts()
    since = tg.api.mark()
    for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
        answer = tg.post(start, headers=headers)
        assert answer.status_code == 403
    assert tg.counts() == before
    assert not tg.api.calls_to("sendMessage", user.chat_id, since)
    with session_scope(tg.session_factory) as session:
        invitation = invitation_by_token(session, code)
        assert invitation is not None and invitation.used_at is None  # still unused
    assert tg.post(start).status_code == 200  # the genuine one works
    assert tg.chat(user.chat_id) is not None


def test_a_blocked_chat_is_recorded_and_not_retried(tg: TelegramSystem, texts: Texts) -> None:
    user = tg.user()
    consent(user, tg, texts)
    tg.api.blocked.add(user.chat_id)
    since = tg.api.mark()
    user.press("Hele tiden", sends=0)
    row = tg.chat(user.chat_id)
    assert row is not None and row.blocked_at is not None and row.blocked_reason == "forbidden"
    # The answer is stored all the same; Telegram was tried once, not again and again.
    with session_scope(tg.session_factory) as session:
        rows = current_answers(session, tg.response_id(user.chat_id))
        assert [(r.link_id, r.code) for r in rows] == [("who5-1", "5")]
    time.sleep(1.0)
    attempts = [c for c in tg.api.calls[since:] if c.chat_id == user.chat_id]
    assert len(attempts) <= 2  # the edit of the pressed keyboard and/or "typing", then stop
    assert not tg.api.calls_to("sendMessage", user.chat_id, since)


def test_start_on_telegram_continue_on_the_web_and_back(
    tg: TelegramSystem, texts: Texts, questionnaires: dict[str, Questionnaire]
) -> None:
    who5 = questionnaires["who5"]
    user = tg.user()
    consent(user, tg, texts)
    user.press("Hele tiden")  # item 1 on Telegram
    user.press("Lidt af tiden")  # item 2 on Telegram
    assert who5.items[2].text in user.text

    web = WebPatient(tg.system, web_link(user).rsplit("/", 1)[1])
    history = web.history()
    assert any(who5.items[2].text in m["text"] for m in history)  # the same conversation
    web.say("det meste af tiden")  # item 3 on the web
    assert who5.items[3].text in web.text

    user.command("start")  # back on Telegram: continues at item 4
    assert who5.items[3].text in user.text
    user.press("På intet tidspunkt")  # item 4 on Telegram
    assert who5.items[4].text in user.text
    web.say("hele tiden")  # item 5 on the web
    assert texts._("Thank you! You have answered all the questions.") in web.text

    assert tg.exported(user.chat_id) == {
        "who5-1": "5",
        "who5-2": "1",
        "who5-3": "4",
        "who5-4": "0",
        "who5-5": "5",
    }
    with session_scope(tg.session_factory) as session:
        row = tg.chat(user.chat_id)
        assert row is not None
        channels = {
            m.channel for m in transcript(session, row.conversation_id) if m.direction == "in"
        }
        assert channels == {"telegram", "web"}


# ---------------------------------------------------------------------- safety


def test_a_crisis_on_telegram_gets_the_crisis_message_an_alert_and_a_choice(
    tg: TelegramSystem, texts: Texts
) -> None:
    user = tg.user()
    consent(user, tg, texts)
    user.say("jeg orker ikke at leve mere")
    assert "112" in user.text and "1813" in user.text and "70 201 201" in user.text
    assert user.buttons()[-2:] == [texts._("Take a break"), texts._("Continue")]
    row = tg.chat(user.chat_id)
    assert row is not None
    with session_scope(tg.session_factory) as session:
        urgent = session.scalars(
            select(Alert.rule_id).where(
                Alert.conversation_id == row.conversation_id, Alert.urgent.is_(True)
            )
        ).all()
    assert len(urgent) == 1
    user.press(texts._("Continue"))
    assert "I de sidste 2 uger" in user.text  # the questionnaire goes on where it was
