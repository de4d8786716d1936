"""Requests to delete a patient's data (migration ``0014_withdrawal_deletion``).

A request is made by the patient in the chat (``requested_via`` "chat") or by an admin in the
console ("console"); an admin carries it out (bot/storage/erasure.py), which records when, by
whom and why. The row itself holds no patient content, so it stays after the erasure, like
the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, new_id, utcnow

VIA = ("chat", "console")


class DeletionRequest(Base):
    __tablename__ = "deletion_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id the console's URLs use: database keys are never shown.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_via: Mapped[str] = mapped_column(String(16))  # chat|console
    requested_by: Mapped[str] = mapped_column(String(254), default="patient")
    carried_out_at: Mapped[datetime | None]
    carried_out_by: Mapped[str | None] = mapped_column(String(254))
    # The admin's reason, written when carrying it out (a staff text, never patient content).
    reason: Mapped[str | None] = mapped_column(String(500))
