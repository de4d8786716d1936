"""Conversations: which one an invitation opens, and looking one up."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, Invitation, utcnow


def existing_conversation(session: Session, invitation: Invitation) -> Conversation | None:
    """The conversation an invitation opens, if there is one already.

    Invitations of one patient to one questionnaire on different channels (web chat,
    Telegram) share one conversation, so the patient can change channel and continue at the
    same item: an invitation with no conversation of its own joins the patient's latest
    conversation for that questionnaire — unless that one was completed before this
    invitation was made (then this invitation is a new round, with a new conversation).
    """
    conversation = session.scalar(
        select(Conversation)
        .where(Conversation.invitation_id == invitation.id)
        .order_by(Conversation.started_at.desc())
    )
    if conversation is None:
        conversation = session.scalar(
            select(Conversation)
            .where(
                Conversation.patient_id == invitation.patient_id,
                Conversation.questionnaire_id == invitation.questionnaire_id,
            )
            .order_by(Conversation.started_at.desc(), Conversation.id)
            .limit(1)
        )
        if conversation is not None and conversation.completed_at is not None:
            made = invitation.created_at or utcnow()
            if conversation.completed_at <= made:
                conversation = None
    return conversation


def conversation_for_invitation(session: Session, invitation: Invitation) -> Conversation:
    """The patient's conversation for this invitation (see `existing_conversation`), created
    on first use."""
    conversation = existing_conversation(session, invitation)
    if conversation is None:
        conversation = Conversation(
            patient_id=invitation.patient_id,
            invitation_id=invitation.id,
            questionnaire_id=invitation.questionnaire_id,
        )
        session.add(conversation)
    if invitation.used_at is None:
        invitation.used_at = utcnow()
    session.flush()
    return conversation


def get_conversation(session: Session, conversation_id: str) -> Conversation | None:
    return session.get(Conversation, conversation_id)
