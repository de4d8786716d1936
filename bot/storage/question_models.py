"""Questions for the doctor, written down in the conversation (migration
``0012_doctor_questions``, bot/dialogue/doctor_questions.py).

The text is the patient's own words: it is shown to the care team ("Til samtalen") and to the
patient ("Mine spørgsmål"), exported as a FHIR Communication, and never logged. A coordinator
marks a question handled (who, when, a note); it is never deleted except with the patient's
data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, new_id, utcnow

# asked: the patient said they had a question and typed it; offered: the bot offered to write
# down a medical question it may not answer, and the patient said yes.
SOURCES: tuple[str, ...] = ("asked", "offered")
MAX_QUESTION = 2000


class DoctorQuestion(Base):
    __tablename__ = "doctor_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id the console's form and the FHIR export use (Communication.id): database keys
    # are never exported.
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    handled_by: Mapped[str | None] = mapped_column(String(200))  # the staff user's e-mail
    handled_note: Mapped[str | None] = mapped_column(Text)

    @property
    def handled(self) -> bool:
        return self.handled_at is not None
