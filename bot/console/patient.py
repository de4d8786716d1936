"""Transitional: only ``bot/console/cli.py`` still imports ``access_log`` from here (delete
this module once it imports it from ``bot.storage.audit``)."""

from __future__ import annotations

from bot.storage.audit import access_log

__all__ = ["access_log"]
