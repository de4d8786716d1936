"""The audit log: who did what to whose data, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.audit import audit
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent
from bot.storage.patients import create_patient

from .conftest import assert_utc


def test_audit_events(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        event = audit(
            session,
            actor="cli:nurse",
            action="export.fhir",
            patient_id=patient.id,
            detail="3 resources",
        )
        event_id, patient_id = event.id, patient.id
        audit(session, actor="system", action="startup")
    with session_scope(session_factory) as session:
        stored = session.get(AuditEvent, event_id)
        assert stored is not None
        assert (stored.actor, stored.action, stored.patient_id, stored.detail) == (
            "cli:nurse",
            "export.fhir",
            patient_id,
            "3 resources",
        )
        assert_utc(stored.created_at)
        assert abs(datetime.now(UTC) - stored.created_at) < timedelta(minutes=1)
        assert session.scalar(text("SELECT count(*) FROM audit_events")) == 2
