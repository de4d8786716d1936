"""Telegram channel: python-telegram-bot 22 inside the app, in polling or webhook mode.

A thin translator, like the web chat: a Telegram update becomes one `TurnHandler` turn (same
conversation, engine, stored answers and transcript), and the neutral replies become Telegram
messages with inline keyboards. What is Telegram's own lives here: deep-link invitations, the
link from a chat to a pseudonymous patient, keyboards that can be pressed once, the webhook's
secret header, and chats that blocked the bot.

Nothing about a chat is stored until it opened a valid invitation. Message text, chat ids and
the bot token are never logged.

Modules: `app` (the PTB Application: build, start, stop), `config` (settings check),
`updates` (one update at a time per chat; the per-update context), `handlers` (one callback
per kind of update), `turns` (one patient turn), `delivery` (sending to a chat),
`keyboards`, `text` (message length), `chats` (the channel's storage calls), `invites`
(deep links and `/start <code>`), `webhook` (the Starlette route), `reminders` (course
reminders pushed with a Start button), `own_page` (the short-lived link `/mine` sends).
"""

from __future__ import annotations

from bot.channels.telegram.app import TelegramChannel
from bot.channels.telegram.config import WEBHOOK_PATH, config_problem
from bot.channels.telegram.invites import InviteError, new_patient_invite, telegram_invite_link
from bot.channels.telegram.webhook import webhook_endpoint

__all__ = [
    "WEBHOOK_PATH",
    "InviteError",
    "TelegramChannel",
    "config_problem",
    "new_patient_invite",
    "telegram_invite_link",
    "webhook_endpoint",
]
