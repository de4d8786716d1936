"""`/mine` on Telegram: a short-lived link to the patient's own page ("Mine svar").

The link is a hand-off link (bot/storage/patients.py, channel "handoff"): it works once, for
``BOT_HANDOFF_MINUTES``, and opening it issues the long-lived web link in the browser
(bot/channels/mine.py), so that link never travels over Telegram.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from bot.storage.db import session_scope
from bot.storage.models import Conversation
from bot.storage.patients import handoff_invitation


def own_page_link(
    settings: Settings, session_factory: sessionmaker[Session], conversation_id: str
) -> str | None:
    """A new hand-off link to the own page of the conversation's patient (None: no such
    conversation)."""
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            return None
        valid_for = timedelta(minutes=settings.handoff_minutes)
        handoff = handoff_invitation(session, conversation, valid_for)
        return f"{settings.public_url}/chat/{handoff.token}/mine"
