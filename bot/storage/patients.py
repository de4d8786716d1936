"""Patients and their invitations (the links that open a conversation)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.conversations import existing_conversation
from bot.storage.models import Conversation, Invitation, Patient, utcnow

_PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_pseudonym() -> str:
    return "P-" + "".join(secrets.choice(_PSEUDONYM_ALPHABET) for _ in range(8))


def new_token() -> str:
    # 192 bits: unguessable, and URL-safe for /chat/<token> and Telegram deep links.
    return secrets.token_urlsafe(24)


def create_patient(session: Session, *, label: str | None = None) -> Patient:
    patient = Patient(pseudonym=new_pseudonym(), label=label)
    session.add(patient)
    session.flush()
    return patient


def create_invitation(
    session: Session,
    patient: Patient,
    questionnaire_id: str,
    *,
    channel: str = "web",
    valid_for: timedelta | None = None,
) -> Invitation:
    invitation = Invitation(
        patient_id=patient.id,
        token=new_token(),
        questionnaire_id=questionnaire_id,
        channel=channel,
        expires_at=utcnow() + valid_for if valid_for else None,
    )
    session.add(invitation)
    session.flush()
    return invitation


def invitation_by_token(session: Session, token: str) -> Invitation | None:
    return session.scalar(select(Invitation).where(Invitation.token == token))


def patient_by_pseudonym(session: Session, pseudonym: str) -> Patient | None:
    return session.scalar(select(Patient).where(Patient.pseudonym == pseudonym))


def web_invitation_for(session: Session, conversation: Conversation) -> Invitation:
    """A web chat invitation that opens this very conversation (made when there is none)."""
    candidates = session.scalars(
        select(Invitation)
        .where(
            Invitation.patient_id == conversation.patient_id,
            Invitation.questionnaire_id == conversation.questionnaire_id,
            Invitation.channel == "web",
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    ).all()
    now = utcnow()
    for invitation in candidates:
        if invitation.expires_at is not None and invitation.expires_at <= now:
            continue
        opens = existing_conversation(session, invitation)
        if opens is not None and opens.id == conversation.id:
            return invitation
    patient = session.get(Patient, conversation.patient_id)
    assert patient is not None
    return create_invitation(session, patient, conversation.questionnaire_id)
