"""FHIR export: the self-contained Bundle of one patient (``bot export --patient``, the console's
patient export).

A ``collection`` Bundle with, in this order: the Patient (only the pseudonym as identifier), the
Questionnaires its responses and plans refer to, one PlanDefinition per plan and one CarePlan
per enrolment, one RelatedPerson per relative, every QuestionnaireResponse (``basedOn`` its
CarePlan when it answers an occurrence, see ``links``; ``source`` and ``author`` the
RelatedPerson when a relative gave it, see ``related_persons``), the score Observations, and
one Flag per open alert, and one Communication per question for the doctor. Every
``subject`` is a Reference to the Patient entry (its ``urn:uuid`` fullUrl, plus the pseudonym
as identifier for use outside the Bundle), so every reference resolves inside the Bundle.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.course.plans import Plan
from bot.export.fhir.bundle import bundle
from bot.export.fhir.common import PSEUDONYM_SYSTEM, full_url
from bot.export.fhir.communications import communication
from bot.export.fhir.flags import alert_flag, open_alerts
from bot.export.fhir.links import occurrence_links, occurrences_of_responses
from bot.export.fhir.observations import score_observations
from bot.export.fhir.plans import care_plan, plan_definition
from bot.export.fhir.questionnaires import questionnaire_resource
from bot.export.fhir.related_persons import mark_respondent, related_person, respondent_reference
from bot.export.fhir.responses import questionnaire_response
from bot.questionnaire.model import Questionnaire
from bot.storage.course_models import Enrolment
from bot.storage.doctor_questions import questions_of
from bot.storage.models import Patient, Response
from bot.storage.patient_profiles import profile_of
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID, relatives_of
from bot.storage.responses import current_answers

_PATIENT_NS = uuid.UUID("0f4b6c2e-93d1-4a57-8e2f-3c6b1d9a7e44")


def patient_resource(patient: Patient) -> dict[str, Any]:
    """The Patient: an id derived from the pseudonym and the pseudonym; nothing else."""
    return {
        "resourceType": "Patient",
        "id": uuid.uuid5(_PATIENT_NS, patient.pseudonym).hex,
        "identifier": [{"system": PSEUDONYM_SYSTEM, "value": patient.pseudonym}],
    }


def _relatives_own(response: Response) -> bool:
    return response.relative_id is not None and response.questionnaire_id == (
        RELATIVE_QUESTIONNAIRE_ID
    )


def _require(questionnaires: Mapping[str, Questionnaire], qid: str, what: str) -> Questionnaire:
    questionnaire = questionnaires.get(qid)
    if questionnaire is None:
        raise ValueError(f"{what} belongs to questionnaire '{qid}', which is not loaded")
    return questionnaire


def patient_bundle(
    session: Session,
    questionnaires: Mapping[str, Questionnaire],
    plans: Mapping[str, Plan],
    patient: Patient,
    *,
    relatives_own: bool = True,
) -> dict[str, Any]:
    """Everything stored about one patient's questionnaires as one self-contained Bundle.

    ``relatives_own=False`` leaves out the relatives' answers about their own needs (the
    patient's own download: those are the relative's, seen by the care team only); answers a
    relative gave on the patient's behalf stay in.

    Raises ``ValueError`` when a response or enrolment belongs to a questionnaire or plan that
    is not loaded (nothing is left out silently).
    """
    me = patient_resource(patient)
    subject = {
        "reference": full_url("Patient", me["id"]),
        "type": "Patient",
        "identifier": me["identifier"][0],
    }
    responses = list(
        session.scalars(
            select(Response)
            .where(Response.patient_id == patient.id)
            .order_by(Response.started_at, Response.id)
        )
    )
    if not relatives_own:
        responses = [r for r in responses if not _relatives_own(r)]
    enrolments = list(
        session.scalars(
            select(Enrolment)
            .where(Enrolment.patient_id == patient.id)
            .order_by(Enrolment.enrolled_at, Enrolment.id)
        )
    )
    used: dict[str, Questionnaire] = {}
    for response in responses:
        used[response.questionnaire_id] = _require(
            questionnaires, response.questionnaire_id, f"response {response.id}"
        )
    course: list[dict[str, Any]] = []
    definitions: dict[str, dict[str, Any]] = {}
    profile = profile_of(session, patient.id)
    withdrawn = profile is not None and profile.withdrawn_at is not None
    for enrolment in enrolments:
        plan = plans.get(enrolment.plan_id)
        if plan is None:
            raise ValueError(
                f"an enrolment follows plan '{enrolment.plan_id}', which is not loaded"
            )
        for step in plan.steps:
            used[step.questionnaire_id] = _require(
                questionnaires, step.questionnaire_id, f"plan '{plan.id}'"
            )
        if plan.id not in definitions:
            definitions[plan.id] = plan_definition(plan, questionnaires)
        resource = care_plan(enrolment, enrolment.occurrences, plan, questionnaires,
                             patient_pseudonym=patient.pseudonym,
                             withdrawn=withdrawn)  # fmt: skip
        resource["subject"] = subject
        course.append(resource)

    relatives = {r.id: r for r in relatives_of(session, patient.id)}
    answered = occurrences_of_responses(session, [r.id for r in responses])
    own = {e.id for e in enrolments}
    answers: list[dict[str, Any]] = []
    for response in responses:
        questionnaire = used[response.questionnaire_id]
        rows = current_answers(session, response.id)
        occurrence = answered.get(response.id)
        if occurrence is not None and occurrence.enrolment_id not in own:
            occurrence = None  # never link another patient's CarePlan
        qr = questionnaire_response(
            response,
            rows,
            questionnaire,
            patient_pseudonym=patient.pseudonym,
            **occurrence_links(occurrence, in_bundle=True),
        )
        qr["subject"] = subject
        scores = score_observations(
            response, rows, questionnaire, patient_pseudonym=patient.pseudonym
        )
        for observation in scores:
            observation["subject"] = subject
        respondent = relatives.get(response.relative_id) if response.relative_id else None
        if respondent is not None:  # given by a relative (see related_persons)
            mark_respondent([qr, *scores], respondent_reference(respondent, in_bundle=True))
        answers += [qr, *scores]

    flags = [
        alert_flag(a, questionnaires, subject=subject) for a in open_alerts(session, patient.id)
    ]
    entries = [
        me,
        *(questionnaire_resource(q) for q in sorted(used.values(), key=lambda q: q.id)),
        *definitions.values(),
        *course,
        *(related_person(r, subject) for r in relatives.values()),
        *answers,
        *flags,
        # The questions for the doctor, oldest first (see communications).
        *(communication(q, subject=subject) for q in reversed(questions_of(session, patient.id))),
    ]
    return bundle(entries)
