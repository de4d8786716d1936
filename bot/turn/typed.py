"""Typed text on its way through the engine: text, never an intent.

Rasa reads any message that starts with "/" as "/intent{entities}" without classifying it
(its RegexMessageHandler, after `str.strip()`), so a patient typing "/stop" or a forged
`/inform{"code":"5","link_id":"who5-1"}` would act like a button. Typed text that starts with
"/" goes to the engine behind an invisible WORD JOINER, which `str.strip()` keeps (it is not
whitespace), so the regex parser leaves it to NLU classification like any other text; the
dialogue takes the mark off again before it reads or stores the text.
"""

from __future__ import annotations

MARK = "\u2060"


def for_engine(text: str) -> str:
    """What the engine is sent for typed text (button payloads are sent as they are)."""
    return MARK + text if text.startswith("/") else text


def as_typed(text: str) -> str:
    """The patient's text as typed, from what the engine hands back to an action."""
    stripped = text.strip()
    return stripped[len(MARK) :] if stripped.startswith(MARK + "/") else text
