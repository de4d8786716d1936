"""Reads for the patient's own data page (bot/channels/mine.py): everything about one patient,
in a few queries that do not grow with the number of answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.storage.models import Answer, Response


def answered_responses(session: Session, patient_id: int) -> list[Response]:
    """The patient's responses with at least one current answer (completed or not), oldest
    first, across all their conversations."""
    has_answer = exists().where(Answer.response_id == Response.id, Answer.superseded_at.is_(None))
    return list(
        session.scalars(
            select(Response)
            .where(Response.patient_id == patient_id, has_answer)
            .order_by(Response.started_at, Response.id)
        )
    )


def current_answers_of(session: Session, response_ids: Sequence[str]) -> dict[str, list[Answer]]:
    """The current (not superseded) answers of these responses, by response id, in the order
    they were given."""
    found: dict[str, list[Answer]] = defaultdict(list)
    if not response_ids:
        return found
    rows = session.scalars(
        select(Answer)
        .where(Answer.response_id.in_(list(response_ids)), Answer.superseded_at.is_(None))
        .order_by(Answer.id)
    )
    for row in rows:
        found[row.response_id].append(row)
    return found
