"""How updates reach the handlers: one at a time per chat, with the chat's link read once.

PTB builds one context per update and hands that same object to the handler of every group,
so the link that group -1 puts on it is what the handler in group 0 reads. Updates of one
chat are processed one after another around the whole of `process_update` (not only inside
a handler), so the link read in group -1 is still current when the handler acts on it."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor, CallbackContext, ContextTypes, ExtBot

from bot.channels.telegram.chats import ChatLink

MAX_CONCURRENT_UPDATES = 256  # as PTB's concurrent_updates(True)


class ChatContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The handlers' context: PTB's own, plus the chat's link for this one update."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        # Set by the link resolver in group -1; None: a stranger (no valid invitation opened).
        self.chat_link: ChatLink | None = None


def context_types() -> ContextTypes[ChatContext, Any, Any, Any]:
    return ContextTypes(context=ChatContext)


class OneUpdatePerChat(BaseUpdateProcessor):
    """Updates of one chat in arrival order, one at a time; different chats concurrently."""

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._chat_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self._chat_locks[chat.id]:
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
