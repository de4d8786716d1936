"""Telegram channel: python-telegram-bot 22 inside the app, in polling or webhook mode.

A thin translator, like the web chat: a Telegram update becomes one `ChatHandler` turn (same
conversation, engine, stored answers and transcript), and the neutral replies become Telegram
messages with inline keyboards. What is Telegram's own lives here: deep-link invitations, the
link from a chat to a pseudonymous patient, keyboards that can be pressed once, the webhook's
secret header, and chats that blocked the bot.

Nothing about a chat is stored until it opened a valid invitation. Message text, chat ids and
the bot token are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
import traceback
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ChatAction, ChatType, MessageLimit
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.helpers import create_deep_linked_url

from bot import speech
from bot.chat import START_PAYLOAD, BadInput, ChatHandler, OutboundMessage
from bot.i18n import Texts
from bot.settings import Settings
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import Patient, utcnow
from bot.storage.patients import create_invitation, create_patient, invitation_by_token
from bot.storage.telegram_chats import link_telegram_chat, telegram_chat
from bot.storage.transcripts import message_with_external_id, recent_outbound, transcript

log = logging.getLogger(__name__)

TgApp = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
CALLBACK_MAX_BYTES = 64  # Telegram's limit for an inline button's callback_data
TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096, counted in UTF-16 code units
TYPING_EVERY = 4.0  # seconds; Telegram shows "typing" for about 5 s
MAX_WEBHOOK_BODY = 1_000_000
RECENT_FOR_BUTTONS = 20  # bot messages searched for the payload behind a hashed callback
_HASHED = "#"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# The commands registered with setMyCommands, and the engine intent each one triggers.
COMMAND_PAYLOADS = {"hjaelp": "/help", "help": "/help", "pause": "/pause", "stop": "/stop"}
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class InviteError(Exception):
    """An invitation link cannot be made (Telegram not configured, not reachable, ...)."""


class _Unreachable(Exception):
    """Telegram refused to deliver to this chat (bot blocked, chat deleted)."""


# ---------------------------------------------------------------------- pure helpers


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a text into messages within Telegram's limit, at paragraph, line or word breaks."""
    parts: list[str] = []
    rest = text
    while _units(rest) > limit:
        fit, used = 0, 0
        for char in rest:
            used += _units(char)
            if used > limit:
                break
            fit += 1
        window = rest[:fit]
        cut = fit
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at > fit // 2:
                cut = at
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def callback_data(payload: str) -> str:
    """The button's callback_data: the payload itself, or a short hash when it is too long."""
    if len(payload.encode()) <= CALLBACK_MAX_BYTES:
        return payload
    digest = hashlib.sha256(payload.encode()).digest()
    return _HASHED + base64.urlsafe_b64encode(digest).decode()[:32]


def resolve_callback(data: str, offered: Iterable[str]) -> str | None:
    """The payload behind a button's callback_data (a hash is looked up among `offered`)."""
    if not data.startswith(_HASHED):
        return data
    return next((p for p in offered if callback_data(p) == data), None)


def keyboard(buttons: Sequence[dict[str, str]]) -> InlineKeyboardMarkup | None:
    """An inline keyboard: long answer texts one per row, short ones side by side."""
    if not buttons:
        return None
    longest = max(len(b["title"]) for b in buttons)
    per_row = 6 if longest <= 3 else 2 if longest <= 12 else 1
    keys = [
        InlineKeyboardButton(b["title"], callback_data=callback_data(b["payload"])) for b in buttons
    ]
    return InlineKeyboardMarkup([keys[i : i + per_row] for i in range(0, len(keys), per_row)])


def file_base_url(base_url: str) -> str:
    """The file URL that belongs to a Bot API base URL (…/bot → …/file/bot)."""
    head, separator, tail = base_url.rpartition("/bot")
    if not separator:
        return base_url.rstrip("/") + "/file/bot"
    return f"{head}/file/bot{tail}"


