"""The patient's own preferences on their page ("Mine ønsker til samtalen", see
bot/channels/mine_view.py): what their latest answered preparation for a talk with the doctor
says, the same reading the console shows the clinician (bot/console/preferences_view.py), so
the patient sees what the doctor sees. Read within the page's audited view."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.channels.mine_formats import DateFormats
from bot.console.preferences_view import latest_preferences
from bot.questionnaire.model import Questionnaire


@dataclass(frozen=True)
class OwnPreferences:
    answered: str  # the date, as the page writes dates
    what_matters: str | None
    questions: tuple[str, ...]
    information: str | None
    role: str | None


def own_preferences(
    session: Session,
    patient_id: int,
    questionnaires: Mapping[str, Questionnaire],
    formats: DateFormats,
) -> OwnPreferences | None:
    found = latest_preferences(session, patient_id, questionnaires)
    if found is None:
        return None
    return OwnPreferences(
        answered=formats.date(found.answered_at),
        what_matters=found.what_matters,
        questions=found.questions,
        information=found.information,
        role=found.role,
    )
