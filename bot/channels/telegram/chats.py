"""What the channel reads and writes about a chat, off the event loop: the chat's link to a
conversation (read once per update), whether Telegram delivers to it, its live keyboard, the
payloads its buttons offered, and the replies stored for an update."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram.keyboards import is_hashed, resolve_callback
from bot.storage.conversations import get_conversation
from bot.storage.course_conversations import course_conversation
from bot.storage.db import session_scope
from bot.storage.telegram_chats import (
    block_telegram_chat,
    replies_to_update,
    set_keyboard_message,
    telegram_chat,
    unblock_telegram_chat,
)
from bot.storage.transcripts import recent_outbound
from bot.turn.messages import Button, Reply

log = logging.getLogger(__name__)

RECENT_FOR_BUTTONS = 20  # bot messages searched for the payload behind a hashed callback
T = TypeVar("T")


@dataclass(frozen=True)
class ChatLink:
    """A chat that opened a valid invitation, as it stood when its update arrived."""

    conversation_id: str
    invitation_id: int | None
    # The first keyboard of the latest turn: presses on older keyboards are refused.
    keyboard_message_id: int | None
    blocked: bool


class ChatRecords:
    """The channel's storage calls, each one unit of work in a worker thread."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        def in_session() -> T:
            with session_scope(self.session_factory) as session:
                return work(session, *args)

        return await asyncio.to_thread(in_session)

    async def link(self, chat_id: int) -> ChatLink | None:
        return await self._run(_link, chat_id)

    async def reachable_again(self, chat_id: int, link: ChatLink) -> None:
        """The patient writes from a chat known as blocked: Telegram delivers to it again."""
        if link.blocked:
            await self._run(unblock_telegram_chat, chat_id)

    async def set_keyboard(self, chat_id: int, message_id: int | None) -> None:
        await self._run(set_keyboard_message, chat_id, message_id)

    async def mark_blocked(self, chat_id: int, reason: str) -> None:
        conversation_id = await self._run(block_telegram_chat, chat_id, reason)
        if conversation_id is not None:
            # No conversation or chat id in a log; the chat is marked blocked in the database.
            log.warning("Telegram cannot deliver to a patient's chat (%s); not retried", reason)

    async def button_payload(self, conversation_id: str, data: str) -> str | None:
        """The payload behind a pressed button's callback data (None: not one offered)."""
        if not is_hashed(data):
            return data
        offered = await self._run(_offered_payloads, conversation_id)
        return resolve_callback(data, offered)

    async def replies_to(
        self, conversation_id: str, external_id: str
    ) -> list[Reply] | None:
        """The replies stored for an inbound message (None: no such message is stored)."""
        return await self._run(_replies_to, conversation_id, external_id)


def _link(session: Session, chat_id: int) -> ChatLink | None:
    row = telegram_chat(session, chat_id)
    if row is None:
        return None
    conversation = get_conversation(session, row.conversation_id)
    if conversation is not None:
        # A course patient's chat goes on with the questionnaire that is due now, if one is.
        row.conversation_id = course_conversation(session, conversation).id
    return ChatLink(
        row.conversation_id,
        row.invitation_id,
        row.keyboard_message_id,
        blocked=row.blocked_at is not None,
    )


def _offered_payloads(session: Session, conversation_id: str) -> list[str]:
    recent = recent_outbound(session, conversation_id, limit=RECENT_FOR_BUTTONS)
    return [b.get("payload", "") for m in recent for b in (m.buttons or [])]


def _replies_to(
    session: Session, conversation_id: str, external_id: str
) -> list[Reply] | None:
    stored = replies_to_update(session, conversation_id, external_id)
    if stored is None:
        return None
    return [
        Reply(
            message.text,
            tuple(Button(b["title"], b["payload"]) for b in message.buttons or ()),
            message.link_id,
            dict(message.meta or {}),
            message.id,
        )
        for message in stored
    ]
