"""Sending to one chat: replies with their keyboards (split to Telegram's length, read aloud
as a voice message when asked), the typing indicator, and chats that blocked the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from pathlib import Path
from typing import Any

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ChatAction
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import speech
from bot.channels.telegram.chats import ChatRecords
from bot.channels.telegram.keyboards import keyboard
from bot.channels.telegram.text import split_text
from bot.turn.messages import Reply

log = logging.getLogger(__name__)

TYPING_EVERY = 4.0  # seconds; Telegram shows "typing" for about 5 s
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Unreachable(Exception):
    """Telegram refused to deliver to this chat (bot blocked, chat deleted)."""


class Outbox:
    """The Bot API calls to one chat while one of its updates is handled."""

    def __init__(self, bot: Bot, chat_id: int, records: ChatRecords, audio_dir: Path) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.records = records
        self.audio_dir = audio_dir

    async def call(self, call: Awaitable[Any], *, quiet: bool = False) -> Any:
        """One Bot API call. A chat that blocked the bot (or is gone) is recorded and the rest
        of the turn is not sent (Unreachable); other failures are logged and skipped."""
        try:
            return await call
        except Forbidden:
            await self.records.mark_blocked(self.chat_id, "forbidden")
            raise Unreachable from None
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                await self.records.mark_blocked(self.chat_id, "chat not found")
                raise Unreachable from None
            if not quiet:
                log.warning("Telegram refused a call: %s", error.message)
        except TelegramError as error:
            log.warning("Telegram call failed: %s", error.__class__.__name__)
        return None

    @contextlib.asynccontextmanager
    async def typing(self) -> AsyncIterator[bool]:
        """Shows "typing…" while the block runs; yields whether the chat is reachable."""
        try:
            await self._show_typing()
        except Unreachable:
            yield False
            return
        task = asyncio.create_task(self._keep_typing())
        try:
            yield True
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _show_typing(self) -> None:
        await self.call(self.bot.send_chat_action(self.chat_id, ChatAction.TYPING))

    async def _keep_typing(self) -> None:
        with contextlib.suppress(Unreachable):
            while True:
                await asyncio.sleep(TYPING_EVERY)
                await self._show_typing()

    async def say(self, text: str) -> None:
        with contextlib.suppress(Unreachable):
            await self.call(
                self.bot.send_message(self.chat_id, text, link_preview_options=NO_PREVIEW)
            )

    async def tell_stranger(self, text: str) -> None:
        """To a chat that opened no valid invitation: nothing about it is stored, not even
        that it blocked the bot."""
        with contextlib.suppress(TelegramError):
            await self.bot.send_message(self.chat_id, text, link_preview_options=NO_PREVIEW)

    async def remove_keyboard(self, message_id: int) -> None:
        """Take the buttons off a bot message, so that they cannot answer again."""
        with contextlib.suppress(Unreachable):
            # quiet: "message is not modified" / "not found" just mean it is already gone
            await self.call(
                self.bot.edit_message_reply_markup(chat_id=self.chat_id, message_id=message_id),
                quiet=True,
            )

    async def deliver(self, replies: Sequence[Reply], live_keyboard: int | None) -> None:
        """Send a turn's replies (Unreachable when the chat refuses them)."""
        # Keyboards are live from the first one of the latest turn that moved the
        # conversation on (a question, buttons, the end); presses on older ones are refused.
        moves_on = any(
            r.buttons or r.link_id or (r.meta or {}).get("kind") == "completed" for r in replies
        )
        if moves_on and live_keyboard is not None:
            await self.remove_keyboard(live_keyboard)
        first_keyboard: int | None = None
        for reply in replies:
            if not reply.text and not reply.buttons:
                continue
            markup = keyboard(reply.buttons)
            chunks = split_text(reply.text or "…")
            for number, chunk in enumerate(chunks, 1):
                last = number == len(chunks)
                message = await self.call(
                    self.bot.send_message(
                        self.chat_id,
                        chunk,
                        reply_markup=markup if last else None,
                        link_preview_options=NO_PREVIEW,
                    ),
                )
                if last and markup is not None and message is not None and first_keyboard is None:
                    first_keyboard = message.message_id
            if reply.read_aloud:
                await self._send_voice(reply.text)
        if moves_on:
            await self.records.set_keyboard(self.chat_id, first_keyboard)

    async def _send_voice(self, text: str) -> None:
        """The question read aloud, as a Telegram voice message (OGG/Opus from espeak-ng)."""
        try:
            audio = await asyncio.to_thread(speech.cached, self.audio_dir, text, "ogg")
        except (speech.SpeechUnavailable, speech.SpeechError) as error:
            log.warning("read-aloud not sent: %s", error.__class__.__name__)
            return
        await self.call(self.bot.send_voice(self.chat_id, voice=audio))
