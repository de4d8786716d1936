"""bot/export/fhir/communications.py: each question for the doctor is a Communication in the
patient's Bundle, valid per fhir.resources (R4B): in-progress until handled, then completed;
the patient's words as the payload; the public id as identifier; nothing of the handling
(who, note) exported."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.communication import Communication
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.export.fhir import patient_bundle, validate
from bot.export.fhir.communications import CATEGORY_SYSTEM, QUESTION_ID_SYSTEM
from bot.questionnaire.model import Questionnaire
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.doctor_questions import add_question, mark_handled
from tests.helpers import new_conversation

NBSP_TEXT = "må jeg\u00a0cykle?\x07"


def _bundle(
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    cid: str,
) -> dict[str, Any]:
    plans: dict[str, Plan] = {}
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        return patient_bundle(session, questionnaires, plans, conversation.patient)


def test_questions_are_valid_communications_about_the_patient(
    session_factory: sessionmaker[Session], questionnaires: dict[str, Questionnaire]
) -> None:
    cid = new_conversation(session_factory, "who5")
    other = new_conversation(session_factory, "who5")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        handled = add_question(session, conversation, "hvor længe varer kuren?", source="asked")
        mark_handled(handled, by="nurse@example.org", note="hemmelig note")
        open_id = add_question(session, conversation, NBSP_TEXT, source="offered").public_id
        handled_id = handled.public_id
        other_conversation = get_conversation(session, other)
        assert other_conversation is not None
        add_question(session, other_conversation, "en andens", source="asked")
    bundle = _bundle(session_factory, questionnaires, cid)
    validate(bundle)
    patient_url = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    found = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication"
    ]
    assert [c["id"] for c in found] == [handled_id, open_id]  # oldest first
    for resource in found:
        Communication.model_validate(resource)
        assert resource["subject"]["reference"] == patient_url
        assert resource["sender"]["reference"] == patient_url
        assert resource["category"][0]["text"] == "spørgsmål til lægen"
        assert resource["category"][0]["coding"][0]["system"] == CATEGORY_SYSTEM
        assert resource["identifier"] == [{"system": QUESTION_ID_SYSTEM, "value": resource["id"]}]
        assert resource["sent"].endswith("+00:00")
    first, second = found
    assert first["status"] == "completed" and second["status"] == "in-progress"
    assert first["payload"] == [{"contentString": "hvor længe varer kuren?"}]
    assert second["payload"] == [{"contentString": "må jeg cykle?"}]  # valid FHIR string
    assert [e["valueCode"] for c in found for e in c["extension"]] == ["asked", "offered"]
    text = json.dumps(bundle, ensure_ascii=False)
    assert "hemmelig note" not in text and "nurse@example.org" not in text
    assert "en andens" not in text


def test_a_bundle_without_questions_has_no_communication(
    session_factory: sessionmaker[Session], questionnaires: dict[str, Questionnaire]
) -> None:
    cid = new_conversation(session_factory, "who5")
    bundle = _bundle(session_factory, questionnaires, cid)
    validate(bundle)
    assert all(e["resource"]["resourceType"] != "Communication" for e in bundle.get("entry", []))


def test_an_unknown_communication_status_is_refused(
    session_factory: sessionmaker[Session], questionnaires: dict[str, Questionnaire]
) -> None:
    cid = new_conversation(session_factory, "who5")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        add_question(session, conversation, "må jeg cykle?", source="asked")
    bundle = _bundle(session_factory, questionnaires, cid)
    communication = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Communication"
    )
    communication["status"] = "handled"
    with pytest.raises(ValueError, match="status"):
        validate(bundle)
