"""Reads about one patient for the console's patient page and exports: their conversations,
responses and invitations, and pseudonyms to ids and back."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Conversation, Invitation, Patient, Response


def conversations_of(session: Session, patient_id: int) -> list[Conversation]:
    """Oldest first."""
    return list(
        session.scalars(
            select(Conversation)
            .where(Conversation.patient_id == patient_id)
            .order_by(Conversation.started_at)
        )
    )


def responses_of(session: Session, conversation_id: str) -> list[Response]:
    """Oldest first (the opening literacy screen before the invited questionnaire)."""
    return list(
        session.scalars(
            select(Response)
            .where(Response.conversation_id == conversation_id)
            .order_by(Response.started_at)
        )
    )


def invitations_of(session: Session, patient_id: int) -> list[Invitation]:
    return list(
        session.scalars(
            select(Invitation).where(Invitation.patient_id == patient_id).order_by(Invitation.id)
        )
    )


def pseudonyms_of(session: Session, patient_ids: Collection[int]) -> set[str]:
    return set(
        session.scalars(select(Patient.pseudonym).where(Patient.id.in_(sorted(patient_ids))))
    )


def patient_ids_of(session: Session, pseudonyms: Collection[str]) -> list[int]:
    if not pseudonyms:
        return []
    return list(
        session.scalars(select(Patient.id).where(Patient.pseudonym.in_(sorted(pseudonyms))))
    )
