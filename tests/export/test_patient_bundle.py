"""The patient's self-contained FHIR Bundle (bot/export/fhir/patient_bundle.py): Patient,
Questionnaires, PlanDefinition, CarePlan, responses based on it, scores and Flags."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.course.plans import Plan
from bot.course.schedule import planned_occurrences
from bot.export.fhir import export_bundle, full_url, patient_bundle, validate
from bot.export.fhir.links import OCCURRENCE_ID_SYSTEM
from bot.questionnaire.model import Questionnaire
from bot.storage.alerts import add_alert
from bot.storage.course_models import Enrolment, Occurrence
from bot.storage.enrolments import add_enrolment, mark_answered
from bot.storage.models import Alert, Conversation, Patient, Response
from bot.storage.responses import open_response
from bot.storage.withdrawal import reinstate_patient, withdraw_patient
from tests.export.conftest import AddAnswer, StartResponse, Stored

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
WHO5_ANSWERS = ("3", "2", "4", "1", "0")


@dataclass
class Course:
    """Patient A: enrolled in who5-14d; the 1st occurrence answered (Occurrence.response_id),
    the 2nd in progress in a conversation opened for it (Conversation.occurrence_id), a one-off
    PHQ-9 outside the course, an open and a closed alert. Patient B: the same, elsewhere."""

    patient: Patient
    enrolment: Enrolment
    answered: Stored
    in_progress: Stored
    screen: Response  # the literacy screen in the occurrence's conversation: not its answer
    one_off: Stored
    open_alert: Alert
    closed_alert: Alert
    other: Patient
    other_enrolment: Enrolment


def _occurrences(session: Session, enrolment: Enrolment) -> list[Occurrence]:
    return list(session.scalars(
        select(Occurrence).where(Occurrence.enrolment_id == enrolment.id)
        .order_by(Occurrence.due_at, Occurrence.id)
    ))  # fmt: skip


def _enrol(session: Session, patient: Patient, plan: Plan) -> Enrolment:
    return add_enrolment(session, patient.id, plan.id, T0, planned_occurrences(plan, T0))


def _answer_who5(add_answer: AddAnswer, who5: Questionnaire, stored: Stored) -> None:
    for number, code in enumerate(WHO5_ANSWERS, start=1):
        add_answer(who5, stored.response, f"who5-{number}", code=code)


@pytest.fixture
def course(
    session: Session,
    questionnaires: dict[str, Questionnaire],
    plans: dict[str, Plan],
    start_response: StartResponse,
    add_answer: AddAnswer,
) -> Course:
    who5 = questionnaires["who5"]
    answered = start_response(who5, status="completed", completed_at=T0 + timedelta(hours=1))
    patient = answered.patient
    _answer_who5(add_answer, who5, answered)
    enrolment = _enrol(session, patient, plans["who5-14d"])
    first, second = _occurrences(session, enrolment)[:2]
    first.status, second.status = "due", "due"
    session.flush()
    assert mark_answered(session, first.id, answered.response.id, T0 + timedelta(hours=1))
    first_conversation = session.get(Conversation, answered.conversation_id)
    assert first_conversation is not None
    first_conversation.completed_at = T0 + timedelta(hours=1)  # the next round: a new one

    in_progress = start_response(who5, patient=patient)
    add_answer(who5, in_progress.response, "who5-1", code="2")
    conversation = session.get(Conversation, in_progress.conversation_id)
    assert conversation is not None and conversation.id != answered.conversation_id
    conversation.occurrence_id = second.id
    screen = open_response(session, conversation, "1.0.0", questionnaire_id="screening")

    one_off = start_response(questionnaires["phq9"], patient=patient, status="completed",
                             completed_at=T0 + timedelta(days=2))  # fmt: skip
    rule = questionnaires["phq9"].alerts[0]
    open_alert = add_alert(session, first_conversation, rule_id=rule.id, level=rule.level,
                           urgent=rule.urgent, message=rule.message)  # fmt: skip
    closed_alert = add_alert(session, first_conversation, rule_id="talk-to-person",
                             level="yellow", urgent=False, message="Patient asked.")  # fmt: skip
    assert open_alert is not None and closed_alert is not None
    closed_alert.acknowledged_at = T0 + timedelta(days=1)

    theirs = start_response(who5, status="completed", completed_at=T0)
    _answer_who5(add_answer, who5, theirs)
    other_enrolment = _enrol(session, theirs.patient, plans["who5-14d"])
    their_conversation = session.get(Conversation, theirs.conversation_id)
    assert their_conversation is not None
    add_alert(session, their_conversation, rule_id="crisis:7", level="red", urgent=True,
              message="Patient wrote something.")  # fmt: skip
    session.flush()
    session.expire_all()
    return Course(patient, enrolment, answered, in_progress, screen, one_off, open_alert,
                  closed_alert, theirs.patient, other_enrolment)  # fmt: skip


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _by_id(bundle: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in _resources(bundle, kind)}


@pytest.fixture
def bundle(
    session: Session,
    course: Course,
    questionnaires: dict[str, Questionnaire],
    plans: dict[str, Plan],
) -> dict[str, Any]:
    result = patient_bundle(session, questionnaires, plans, course.patient)
    return json.loads(json.dumps(result))  # as a receiver reads it


def test_the_bundle_validates_entry_by_entry(bundle: dict[str, Any]) -> None:
    validate(bundle)
    assert bundle["type"] == "collection"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    kinds = sorted({e["resource"]["resourceType"] for e in bundle["entry"]})
    assert kinds == ["CarePlan", "Flag", "Observation", "Patient", "PlanDefinition",
                     "Questionnaire", "QuestionnaireResponse"]  # fmt: skip


def test_exactly_one_patient_with_only_the_pseudonym(
    bundle: dict[str, Any], course: Course
) -> None:
    (patient,) = _resources(bundle, "Patient")
    assert set(patient) == {"resourceType", "id", "identifier"}
    assert patient["identifier"] == [
        {"system": "urn:pro-chat:pseudonym", "value": course.patient.pseudonym}
    ]
    reference = full_url("Patient", patient["id"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in ("Patient", "Questionnaire", "PlanDefinition"):
            assert "subject" not in resource
        else:
            assert resource["subject"]["reference"] == reference, resource["resourceType"]
    text = json.dumps(bundle)
    assert "Testperson Hansen" not in text  # the label
    assert "name" not in patient and "birthDate" not in patient


def test_the_questionnaires_of_its_responses_with_their_exact_wording(
    bundle: dict[str, Any], questionnaires: dict[str, Questionnaire]
) -> None:
    exported = _by_id(bundle, "Questionnaire")
    assert set(exported) == {"who5", "phq9", "screening"}
    urls = {q["url"] for q in exported.values()}
    for response in _resources(bundle, "QuestionnaireResponse"):
        assert response["questionnaire"] in urls
    for qid, resource in exported.items():
        loaded = questionnaires[qid]
        assert resource["url"] == loaded.url and resource["version"] == loaded.version
        assert [(i["linkId"], i["text"], i["type"]) for i in resource["item"]] == [
            (i.link_id, i.text, i.type) for i in loaded.items
        ]
        for item, exported_item in zip(loaded.items, resource["item"], strict=True):
            assert [o["valueCoding"]["display"] for o in exported_item.get("answerOption", [])] \
                == [o.display for o in item.options]  # fmt: skip


def test_a_care_plan_per_enrolment_and_responses_based_on_it(
    bundle: dict[str, Any], course: Course, plans: dict[str, Plan]
) -> None:
    (definition,) = _resources(bundle, "PlanDefinition")
    (care,) = _resources(bundle, "CarePlan")
    assert care["id"] == course.enrolment.public_id
    assert care["instantiatesCanonical"] == [definition["url"]]
    answered_url = full_url("QuestionnaireResponse", course.answered.response.id)
    assert care["activity"][0]["outcomeReference"][0]["reference"] == answered_url
    assert care["activity"][0]["detail"]["status"] == "completed"

    responses = _by_id(bundle, "QuestionnaireResponse")
    plan_ref = full_url("CarePlan", course.enrolment.public_id)
    answered = responses[course.answered.response.id]
    assert answered["basedOn"] == [{
        "reference": plan_ref, "type": "CarePlan",
        "identifier": {"system": "urn:pro-chat:careplan", "value": course.enrolment.public_id},
    }]  # fmt: skip
    assert answered["identifier"] == {
        "system": OCCURRENCE_ID_SYSTEM,
        "value": f"{course.enrolment.public_id}/1/1",
    }
    in_progress = responses[course.in_progress.response.id]  # via Conversation.occurrence_id
    assert in_progress["basedOn"][0]["reference"] == plan_ref
    assert in_progress["identifier"]["value"] == f"{course.enrolment.public_id}/1/2"
    for other in (course.one_off.response.id, course.screen.id):
        assert "basedOn" not in responses[other] and "identifier" not in responses[other]
    assert len(responses) == 4


def test_a_withdrawn_patients_open_course_is_on_hold(
    session: Session,
    course: Course,
    questionnaires: dict[str, Questionnaire],
    plans: dict[str, Plan],
) -> None:
    withdraw_patient(session, course.patient.id, actor="patient")
    withdrawn = patient_bundle(session, questionnaires, plans, course.patient)
    (care,) = _resources(withdrawn, "CarePlan")
    assert care["status"] == "on-hold"
    validate(json.loads(json.dumps(withdrawn)))
    reinstate_patient(session, course.patient.id, actor="cli:test")
    (care,) = _resources(patient_bundle(session, questionnaires, plans, course.patient), "CarePlan")
    assert care["status"] == "active"

def test_scores_point_at_their_response(bundle: dict[str, Any], course: Course) -> None:
    (score,) = _resources(bundle, "Observation")
    assert score["valueInteger"] == 40  # (3+2+4+1+0) x 4
    answered_url = full_url("QuestionnaireResponse", course.answered.response.id)
    assert score["derivedFrom"][0]["reference"] == answered_url


def test_a_flag_per_open_alert_and_none_for_a_closed_one(
    bundle: dict[str, Any], course: Course, questionnaires: dict[str, Questionnaire]
) -> None:
    (flag,) = _resources(bundle, "Flag")
    rule = questionnaires["phq9"].alerts[0]
    assert flag["status"] == "active"
    assert flag["code"]["coding"][0]["code"] == rule.id
    assert flag["code"]["text"] == rule.message
    assert flag["category"][0]["coding"][0]["code"] == "clinical"
    assert flag["period"]["start"].startswith(str(course.open_alert.created_at.date()))
    assert flag["id"] != str(course.open_alert.id)
    assert "Patient asked" not in json.dumps(bundle)


def test_nothing_of_another_patient(bundle: dict[str, Any], course: Course) -> None:
    text = json.dumps(bundle)
    assert course.other.pseudonym not in text
    assert course.other_enrolment.public_id not in text
    assert "Patient wrote something" not in text


def test_a_dangling_reference_is_invalid(bundle: dict[str, Any]) -> None:
    validate(bundle)
    without_patient = {**bundle, "entry": bundle["entry"][1:]}
    with pytest.raises(ValueError, match=r"subject: urn:uuid:.* is not an entry"):
        validate(without_patient)
    (care,) = _resources(bundle, "CarePlan")
    care["activity"][0]["detail"]["status"] = "done"
    with pytest.raises(ValueError, match=r"detail\.status: 'done' is not a valid code"):
        validate(bundle)


def test_the_all_patients_export_names_the_care_plan_by_identifier(
    session: Session, course: Course, questionnaires: dict[str, Questionnaire]
) -> None:
    everything = export_bundle(session, questionnaires, include_observations=True)
    validate(everything)
    responses = _by_id(everything, "QuestionnaireResponse")
    assert responses[course.answered.response.id]["basedOn"] == [{
        "type": "CarePlan",
        "identifier": {"system": "urn:pro-chat:careplan", "value": course.enrolment.public_id},
    }]  # fmt: skip
    assert "basedOn" not in responses[course.one_off.response.id]
    assert {r["resourceType"] for r in (e["resource"] for e in everything["entry"])} == {
        "QuestionnaireResponse", "Observation"
    }  # fmt: skip


def test_an_unknown_plan_is_not_left_out(
    session: Session, course: Course, questionnaires: dict[str, Questionnaire]
) -> None:
    with pytest.raises(ValueError, match="plan 'who5-14d', which is not loaded"):
        patient_bundle(session, questionnaires, {}, course.patient)
