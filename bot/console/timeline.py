"""A conversation's transcript as the console shows it: both sides, button presses by their
titles, events (level changes, signs of difficulty, ...) and the alerts raised, in time order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.storage.models import Alert, Message


@dataclass(frozen=True)
class Entry:
    """One line of the transcript as the console shows it.

    ``who``: patient | bot | system. ``kind``: text | button | start | level | alert, or for a
    bot message the kind its meta gives (question, confirm, crisis, consent, intro, ...).
    """

    at: datetime
    who: str
    kind: str
    text: str
    buttons: tuple[str, ...] = ()
    link_id: str | None = None
    level: str | None = None
    detail: str | None = None
    urgent: bool = False


def entry_for(message: Message, offered: Mapping[str, str] | None = None) -> Entry:
    """``offered``: payload -> title of the buttons the bot offered last, to show a button
    press by its title even if only the payload was stored."""
    meta = message.meta or {}
    if message.direction == "in":
        if message.kind == "button":
            text, payload = message.text, message.payload or ""
            if (not text or text == payload) and offered and payload in offered:
                text = offered[payload]
            return Entry(message.created_at, "patient", "button", text)
        if message.kind == "event":
            return Entry(message.created_at, "patient", "start", message.payload or "")
        return Entry(message.created_at, "patient", "text", message.text)
    if message.kind == "event":
        kind = str(meta.get("kind") or "event")
        detail = meta.get("reason") or meta.get("signal") or meta.get("status")
        if detail is None:
            rest = {k: v for k, v in meta.items() if k not in ("kind", "level")}
            detail = ", ".join(f"{k}: {v}" for k, v in sorted(rest.items())) or None
        return Entry(
            message.created_at,
            "system",
            kind,
            message.text,
            level=str(meta["level"]) if meta.get("level") else None,
            detail=str(detail) if detail is not None else None,
        )
    buttons = tuple(str(b.get("title", "")) for b in (message.buttons or []))
    return Entry(
        message.created_at,
        "bot",
        str(meta.get("kind") or "text"),
        message.text,
        buttons=buttons,
        link_id=message.link_id,
        level=str(meta["level"]) if meta.get("level") else None,
    )


def timeline(messages: Iterable[Message], alerts: Iterable[Alert]) -> list[Entry]:
    """The transcript's entries and the alerts, in time order (an alert after the message it
    was raised at)."""
    entries = []
    offered: dict[str, str] = {}
    for message in messages:
        entries.append(entry_for(message, offered))
        if message.direction == "out" and message.buttons:
            offered = {str(b.get("payload")): str(b.get("title")) for b in message.buttons}
    entries += [
        Entry(
            a.created_at,
            "system",
            "alert",
            a.message,
            level=a.level,
            detail=a.rule_id,
            urgent=a.urgent,
        )
        for a in alerts
    ]
    return sorted(entries, key=lambda e: (e.at, e.kind == "alert"))
