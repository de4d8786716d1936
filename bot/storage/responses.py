"""Questionnaire responses and their answers (superseded answers are kept)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.questionnaire.model import AnswerValue
from bot.storage.models import Answer, Conversation, Response, utcnow


def find_response(
    session: Session, conversation: Conversation, questionnaire_id: str
) -> Response | None:
    """The conversation's newest response to a questionnaire, if it has one."""
    return session.scalar(
        select(Response)
        .where(
            Response.conversation_id == conversation.id,
            Response.questionnaire_id == questionnaire_id,
        )
        .order_by(Response.started_at.desc())
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
    response = find_response(session, conversation, questionnaire_id)
    if response is None:
        response = Response(
            conversation_id=conversation.id,
            patient_id=conversation.patient_id,
            questionnaire_id=questionnaire_id,
            questionnaire_version=questionnaire_version,
            relative_id=conversation.relative_id,  # the respondent; None: the patient
        )
        session.add(response)
        session.flush()
    return response


def answers_from_rows(rows: Sequence[Answer]) -> dict[str, AnswerValue]:
    """The current answers by linkId, as the questionnaire package sees them: the one mapping
    from answer rows to values.

    Superseded rows are ignored; should two current rows exist for one item, the later one
    (highest id) wins. A skipped row gives ``AnswerValue(skipped=True)``.
    """
    current = [row for row in rows if row.superseded_at is None]
    current.sort(key=lambda row: (row.id is None, row.id or 0))
    result: dict[str, AnswerValue] = {}
    for row in current:
        if row.status == "skipped":
            result[row.link_id] = AnswerValue(skipped=True)
            continue
        value: int | bool | str | None = None
        if row.value_integer is not None:
            value = row.value_integer
        elif row.value_boolean is not None:
            value = row.value_boolean
        elif row.value_string is not None:
            value = row.value_string
        result[row.link_id] = AnswerValue(code=row.code, value=value)
    return result


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
    # The earlier answer stops being current before the new one is inserted: the database
    # refuses two current answers to one item (migration 0008_exact_answers).
    now = utcnow()
    for old in previous:
        old.superseded_at = now
    session.flush()
    answer.response_id = response.id
    session.add(answer)
    session.flush()
    for old in previous:
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
