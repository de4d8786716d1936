"""One patient turn, the same for every channel.

A channel adapter hands over what arrived; this stores it in the transcript, sends it to the
engine, stores the replies and hands them back. Patient text is never logged here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.engine import EngineClient, EngineError
from bot.turn.messages import Reply as EngineReply
from bot.i18n import Texts
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.models import Message
from bot.storage.transcripts import add_message, message_with_external_id, recent_outbound

log = logging.getLogger(__name__)

PAYLOAD_PATTERN = re.compile(r"^/[a-z_]{2,40}(\{[^{}]{0,300}\})?$")
START_PAYLOAD = "/start"


class BadInput(ValueError):
    """The request cannot be a patient turn (for example a forged button payload)."""


@dataclass(frozen=True)
class OutboundMessage:
    text: str
    buttons: tuple[dict[str, str], ...] = ()
    link_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # The stored transcript line (set once stored); read-aloud audio is fetched by this id.
    message_id: int | None = None

    @property
    def read_aloud(self) -> bool:
        """The patient switched read-aloud on and this message is to be spoken."""
        return bool(self.meta.get("audio")) and self.message_id is not None

    def as_json(self, audio_url: str | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {"text": self.text, "buttons": list(self.buttons)}
        if audio_url is not None and self.read_aloud:
            entry["audio_url"] = audio_url
        return entry


def message_json(message: Message) -> dict[str, Any]:
    """A transcript line as the web API shows it."""
    entry: dict[str, Any] = {
        "from": "patient" if message.direction == "in" else "bot",
        "text": message.text,
        "kind": message.kind,
        "at": message.created_at.isoformat(),
    }
    if message.direction == "out":
        entry["buttons"] = message.buttons or []
    if message.kind == "button":
        entry["payload"] = message.payload
    return entry


def validate_payload(payload: str) -> str:
    payload = payload.strip()
    if not PAYLOAD_PATTERN.match(payload):
        raise BadInput("payload is not a button payload of this bot")
    body = payload[payload.find("{") :] if "{" in payload else ""
    if body:
        try:
            decoded = json.loads(body)
        except ValueError as error:
            raise BadInput("payload has malformed data") from error
        if not isinstance(decoded, dict) or not all(isinstance(v, str) for v in decoded.values()):
            raise BadInput("payload has malformed data")
    return payload


class ChatHandler:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        engine: EngineClient,
        texts: Texts,
    ) -> None:
        self.session_factory = session_factory
        self.engine = engine
        self.texts = texts
        # One turn at a time per conversation: a double-clicked button must not race itself.
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def handle(
        self,
        conversation_id: str,
        *,
        channel: str,
        text: str | None = None,
        payload: str | None = None,
        external_id: str | None = None,
    ) -> list[OutboundMessage]:
        if payload is not None:
            payload = validate_payload(payload)
        elif text is None or not text.strip():
            raise BadInput("empty message")
        async with self._locks[conversation_id]:
            stored = await asyncio.to_thread(
                self._store_inbound, conversation_id, channel, text, payload, external_id
            )
            if not stored:
                return []  # a redelivered message: already handled
            message = payload if payload is not None else (text or "").strip()
            try:
                replies = await self.engine.send(conversation_id, message)
            except EngineError as error:
                log.error("engine failure for conversation %s: %s", conversation_id, error)
                replies = [
                    EngineReply(
                        text=self.texts._(
                            "Sorry, something went wrong on my side. Nothing you wrote is lost. "
                            "Please try again in a moment."
                        ),
                        meta={"kind": "error"},
                    )
                ]
            return await asyncio.to_thread(self._store_outbound, conversation_id, channel, replies)

    def _store_inbound(
        self,
        conversation_id: str,
        channel: str,
        text: str | None,
        payload: str | None,
        external_id: str | None,
    ) -> bool:
        with session_scope(self.session_factory) as session:
            conversation = get_conversation(session, conversation_id)
            if conversation is None:
                raise BadInput("unknown conversation")
            if external_id and message_with_external_id(session, conversation_id, external_id):
                return False
            kind, shown = "text", (text or "").strip()
            if payload is not None:
                title = self._button_title(session, conversation_id, payload)
                if payload == START_PAYLOAD and title is None:
                    # The page or Telegram opening the chat, not something the patient pressed.
                    kind, shown = "event", ""
                else:
                    kind, shown = "button", title or payload
            add_message(
                session,
                conversation,
                direction="in",
                channel=channel,
                kind=kind,
                text=shown,
                payload=payload,
                external_id=external_id,
            )
            return True

    @staticmethod
    def _button_title(session: Session, conversation_id: str, payload: str) -> str | None:
        for message in reversed(recent_outbound(session, conversation_id, limit=8)):
            for button in message.buttons or []:
                if button.get("payload") == payload:
                    return button.get("title")
        return None

    def _store_outbound(
        self, conversation_id: str, channel: str, replies: list[EngineReply]
    ) -> list[OutboundMessage]:
        out: list[OutboundMessage] = []
        with session_scope(self.session_factory) as session:
            conversation = get_conversation(session, conversation_id)
            assert conversation is not None
            for reply in replies:
                buttons = tuple({"title": t, "payload": p} for t, p in reply.buttons)
                meta = dict(reply.meta or {})
                stored = add_message(
                    session,
                    conversation,
                    direction="out",
                    channel=channel,
                    text=reply.text,
                    buttons=list(buttons) or None,
                    link_id=reply.link_id,
                    meta=meta or None,
                )
                out.append(OutboundMessage(reply.text, buttons, reply.link_id, meta, stored.id))
        return out
