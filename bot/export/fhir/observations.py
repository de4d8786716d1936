"""FHIR export: score Observations derived from a QuestionnaireResponse."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.export.fhir.common import (
    _OBSERVATION_NS,
    OBSERVATION_CATEGORY_SYSTEM,
    TRIAGE_SYSTEM,
    _iso,
    _subject,
    authored_at,
    band_system,
    fhir_string,
    full_url,
)
from bot.questionnaire.model import Questionnaire, ScoringRule
from bot.questionnaire.scoring import ScoreResult, score
from bot.storage.models import Answer, Response
from bot.storage.responses import answers_from_rows


def _observation_code(rule: ScoringRule) -> dict[str, Any]:
    if rule.code and rule.code.get("system") and rule.code.get("code"):
        coding = {"system": rule.code["system"], "code": rule.code["code"]}
        if rule.code.get("display"):
            coding["display"] = rule.code["display"]
        return {"coding": [coding], "text": fhir_string(rule.name)}
    return {"text": fhir_string(rule.name)}


def _observation_value(rule: ScoringRule, value: float) -> dict[str, Any]:
    # Sums of integer scores times an integer multiplier are whole numbers: valueInteger.
    # A fractional multiplier can give decimals: valueQuantity (the same type for every value
    # of one rule, whatever the answers).
    if float(rule.multiplier).is_integer() and float(value).is_integer():
        return {"valueInteger": int(value)}
    return {
        "valueQuantity": {
            "value": round(value, 4),
            "unit": "score",
            "system": "http://unitsofmeasure.org",
            "code": "{score}",
        }
    }


def _observation(
    result: ScoreResult,
    response: Response,
    questionnaire: Questionnaire,
    *,
    patient_pseudonym: str,
    effective: datetime,
) -> dict[str, Any] | None:
    if result.value is None:
        return None
    rule = result.rule
    obs_id = uuid.uuid5(_OBSERVATION_NS, f"{response.id}/{rule.id}").hex
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final" if response.status == "completed" else "preliminary",
        "category": [
            {
                "coding": [
                    {
                        "system": OBSERVATION_CATEGORY_SYSTEM,
                        "code": "survey",
                        "display": "Survey",
                    }
                ]
            }
        ],
        "code": _observation_code(rule),
        "subject": _subject(patient_pseudonym),
        "effectiveDateTime": _iso(effective),
        **_observation_value(rule, result.value),
    }
    band = result.band
    if band is not None:
        resource["interpretation"] = [
            {
                "coding": [
                    {"system": TRIAGE_SYSTEM, "code": band.triage},
                    {
                        "system": band_system(questionnaire, rule),
                        "code": band.code,
                        "display": fhir_string(band.label),
                    },
                ],
                "text": fhir_string(band.label),
            }
        ]
    resource["derivedFrom"] = [
        {
            "reference": full_url("QuestionnaireResponse", response.id),
            "type": "QuestionnaireResponse",
            "identifier": {"system": "urn:pro-chat:response", "value": response.id},
        }
    ]
    return resource


def score_observations(
    response: Response,
    answers: Sequence[Answer],
    questionnaire: Questionnaire,
    *,
    patient_pseudonym: str,
) -> list[dict[str, Any]]:
    """One FHIR ``Observation`` per score that has a value (too few answers: none).

    ``derivedFrom`` points at the QuestionnaireResponse by its Bundle ``fullUrl`` (see
    ``full_url``), which resolves inside an exported Bundle, and carries the response id as
    identifier for use outside the Bundle. Status is ``final`` for a completed response,
    otherwise ``preliminary``.
    """
    effective = authored_at(response, answers)
    results = score(questionnaire, answers_from_rows(answers))
    observations: list[dict[str, Any]] = []
    for result in results:
        obs = _observation(
            result,
            response,
            questionnaire,
            patient_pseudonym=patient_pseudonym,
            effective=effective,
        )
        if obs is not None:
            observations.append(obs)
    return observations


# -- Bundle ---------------------------------------------------------------------------------
