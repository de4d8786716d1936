"""The patient's preferences ("Patientens præferencer") from their latest preparation.

Read from the newest completed response to ``forberedelse`` (dialogues/questionnaires/
forberedelse.yml) that the patient gave themselves: a response or answer whose ``relative_id``
is set was given by a relative on the patient's behalf, and a relative's view is not the
patient's own preference, so it is left out here (the answers are still on the page with the
rest). Shown at the top of the console's patient page and on the patient's own page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.course.preparation import QUESTIONNAIRE_ID
from bot.questionnaire.model import Item, Questionnaire
from bot.storage.models import Answer, Response
from bot.storage.responses import current_answers

WHAT_MATTERS = "fb-vigtigst"
INFORMATION = "fb-information"
ROLE = "fb-rolle"
# A Vælg Klogt item quotes its question in Danish quote marks; the quote is what is shown.
_QUOTED = re.compile(r"„([^“]+)“")


@dataclass(frozen=True)
class Preferences:
    answered_at: datetime
    what_matters: str | None  # None: skipped
    questions: tuple[str, ...]  # the Vælg Klogt questions the patient wants to ask, in order
    information: str | None  # the option chosen, as the patient saw it; None: skipped
    role: str | None
    response_id: str


def chosen_question(item: Item) -> str | None:
    """The Vælg Klogt question an item asks about (its quoted question), None for others."""
    if item.type != "boolean":
        return None
    match = _QUOTED.search(item.text)
    return match.group(1) if match else None


def latest_preferences(
    session: Session, patient_id: int, questionnaires: Mapping[str, Questionnaire]
) -> Preferences | None:
    """The patient's own latest answered preparation, None when there is none."""
    response = session.scalar(
        select(Response)
        .where(
            Response.patient_id == patient_id,
            Response.questionnaire_id == QUESTIONNAIRE_ID,
            Response.status == "completed",
            Response.completed_at.is_not(None),
            Response.relative_id.is_(None),
        )
        .order_by(Response.completed_at.desc(), Response.id.desc())
        .limit(1)
    )
    if response is None or response.completed_at is None:
        return None
    answers = {
        row.link_id: row for row in current_answers(session, response.id) if row.relative_id is None
    }
    questionnaire = questionnaires.get(QUESTIONNAIRE_ID)
    questions: list[str] = []
    for item in questionnaire.items if questionnaire is not None else ():
        question = chosen_question(item)
        row = answers.get(item.link_id)
        if question and row is not None and row.value_boolean:
            questions.append(question)
    what_matters = answers.get(WHAT_MATTERS)
    return Preferences(
        answered_at=response.completed_at,
        what_matters=what_matters.value_string if what_matters is not None else None,
        questions=tuple(questions),
        information=_chosen(answers.get(INFORMATION), questionnaire),
        role=_chosen(answers.get(ROLE), questionnaire),
        response_id=response.id,
    )


def _chosen(row: Answer | None, questionnaire: Questionnaire | None) -> str | None:
    """The option's text: the questionnaire's own (the standard label), else as stored."""
    if row is None or row.status == "skipped" or row.code is None:
        return None
    if questionnaire is not None:
        for option in questionnaire.item(row.link_id).options:
            if option.code == row.code:
                return option.display
    return row.display
