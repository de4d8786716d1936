"""The bot's python-telegram-bot Application inside the app's event loop: building it,
connecting in the background (polling, or the app's own webhook route), and stopping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import traceback
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import AIORateLimiter, Application

from bot.channels.telegram.chats import ChatRecords
from bot.channels.telegram.config import config_problem, file_base_url
from bot.channels.telegram.handlers import UpdateHandlers, wire
from bot.channels.telegram.turns import Turns
from bot.channels.telegram.updates import ChatContext, OneUpdatePerChat, context_types
from bot.i18n import Texts
from bot.log_ids import log_key, short_id
from bot.settings import Settings
from bot.turn.handler import TurnHandler, apology

log = logging.getLogger(__name__)

TgApp = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = ["message", "callback_query"]


class TelegramChannel:
    """The bot: one PTB Application in the app's event loop, started by the app's lifespan."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        chat: TurnHandler,
        texts: Texts,
    ) -> None:
        self.settings = settings
        self.username: str | None = None  # the bot's @username, known once connected
        self.session_factory = session_factory
        self.chat = chat
        self.texts = texts
        records = ChatRecords(session_factory)
        self.handlers = UpdateHandlers(settings, records, Turns(chat, records, texts), texts)
        self.application: TgApp | None = None
        self._task: asyncio.Task[None] | None = None
        # Webhook mode: updates whose handling failed, so the webhook answers 500.
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
            .concurrent_updates(OneUpdatePerChat())
            .context_types(context_types())
        )
        limiter = _rate_limiter()
        if limiter is not None:
            builder = builder.rate_limiter(limiter)
        if self.webhook_mode:
            builder = builder.updater(None)  # the app's own web server receives the updates
        application: TgApp = builder.build()
        wire(application, self.handlers, self.on_error)
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
        # Invitation links made while the channel runs need no getMe of their own.
        self.username = str(bot.username)
        _ = self.texts._
        await bot.set_my_commands(
            [
                BotCommand("start", _("Start or continue")),
                BotCommand("hjaelp", _("What you can write")),
                BotCommand("pause", _("Take a break")),
                BotCommand("stop", _("Stop for now")),
                BotCommand("mine", _("My answers")),
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

    # ------------------------------------------------------------------ webhook and errors

    async def process_webhook_update(self, update: Update) -> bool:
        """Handle one update now; False when it failed before it was safely stored (Telegram
        then delivers it again, and what was stored is not counted twice)."""
        application = self.application
        assert application is not None
        # Through the update processor, as polled updates are: one at a time per chat.
        await application.update_processor.process_update(
            update, application.process_update(update)
        )
        if update.update_id in self._failed:
            self._failed.discard(update.update_id)
            return False
        return True

    async def on_error(self, update: object, context: ChatContext) -> None:
        if self.webhook_mode and isinstance(update, Update):
            self._failed.add(update.update_id)
        error = context.error
        # The frames, not the message: an error's message may quote what the patient wrote.
        frames = "".join(traceback.format_tb(error.__traceback__)) if error else ""
        # A keyed hash of the chat tells repeated failures of one chat apart from many chats'.
        chat = update.effective_chat if isinstance(update, Update) else None
        where = short_id(chat.id, log_key(self.settings)) if chat is not None else "-"
        log.error("Telegram update failed (chat %s): %s\n%s", where, type(error).__name__, frames)
        if chat is not None and chat.type == ChatType.PRIVATE and not self.webhook_mode:
            # The patient hears the web chat's kind apology, not silence. In webhook mode the
            # webhook answers 500 instead: Telegram delivers the update again, and the
            # redelivery is answered (with this apology, if the message was stored).
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(chat.id, apology(self.texts).text)


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


async def _shutdown(application: TgApp) -> None:
    with contextlib.suppress(Exception):
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
    with contextlib.suppress(Exception):
        if application.running:
            await application.stop()
    with contextlib.suppress(Exception):
        await application.shutdown()
