"""Fixtures of the Telegram channel tests: the fake Bot API server and a running channel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.i18n import Texts
from tests.channels.telegram.fake_bot_api import FakeBotApi
from tests.channels.telegram.rig import WEBHOOK_SECRET, Rig, start_rig


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def rig(api: FakeBotApi, tmp_path: Path, texts: Texts) -> AsyncIterator[Rig]:
    rig = await start_rig(api, tmp_path, texts)
    yield rig
    await rig.channel.stop()


@pytest.fixture
async def webhook_rig(api: FakeBotApi, tmp_path: Path, texts: Texts) -> AsyncIterator[Rig]:
    rig = await start_rig(
        api,
        tmp_path,
        texts,
        TELEGRAM_MODE="webhook",
        TELEGRAM_WEBHOOK_URL="https://bot.example.org/telegram/webhook",
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    yield rig
    await rig.channel.stop()
