"""Telegram's own table: which Telegram chat belongs to which pseudonymous patient.

Only the numeric chat id is kept — never the Telegram user's name, username or phone number.
A chat is stored only once it opened a valid invitation (`/start <code>`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class TelegramChat(Base):
    __tablename__ = "telegram_chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    # The conversation this chat talks in: the patient's one for the questionnaire, shared
    # with the web chat (see conversations.conversation_for_invitation).
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when Telegram refused to deliver (bot blocked, chat deleted); cleared when the
    # patient writes again. Nothing is sent to a blocked chat.
    blocked_at: Mapped[datetime | None]
    blocked_reason: Mapped[str | None] = mapped_column(String(200))
    # The first bot message with an inline keyboard in the latest turn: keyboards from here
    # on may be pressed; older ones are removed, and a press on one is not passed on.
    keyboard_message_id: Mapped[int | None] = mapped_column(BigInteger)