def config_problem(settings: Settings) -> str | None:
    """What is wrong with the Telegram settings, in plain English (None: fine or off)."""
    if not settings.telegram_bot_token:
        return None
    if settings.telegram_mode == "webhook":
        if not settings.telegram_webhook_url:
            return (
                "TELEGRAM_WEBHOOK_URL is required when TELEGRAM_MODE=webhook: the public https "
                f"address of this app's {WEBHOOK_PATH}."
            )
        if not settings.telegram_webhook_secret:
            return (
                "TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook: a random "
                "string of 1-256 characters (A-Z, a-z, 0-9, _ and -)."
            )
        if not _SECRET.fullmatch(settings.telegram_webhook_secret):
            return "TELEGRAM_WEBHOOK_SECRET may only hold 1-256 characters A-Z, a-z, 0-9, _ and -."
    if settings.telegram_invite_days < 1:
        return "TELEGRAM_INVITE_DAYS must be at least 1."
    return None


def _rate_limiter() -> AIORateLimiter | None:
    try:
        # Telegram's limits: about 30 messages a second overall, 20 a minute per group.
        return AIORateLimiter(max_retries=2)
    except RuntimeError:
        log.warning(
            "Telegram rate limiting is off: install python-telegram-bot[rate-limiter] (aiolimiter)"
        )
        return None


def _keep_token_out_of_logs() -> None:
    # httpx logs every request URL at INFO, and a Bot API URL holds the bot token.
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.WARNING:
            logger.setLevel(logging.WARNING)


# ---------------------------------------------------------------------- invitations

_usernames: dict[tuple[str, str], str] = {}


def _bot_key(settings: Settings) -> tuple[str, str]:
    token = hashlib.sha256(settings.telegram_bot_token.encode()).hexdigest()
    return settings.telegram_api_base_url, token


async def bot_username(settings: Settings) -> str:
    """The bot's @username (getMe through the configured Bot API), cached per bot."""
    key = _bot_key(settings)
    if key not in _usernames:
        bot = Bot(
            settings.telegram_bot_token,
            base_url=settings.telegram_api_base_url,
            base_file_url=file_base_url(settings.telegram_api_base_url),
        )
        try:
            async with bot:
                _usernames[key] = str(bot.username)
        except InvalidToken as error:
            raise InviteError(
                "Telegram refused TELEGRAM_BOT_TOKEN (check it with BotFather)"
            ) from error
        except TelegramError as error:
            raise InviteError(
                f"the Telegram Bot API at {settings.telegram_api_base_url} is not reachable "
                f"({error.__class__.__name__})"
            ) from error
    return _usernames[key]


def _new_invitation(
    settings: Settings,
    session_factory: sessionmaker[Session],
    patient_id: int,
    questionnaire_id: str,
) -> str:
    with session_scope(session_factory) as session:
        patient = session.get(Patient, patient_id)
        if patient is None:
            raise InviteError(f"no patient with id {patient_id}")
        invitation = create_invitation(
            session,
            patient,
            questionnaire_id,
            channel="telegram",
            valid_for=timedelta(days=settings.telegram_invite_days),
        )
        return invitation.token


async def telegram_invite_link(
    settings: Settings,
    session_factory: sessionmaker[Session],
    patient_id: int,
    questionnaire_id: str,
) -> str | None:
    """A new single-use deep link `https://t.me/<bot>?start=<code>` for an existing patient.

    None when Telegram is not configured; InviteError when the Bot API cannot be reached
    (nothing is stored then). The code expires after TELEGRAM_INVITE_DAYS days.
    """
    if not settings.telegram_bot_token:
        return None
    username = await bot_username(settings)
    code = await asyncio.to_thread(
        _new_invitation, settings, session_factory, patient_id, questionnaire_id
    )
    return create_deep_linked_url(username, code)


