"""Webhook mode: the route, its secret header, and updates handled before the answer."""

from __future__ import annotations

import json

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from bot.channels.telegram.config import WEBHOOK_PATH
from bot.channels.telegram.webhook import SECRET_HEADER, webhook_endpoint
from bot.storage.models import Message
from bot.storage.telegram_models import TelegramChat
from tests.channels.telegram.fake_bot_api import TelegramUser
from tests.channels.telegram.rig import WEBHOOK_SECRET, Rig

SECRET = WEBHOOK_SECRET


async def test_webhook_mode(webhook_rig: Rig) -> None:
    rig = webhook_rig
    (hook,) = rig.api.calls_to("setWebhook")
    assert hook.params["url"] == "https://bot.example.org/telegram/webhook"
    assert hook.params["secret_token"] == SECRET
    assert json.loads(hook.params["allowed_updates"]) == ["message", "callback_query"]
    assert not rig.api.calls_to("getUpdates") and not rig.api.calls_to("deleteWebhook")

    app = Starlette(routes=[Route(WEBHOOK_PATH, webhook_endpoint, methods=["POST"])])
    app.state.telegram = rig.channel
    code = await rig.invite()
    user = TelegramUser(rig.api, 6001, deliver=lambda update: None)
    start = user.message_update(f"/start {code}")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        before = (rig.count(Message), rig.count(TelegramChat))
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            answer = await client.post(WEBHOOK_PATH, json=start, headers=headers)
            assert answer.status_code == 403
        assert (rig.count(Message), rig.count(TelegramChat)) == before
        assert rig.engine.received == [] and not rig.api.calls_to("sendMessage")

        good = {SECRET_HEADER: SECRET}
        assert (await client.post(WEBHOOK_PATH, content=b"{no", headers=good)).status_code == 400
        answer = await client.post(WEBHOOK_PATH, json=start, headers=good)
        assert answer.status_code == 200
        # Handled before the answer: the replies are already sent.
        assert rig.engine.received == ["/start"]
        assert len(rig.api.calls_to("sendMessage", 6001)) == 2
        again = await client.post(WEBHOOK_PATH, json=start, headers=good)
        assert again.status_code == 200 and rig.engine.received == ["/start"]
        press = user.button_update("Ja")
        assert (await client.post(WEBHOOK_PATH, json=press, headers=good)).status_code == 200
        assert rig.engine.received == ["/start", "/affirm"]


async def test_webhook_is_404_when_telegram_is_off() -> None:
    app = Starlette(routes=[Route(WEBHOOK_PATH, webhook_endpoint, methods=["POST"])])
    app.state.telegram = None
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://app"
    ) as client:
        answer = await client.post(WEBHOOK_PATH, json={}, headers={SECRET_HEADER: ""})
        assert answer.status_code == 404
