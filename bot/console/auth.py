"""Transitional: only ``bot/console/cli.py`` still imports these from here (delete this module
once it imports them from ``bot.console.accounts``, ``bot.console.passwords`` and
``bot.console.keys``)."""

from __future__ import annotations

from bot.console.accounts import create_user
from bot.console.keys import pseudonym_key
from bot.console.passwords import AccountError

__all__ = ["AccountError", "create_user", "pseudonym_key"]
