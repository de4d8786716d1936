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
from bot.storage.telegram_models import TelegramChat

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


def last_inbound_id(session: Session, conversation_id: str) -> int | None:
    """The newest message from the patient (the one being answered now)."""
    return session.scalar(
        select(Message.id)
        .where(Message.conversation_id == conversation_id, Message.direction == "in")
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
    session: Session,
    conversation: Conversation,
    questionnaire_version: str,
    *,
    questionnaire_id: str | None = None,
) -> Response:
    """The conversation's response to a questionnaire (by default the invited one), created on
    first use. The opening literacy screen has a response of its own in the same conversation."""
    questionnaire_id = questionnaire_id or conversation.questionnaire_id
    response = session.scalar(
        select(Response)
        .where(
            Response.conversation_id == conversation.id,
            Response.questionnaire_id == questionnaire_id,
        )
        .order_by(Response.started_at.desc())
    )
    if response is None:
        response = Response(
            conversation_id=conversation.id,
            patient_id=conversation.patient_id,
            questionnaire_id=questionnaire_id,
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


# ---------------------------------------------------------------------- across channels


def last_inbound_channel(session: Session, conversation_id: str) -> str | None:
    """The channel the patient last wrote from ("web", "telegram", ...)."""
    return session.scalar(
        select(Message.channel)
        .where(Message.conversation_id == conversation_id, Message.direction == "in")
        .order_by(Message.id.desc())
        .limit(1)
    )


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


# ---------------------------------------------------------------------- Telegram


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
