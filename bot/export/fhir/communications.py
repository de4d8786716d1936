"""FHIR export: one ``Communication`` per question for the doctor (bot/storage/question_models).

Chosen over a QuestionnaireResponse of a made-up "spørgsmål" questionnaire: a question is a
message from the patient to the care team, not an answer to an item, and Communication has
what it needs: ``sender`` and ``subject`` the Patient, ``sent`` when it was written down,
``payload.contentString`` the patient's own words, ``status`` ``in-progress`` until a
coordinator marks it handled, then ``completed``. ``category`` names the kind in plain words
("spørgsmål til lægen"), coded in ``CATEGORY_SYSTEM``; how it came about (``asked``: the patient
said they had a question; ``offered``: the bot offered to write a medical question down) is an
extension. The id and ``identifier`` are the question's public id, never the database key.
Who handled it and the coordinator's note stay in the console (as review notes do).
"""

from __future__ import annotations

from typing import Any

from bot.export.fhir.common import _iso, fhir_string
from bot.storage.question_models import DoctorQuestion

QUESTION_ID_SYSTEM = "urn:pro-chat:doctor-question-id"
CATEGORY_SYSTEM = "urn:pro-chat:communication-category"
CATEGORY = {
    "coding": [{"system": CATEGORY_SYSTEM, "code": "doctor-question"}],
    "text": "spørgsmål til lægen",
}
SOURCE_EXTENSION = "urn:pro-chat:doctor-question:source"
COMMUNICATION_STATUSES = (
    "preparation",
    "in-progress",
    "not-done",
    "on-hold",
    "stopped",
    "completed",
    "entered-in-error",
    "unknown",
)


def communication(question: DoctorQuestion, *, subject: dict[str, Any]) -> dict[str, Any]:
    """The question as a Communication from and about ``subject`` (a Reference to the Patient)."""
    return {
        "resourceType": "Communication",
        "id": question.public_id,
        "identifier": [{"system": QUESTION_ID_SYSTEM, "value": question.public_id}],
        "extension": [{"url": SOURCE_EXTENSION, "valueCode": question.source}],
        "status": "completed" if question.handled_at is not None else "in-progress",
        "category": [CATEGORY],
        "subject": subject,
        "sender": subject,
        "sent": _iso(question.asked_at),
        "payload": [{"contentString": fhir_string(question.text)}],
    }
