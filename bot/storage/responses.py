"""Questionnaire responses and their answers (superseded answers are kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Answer, Conversation, Response, utcnow


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


def responses_for_export(
    session: Session, *, questionnaire_id: str | None = None, since: datetime | None = None
) -> list[Response]:
    query = select(Response).order_by(Response.started_at)
    if questionnaire_id:
        query = query.where(Response.questionnaire_id == questionnaire_id)
    if since:
        query = query.where(Response.started_at >= since)
    return list(session.scalars(query))
