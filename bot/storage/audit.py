"""The audit log: who did what to which patient's data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import AuditEvent, Patient


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


def access_log(session: Session, patient_id: int) -> list[AuditEvent]:
    """Every recorded read or export of this patient's data, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.patient_id == patient_id)
            .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        )
    )


def search_audit_log(
    session: Session,
    *,
    actor: str = "",
    action: str = "",
    pseudonym: str = "",
    offset: int = 0,
    limit: int,
) -> list[tuple[AuditEvent, str | None]]:
    """Events newest first, each with its patient's pseudonym: ``actor`` is a part of the
    actor, ``action`` the start of the action, ``pseudonym`` exactly the patient's."""
    query = (
        select(AuditEvent, Patient.pseudonym)
        .outerjoin(Patient, Patient.id == AuditEvent.patient_id)
        .order_by(AuditEvent.id.desc())
    )
    if actor:
        query = query.where(AuditEvent.actor.contains(actor.lower(), autoescape=True))
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if pseudonym:
        query = query.where(Patient.pseudonym == pseudonym)
    return list(session.execute(query.offset(offset).limit(limit)).tuples())
