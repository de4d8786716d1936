"""Repository functions: the only code that queries the models."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import (
    Alert,
    Answer,
    AuditEvent,
    Conversation,
    Invitation,
    Message,
    Patient,
    Response,
    utcnow,
)

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


def conversation_for_invitation(session: Session, invitation: Invitation) -> Conversation:
    """The patient's conversation for this invitation, created on first use."""
    conversation = session.scalar(
        select(Conversation)
        .where(Conversation.invitation_id == invitation.id)
        .order_by(Conversation.started_at.desc())
    )
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
    session.flush()
    return message


def transcript(session: Session, conversation_id: str) -> Sequence[Message]:
    return session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
    ).all()


def last_outbound(session: Session, conversation_id: str) -> Message | None:
    return session.scalar(
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.direction == "out")
        .order_by(Message.id.desc())
        .limit(1)
    )


def last_presented_link_id(session: Session, conversation_id: str) -> str | None:
    """The item of the last question the patient was actually sent (stored in the transcript)."""
    return session.scalar(
        select(Message.link_id)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == "out",
            Message.link_id.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


def open_response(
    session: Session, conversation: Conversation, questionnaire_version: str
) -> Response:
    response = session.scalar(
        select(Response)
        .where(Response.conversation_id == conversation.id)
        .order_by(Response.started_at.desc())
    )
    if response is None:
        response = Response(
            conversation_id=conversation.id,
            patient_id=conversation.patient_id,
            questionnaire_id=conversation.questionnaire_id,
            questionnaire_version=questionnaire_version,
        )
        session.add(response)
        session.flush()
    return response


def current_answers(session: Session, response_id: str) -> list[Answer]:
    return list(
        session.scalars(
            select(Answer)
            .where(Answer.response_id == response_id, Answer.superseded_at.is_(None))
            .order_by(Answer.id)
        )
    )


def all_answers(session: Session, response_id: str) -> list[Answer]:
    return list(session.scalars(select(Answer).where(Answer.response_id == response_id)))


def add_answer(session: Session, response: Response, answer: Answer) -> Answer:
    """Store an answer; an earlier answer to the same item is superseded, not deleted."""
    previous = session.scalars(
        select(Answer).where(
            Answer.response_id == response.id,
            Answer.link_id == answer.link_id,
            Answer.superseded_at.is_(None),
        )
    ).all()
    answer.response_id = response.id
    session.add(answer)
    session.flush()
    for old in previous:
        old.superseded_at = utcnow()
        old.superseded_by_id = answer.id
    session.flush()
    return answer


def add_alert(
    session: Session,
    conversation: Conversation,
    *,
    rule_id: str,
    level: str,
    urgent: bool,
    message: str,
    response_id: str | None = None,
) -> Alert | None:
    """Record an alert once per conversation and rule."""
    existing = session.scalar(
        select(Alert).where(Alert.conversation_id == conversation.id, Alert.rule_id == rule_id)
    )
    if existing is not None:
        return None
    alert = Alert(
        patient_id=conversation.patient_id,
        conversation_id=conversation.id,
        response_id=response_id,
        rule_id=rule_id,
        level=level,
        urgent=urgent,
        message=message,
    )
    session.add(alert)
    session.flush()
    return alert


def alerts_for(session: Session, conversation_id: str) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert).where(Alert.conversation_id == conversation_id).order_by(Alert.id)
        )
    )


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    patient_id: int | None = None,
    detail: str | None = None,
) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, patient_id=patient_id, detail=detail)
    session.add(event)
    session.flush()
    return event


def responses_for_export(
    session: Session, *, questionnaire_id: str | None = None, since: datetime | None = None
) -> list[Response]:
    query = select(Response).order_by(Response.started_at)
    if questionnaire_id:
        query = query.where(Response.questionnaire_id == questionnaire_id)
    if since:
        query = query.where(Response.started_at >= since)
    return list(session.scalars(query))


def patient_by_pseudonym(session: Session, pseudonym: str) -> Patient | None:
    return session.scalar(select(Patient).where(Patient.pseudonym == pseudonym))


def count_messages(session: Session, conversation_id: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.conversation_id == conversation_id)
        )
        or 0
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