async def new_patient_invite(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaire_ids: Collection[str],
    questionnaire_id: str,
    *,
    label: str | None = None,
) -> str:
    """`bot invite --channel telegram`: a new pseudonymous patient and their deep link."""
    if not settings.telegram_bot_token:
        raise InviteError("TELEGRAM_BOT_TOKEN is not set (see docs/TELEGRAM.md)")
    if questionnaire_id not in questionnaire_ids:
        known = ", ".join(sorted(questionnaire_ids))
        raise InviteError(f"unknown questionnaire '{questionnaire_id}' (known: {known})")
    await bot_username(settings)  # before anything is stored

    def create() -> int:
        with session_scope(session_factory) as session:
            return create_patient(session, label=label).id

    patient_id = await asyncio.to_thread(create)
    link = await telegram_invite_link(settings, session_factory, patient_id, questionnaire_id)
    assert link is not None
    return link


# ---------------------------------------------------------------------- the channel


class TelegramChannel:
    """The bot: one PTB Application in the app's event loop, started by the app's lifespan."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        chat: ChatHandler,
        texts: Texts,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.chat = chat
        self.texts = texts
        self._ = texts._
        self.application: TgApp | None = None
        self._task: asyncio.Task[None] | None = None
        # One update at a time per chat, in arrival order.
        self._chat_locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._failed: set[int] = set()

    @property
    def webhook_mode(self) -> bool:
        return self.settings.telegram_mode == "webhook"

    @property
    def ready(self) -> bool:
        return self.application is not None

    # ------------------------------------------------------------------ start and stop

    def build(self) -> TgApp:
        builder: Any = (  # PTB's builder types do not follow a rate limiter's generic type
            Application.builder()
            .token(self.settings.telegram_bot_token)
            .base_url(self.settings.telegram_api_base_url)
            .base_file_url(file_base_url(self.settings.telegram_api_base_url))
            .concurrent_updates(True)
        )
        limiter = _rate_limiter()
        if limiter is not None:
            builder = builder.rate_limiter(limiter)
        if self.webhook_mode:
            builder = builder.updater(None)  # the app's own web server receives the updates
        application: TgApp = builder.build()
        wire(application, self)
        return application

    async def start(self) -> None:
        """Check the settings (a clear error if wrong), then connect in the background, so
        the web chat serves even while the Bot API cannot be reached."""
        problem = config_problem(self.settings)
        if problem:
            raise RuntimeError(f"Telegram settings: {problem}")
        _keep_token_out_of_logs()
        self._task = asyncio.create_task(self._connect(), name="telegram-connect")

    async def _connect(self) -> None:
        # No updates are taken (polling) or accepted (webhook: 503, Telegram retries) before
        # the engine can answer them.
        while not await self.chat.engine.model_loaded():
            await asyncio.sleep(1.0)
        delay = 2.0
        while True:
            application = self.build()
            try:
                await self._launch(application)
                return
            except InvalidToken:
                log.error("Telegram refused TELEGRAM_BOT_TOKEN; the Telegram channel is off")
            except NetworkError as error:
                log.warning(
                    "Telegram Bot API not reachable (%s); retrying in %.0f s",
                    error.__class__.__name__,
                    delay,
                )
                await _shutdown(application)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            except TelegramError as error:
                log.error("Telegram could not start: %s", error.message)
            except asyncio.CancelledError:
                await _shutdown(application)  # the app stops while still connecting
                raise
            except Exception:
                log.exception("Telegram could not start")
            await _shutdown(application)
            return

    async def _launch(self, application: TgApp) -> None:
        await application.initialize()  # getMe
        bot = application.bot
        _usernames[_bot_key(self.settings)] = str(bot.username)
        _ = self._
        await bot.set_my_commands(
            [
                BotCommand("start", _("Start or continue")),
                BotCommand("hjaelp", _("What you can write")),
                BotCommand("pause", _("Take a break")),
                BotCommand("stop", _("Stop for now")),
            ]
        )
        if self.webhook_mode:
            await bot.set_webhook(
                url=self.settings.telegram_webhook_url,
                secret_token=self.settings.telegram_webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            assert application.updater is not None
            await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await application.start()
        self.application = application
        log.info(
            "Telegram channel running as @%s (%s mode)", bot.username, self.settings.telegram_mode
        )

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        application, self.application = self.application, None
        if application is not None:
            await _shutdown(application)

    # ------------------------------------------------------------------ webhook

    async def process_webhook_update(self, update: Update) -> bool:
        """Handle one update now; False when it failed before it was safely stored (Telegram
        then delivers it again, and what was stored is not counted twice)."""
        assert self.application is not None
        await self.application.process_update(update)
        if update.update_id in self._failed:
            self._failed.discard(update.update_id)
            return False
        return True

    async def on_error(self, update: object, context: Context) -> None:
        if self.webhook_mode and isinstance(update, Update):
            self._failed.add(update.update_id)
        error = context.error
        # The frames, not the message: an error's message may quote what the patient wrote.
        frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        log.error("Telegram update failed: %s\n%s", error.__class__.__name__, frames)

    # ------------------------------------------------------------------ updates

    async def on_start(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        code = context.args[0] if context.args else None
        async with self._chat_locks[chat.id]:
            conversation_id, reason, live = await asyncio.to_thread(self._open, chat.id, code)
            if conversation_id is None:
                await self._explain(context.bot, chat.id, reason)
                return
            await self._turn(
                context.bot,
                chat.id,
                conversation_id,
                update,
                payload=START_PAYLOAD,
                live_keyboard=live,
            )

    async def on_command(self, update: Update, context: Context) -> None:
        """/hjaelp, /pause, /stop (and any other command: help)."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return
        name = (message.text or "/").split()[0][1:].split("@")[0].lower()
        await self._patient_turn(
            update, context, payload=COMMAND_PAYLOADS.get(name, COMMAND_PAYLOADS["help"])
        )

    async def on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        text = (message.text or "") if message is not None else ""
        if not text.strip():
            return
        await self._patient_turn(update, context, text=text)

    async def on_voice(self, update: Update, context: Context) -> None:
        await self._patient_turn(
            update,
            context,
            notice=self._(
                "Thank you for your voice message. I cannot listen to voice messages yet. "
                "Please write your answer, or tap one of the buttons."
            ),
        )

    async def on_other(self, update: Update, context: Context) -> None:
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
        context: Context,
        *,
        text: str | None = None,
        payload: str | None = None,
        notice: str | None = None,
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        async with self._chat_locks[chat.id]:
            link = await asyncio.to_thread(self._linked, chat.id)
            if link is None:
                await self._explain(context.bot, chat.id, "no_invite")
                return
            conversation_id, live_keyboard = link
            if notice is None and text is not None and len(text) > self.settings.max_message_chars:
                notice = self._("Your message is too long for me. Please write it a bit shorter.")
            if notice is not None:
                await self._say(context.bot, chat.id, notice)
                return
            await self._turn(
                context.bot,
                chat.id,
                conversation_id,
                update,
                text=text,
                payload=payload,
                live_keyboard=live_keyboard,
            )

    async def on_button(self, update: Update, context: Context) -> None:
        query, chat = update.callback_query, update.effective_chat
        if query is None:
            return
        if chat is None or chat.type != ChatType.PRIVATE:
            await _answer(query)
            return
        async with self._chat_locks[chat.id]:
            link = await asyncio.to_thread(self._linked, chat.id)
            if link is None:
                await _answer(query)
                await self._explain(context.bot, chat.id, "no_invite")
                return
            conversation_id, live = link
            pressed = query.message.message_id if query.message is not None else None
            if pressed is None or live is None or pressed < live:
                # A keyboard of an earlier turn (or a redelivered press): not passed on.
                await _answer(query, self._("You have already answered this."))
                if pressed is not None:
                    await self._remove_keyboard(context.bot, chat.id, pressed)
                return
            payload = await asyncio.to_thread(self._payload_for, conversation_id, query.data or "")
            await _answer(query)
            await self._remove_keyboard(context.bot, chat.id, pressed)
            if payload is None:
                return
            await self._turn(
                context.bot,
                chat.id,
                conversation_id,
                update,
                payload=payload,
                live_keyboard=live if live != pressed else None,
            )

    # ------------------------------------------------------------------ one turn

    async def _turn(
        self,
        bot: Bot,
        chat_id: int,
        conversation_id: str,
        update: Update,
        *,
        text: str | None = None,
        payload: str | None = None,
        live_keyboard: int | None = None,
    ) -> None:
        reachable = True
        external_id = f"tg:{update.update_id}"
        typing: asyncio.Task[None] | None = None
        try:
            await self._api(chat_id, bot.send_chat_action(chat_id, ChatAction.TYPING))
            typing = asyncio.create_task(self._keep_typing(bot, chat_id))
        except _Unreachable:
            reachable = False  # still store what the patient sent
        try:
            replies = await self.chat.handle(
                conversation_id,
                channel="telegram",
                text=text,
                payload=payload,
                external_id=external_id,
            )
            if not replies:
                # A redelivered update (Telegram saw no answer: the app may have stopped before
                # replying). It is not handled twice; what was replied is sent again.
                replies = await asyncio.to_thread(self._replies_to, conversation_id, external_id)
        except BadInput:
            log.info("Telegram: a turn was refused as bad input (conversation %s)", conversation_id)
            return
        finally:
            if typing is not None:
                typing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await typing
        if reachable and replies:
            with contextlib.suppress(_Unreachable):
                await self._deliver(bot, chat_id, replies, live_keyboard)

    async def _keep_typing(self, bot: Bot, chat_id: int) -> None:
        with contextlib.suppress(_Unreachable):
            while True:
                await asyncio.sleep(TYPING_EVERY)
                await self._api(chat_id, bot.send_chat_action(chat_id, ChatAction.TYPING))

    async def _deliver(
        self,
        bot: Bot,
        chat_id: int,
        replies: Sequence[OutboundMessage],
        live_keyboard: int | None,
    ) -> None:
        # Keyboards are live from the first one of the latest turn that moved the
        # conversation on (a question, buttons, the end); presses on older ones are refused.
        moves_on = any(
            r.buttons or r.link_id or (r.meta or {}).get("kind") == "completed" for r in replies
        )
        if moves_on and live_keyboard is not None:
            await self._remove_keyboard(bot, chat_id, live_keyboard)
        first_keyboard: int | None = None
        for reply in replies:
            if not reply.text and not reply.buttons:
                continue
            markup = keyboard(reply.buttons)
            chunks = split_text(reply.text or "…")
            for number, chunk in enumerate(chunks, 1):
                last = number == len(chunks)
                message = await self._api(
                    chat_id,
                    bot.send_message(
                        chat_id,
                        chunk,
                        reply_markup=markup if last else None,
                        link_preview_options=NO_PREVIEW,
                    ),
                )
                if last and markup is not None and message is not None and first_keyboard is None:
                    first_keyboard = message.message_id
            if reply.read_aloud:
                await self._send_voice(bot, chat_id, reply.text)
        if moves_on:
            await asyncio.to_thread(self._set_keyboard, chat_id, first_keyboard)

    async def _send_voice(self, bot: Bot, chat_id: int, text: str) -> None:
        """The question read aloud, as a Telegram voice message (OGG/Opus from espeak-ng)."""
        try:
            audio = await asyncio.to_thread(
                speech.cached, self.settings.var_dir / "audio", text, "ogg"
            )
        except (speech.SpeechUnavailable, speech.SpeechError) as error:
            log.warning("read-aloud not sent: %s", error.__class__.__name__)
            return
        await self._api(chat_id, bot.send_voice(chat_id, voice=audio))

    async def _api(self, chat_id: int, call: Any, *, quiet: bool = False) -> Any:
        """One Bot API call for a chat. A chat that blocked the bot (or is gone) is recorded
        and the rest of the turn is not sent; other failures are logged and skipped."""
        try:
            return await call
        except Forbidden:
            await asyncio.to_thread(self._mark_blocked, chat_id, "forbidden")
            raise _Unreachable from None
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                await asyncio.to_thread(self._mark_blocked, chat_id, "chat not found")
                raise _Unreachable from None
            if not quiet:
                log.warning("Telegram refused a call: %s", error.message)
        except TelegramError as error:
            log.warning("Telegram call failed: %s", error.__class__.__name__)
        return None

    async def _remove_keyboard(self, bot: Bot, chat_id: int, message_id: int) -> None:
        """Take the buttons off a bot message, so that they cannot answer again."""
        with contextlib.suppress(_Unreachable):
            # quiet: "message is not modified" / "not found" just mean it is already gone
            await self._api(
                chat_id,
                bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id),
                quiet=True,
            )

    async def _say(self, bot: Bot, chat_id: int, text: str) -> None:
        with contextlib.suppress(_Unreachable):
            await self._api(
                chat_id, bot.send_message(chat_id, text, link_preview_options=NO_PREVIEW)
            )

    async def _explain(self, bot: Bot, chat_id: int, reason: str) -> None:
        """To a chat with no valid invitation: how to get one. Nothing is stored."""
        if reason == "bad_invite":
            text = self._(
                "This link does not work any more. It may be too old, or it has already been "
                "used. Ask your care team for a new link."
            )
        else:
            text = self._(
                "Hi! I am a chatbot from your hospital. To talk with me, you need a personal "
                "link from your care team. Open that link, and we can begin. If you have not "
                "got a link, ask your care team."
            )
        with contextlib.suppress(TelegramError):
            await bot.send_message(chat_id, text, link_preview_options=NO_PREVIEW)

    # ------------------------------------------------------------------ storage

    def _open(self, chat_id: int, code: str | None) -> tuple[str | None, str, int | None]:
        """`/start [code]`: (conversation id or None, why, live keyboard). A valid code links
        the chat to the invitation's patient; nothing is stored otherwise."""
        with session_scope(self.session_factory) as session:
            row = telegram_chat(session, chat_id)
            if code is None:
                if row is None:
                    return None, "no_invite", None
                _unblock(row)
                return row.conversation_id, "known", row.keyboard_message_id
            invitation = invitation_by_token(session, code) if _CODE.fullmatch(code) else None
            if invitation is None or invitation.channel != "telegram":
                return None, "bad_invite", None
            if row is not None and row.invitation_id == invitation.id:
                _unblock(row)  # the same chat opened its link again
                return row.conversation_id, "known", row.keyboard_message_id
            expired = invitation.expires_at is not None and invitation.expires_at <= utcnow()
            if invitation.used_at is not None or expired:
                return None, "bad_invite", None
            live = row.keyboard_message_id if row is not None else None
            conversation = conversation_for_invitation(session, invitation)
            link_telegram_chat(session, chat_id, invitation, conversation)
            return conversation.id, "linked", live

    def _linked(self, chat_id: int) -> tuple[str, int | None] | None:
        with session_scope(self.session_factory) as session:
            row = telegram_chat(session, chat_id)
            if row is None:
                return None
            _unblock(row)  # the patient writes: the chat is reachable again
            return row.conversation_id, row.keyboard_message_id

    def _set_keyboard(self, chat_id: int, message_id: int | None) -> None:
        with session_scope(self.session_factory) as session:
            row = telegram_chat(session, chat_id)
            if row is not None:
                row.keyboard_message_id = message_id

    def _mark_blocked(self, chat_id: int, reason: str) -> None:
        with session_scope(self.session_factory) as session:
            row = telegram_chat(session, chat_id)
            if row is None:
                return
            if row.blocked_at is None:
                row.blocked_at = utcnow()
                log.warning(
                    "Telegram cannot deliver to the chat of conversation %s (%s); not retried",
                    row.conversation_id,
                    reason,
                )
            row.blocked_reason = reason

    def _replies_to(self, conversation_id: str, external_id: str) -> list[OutboundMessage]:
        """The stored replies to an inbound message; an apology if it got none (the app
        stopped between storing it and replying)."""
        with session_scope(self.session_factory) as session:
            inbound = message_with_external_id(session, conversation_id, external_id)
            if inbound is None:
                return []
            replies: list[OutboundMessage] = []
            for message in transcript(session, conversation_id):
                if message.id <= inbound.id:
                    continue
                if message.direction == "in":
                    break
                if message.direction != "out" or message.kind == "event":
                    continue
                replies.append(
                    OutboundMessage(
                        message.text,
                        tuple(message.buttons or ()),
                        message.link_id,
                        dict(message.meta or {}),
                        message.id,
                    )
                )
        if replies:
            return replies
        return [
            OutboundMessage(
                self._(
                    "Sorry, something went wrong on my side. Nothing you wrote is lost. "
                    "Please try again in a moment."
                )
            )
        ]

    def _payload_for(self, conversation_id: str, data: str) -> str | None:
        if not data.startswith(_HASHED):
            return data
        with session_scope(self.session_factory) as session:
            recent = recent_outbound(session, conversation_id, limit=RECENT_FOR_BUTTONS)
            offered = [b.get("payload", "") for m in recent for b in (m.buttons or [])]
        return resolve_callback(data, offered)


