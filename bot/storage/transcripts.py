"""The transcript: every message in and out, and the system events between them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, Message, utcnow


def add_message(
    session: Session,
    conversation: Conversation,
    *,
    direction: str,
    channel: str,
    text: str,
    kind: str = "text",
    payload: str | None = None,
    buttons: list[dict[str, str]] | None = None,
    link_id: str | None = None,
    meta: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> Message:
    message = Message(
        conversation_id=conversation.id,
        direction=direction,
        channel=channel,
        kind=kind,
        text=text,
        payload=payload,
        buttons=buttons,
        link_id=link_id,
        meta=meta,
        external_id=external_id,
    )
    session.add(message)
    conversation.updated_at = utcnow()
    if direction == "out":
        conversation.presented = presented_after(conversation.presented, link_id, meta)
    session.flush()
    return message


def presented_after(
    presented: dict[str, Any] | None, link_id: str | None, meta: dict[str, Any] | None
) -> dict[str, Any]:
    """What the patient has been shown once one more bot message is sent: the markers of
    every item and message kind seen (also per questionnaire, e.g. "intro:who5"), the item of
    the newest question, and the kind of the newest bot message."""
    before = presented or {}
    meta = meta or {}
    markers = list(before.get("markers", []))
    kind = meta.get("kind")
    new = [link_id] if link_id else []
    if kind:
        new.append(str(kind))
        if meta.get("questionnaire"):
            new.append(f"{kind}:{meta['questionnaire']}")
    markers.extend(marker for marker in dict.fromkeys(new) if marker not in markers)
    return {
        "markers": markers,
        "last_link_id": link_id or before.get("last_link_id"),
        "last_kind": str(kind) if kind else None,
    }


def transcript(session: Session, conversation_id: str) -> Sequence[Message]:
    return session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    ).all()


def last_inbound(session: Session, conversation_id: str) -> Message | None:
    """The newest message from the patient (the one being answered now)."""
    return session.scalar(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(1)
    )


def message_with_external_id(
    session: Session, conversation_id: str, external_id: str
) -> Message | None:
    return session.scalar(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.external_id == external_id
        )
    )


def recent_outbound(session: Session, conversation_id: str, *, limit: int) -> list[Message]:
    """The last `limit` bot messages, oldest first."""
    rows = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def add_event(session: Session, conversation: Conversation, kind: str, **meta: Any) -> Message:
    """A system event in the transcript (level change, signal): never shown as a chat line."""
    return add_message(
        session, conversation, direction="sys", channel="system", kind="event", text="",
        meta={"kind": kind, **meta},
    )  # fmt: skip


def events_since_level_change(session: Session, conversation_id: str) -> list[Message]:
    """Signal events after the newest level change of this conversation."""
    rows = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.kind == "event")
        .order_by(Message.id)
    ).all()
    since: list[Message] = []
    for row in rows:
        kind = (row.meta or {}).get("kind")
        if kind == "level":
            since = []
        elif kind == "signal":
            since.append(row)
    return since
