"""FHIR R4 for courses: a plan as a ``PlanDefinition``, an enrolment as a ``CarePlan``.

A PlanDefinition has one action per plan step: the questionnaire (``definitionCanonical``, its
canonical URL) and its timing (``timingTiming``: every ``period`` days, ``count`` times or
within ``boundsDuration``). What FHIR has no element for — the first offset from enrolment,
the reminders, when an occurrence is overdue — is carried in extensions under ``urn:pro-chat``.

A CarePlan instantiates the PlanDefinition for one pseudonymous patient (``subject`` is the
pseudonym only; ``id`` is the enrolment's public id, never a database key). Each occurrence is
an activity with its scheduled period (due until closed) and a status: scheduled →
``scheduled``, due and overdue → ``in-progress``, answered → ``completed``, missed →
``stopped``; the exact status is also in ``detail.statusReason`` (``urn:pro-chat:occurrence``).
An answered occurrence points at its QuestionnaireResponse through ``outcomeReference``
(``urn:uuid``, the response's fullUrl in the patient's Bundle).

Validated, like the rest of the export, with ``fhir.resources.R4B`` plus the code checks it
does not make (``validate_course``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from bot.course.plans import Plan, PlanStep, format_offset
from bot.export.fhir.common import _FHIR_ID, _iso, _subject, full_url
from bot.questionnaire.model import Questionnaire
from bot.storage.course_models import Enrolment, Occurrence

DEFAULT_PLAN_BASE = "https://pro-chat.example.org/fhir/PlanDefinition"
EXTENSION_BASE = "urn:pro-chat:plan"
OCCURRENCE_SYSTEM = "urn:pro-chat:occurrence"
PLAN_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
UCUM = "http://unitsofmeasure.org"

ACTIVITY_STATUS = {
    "scheduled": "scheduled",
    "due": "in-progress",
    "overdue": "in-progress",
    "answered": "completed",
    "missed": "stopped",
}
CAREPLAN_STATUS = {"completed": "completed", "withdrawn": "revoked", "stopped": "revoked"}
CAREPLAN_STATUSES = ("draft", "active", "on-hold", "revoked", "completed", "entered-in-error",
                     "unknown")  # fmt: skip
ACTIVITY_STATUSES = ("not-started", "scheduled", "in-progress", "on-hold", "completed",
                     "cancelled", "stopped", "unknown", "entered-in-error")  # fmt: skip


def plan_url(plan: Plan, base: str = DEFAULT_PLAN_BASE) -> str:
    return f"{base.rstrip('/')}/{plan.id}"


def _duration(offset: timedelta) -> dict[str, Any]:
    text = format_offset(offset)
    value, unit = int(text[:-1]), text[-1]
    return {"value": value, "unit": {"d": "days", "h": "hours"}[unit], "system": UCUM,
            "code": unit}  # fmt: skip


def _timing(step: PlanStep) -> dict[str, Any]:
    if step.every is None:
        return {"repeat": {"count": 1}}
    every = _duration(step.every)
    repeat: dict[str, Any] = {"frequency": 1, "period": every["value"], "periodUnit": every["code"]}
    if step.count is not None:
        repeat["count"] = step.count
    else:
        repeat["count"] = len(step.offsets())
        assert step.until is not None
        repeat["boundsDuration"] = _duration(step.until)
    return {"repeat": repeat}


def _step_extensions(step: PlanStep) -> list[dict[str, Any]]:
    result = [
        {"url": f"{EXTENSION_BASE}:first", "valueDuration": _duration(step.first)},
        {"url": f"{EXTENSION_BASE}:overdue-after", "valueDuration": _duration(step.overdue_after)},
    ]
    if step.open_for is not None:
        result.append(
            {"url": f"{EXTENSION_BASE}:window", "valueDuration": _duration(step.open_for)}
        )
    result.extend(
        {"url": f"{EXTENSION_BASE}:reminder", "valueDuration": _duration(offset)}
        for offset in step.reminders
    )
    return result


def plan_definition(
    plan: Plan, questionnaires: Mapping[str, Questionnaire], *, base: str = DEFAULT_PLAN_BASE
) -> dict[str, Any]:
    """The plan as a PlanDefinition (``KeyError`` for a step's questionnaire not given)."""
    actions = []
    for index, step in enumerate(plan.steps, start=1):
        questionnaire = questionnaires[step.questionnaire_id]
        actions.append(
            {
                "id": f"step-{index}",
                "extension": _step_extensions(step),
                "title": questionnaire.title,
                "definitionCanonical": questionnaire.url,
                "timingTiming": _timing(step),
            }
        )
    result: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": plan.id,
        "url": plan_url(plan, base),
        "name": plan.id.replace("-", "_"),
        "title": plan.title,
        "type": {"coding": [{"system": PLAN_TYPE_SYSTEM, "code": "clinical-protocol"}]},
        "status": "active",
        "action": actions,
    }
    if plan.description:
        result["description"] = plan.description
    return result


