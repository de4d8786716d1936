"""FHIR for courses: plans as PlanDefinition, enrolments as CarePlan, valid per fhir.resources."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.course.plans import Plan, load_plans
from bot.course.schedule import planned_occurrences
from bot.export.fhir import full_url
from bot.export.fhir.plans import care_plan, plan_definition, plan_url, validate_course
from bot.questionnaire.model import Questionnaire
from bot.settings import PROJECT_ROOT
from bot.storage.course_models import Enrolment, Occurrence
from bot.storage.enrolments import add_enrolment, end_enrolment, mark_answered
from tests.export.conftest import StartResponse

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def plans(questionnaires: dict[str, Questionnaire]) -> dict[str, Plan]:
    return load_plans(PROJECT_ROOT / "dialogues" / "plans", questionnaires)


@pytest.mark.parametrize("plan_id", ["who5-14d", "kemo"])
def test_each_shipped_plan_is_a_valid_plan_definition(
    plans: dict[str, Plan], questionnaires: dict[str, Questionnaire], plan_id: str
) -> None:
    resource = plan_definition(plans[plan_id], questionnaires)
    validate_course(resource)
    validate_course(json.loads(json.dumps(resource)))
    assert resource["url"] == f"https://pro-chat.example.org/fhir/PlanDefinition/{plan_id}"
    assert resource["title"] == plans[plan_id].title


def test_the_plan_definition_names_the_questionnaires_and_their_timing(
    plans: dict[str, Plan], questionnaires: dict[str, Questionnaire]
) -> None:
    needs, who5 = plan_definition(plans["kemo"], questionnaires)["action"]
    assert needs["definitionCanonical"] == questionnaires["behovsvurdering"].url
    assert needs["timingTiming"] == {
        "repeat": {"frequency": 1, "period": 91, "periodUnit": "d", "count": 3}
    }
    assert who5["definitionCanonical"] == questionnaires["who5"].url
    repeat = who5["timingTiming"]["repeat"]
    assert (repeat["period"], repeat["count"], repeat["boundsDuration"]["value"]) == (14, 13, 182)
    extensions = {(e["url"], e["valueDuration"]["value"]) for e in who5["extension"]}
    assert extensions == {
        ("urn:pro-chat:plan:first", 14), ("urn:pro-chat:plan:overdue-after", 7),
        ("urn:pro-chat:plan:window", 14), ("urn:pro-chat:plan:reminder", 2),
        ("urn:pro-chat:plan:reminder", 5),
    }  # fmt: skip


def _enrolment(session: Session, patient_id: int, plan: Plan) -> tuple[Enrolment, list[Occurrence]]:
    enrolment = add_enrolment(session, patient_id, plan.id, T0, planned_occurrences(plan, T0))
    occurrences = list(session.scalars(
        select(Occurrence).where(Occurrence.enrolment_id == enrolment.id).order_by(Occurrence.id)
    ))  # fmt: skip
    return enrolment, occurrences


def test_an_enrolment_is_a_care_plan_with_one_activity_per_occurrence(
    session: Session, plans: dict[str, Plan], questionnaires: dict[str, Questionnaire],
    start_response: StartResponse,
) -> None:  # fmt: skip
    stored = start_response(questionnaires["who5"], status="completed", completed_at=T0)
    plan = plans["who5-14d"]
    enrolment, occurrences = _enrolment(session, stored.patient.id, plan)
    first, second, third = occurrences[:3]
    first.status = "due"
    session.flush()
    assert mark_answered(session, first.id, stored.response.id, T0 + timedelta(hours=1))
    second.status, third.status = "missed", "overdue"
    session.flush()
    session.refresh(first)

    resource = care_plan(enrolment, occurrences, plan, questionnaires,
                         patient_pseudonym=stored.patient.pseudonym)  # fmt: skip
    validate_course(resource)
    assert resource["id"] == enrolment.public_id
    assert resource["status"] == "active"
    assert resource["instantiatesCanonical"] == [plan_url(plan)]
    assert resource["subject"] == {
        "identifier": {"system": "urn:pro-chat:pseudonym", "value": stored.patient.pseudonym}
    }
    activities = resource["activity"]
    assert len(activities) == 14
    assert [a["detail"]["status"] for a in activities[:4]] == [
        "completed", "stopped", "in-progress", "scheduled"
    ]  # fmt: skip
    assert [a["detail"]["statusReason"]["coding"][0]["code"] for a in activities[:4]] == [
        "answered", "missed", "overdue", "scheduled"
    ]  # fmt: skip
    assert activities[0]["outcomeReference"] == [{
        "reference": full_url("QuestionnaireResponse", stored.response.id),
        "type": "QuestionnaireResponse",
    }]  # fmt: skip
    assert "outcomeReference" not in activities[1]
    assert activities[1]["detail"]["scheduledPeriod"] == {
        "start": (T0 + timedelta(days=14)).isoformat(),
        "end": (T0 + timedelta(days=28)).isoformat(),
    }
    assert activities[1]["detail"]["instantiatesCanonical"] == [questionnaires["who5"].url]
    # Only the pseudonym and public ids: no database key, no label.
    text = json.dumps(resource)
    assert stored.patient.label is None or stored.patient.label not in text
    assert f'"id": {enrolment.id},' not in text


@pytest.mark.parametrize(("reason", "status"), [("withdrawn", "revoked"),
                                                 ("completed", "completed")])  # fmt: skip
def test_an_ended_enrolment(
    session: Session, plans: dict[str, Plan], questionnaires: dict[str, Questionnaire],
    start_response: StartResponse, reason: str, status: str,
) -> None:  # fmt: skip
    stored = start_response(questionnaires["who5"])
    enrolment, occurrences = _enrolment(session, stored.patient.id, plans["kemo"])
    end_enrolment(session, enrolment, T0 + timedelta(days=30), reason)
    resource = care_plan(enrolment, occurrences, plans["kemo"], questionnaires,
                         patient_pseudonym=stored.patient.pseudonym)  # fmt: skip
    validate_course(resource)
    assert resource["status"] == status
    assert resource["period"] == {"start": T0.isoformat(),
                                  "end": (T0 + timedelta(days=30)).isoformat()}  # fmt: skip


def test_validation_finds_what_fhir_resources_does_not(
    plans: dict[str, Plan], questionnaires: dict[str, Questionnaire]
) -> None:
    resource = plan_definition(plans["who5-14d"], questionnaires)
    with pytest.raises(ValueError, match="status: 'ready' is not a valid code"):
        validate_course({**resource, "status": "ready"})
    with pytest.raises(ValueError, match="is not a valid FHIR id"):
        validate_course({**resource, "id": "who5 14d"})
    with pytest.raises(ValueError, match="invalid FHIR PlanDefinition"):
        validate_course({**resource, "action": "every fortnight"})
    with pytest.raises(ValueError, match="not a PlanDefinition or CarePlan"):
        validate_course({"resourceType": "Patient"})
    care = {"resourceType": "CarePlan", "id": "x1", "status": "active", "intent": "plan",
            "subject": {"identifier": {"value": "P-1"}},
            "activity": [{"detail": {"status": "due"}}]}  # fmt: skip
    with pytest.raises(ValueError, match=r"activity\.0\.detail\.status: 'due'"):
        validate_course(care)
