"""Reviews: a coordinator marked a patient's answers as seen, with an optional note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.console_models import Review


def add_review(
    session: Session,
    *,
    patient_id: int,
    reviewed_by_id: int,
    reviewed_by: str,
    note: str,
    at: datetime,
) -> Review:
    review = Review(
        patient_id=patient_id,
        reviewed_by_id=reviewed_by_id,
        reviewed_by=reviewed_by,
        note=note,
        at=at,
    )
    session.add(review)
    return review


def reviews_of(session: Session, patient_id: int) -> list[Review]:
    """Newest first."""
    return list(
        session.scalars(
            select(Review).where(Review.patient_id == patient_id).order_by(Review.at.desc())
        )
    )
