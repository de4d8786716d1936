"""What the bot waits for besides an answer to the current item: a question for the doctor to
be typed, a "Ja/Nej" to an offer or a confirmation. Kept on the conversation row (JSON), so it
survives a restart; this module is the only one that knows that JSON's shape.

An awaited reply is taken by its step (see `bot.dialogue.service.AWAITED`) before the step the
engine chose, whatever the engine made of the message; a crisis always comes first. It goes
stale after `AWAITING_MINUTES`: a patient who comes back the next day is not taken at their
word for a question asked yesterday.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.storage.models import Conversation, utcnow

AWAITING_MINUTES = 60


@dataclass(frozen=True)
class Awaiting:
    kind: str  # names a step in bot.dialogue.service.AWAITED
    since: datetime
    data: dict[str, Any] = field(default_factory=dict)


def awaiting_of(conversation: Conversation, now: datetime | None = None) -> Awaiting | None:
    """The reply the bot waits for, or None (nothing, or asked too long ago)."""
    raw = conversation.awaiting
    if not raw or not raw.get("kind"):
        return None
    try:
        since = datetime.fromisoformat(str(raw["since"]))
    except (KeyError, ValueError):
        return None
    if (now or utcnow()) - since > timedelta(minutes=AWAITING_MINUTES):
        return None
    return Awaiting(kind=str(raw["kind"]), since=since, data=dict(raw.get("data") or {}))


def await_reply(conversation: Conversation, kind: str, **data: Any) -> None:
    """The patient's next message answers this (`data` must be JSON: e.g. the typed words of a
    medical question, held while the bot asks whether to write it down)."""
    conversation.awaiting = {"kind": kind, "since": utcnow().isoformat(), "data": data}


def clear_awaiting(conversation: Conversation) -> None:
    conversation.awaiting = None
