"""Deletion requests: recorded from the chat or the console, listed for admins, carried out
by bot/storage/erasure.py."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.audit import audit
from bot.storage.deletion_models import VIA, DeletionRequest
from bot.storage.models import Patient


def request_deletion(
    session: Session, patient_id: int, *, via: str, requested_by: str = "patient"
) -> DeletionRequest:
    """Record the request (once: an open request is returned again), audited."""
    if via not in VIA:
        raise ValueError(f"a deletion is requested via one of {VIA}, not {via!r}")
    existing = open_request_of(session, patient_id)
    if existing is not None:
        return existing
    request = DeletionRequest(patient_id=patient_id, requested_via=via, requested_by=requested_by)
    session.add(request)
    session.flush()
    audit(
        session, actor=requested_by, action="patient.deletion_requested", patient_id=patient_id,
        detail=f"via {via}",
    )  # fmt: skip
    return request


def open_request_of(session: Session, patient_id: int) -> DeletionRequest | None:
    return session.scalar(
        select(DeletionRequest).where(
            DeletionRequest.patient_id == patient_id, DeletionRequest.carried_out_at.is_(None)
        )
    )


def request_by_public_id(session: Session, public_id: str) -> DeletionRequest | None:
    return session.scalar(select(DeletionRequest).where(DeletionRequest.public_id == public_id))


def all_requests(session: Session) -> list[tuple[DeletionRequest, str]]:
    """Every request with its patient's pseudonym: open ones first (oldest first, they have
    waited longest), then those carried out (newest first)."""
    rows = list(
        session.execute(
            select(DeletionRequest, Patient.pseudonym).join(
                Patient, Patient.id == DeletionRequest.patient_id
            )
        ).tuples()
    )
    open_rows = sorted(
        (row for row in rows if row[0].carried_out_at is None),
        key=lambda row: (row[0].requested_at, row[0].id),
    )
    done = sorted(
        (row for row in rows if row[0].carried_out_at is not None),
        key=lambda row: row[0].carried_out_at,  # type: ignore[arg-type,return-value]
        reverse=True,
    )
    return [*open_rows, *done]
