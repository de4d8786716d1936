"""Harness for driving the conversation service without the engine.

The service only accepts a typed answer for an item that the transcript shows was presented,
so these helpers store what the bot says and what the patient says exactly as `bot/turn/handler.py`
does: inbound first, then the service call, then every reply as an outbound message (with its
buttons, link_id and meta).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.outcome import Outcome
from bot.dialogue.service import Dialogue
from bot.storage.alerts import alerts_for
from bot.storage.conversations import conversation_for_invitation, get_conversation
from bot.storage.db import session_scope
from bot.storage.models import Alert, Answer, Conversation, Message, Patient, Response
from bot.storage.patients import create_invitation, create_patient
from bot.storage.transcripts import add_message, transcript
from bot.turn.messages import Inbound, Reply
from bot.turn.payloads import answer_payload

SessionFactory = sessionmaker[Session]


def new_conversation(
    session_factory: SessionFactory,
    questionnaire_id: str = "who5",
    *,
    consent: str | None = "given",
    literacy_level: str | None = None,
    screening: str | None = "skipped",
) -> str:
    """A patient + web invitation + conversation. Consent is given unless told otherwise
    (``consent=None`` keeps the model default, "pending"). The opening literacy screen is
    marked skipped (so the invited questionnaire comes first) unless ``screening`` is None."""
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        if consent is not None:
            patient.consent = consent
        if screening is not None and hasattr(patient, "screening"):
            patient.screening = screening
        if literacy_level is not None:
            patient.literacy_level = literacy_level
        invitation = create_invitation(session, patient, questionnaire_id).invitation
        conversation = conversation_for_invitation(session, invitation)
        return conversation.id


def store_replies(
    session_factory: SessionFactory, conversation_id: str, replies: Sequence[Reply]
) -> list[int]:
    """Store replies as outbound transcript lines, as bot/turn/handler.py does. Returns their ids."""
    ids: list[int] = []
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, conversation_id)
        assert conversation is not None
        for reply in replies:
            buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
            message = add_message(
                session, conversation, direction="out", channel="web", text=reply.text,
                buttons=buttons or None, link_id=reply.link_id,
                meta=dict(reply.meta) if reply.meta else None,
            )
            ids.append(message.id)
    return ids


def store_inbound(
    session_factory: SessionFactory, conversation_id: str, text: str, *, payload: str | None = None
) -> int:
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, conversation_id)
        assert conversation is not None
        message = add_message(
            session, conversation, direction="in", channel="web",
            kind="button" if payload else "text", text=text, payload=payload,
        )
        return message.id


def present(
    service: Dialogue, session_factory: SessionFactory, conversation_id: str
) -> list[Reply]:
    """Ask the current item and store what was said. [] when the questionnaire is finished."""
    outcome = service.ask(conversation_id)
    store_replies(session_factory, conversation_id, outcome.replies)
    return outcome.replies


def question(replies: Sequence[Reply]) -> Reply:
    """The one reply that presents an item."""
    found = [r for r in replies if r.link_id is not None]
    assert len(found) == 1, replies
    return found[0]


def say(
    service: Dialogue,
    session_factory: SessionFactory,
    conversation_id: str,
    text: str,
    *,
    intent: str | None = "inform",
    entities: dict[str, str] | None = None,
    handler: Callable[[Inbound], Outcome] | None = None,
) -> Outcome:
    """One patient turn: store the inbound message, call the service, store the replies."""
    entities = dict(entities or {})
    payload = text if text.startswith("/") else None
    store_inbound(session_factory, conversation_id, text, payload=payload)
    inbound = Inbound(conversation_id=conversation_id, text=text, intent=intent,
                      confidence=0.95, entities=entities)
    outcome = (handler or service.answer)(inbound)
    store_replies(session_factory, conversation_id, outcome.replies)
    return outcome


def press(
    service: Dialogue,
    session_factory: SessionFactory,
    conversation_id: str,
    link_id: str,
    code: str,
) -> Outcome:
    """Press an answer button: the engine sees the payload text with its two entities."""
    payload = answer_payload(link_id, code)
    assert json.loads(payload.removeprefix("/inform")) == {"code": code, "link_id": link_id}
    return say(service, session_factory, conversation_id, payload, intent="inform",
               entities={"code": code, "link_id": link_id})


def answer_all(
    service: Dialogue,
    session_factory: SessionFactory,
    conversation_id: str,
    codes: Sequence[str],
) -> Outcome:
    """Present and answer by button one item per code; returns the last outcome."""
    outcome = Outcome()
    for code in codes:
        asked = question(present(service, session_factory, conversation_id))
        assert asked.link_id is not None
        outcome = press(service, session_factory, conversation_id, asked.link_id, code)
    return outcome


# ------------------------------------------------------------------ reading the database


def answers(session_factory: SessionFactory, conversation_id: str) -> list[Answer]:
    """Every answer row of the conversation (superseded ones too), oldest first."""
    with session_scope(session_factory) as session:
        return list(session.scalars(
            select(Answer).join(Response).where(Response.conversation_id == conversation_id)
            .order_by(Answer.id)
        ))


def current(session_factory: SessionFactory, conversation_id: str) -> dict[str, Answer]:
    return {a.link_id: a for a in answers(session_factory, conversation_id)
            if a.superseded_at is None}


def responses(session_factory: SessionFactory, conversation_id: str) -> list[Response]:
    with session_scope(session_factory) as session:
        return list(session.scalars(
            select(Response).where(Response.conversation_id == conversation_id)
        ))


def alerts(session_factory: SessionFactory, conversation_id: str) -> list[Alert]:
    with session_scope(session_factory) as session:
        return alerts_for(session, conversation_id)


def conversation_row(session_factory: SessionFactory, conversation_id: str) -> Conversation:
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, conversation_id)
        assert conversation is not None
        return conversation


def patient_row(session_factory: SessionFactory, conversation_id: str) -> Patient:
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, conversation_id)
        assert conversation is not None
        return conversation.patient


def messages(session_factory: SessionFactory, conversation_id: str) -> list[Message]:
    with session_scope(session_factory) as session:
        return list(transcript(session, conversation_id))
