"""What the Telegram settings must be, and the Bot API addresses that follow from them."""

from __future__ import annotations

import re

from bot.settings import Settings

WEBHOOK_PATH = "/telegram/webhook"
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


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