def _unblock(row: Any) -> None:
    if row.blocked_at is not None:
        row.blocked_at = None
        row.blocked_reason = None


async def _answer(query: Any, text: str | None = None) -> None:
    """Every callback query is answered (the button stops spinning)."""
    with contextlib.suppress(TelegramError):
        await query.answer(text)


async def _shutdown(application: TgApp) -> None:
    with contextlib.suppress(Exception):
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
    with contextlib.suppress(Exception):
        if application.running:
            await application.stop()
    with contextlib.suppress(Exception):
        await application.shutdown()


def wire(application: TgApp, channel: TelegramChannel) -> None:
    """All handlers in one place. Only private chats; edited messages are ignored."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", channel.on_start, filters=private))
    application.add_handler(MessageHandler(private & filters.COMMAND, channel.on_command))
    application.add_handler(MessageHandler(private & filters.TEXT, channel.on_text))
    application.add_handler(
        MessageHandler(
            private & (filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE), channel.on_voice
        )
    )
    application.add_handler(MessageHandler(private, channel.on_other))
    application.add_handler(CallbackQueryHandler(channel.on_button))
    application.add_error_handler(channel.on_error)


# ---------------------------------------------------------------------- webhook route


async def webhook_endpoint(request: Request) -> Response:
    """`POST /telegram/webhook`: updates from Telegram, proven by the secret-token header."""
    channel: TelegramChannel | None = getattr(request.app.state, "telegram", None)
    if channel is None or not channel.webhook_mode:
        return JSONResponse({"error": "not found"}, status_code=404)
    given = request.headers.get(SECRET_HEADER, "").encode()
    if not hmac.compare_digest(given, channel.settings.telegram_webhook_secret.encode()):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    if not channel.ready:
        return JSONResponse({"error": "starting"}, status_code=503)
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BODY:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        data = json.loads(body)
        assert channel.application is not None
        update = Update.de_json(data, channel.application.bot)
    except Exception:
        return JSONResponse({"error": "not a Telegram update"}, status_code=400)
    if not await channel.process_webhook_update(update):
        return JSONResponse({"error": "not processed"}, status_code=500)
    return JSONResponse({})
