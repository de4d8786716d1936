"""The real python-telegram-bot stack against the fake Bot API server (real HTTP), with a
scripted engine in place of Rasa (fast); tests/e2e/test_telegram.py uses the real one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram.app import TelegramChannel
from bot.channels.telegram.invites import telegram_invite_link
from bot.i18n import Texts
from bot.settings import Settings
from bot.storage.db import make_engine, make_session_factory, migrate, session_scope
from bot.storage.patients import create_patient, invitation_by_token
from bot.storage.telegram_chats import telegram_chat
from bot.storage.telegram_models import TelegramChat
from bot.turn.handler import TurnHandler
from bot.turn.messages import Reply
from tests.channels.telegram.fake_bot_api import FakeBotApi, TelegramUser
from tests.conftest import make_settings

WEBHOOK_SECRET = "w3bh00k-Secret_for-tests"
LONG_PAYLOAD = '/inform{"code":"a-rather-long-answer-code","link_id":"behovsvurdering-fysisk-01"}'


class ScriptedEngine:
    """Stands in for the Rasa engine in these fast tests: fixed replies, every message kept."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def model_loaded(self) -> bool:
        return True

    async def send(self, sender: str, message: str) -> list[Reply]:
        self.received.append(message)
        if message == "/start":
            return [
                Reply("Hej! Jeg er en chatbot."),
                Reply(
                    "Må vi gemme dine svar?", buttons=(("Ja", "/affirm"), ("Nej", "/deny"))
                ),
            ]
        if message == "/affirm":
            return [
                Reply(
                    "Spørgsmål 1",
                    buttons=(
                        ("Lang kode", LONG_PAYLOAD),
                        ("Kort", '/inform{"code":"1","link_id":"q1"}'),
                    ),
                    link_id="q1",
                )
            ]
        if message == "fejl i bot":  # the bot itself fails (not the engine)
            raise RuntimeError(f"a bug, with what the patient wrote: {message}")
        if message == "lang tekst":
            return [Reply("Dette er en meget lang tekst. " * 200)]  # 6000 characters
        if message == "to tastaturer":  # like the literacy screen: a skip button, then a question
            return [
                Reply("Du kan springe over.", buttons=(("Spring over", "/skip"),)),
                Reply(
                    "Spørgsmål 2",
                    buttons=(("A", '/inform{"code":"a","link_id":"q2"}'), ("B", "/deny")),
                    link_id="q2",
                ),
            ]
        if message == "læs op":  # read-aloud is on: the question carries audio
            return [
                Reply(
                    "Har du haft det godt?",
                    buttons=(("Ja", '/inform{"code":"true","link_id":"q5"}'),),
                    link_id="q5",
                    meta={"audio": True},
                )
            ]
        if message.startswith("/inform"):
            return [Reply("Næste spørgsmål", buttons=(("Slut", "/stop"),), link_id="q3")]
        return [Reply(f"Modtaget ({len(self.received)})")]

    async def close(self) -> None:
        pass


@dataclass
class Rig:
    api: FakeBotApi
    channel: TelegramChannel
    engine: ScriptedEngine
    session_factory: sessionmaker[Session]
    settings: Settings

    def user(self, chat_id: int) -> TelegramUser:
        def wait(user: TelegramUser, since: int, sends: int, token: int) -> None:
            self.api.wait_for(lambda: self.api.taken(token))
            quiet = 0.4 if sends else 0.8
            self.api.wait_quiet(since, chat_id=user.chat_id, sends=sends, quiet=quiet, timeout=20)

        return TelegramUser(self.api, chat_id, self.api.push_update, wait=wait)

    async def invite(self, **changes: Any) -> str:
        """A new patient with a Telegram invitation; returns the code."""
        with session_scope(self.session_factory) as session:
            patient_id = create_patient(session).id
        link = await telegram_invite_link(self.settings, self.session_factory, patient_id, "who5")
        assert link is not None
        code = link.split("?start=", 1)[1]
        with session_scope(self.session_factory) as session:
            invitation = invitation_by_token(session, code)
            assert invitation is not None
            for name, value in changes.items():
                setattr(invitation, name, value)
        return code

    def count(self, model: Any) -> int:
        with session_scope(self.session_factory) as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def chat_row(self, chat_id: int) -> TelegramChat | None:
        with session_scope(self.session_factory) as session:
            return telegram_chat(session, chat_id)


def sqlite_factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    migrate(engine)
    return make_session_factory(engine)


def rig_settings(api: FakeBotApi, tmp_path: Path, **env: str) -> Settings:
    return make_settings(
        tmp_path / "var", TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_BASE_URL=api.base_url, **env
    )


async def start_rig(api: FakeBotApi, tmp_path: Path, texts: Texts, **env: str) -> Rig:
    """A running channel (polling unless `env` says webhook) against the fake server."""
    settings = rig_settings(api, tmp_path, **env)
    factory = sqlite_factory(tmp_path)
    engine = ScriptedEngine()
    chat = TurnHandler(factory, engine, texts)  # type: ignore[arg-type]
    channel = TelegramChannel(settings, factory, chat, texts)
    await channel.start()
    for _ in range(200):
        if channel.ready:
            break
        await asyncio.sleep(0.05)
    assert channel.ready
    return Rig(api, channel, engine, factory, settings)


async def act(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A blocking test step, off the event loop that runs the bot."""
    return await asyncio.to_thread(function, *args, **kwargs)
