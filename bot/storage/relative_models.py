"""Relatives: someone close to the patient, with their own link and consent (migration
``0013_relatives``), who answers about their own needs and, where the patient has said yes,
on the patient's behalf.

A relative is never a patient: they have no pseudonym and never see the patient's transcript.
Their conversations are rows of ``conversations`` with ``relative_id`` set (the respondent);
so are the responses and answers they give, which is how a proxy answer is told apart from the
patient's own.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, new_id, utcnow


class Relative(Base):
    __tablename__ = "relatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id the FHIR export uses (RelatedPerson.id): database keys are never exported.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    # How the patient calls them ("min datter"), never a name: at most a few words.
    relation: Mapped[str] = mapped_column(String(60))
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    invited_by: Mapped[str] = mapped_column(String(200))  # "patient" or a staff actor
    consent: Mapped[str] = mapped_column(String(16), default="pending")  # pending|given|declined
    consent_at: Mapped[datetime | None]
    literacy_level: Mapped[str] = mapped_column(String(16), default="standard")
    # The patient said yes in the conversation: the relative may answer on their behalf.
    may_answer_for_patient: Mapped[bool] = mapped_column(Boolean, default=False)
    may_answer_since: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
