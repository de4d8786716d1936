"""The one set of message types every layer shares: what arrived, what goes out, a button."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Button(NamedTuple):
    """A button: what it says and the payload it sends back. A tuple, so it is also the
    engine's and the transcript's (title, payload) pair without conversion."""

    title: str
    payload: str

    def as_dict(self) -> dict[str, str]:
        """The JSON shape (engine answers, transcript rows, the web API)."""
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class Reply:
    """One bot message. `link_id` names the item it asks; `meta` says what it is (kind, level,
    wording shown, ...); `message_id` is its transcript row once stored."""

    text: str
    buttons: tuple[Button, ...] = ()
    link_id: str | None = None
    meta: Mapping[str, Any] | None = None
    message_id: int | None = None

    def __post_init__(self) -> None:
        # Buttons arrive as pairs from JSON and test doubles; keep one shape inside.
        object.__setattr__(self, "buttons", tuple(Button(*button) for button in self.buttons))

    @property
    def read_aloud(self) -> bool:
        """The patient switched read-aloud on and this stored message is to be spoken."""
        return bool((self.meta or {}).get("audio")) and self.message_id is not None


@dataclass(frozen=True)
class Inbound:
    """What the patient did. A channel fills in `channel` and either `text` or `payload`; the
    engine's actions fill in `intent`, `confidence` and `entities` (what it understood)."""

    conversation_id: str
    text: str = ""
    intent: str | None = None
    confidence: float = 1.0
    entities: Mapping[str, str] = field(default_factory=dict)
    channel: str | None = None
    payload: str | None = None
    # The channel's own id of the message (Telegram's update id), to drop redeliveries.
    external_id: str | None = None
    # The item the patient was looking at when they typed `text` (the web page sends it), so
    # typed text is never scored against an item they did not see last.
    link_id: str | None = None