def care_plan(
    enrolment: Enrolment,
    occurrences: Sequence[Occurrence],
    plan: Plan,
    questionnaires: Mapping[str, Questionnaire],
    *,
    patient_pseudonym: str,
    base: str = DEFAULT_PLAN_BASE,
    withdrawn: bool = False,
) -> dict[str, Any]:
    """One enrolment with its occurrences as a CarePlan. While the patient has withdrawn a
    course that has not ended is `on-hold`: nothing is sent, and a reinstatement in the
    console resumes it (bot/storage/withdrawal.py)."""
    activities = [_activity(o, questionnaires) for o in occurrences]
    period: dict[str, Any] = {"start": _iso(enrolment.enrolled_at)}
    if enrolment.ended_at is not None:
        period["end"] = _iso(enrolment.ended_at)
    result: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": enrolment.public_id,
        "instantiatesCanonical": [plan_url(plan, base)],
        "status": ("on-hold" if withdrawn else "active")
        if enrolment.ended_at is None
        else CAREPLAN_STATUS.get(enrolment.end_reason or "", "unknown"),
        "intent": "plan",
        "title": plan.title,
        "subject": _subject(patient_pseudonym),
        "period": period,
    }
    if activities:
        result["activity"] = activities
    return result


def _activity(
    occurrence: Occurrence, questionnaires: Mapping[str, Questionnaire]
) -> dict[str, Any]:
    questionnaire = questionnaires.get(occurrence.questionnaire_id)
    scheduled: dict[str, Any] = {"start": _iso(occurrence.due_at)}
    if occurrence.closes_at is not None:
        scheduled["end"] = _iso(occurrence.closes_at)
    detail: dict[str, Any] = {
        "kind": "Task",
        "status": ACTIVITY_STATUS[occurrence.status],
        "statusReason": {
            "coding": [{"system": OCCURRENCE_SYSTEM, "code": occurrence.status}],
            "text": occurrence.status,
        },
        "scheduledPeriod": scheduled,
        "description": f"{occurrence.questionnaire_id} #{occurrence.sequence}",
    }
    if questionnaire is not None:
        detail["instantiatesCanonical"] = [questionnaire.url]
    activity: dict[str, Any] = {"detail": detail}
    if occurrence.response_id is not None:
        activity["outcomeReference"] = [
            {
                "reference": full_url("QuestionnaireResponse", occurrence.response_id),
                "type": "QuestionnaireResponse",
            }
        ]
    return activity


def validate_course(resource: dict[str, Any]) -> None:
    """Check a PlanDefinition or CarePlan; ``ValueError`` naming every problem found."""
    from fhir.resources.R4B.careplan import CarePlan
    from fhir.resources.R4B.plandefinition import PlanDefinition
    from pydantic import ValidationError

    kinds: dict[str, Any] = {"PlanDefinition": PlanDefinition, "CarePlan": CarePlan}
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind not in kinds:
        raise ValueError(f"not a PlanDefinition or CarePlan: {kind!r}")
    problems: list[str] = []
    try:
        kinds[kind].model_validate(resource)
    except ValidationError as exc:
        problems.extend(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
    rid = resource.get("id")
    if not isinstance(rid, str) or not _FHIR_ID.fullmatch(rid):
        problems.append(f"id: {rid!r} is not a valid FHIR id")
    if kind == "CarePlan":
        if resource.get("status") not in CAREPLAN_STATUSES:
            problems.append(f"status: {resource.get('status')!r} is not a valid code")
        for index, activity in enumerate(resource.get("activity") or []):
            status = (activity.get("detail") or {}).get("status")
            if status not in ACTIVITY_STATUSES:
                problems.append(f"activity.{index}.detail.status: {status!r} is not a valid code")
    elif resource.get("status") not in ("draft", "active", "retired", "unknown"):
        problems.append(f"status: {resource.get('status')!r} is not a valid code")
    if problems:
        raise ValueError(f"invalid FHIR {kind}:\n  " + "\n  ".join(problems))
