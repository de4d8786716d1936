"""The patient page's "Pårørende" section: each relative with their status (invited, consent
given, declined, access removed), whether the patient has allowed them to answer on the
patient's behalf, and who invited them (bot/console/templates/_relatives.html)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.storage.relatives import relative_status, relatives_of


@dataclass(frozen=True)
class RelativeRow:
    public_id: str
    relation: str
    status: str  # invited | consented | declined | revoked (relative_status)
    may_answer: bool
    may_answer_since: datetime | None
    invited_at: datetime
    by_patient: bool  # invited from the chat (else by the care team)
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status != "revoked"


def relative_rows(session: Session, patient_id: int) -> list[RelativeRow]:
    """The patient's relatives, in the order they were invited (removed ones too)."""
    return [
        RelativeRow(
            public_id=relative.public_id,
            relation=relative.relation,
            status=relative_status(relative),
            may_answer=relative.may_answer_for_patient and relative.revoked_at is None,
            may_answer_since=relative.may_answer_since,
            invited_at=relative.invited_at,
            by_patient=relative.invited_by == "patient",
            revoked_at=relative.revoked_at,
        )
        for relative in relatives_of(session, patient_id)
    ]
