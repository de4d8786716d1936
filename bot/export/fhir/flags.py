"""FHIR export: one ``Flag`` per open (not yet seen) alert of the patient.

An alert's ``message`` is a fixed staff text (from the questionnaire's alert rule or the
chat's own rules), never what the patient wrote; the Flag names only the kind of alert in
plain words (``code.text``), coded in ``ALERT_SYSTEM``: the rule id of a questionnaire rule,
or ``crisis``, ``red-flag``, ``talk-to-person``, ``difficulty``. The rule id's suffix (a
message key or an item) is not exported. The id is derived (uuid5) from the conversation and
rule, never the database key; level and urgency are extensions.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.export.fhir.common import _iso, fhir_string
from bot.questionnaire.model import Questionnaire
from bot.storage.models import Alert

ALERT_SYSTEM = "urn:pro-chat:alert"
FLAG_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/flag-category"
CLINICAL = {"system": FLAG_CATEGORY_SYSTEM, "code": "clinical", "display": "Clinical"}
LEVEL_EXTENSION = "urn:pro-chat:alert:level"
URGENT_EXTENSION = "urn:pro-chat:alert:urgent"
_FLAG_NS = uuid.UUID("8d7e3b52-1c4f-4f0e-9b1a-6a3d2e5f7c90")

KINDS = {
    "crisis": "Possible crisis: thoughts of suicide or self-harm",
    "red-flag": "Symptom that may need urgent care",
    "talk-to-person": "Patient asked to talk to a person",
    "difficulty": "Difficulty answering a question",
}


def open_alerts(session: Session, patient_id: int) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.patient_id == patient_id, Alert.acknowledged_at.is_(None))
            .order_by(Alert.created_at, Alert.id)
        )
    )


def alert_kind(alert: Alert, questionnaires: Mapping[str, Questionnaire]) -> tuple[str, str]:
    """(code, plain words) of the alert's kind."""
    prefix = alert.rule_id.split(":", 1)[0]
    if prefix in KINDS:
        return prefix, KINDS[prefix]
    for questionnaire in questionnaires.values():
        for rule in questionnaire.alerts:
            if rule.id == alert.rule_id:
                return rule.id, rule.message
    return "other", "Alert for the care team"


def alert_flag(
    alert: Alert,
    questionnaires: Mapping[str, Questionnaire],
    *,
    subject: dict[str, Any],
) -> dict[str, Any]:
    """The open alert as an active Flag about ``subject`` (a Reference to the Patient)."""
    code, words = alert_kind(alert, questionnaires)
    return {
        "resourceType": "Flag",
        "id": uuid.uuid5(_FLAG_NS, f"{alert.conversation_id}/{alert.rule_id}").hex,
        "extension": [
            {"url": LEVEL_EXTENSION, "valueCode": alert.level},
            {"url": URGENT_EXTENSION, "valueBoolean": bool(alert.urgent)},
        ],
        "status": "active",
        "category": [{"coding": [CLINICAL]}],
        "code": {
            "coding": [{"system": ALERT_SYSTEM, "code": code}],
            "text": fhir_string(words),
        },
        "subject": subject,
        "period": {"start": _iso(alert.created_at)},
    }
