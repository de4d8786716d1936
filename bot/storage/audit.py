"""The audit log: who did what to which patient's data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.storage.models import AuditEvent


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
