"""One patient turn, the same for every channel.

A channel hands over an `Inbound`; the handler stores it in the transcript, sends it to the
engine, stores the replies and hands them back with their transcript ids. Patient text is
never logged here.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import replace

from sqlalchemy.orm import Session, sessionmaker

from bot.engine import EngineClient, EngineError
from bot.i18n import Texts
from bot.storage.conversations import Refused, lock_conversation, refusing_duplicates
from bot.storage.db import session_scope
from bot.storage.transcripts import add_message, message_with_external_id, recent_outbound
from bot.turn.messages import Inbound, Reply
from bot.turn.payloads import START_PAYLOAD, BadInput, validate_payload
from bot.turn.typed import for_engine

log = logging.getLogger(__name__)


def apology(texts: Texts) -> Reply:
    """What the patient hears when the bot itself failed (the engine, a channel handler)."""
    return Reply(
        texts._(
            "Sorry, something went wrong on my side. Nothing you wrote is lost. "
            "Please try again in a moment."
        ),
        meta={"kind": "error"},
    )


class TurnHandler:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        engine: EngineClient,
        texts: Texts,
    ) -> None:
        self.session_factory = session_factory
        self.engine = engine
        self.texts = texts
        # Keeps one process's turns of a conversation in arrival order (a double click is
        # answered in the order it was made). Correctness does not depend on it: each
        # dialogue step locks the conversation row in the database (see Dialogue._turn), which
        # also holds across app and engine processes.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """The bot's replies to one inbound message, stored; [] for a redelivered message."""
        channel = inbound.channel or "web"
        payload = validate_payload(inbound.payload) if inbound.payload is not None else None
        text = inbound.text.strip()
        if payload is None and not text:
            raise BadInput("empty message")
        conversation_id = inbound.conversation_id
        async with self._locks[conversation_id]:
            stored = await asyncio.to_thread(self._store_inbound, inbound, channel, text, payload)
            if not stored:
                return []
            try:
                replies = await self.engine.send(conversation_id, payload or for_engine(text))
            except EngineError as error:
                log.error("engine failure: %s", error)
                replies = [apology(self.texts)]
            return await asyncio.to_thread(self._store_outbound, conversation_id, channel, replies)

    def _store_inbound(
        self, inbound: Inbound, channel: str, text: str, payload: str | None
    ) -> bool:
        """Store what arrived; False for a message already stored (a redelivered update)."""
        conversation_id, external_id = inbound.conversation_id, inbound.external_id
        with session_scope(self.session_factory) as session:
            conversation = lock_conversation(session, conversation_id)
            if conversation is None:
                raise BadInput("unknown conversation")
            if external_id and message_with_external_id(session, conversation_id, external_id):
                return False
            kind, shown = "text", text
            if payload is not None:
                title = _button_title(session, conversation_id, payload)
                if payload == START_PAYLOAD and title is None:
                    # The page or Telegram opening the chat, not something the patient pressed.
                    kind, shown = "event", ""
                else:
                    kind, shown = "button", title or payload
            try:
                with refusing_duplicates(session):
                    add_message(
                        session,
                        conversation,
                        direction="in",
                        channel=channel,
                        kind=kind,
                        text=shown,
                        payload=payload,
                        # What the patient's page showed when they typed: the dialogue never
                        # scores typed text against another item (a button names its own).
                        link_id=inbound.link_id if payload is None else None,
                        external_id=external_id,
                    )
            except Refused:
                # Stored meanwhile by another process (the unique index on external ids).
                return False
            return True

    def _store_outbound(
        self, conversation_id: str, channel: str, replies: list[Reply]
    ) -> list[Reply]:
        stored: list[Reply] = []
        with session_scope(self.session_factory) as session:
            # The row lock: what was presented is read and written whole (see add_message).
            conversation = lock_conversation(session, conversation_id)
            assert conversation is not None
            for reply in replies:
                meta = dict(reply.meta or {})
                row = add_message(
                    session,
                    conversation,
                    direction="out",
                    channel=channel,
                    text=reply.text,
                    buttons=[button.as_dict() for button in reply.buttons] or None,
                    link_id=reply.link_id,
                    meta=meta or None,
                )
                stored.append(replace(reply, meta=meta, message_id=row.id))
        return stored


def _button_title(session: Session, conversation_id: str, payload: str) -> str | None:
    """The title of the recent bot button that sends this payload (what the patient pressed)."""
    for message in reversed(recent_outbound(session, conversation_id, limit=8)):
        for button in message.buttons or []:
            if button.get("payload") == payload:
                return button.get("title")
    return None
