"""The patient's own questions for the doctor on their page ("Mine spørgsmål", see
bot/channels/mine_view.py): the newest first, in their own words, and whether each has been
handled. Read within the page's audited view; the coordinator's note is staff text and is not
shown here (the care team tells the patient in the consultation)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.channels.mine_formats import DateFormats
from bot.storage.doctor_questions import questions_of


@dataclass(frozen=True)
class QuestionLine:
    text: str
    asked: str
    handled: bool
    status: str


def question_lines(session: Session, patient_id: int, formats: DateFormats) -> list[QuestionLine]:
    texts = formats.texts
    lines = []
    for question in questions_of(session, patient_id):
        if question.handled_at is not None:
            status = texts._("Handled on {date}", date=formats.date(question.handled_at))
        else:
            status = texts._("Waiting for your next talk with the doctor")
        lines.append(
            QuestionLine(
                text=question.text,
                asked=formats.date(question.asked_at),
                handled=question.handled_at is not None,
                status=status,
            )
        )
    return lines
