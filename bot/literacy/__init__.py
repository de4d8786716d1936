"""Plain-language helpers: how hard a Danish text is to read."""

from __future__ import annotations

from bot.literacy.readability import lix, sentences, words

__all__ = ["lix", "sentences", "words"]
