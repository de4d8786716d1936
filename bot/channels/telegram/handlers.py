"""The update handlers: what each kind of update from a private chat does. The chat's link
is read once per update, in group -1, before any of them runs (see updates.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot, CallbackQuery, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.channels.telegram.chats import ChatLink, ChatRecords
from bot.channels.telegram.delivery import Outbox
from bot.channels.telegram.invites import explanation, open_invitation
from bot.channels.telegram.own_page import own_page_link
from bot.channels.telegram.turns import Turns
from bot.channels.telegram.updates import ChatContext
from bot.i18n import Texts
from bot.settings import Settings
from bot.turn.payloads import START_PAYLOAD

# The commands registered with setMyCommands, and the engine intent each one triggers.
COMMAND_PAYLOADS = {"hjaelp": "/help", "help": "/help", "pause": "/pause", "stop": "/stop"}
RESOLVE_GROUP = -1  # before the handlers (group 0)

ErrorCallback = Callable[[object, Any], Coroutine[Any, Any, None]]


class UpdateHandlers:
    """The callbacks wired to the Application; each one small, the chat's link given."""

    def __init__(
        self, settings: Settings, records: ChatRecords, turns: Turns, texts: Texts
    ) -> None:
        self.settings = settings
        self.records = records
        self.turns = turns
        self.texts = texts
        self._ = texts._

    def _outbox(self, bot: Bot, chat_id: int) -> Outbox:
        return Outbox(bot, chat_id, self.records, self.settings.var_dir / "audio")

    async def resolve_link(self, update: Update, context: ChatContext) -> None:
        """Group -1, every update: the link of the private chat it comes from, if any."""
        chat = update.effective_chat
        if chat is not None and chat.type == ChatType.PRIVATE:
            context.chat_link = await self.records.link(chat.id)

    async def on_start(self, update: Update, context: ChatContext) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        code = context.args[0] if context.args else None
        outbox = self._outbox(context.bot, chat.id)
        opening = await open_invitation(
            self.records.session_factory, chat.id, code, context.chat_link
        )
        if opening.conversation_id is None:
            await outbox.tell_stranger(explanation(self.texts, opening.reason))
            return
        await self.turns.take(
            outbox,
            opening.conversation_id,
            update.update_id,
            payload=START_PAYLOAD,
            live_keyboard=opening.live_keyboard,
        )

    async def on_command(self, update: Update, context: ChatContext) -> None:
        """/hjaelp, /pause, /stop (and any other command: help)."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        name = (message.text or "/").split()[0][1:].split("@")[0].lower()
        await self._patient_turn(
            update, context, payload=COMMAND_PAYLOADS.get(name, COMMAND_PAYLOADS["help"])
        )

    async def _linked(self, update: Update, context: ChatContext) -> tuple[Outbox, ChatLink] | None:
        """The chat's outbox and link; None (after telling a stranger how to start) when the
        chat opened no invitation."""
        chat, link = update.effective_chat, context.chat_link
        if chat is None:
            return None
        outbox = self._outbox(context.bot, chat.id)
        if link is None:
            await outbox.tell_stranger(explanation(self.texts, "no_invite"))
            return None
        await self.records.reachable_again(chat.id, link)
        return outbox, link

    async def on_mine(self, update: Update, context: ChatContext) -> None:
        """/mine: a short-lived link to the patient's own page (not a turn: nothing stored
        but the link)."""
        linked = await self._linked(update, context)
        if linked is None:
            return
        outbox, link = linked
        url = await asyncio.to_thread(
            own_page_link, self.settings, self.records.session_factory, link.conversation_id
        )
        if url is None:
            return
        minutes = self.settings.handoff_minutes
        text = self._(
            "Here is your link to My answers. It works for {minutes} minutes.", minutes=minutes
        )
        await outbox.say(f"{text}\n{url}")

    async def on_text(self, update: Update, context: ChatContext) -> None:
        message = update.effective_message
        text = (message.text or "") if message is not None else ""
        if not text.strip():
            return
        await self._patient_turn(update, context, text=text)

    async def on_voice(self, update: Update, context: ChatContext) -> None:
        await self._patient_turn(
            update,
            context,
            notice=self._(
                "Thank you for your voice message. I cannot listen to voice messages yet. "
                "Please write your answer, or tap one of the buttons."
            ),
        )

    async def on_other(self, update: Update, context: ChatContext) -> None:
        """Photos, stickers, files, ...: a kind word, nothing stored."""
        await self._patient_turn(
            update,
            context,
            notice=self._(
                "I can only read text. Please write your answer, or tap one of the buttons."
            ),
        )

    async def _patient_turn(
        self,
        update: Update,
        context: ChatContext,
        *,
        text: str | None = None,
        payload: str | None = None,
        notice: str | None = None,
    ) -> None:
        linked = await self._linked(update, context)
        if linked is None:
            return
        outbox, link = linked
        if notice is None and text is not None and len(text) > self.settings.max_message_chars:
            notice = self._("Your message is too long for me. Please write it a bit shorter.")
        if notice is not None:
            await outbox.say(notice)
            return
        await self.turns.take(
            outbox,
            link.conversation_id,
            update.update_id,
            text=text,
            payload=payload,
            live_keyboard=link.keyboard_message_id,
        )

    async def on_button(self, update: Update, context: ChatContext) -> None:
        query, chat, link = update.callback_query, update.effective_chat, context.chat_link
        if query is None:
            return
        if chat is None or chat.type != ChatType.PRIVATE:
            await _answer(query)
            return
        outbox = self._outbox(context.bot, chat.id)
        if link is None:
            await _answer(query)
            await outbox.tell_stranger(explanation(self.texts, "no_invite"))
            return
        await self.records.reachable_again(chat.id, link)
        live = link.keyboard_message_id
        pressed = query.message.message_id if query.message is not None else None
        if pressed is None or live is None or pressed < live:
            # A keyboard of an earlier turn (or a redelivered press): not passed on.
            await _answer(query, self._("You have already answered this."))
            if pressed is not None:
                await outbox.remove_keyboard(pressed)
            return
        payload = await self.records.button_payload(link.conversation_id, query.data or "")
        await _answer(query)
        await outbox.remove_keyboard(pressed)
        if payload is None:
            return
        await self.turns.take(
            outbox,
            link.conversation_id,
            update.update_id,
            payload=payload,
            live_keyboard=live if live != pressed else None,
        )


async def _answer(query: CallbackQuery, text: str | None = None) -> None:
    """Every callback query is answered (the button stops spinning)."""
    with contextlib.suppress(TelegramError):
        await query.answer(text)


def wire(
    application: Application[Any, Any, Any, Any, Any, Any],
    handlers: UpdateHandlers,
    on_error: ErrorCallback,
) -> None:
    """All handlers in one place. Only private chats; edited messages are ignored."""
    application.add_handler(TypeHandler(Update, handlers.resolve_link), group=RESOLVE_GROUP)
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", handlers.on_start, filters=private))
    application.add_handler(CommandHandler("mine", handlers.on_mine, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, handlers.on_command))
    application.add_handler(MessageHandler(private & filters.TEXT, handlers.on_text))
    application.add_handler(
        MessageHandler(
            private & (filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE), handlers.on_voice
        )
    )
    application.add_handler(MessageHandler(private, handlers.on_other))
    application.add_handler(CallbackQueryHandler(handlers.on_button))
    application.add_error_handler(on_error)
