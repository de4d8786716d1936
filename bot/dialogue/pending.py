"""An answer that is not stored yet: a typed reading said back for "Passer det?", or a few
options offered to choose from. Kept on the conversation row (JSON), so it survives a
restart; this module is the only one that knows that JSON's shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PendingChoice:
    """Options were offered ("Hvilken af dem mente du?"); the next press or text answers."""

    link_id: str


@dataclass(frozen=True)
class PendingConfirmation:
    """A typed answer said back; "ja" stores it, "nej" asks again."""

    link_id: str
    message_id: int | None
    code: str | None
    value: int | bool | str | None
    display: str
    raw_text: str
    reason: str


Pending = PendingChoice | PendingConfirmation


def pending_from(data: dict[str, Any] | None) -> Pending | None:
    if not data or not data.get("link_id"):
        return None
    if data.get("kind") == "choose":
        return PendingChoice(link_id=str(data["link_id"]))
    return PendingConfirmation(
        link_id=str(data["link_id"]),
        message_id=data.get("message_id"),
        code=None if data.get("code") is None else str(data["code"]),
        value=data.get("value"),
        display=str(data.get("display") or ""),
        raw_text=str(data.get("raw_text", "")),
        reason=str(data.get("reason", "")),
    )


def pending_data(pending: Pending) -> dict[str, Any]:
    if isinstance(pending, PendingChoice):
        return {"link_id": pending.link_id, "kind": "choose"}
    return {
        "message_id": pending.message_id,
        "link_id": pending.link_id,
        "code": pending.code,
        "value": pending.value,
        "display": pending.display,
        "raw_text": pending.raw_text,
        "reason": pending.reason,
    }
