"""Telegram chats linked to a patient's conversation, and what the Telegram channel reads
and writes about them (its invitations, delivery state and the replies to an update)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, Invitation, Message, Patient, utcnow
from bot.storage.patients import IssuedInvitation, create_invitation
from bot.storage.telegram_models import TelegramChat
from bot.storage.transcripts import message_with_external_id


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


def new_telegram_invitation(
    session: Session, patient_id: int, questionnaire_id: str, *, valid_for: timedelta
) -> IssuedInvitation | None:
    """A new Telegram invitation for an existing patient (None: there is no such patient)."""
    patient = session.get(Patient, patient_id)
    if patient is None:
        return None
    return create_invitation(
        session, patient, questionnaire_id, channel="telegram", valid_for=valid_for
    )


def unlink_telegram_chats(session: Session, patient_id: int) -> int:
    """Forget the patient's Telegram chats (withdrawal): the bot no longer writes to them, and
    a message from one is treated as from a stranger. Returns how many."""
    rows = session.scalars(select(TelegramChat).where(TelegramChat.patient_id == patient_id))
    count = 0
    for row in rows.all():
        session.delete(row)
        count += 1
    session.flush()
    return count


def unblock_telegram_chat(session: Session, chat_id: int) -> None:
    """The patient wrote from the chat, so Telegram delivers to it again."""
    row = telegram_chat(session, chat_id)
    if row is not None and row.blocked_at is not None:
        row.blocked_at = None
        row.blocked_reason = None


def block_telegram_chat(session: Session, chat_id: int, reason: str) -> str | None:
    """Record that Telegram refused to deliver to the chat. Returns the chat's conversation
    id when this is news (None: not a linked chat, or already known to be blocked)."""
    row = telegram_chat(session, chat_id)
    if row is None:
        return None
    newly = row.blocked_at is None
    if newly:
        row.blocked_at = utcnow()
    row.blocked_reason = reason
    return row.conversation_id if newly else None


def set_keyboard_message(session: Session, chat_id: int, message_id: int | None) -> None:
    """The first bot message with a keyboard in the chat's latest turn (None: no keyboard)."""
    row = telegram_chat(session, chat_id)
    if row is not None:
        row.keyboard_message_id = message_id


def replies_to_update(
    session: Session, conversation_id: str, external_id: str
) -> list[Message] | None:
    """The bot messages stored as the answer to an inbound message (by its external id):
    those after it up to the next inbound one, events left out. None: no such message."""
    inbound = message_with_external_id(session, conversation_id, external_id)
    if inbound is None:
        return None
    later = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id > inbound.id)
        .order_by(Message.id)
    )
    replies: list[Message] = []
    for message in later:
        if message.direction == "in":
            break
        if message.direction == "out" and message.kind != "event":
            replies.append(message)
    return replies
