"""Telegram's message length: texts cut into messages that fit."""

from __future__ import annotations

from telegram.constants import MessageLimit

TEXT_LIMIT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096, counted in UTF-16 code units


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
