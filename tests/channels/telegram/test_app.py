"""The channel's start-up: commands registered, polling or webhook, settings checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.telegram.app import TelegramChannel
from bot.i18n import Texts
from bot.turn.handler import TurnHandler
from tests.channels.telegram.fake_bot_api import TOKEN
from tests.channels.telegram.rig import Rig, ScriptedEngine, sqlite_factory
from tests.conftest import make_settings


async def test_start_up_registers_commands_and_polls(rig: Rig) -> None:
    (commands,) = rig.api.calls_to("setMyCommands")
    names = [c["command"] for c in commands.json("commands")]
    assert names == ["start", "hjaelp", "pause", "stop", "mine"]
    descriptions = [c["description"] for c in commands.json("commands")]
    assert "Hold en pause" in descriptions
    assert rig.api.calls_to("deleteWebhook")  # polling: any webhook is removed
    assert not rig.api.calls_to("setWebhook")


async def test_webhook_mode_without_a_secret_refuses_to_start(tmp_path: Path, texts: Texts) -> None:
    settings = make_settings(
        tmp_path,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
    )
    factory = sqlite_factory(tmp_path)
    chat = TurnHandler(factory, ScriptedEngine(), texts)  # type: ignore[arg-type]
    channel = TelegramChannel(settings, factory, chat, texts)
    with pytest.raises(RuntimeError, match="TELEGRAM_WEBHOOK_SECRET is required"):
        await channel.start()
