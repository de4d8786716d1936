"""Inline keyboards: the layout of answer buttons, and callback data within Telegram's
64 bytes (a long payload travels as a short hash and is looked up among those offered)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.turn.messages import Button

CALLBACK_MAX_BYTES = 64  # Telegram's limit for an inline button's callback_data
_HASHED = "#"


def is_hashed(data: str) -> bool:
    """The callback data stands for a payload that was too long to travel itself."""
    return data.startswith(_HASHED)


def callback_data(payload: str) -> str:
    """The button's callback_data: the payload itself, or a short hash when it is too long."""
    if len(payload.encode()) <= CALLBACK_MAX_BYTES:
        return payload
    digest = hashlib.sha256(payload.encode()).digest()
    return _HASHED + base64.urlsafe_b64encode(digest).decode()[:32]


def resolve_callback(data: str, offered: Iterable[str]) -> str | None:
    """The payload behind a button's callback_data (a hash is looked up among `offered`)."""
    if not is_hashed(data):
        return data
    return next((p for p in offered if callback_data(p) == data), None)


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """An inline keyboard: long answer texts one per row, short ones side by side."""
    if not buttons:
        return None
    longest = max(len(b.title) for b in buttons)
    per_row = 6 if longest <= 3 else 2 if longest <= 12 else 1
    keys = [
        InlineKeyboardButton(b.title, callback_data=callback_data(b.payload)) for b in buttons
    ]
    return InlineKeyboardMarkup([keys[i : i + per_row] for i in range(0, len(keys), per_row)])
