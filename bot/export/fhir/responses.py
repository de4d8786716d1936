"""FHIR export: one QuestionnaireResponse per stored response."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.export.fhir.common import (
    _iso,
    _subject,
    authored_at,
    fhir_string,
    option_system,
)
from bot.questionnaire.flow import effective_answers
from bot.questionnaire.model import AnswerValue, Item, Questionnaire
from bot.storage.models import Answer, Response
from bot.storage.responses import answers_from_rows


def _qr_status(response: Response) -> str:
    if response.status in ("completed", "stopped"):
        return response.status
    return "in-progress"


# -- QuestionnaireResponse ------------------------------------------------------------------


def _answer_entry(
    questionnaire: Questionnaire, item: Item, value: AnswerValue, row: Answer | None
) -> dict[str, Any] | None:
    if item.type == "choice":
        if not value.code:
            return None
        coding: dict[str, Any] = {
            "system": option_system(questionnaire, item.link_id),
            "code": value.code,
        }
        option = item.option(value.code)
        display = option.display if option is not None else (row.display if row else None)
        if display and fhir_string(display).strip():
            coding["display"] = fhir_string(display)
        return {"valueCoding": coding}
    if item.type == "integer":
        if isinstance(value.value, bool) or not isinstance(value.value, int):
            return None
        return {"valueInteger": value.value}
    if item.type == "boolean":
        if not isinstance(value.value, bool):
            return None
        return {"valueBoolean": value.value}
    if item.type == "string":
        if not isinstance(value.value, str):
            return None
        text = fhir_string(value.value)
        if not text.strip():
            return None
        return {"valueString": text}
    return None


def questionnaire_response(
    response: Response,
    answers: Sequence[Answer],
    questionnaire: Questionnaire,
    *,
    patient_pseudonym: str,
    identifier: dict[str, Any] | None = None,
    based_on: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One stored response as a FHIR R4 ``QuestionnaireResponse``.

    ``answers`` may contain superseded rows (they are ignored). Items appear in questionnaire
    order, one per current, answered (not skipped) answer to a known, enabled item.
    ``identifier`` and ``based_on`` name the course occurrence it answers (see ``links``).
    """
    current = effective_answers(questionnaire, answers_from_rows(answers))
    latest_rows: dict[str, Answer] = {}
    for row in sorted(answers, key=lambda r: r.id or 0):
        if row.superseded_at is None:
            latest_rows[row.link_id] = row
    items: list[dict[str, Any]] = []
    for item in questionnaire.answerable_items:
        value = current.get(item.link_id)
        if value is None or value.skipped:
            continue
        entry = _answer_entry(questionnaire, item, value, latest_rows.get(item.link_id))
        if entry is None:
            continue
        items.append({"linkId": item.link_id, "text": fhir_string(item.text), "answer": [entry]})

    resource: dict[str, Any] = {"resourceType": "QuestionnaireResponse", "id": response.id}
    if questionnaire.language:
        resource["language"] = questionnaire.language
    if identifier is not None:
        resource["identifier"] = identifier
    if based_on is not None:
        resource["basedOn"] = [based_on]
    if questionnaire.url:
        resource["questionnaire"] = questionnaire.url
    resource["status"] = _qr_status(response)
    resource["subject"] = _subject(patient_pseudonym)
    resource["authored"] = _iso(authored_at(response, answers))
    if items:
        resource["item"] = items
    return resource


# -- score Observations ---------------------------------------------------------------------
