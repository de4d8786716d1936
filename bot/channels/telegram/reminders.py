"""Course reminders pushed to Telegram: the scheduler's sender (bot/course/scheduler.py).

A reminder opens the occurrence's own conversation (bot/storage/course_conversations.py) and
points the patient's chat at it, then sends one message with a "Start" button. That button is
the chat's live keyboard, so a press goes through `handlers.on_button` like any other: into
the new conversation, whose engine tracker is fresh, and the questionnaire starts.

Threading. A scheduler pass is synchronous and runs in a worker thread; the bot belongs to the
app's event loop. `TelegramReminders` does its database work in the calling (worker) thread
and hands only the Bot API call to the loop (`run_coroutine_threadsafe`), waiting for it.

No message text and no chat id reach a log.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Message
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.channels.telegram.app import TelegramChannel
from bot.channels.telegram.config import file_base_url
from bot.channels.telegram.delivery import NO_PREVIEW
from bot.channels.telegram.keyboards import keyboard
from bot.course.scheduler import OutcomeUnknown, ReminderTask, SendReminder, no_push_channel
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.console_models import PatientProfile
from bot.storage.course_conversations import occurrence_conversation
from bot.storage.course_models import OPEN_STATUSES, Occurrence
from bot.storage.db import session_scope
from bot.storage.models import Conversation
from bot.storage.telegram_chats import block_telegram_chat, set_keyboard_message
from bot.storage.telegram_models import TelegramChat
from bot.storage.transcripts import add_message
from bot.turn.messages import Button
from bot.turn.payloads import START_PAYLOAD

log = logging.getLogger(__name__)

SEND_TIMEOUT = 60.0  # seconds; the rate limiter may hold a message back a little


@dataclass(frozen=True)
class _Target:
    chat_id: int
    conversation_id: str


class TelegramReminders:
    """The scheduler's sender for Telegram patients. Called from a worker thread, never from
    ``loop``'s own thread (it would wait for itself)."""

    def __init__(
        self,
        bot: Bot,
        loop: asyncio.AbstractEventLoop,
        session_factory: sessionmaker[Session],
        texts: Texts,
        questionnaires: Mapping[str, Questionnaire],
        *,
        timeout: float = SEND_TIMEOUT,
    ) -> None:
        self.bot = bot
        self.loop = loop
        self.session_factory = session_factory
        self.texts = texts
        self.questionnaires = questionnaires
        self.timeout = timeout

    def __call__(self, task: ReminderTask) -> bool | None:
        """True: sent; False: blocked or failed; None: no Telegram chat (or withdrawn)."""
        with contextlib.suppress(RuntimeError):  # RuntimeError: no loop in this thread (good)
            if asyncio.get_running_loop() is self.loop:
                raise AssertionError("TelegramReminders must be called from a worker thread")
        with session_scope(self.session_factory) as session:
            target = _prepare(session, task)
        if not isinstance(target, _Target):
            return target
        text, start = self.message(task)
        try:
            sent = self._on_loop(
                self.bot.send_message(
                    target.chat_id,
                    text,
                    reply_markup=keyboard([start]),
                    link_preview_options=NO_PREVIEW,
                )
            )
        except (Forbidden, BadRequest) as error:
            # As delivery.py does: the chat is marked blocked, and nothing more is sent to it.
            reason = "forbidden" if isinstance(error, Forbidden) else "chat not found"
            if reason == "forbidden" or reason in error.message.lower():
                with session_scope(self.session_factory) as session:
                    block_telegram_chat(session, target.chat_id, reason)
            log.warning("a Telegram reminder was refused: %s", type(error).__name__)
            return False
        except TelegramError as error:
            log.warning("a Telegram reminder failed: %s", type(error).__name__)
            return False
        except concurrent.futures.TimeoutError:
            # It may have gone out: resent once after the scheduler's sending timeout.
            log.warning("a Telegram reminder took over %.0f s; outcome unknown", self.timeout)
            raise OutcomeUnknown from None
        with session_scope(self.session_factory) as session:
            _record(session, target, text, start, sent)
        return True

    def message(self, task: ReminderTask) -> tuple[str, Button]:
        questionnaire = self.questionnaires.get(task.questionnaire_id)
        title = questionnaire.title if questionnaire is not None else task.questionnaire_id
        _ = self.texts._
        text = _(
            "Hello. It is time for your questionnaire: {title}. Tap Start when you are ready.",
            title=title,
        )
        return text, Button(_("Start"), START_PAYLOAD)

    def _on_loop(self, call: Coroutine[Any, Any, Message]) -> Message:
        future = asyncio.run_coroutine_threadsafe(call, self.loop)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise


