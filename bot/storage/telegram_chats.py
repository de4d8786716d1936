"""Telegram chats linked to a patient's conversation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, Invitation, utcnow
from bot.storage.telegram_models import TelegramChat


def telegram_chat(session: Session, chat_id: int) -> TelegramChat | None:
    return session.scalar(select(TelegramChat).where(TelegramChat.chat_id == chat_id))


def link_telegram_chat(
    session: Session, chat_id: int, invitation: Invitation, conversation: Conversation
) -> TelegramChat:
    """Link (or re-link) a Telegram chat to the invitation's patient and conversation."""
    row = telegram_chat(session, chat_id)
    if row is None:
        row = TelegramChat(chat_id=chat_id)
        session.add(row)
    row.patient_id = invitation.patient_id
    row.invitation_id = invitation.id
    row.conversation_id = conversation.id
    row.linked_at = utcnow()
    row.blocked_at = None
    row.blocked_reason = None
    row.keyboard_message_id = None
    session.flush()
    return row
