"""One patient turn from Telegram: the typing indicator while the chat handler (store, engine,
store) works, the replies delivered, and a redelivered update answered from what was stored."""

from __future__ import annotations

import contextlib
import logging

from bot.channels.telegram.chats import ChatRecords
from bot.channels.telegram.delivery import Outbox, Unreachable
from bot.i18n import Texts
from bot.turn.handler import TurnHandler, apology
from bot.turn.messages import Inbound, Reply
from bot.turn.payloads import BadInput

log = logging.getLogger(__name__)


class Turns:
    """Patient turns from Telegram, handed to the channel-neutral chat handler."""

    def __init__(self, chat: TurnHandler, records: ChatRecords, texts: Texts) -> None:
        self.chat = chat
        self.records = records
        self.texts = texts

    async def take(
        self,
        outbox: Outbox,
        conversation_id: str,
        update_id: int,
        *,
        text: str | None = None,
        payload: str | None = None,
        live_keyboard: int | None = None,
    ) -> None:
        external_id = f"tg:{update_id}"
        async with outbox.typing() as reachable:  # unreachable: still store what was sent
            try:
                inbound = Inbound(
                    conversation_id,
                    text=text or "",
                    channel="telegram",
                    payload=payload,
                    external_id=external_id,
                )
                replies = await self.chat.handle(inbound)
                if not replies:
                    # A redelivered update (Telegram saw no answer: the app may have stopped
                    # before replying). It is not handled twice; what was replied is sent again.
                    replies = await self._stored_replies(conversation_id, external_id)
            except BadInput:
                log.info("Telegram: a turn was refused as bad input")
                return
        if reachable and replies:
            with contextlib.suppress(Unreachable):
                await outbox.deliver(replies, live_keyboard)

    async def _stored_replies(
        self, conversation_id: str, external_id: str
    ) -> list[Reply]:
        """The stored replies to an inbound message; an apology if it got none (the app
        stopped between storing it and replying)."""
        stored = await self.records.replies_to(conversation_id, external_id)
        if stored is None or stored:
            return stored or []
        return [apology(self.texts)]