def _patient_chat(session: Session, patient_id: int) -> TelegramChat | None:
    # The newest link wins if a patient opened invitations from two chats.
    return session.scalar(
        select(TelegramChat)
        .where(TelegramChat.patient_id == patient_id)
        .order_by(TelegramChat.linked_at.desc(), TelegramChat.id.desc())
        .limit(1)
    )


def _prepare(session: Session, task: ReminderTask) -> _Target | bool | None:
    """The chat to remind, pointed at the occurrence's conversation; or why not (None: no
    chat, withdrawn, or the occurrence is no longer open; False: the chat blocked the bot)."""
    chat = _patient_chat(session, task.patient_id)
    if chat is None:
        return None
    if chat.blocked_at is not None:
        return False
    profile = session.get(PatientProfile, task.patient_id)
    if profile is not None and profile.withdrawn_at is not None:
        return None
    occurrence = session.get(Occurrence, task.occurrence_id)
    if occurrence is None or occurrence.status not in OPEN_STATUSES:
        return None  # answered or closed since the pass claimed it: nothing to remind of
    conversation = occurrence_conversation(session, occurrence, task.patient_id, chat.invitation_id)
    chat.conversation_id = conversation.id
    return _Target(chat.chat_id, conversation.id)


def _record(session: Session, target: _Target, text: str, start: Button, sent: Message) -> None:
    conversation = session.get(Conversation, target.conversation_id)
    assert conversation is not None
    add_message(
        session,
        conversation,
        direction="out",
        channel="telegram",
        text=text,
        buttons=[start.as_dict()],
        meta={"kind": "reminder"},
    )
    # The reminder's button is the live keyboard: a press on it is taken, older ones are not.
    set_keyboard_message(session, target.chat_id, sent.message_id)


# ---------------------------------------------------------------------- choosing a sender


def pass_sender(
    channel: TelegramChannel | None, questionnaires: Mapping[str, Questionnaire]
) -> SendReminder | None:
    """The sender of one pass in the app (called on the event loop that owns the bot): no
    Telegram, nobody can be pushed to; Telegram not connected yet, none (the reminders wait
    for a later pass); connected, Telegram."""
    if channel is None:
        return no_push_channel
    application = channel.application
    if application is None:
        return None
    return TelegramReminders(
        application.bot,
        asyncio.get_running_loop(),
        channel.session_factory,
        channel.texts,
        questionnaires,
    )


@contextlib.asynccontextmanager
async def schedule_sender(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaires: Mapping[str, Questionnaire],
) -> AsyncIterator[SendReminder | None]:
    """The sender of `bot schedule run`: a bot of its own on this event loop when
    TELEGRAM_BOT_TOKEN is set (None if Telegram cannot be reached: reminders wait), else
    nobody can be pushed to."""
    if not settings.telegram_bot_token:
        yield no_push_channel
        return
    # No rate limiter: the pass sends one reminder at a time, well under Telegram's limits.
    bot = Bot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_base_url,
        base_file_url=file_base_url(settings.telegram_api_base_url),
    )
    try:
        await bot.initialize()  # getMe: a wrong token or no network shows here
    except TelegramError as error:
        log.warning("Telegram is not reachable (%s): reminders wait", type(error).__name__)
        yield None
        return
    try:
        texts = Texts(settings.locales_dir, settings.locale)
        yield TelegramReminders(
            bot, asyncio.get_running_loop(), session_factory, texts, questionnaires
        )
    finally:
        with contextlib.suppress(Exception):
            await bot.shutdown()
