"""Alerts for the care team, once per conversation and rule."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Alert, Conversation


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


def acknowledge_alerts(session: Session, patient_id: int, at: datetime) -> None:
    """Every open alert of the patient counts as seen (an urgent one stops being urgent)."""
    for alert in session.scalars(
        select(Alert).where(Alert.patient_id == patient_id, Alert.acknowledged_at.is_(None))
    ):
        alert.acknowledged_at = at
