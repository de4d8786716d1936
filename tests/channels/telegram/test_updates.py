"""Updates reach the handlers one at a time per chat, with one context per update."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from telegram import Chat, Message, Update
from telegram.ext import Application, MessageHandler, TypeHandler, filters

from bot.channels.telegram.chats import ChatLink
from bot.channels.telegram.updates import ChatContext, OneUpdatePerChat, context_types
from tests.channels.telegram.fake_bot_api import FakeBotApi


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, datetime.now(UTC), chat, text="x"))


async def test_one_update_at_a_time_per_chat_and_other_chats_meanwhile() -> None:
    processor = OneUpdatePerChat()
    events: list[str] = []

    async def handle(name: str, seconds: float) -> None:
        events.append(f"{name} starts")
        await asyncio.sleep(seconds)
        events.append(f"{name} ends")

    await asyncio.gather(
        processor.process_update(update(1, 5), handle("first", 0.1)),
        processor.process_update(update(2, 5), handle("second", 0)),
        processor.process_update(update(3, 6), handle("other chat", 0)),
        processor.process_update(object(), handle("no chat", 0)),
    )
    assert events.index("first ends") < events.index("second starts")  # in arrival order
    assert events.index("other chat ends") < events.index("first ends")  # does not wait
    assert events.index("no chat ends") < events.index("first ends")


async def test_what_group_minus_one_puts_on_the_context_reaches_the_handler(
    api: FakeBotApi,
) -> None:
    link = ChatLink("conversation-1", 1, 100, blocked=False)
    seen: list[Any] = []

    async def resolve(update: Update, context: ChatContext) -> None:
        seen.append(context.chat_link)  # a new context for each update
        context.chat_link = link

    async def handler(update: Update, context: ChatContext) -> None:
        seen.append(context.chat_link)

    application = (
        Application.builder()
        .token(api.token)
        .base_url(api.base_url)
        .context_types(context_types())
        .updater(None)
        .build()
    )
    application.add_handler(TypeHandler(Update, resolve), group=-1)
    application.add_handler(MessageHandler(filters.ALL, handler))
    async with application:
        await application.process_update(update(1, 5))
        await application.process_update(update(2, 5))
    assert seen == [None, link, None, link]
