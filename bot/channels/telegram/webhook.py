"""`POST /telegram/webhook`: Telegram's updates in webhook mode, proven by the secret header."""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from telegram import Update

if TYPE_CHECKING:
    from bot.channels.telegram.app import TelegramChannel

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_WEBHOOK_BODY = 1_000_000


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
