"""Short keyed hashes of identifiers, for log lines that need to tell conversations apart.

A log must never hold a conversation id, a link token, a Telegram chat id or a pseudonym (logs
are kept longer and read by more people than the database). Where two log lines must be
matched up, they carry ``short_id(value, key)`` instead: the same value gives the same eight
hex characters under one key, and without the key the value cannot be recovered or checked
by guessing.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import traceback

from bot.console.keys import secret_key
from bot.settings import Settings

SHORT_ID_CHARS = 8


def short_id(value: str | int, key: bytes) -> str:
    """Eight hex characters of HMAC-SHA256(key, value)."""
    if not key:
        raise ValueError("short_id needs a key (an unkeyed hash of a token can be guessed)")
    digest = hmac.new(key, str(value).encode(), hashlib.sha256).hexdigest()
    return digest[:SHORT_ID_CHARS]


def log_key(settings: Settings) -> bytes:
    """The key of the log ids, derived from the app's secret key (so it is never the secret
    key itself, and stays the same as long as that key does)."""
    return hmac.new(secret_key(settings), b"log-ids", hashlib.sha256).digest()


# These libraries log at INFO what the app must never log: httpx and httpcore every request
# URL (the engine's URLs carry its ?token=, the Bot API's the bot token, and some a chat id),
# uvicorn's access log every path (a chat link's path is its token).
URL_LOGGERS = ("httpx", "httpcore", "uvicorn.access")


def quiet_url_loggers() -> None:
    """Raise the URL-logging libraries' loggers to WARNING, whatever the root level (also
    when the app is served by other means than `bot run`, e.g. `uvicorn --factory`), and keep
    exception messages out of the server's error log."""
    for name in URL_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.level, logging.WARNING))
    server_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, ExceptionTypeOnly) for f in server_errors.filters):
        server_errors.addFilter(ExceptionTypeOnly())


class ExceptionTypeOnly(logging.Filter):
    """Logs an exception by its type and stack frames, without its message: uvicorn logs every
    unhandled exception of a request (Starlette re-raises it after the app's own 500 answer),
    and a message may quote what the patient wrote."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            frames = "".join(traceback.format_tb(error.__traceback__))
            record.msg = f"{record.getMessage().rstrip()} ({type(error).__name__})\n{frames}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True
