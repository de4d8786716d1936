"""FHIR export: the Bundle of responses and scores, and its validation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.export.fhir.common import (
    _FHIR_ID,
    BUNDLE_TYPES,
    OBSERVATION_STATUSES,
    QR_STATUSES,
    _iso,
    full_url,
)
from bot.export.fhir.communications import COMMUNICATION_STATUSES
from bot.export.fhir.links import occurrence_links, occurrences_of_responses
from bot.export.fhir.observations import (
    score_observations,
)
from bot.export.fhir.plans import ACTIVITY_STATUSES, CAREPLAN_STATUSES
from bot.export.fhir.questionnaires import PUBLICATION_STATUSES
from bot.export.fhir.related_persons import mark_respondent, respondent_reference
from bot.export.fhir.responses import questionnaire_response
from bot.questionnaire.model import Questionnaire
from bot.storage.models import Patient
from bot.storage.proxy_conversations import relatives_by_id
from bot.storage.responses import current_answers, responses_for_export


def bundle(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A ``collection`` Bundle of resources; each fullUrl is ``full_url`` of the resource."""
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _iso(datetime.now(UTC)),
    }
    if entries:  # FHIR JSON has no empty arrays: an empty export leaves `entry` out
        result["entry"] = [
            {"fullUrl": full_url(r["resourceType"], r["id"]), "resource": r} for r in entries
        ]
    return result


def export_bundle(
    session: Session,
    questionnaires: Mapping[str, Questionnaire],
    *,
    questionnaire_id: str | None = None,
    include_observations: bool = False,
    patient_id: int | None = None,
) -> dict[str, Any]:
    """All stored responses (optionally of one questionnaire and/or one patient) as a Bundle.

    Raises ``ValueError`` when a response belongs to a questionnaire not in
    ``questionnaires`` (nothing is left out silently). A response that answers a course
    occurrence names it (``identifier``) and its CarePlan (``basedOn``, by identifier only:
    the CarePlan is not in this Bundle; ``patient_bundle`` has it).
    """
    resources: list[dict[str, Any]] = []
    pseudonyms: dict[int, str] = {}
    answered = occurrences_of_responses(session)
    chosen = [
        response
        for response in responses_for_export(session, questionnaire_id=questionnaire_id)
        if patient_id is None or response.patient_id == patient_id
    ]
    # Who gave a response a relative gave (by identifier: no RelatedPerson in this Bundle).
    relatives = relatives_by_id(session, [response.relative_id for response in chosen])
    for response in chosen:
        questionnaire = questionnaires.get(response.questionnaire_id)
        if questionnaire is None:
            raise ValueError(
                f"response {response.id} belongs to questionnaire "
                f"'{response.questionnaire_id}', which is not loaded"
            )
        pseudonym = pseudonyms.get(response.patient_id)
        if pseudonym is None:
            patient = session.get(Patient, response.patient_id)
            if patient is None:
                raise ValueError(f"response {response.id} has no patient")
            pseudonym = pseudonyms[response.patient_id] = patient.pseudonym
        rows = current_answers(session, response.id)
        occurrence = answered.get(response.id)
        made = [
            questionnaire_response(
                response,
                rows,
                questionnaire,
                patient_pseudonym=pseudonym,
                **occurrence_links(occurrence, in_bundle=False),
            )
        ]
        if include_observations:
            made += score_observations(response, rows, questionnaire, patient_pseudonym=pseudonym)
        respondent = relatives.get(response.relative_id) if response.relative_id else None
        if respondent is not None:
            mark_respondent(made, respondent_reference(respondent, in_bundle=False))
        resources += made
    return bundle(resources)


# -- validation -----------------------------------------------------------------------------

_STATUSES: dict[str, tuple[str, ...]] = {
    "QuestionnaireResponse": QR_STATUSES,
    "Observation": OBSERVATION_STATUSES,
    "Questionnaire": PUBLICATION_STATUSES,
    "PlanDefinition": PUBLICATION_STATUSES,
    "CarePlan": CAREPLAN_STATUSES,
    "Flag": ("active", "inactive", "entered-in-error"),
    "Communication": COMMUNICATION_STATUSES,
}


def _references(value: Any, where: str) -> list[tuple[str, str]]:
    """(where, target) of every ``urn:uuid`` Reference.reference inside ``value``."""
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        target = value.get("reference")
        if isinstance(target, str) and target.startswith("urn:uuid:"):
            found.append((where, target))
        for key, inner in value.items():
            if isinstance(inner, dict | list):
                found.extend(_references(inner, f"{where}.{key}"))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(_references(inner, f"{where}.{index}"))
    return found


def validate(bundle: dict[str, Any]) -> None:
    """Check an exported Bundle; ``ValueError`` with every problem found if it is invalid.

    Parses with ``fhir.resources.R4B`` (structure and datatypes) and checks what that library
    does not: status and bundle-type codes, ids, unique fullUrls, and that every ``urn:uuid``
    reference (anywhere in a resource) points at an entry of the Bundle.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    problems: list[str] = []
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ValueError("invalid FHIR Bundle: resourceType must be 'Bundle'")
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        problems.extend(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
    except (TypeError, ValueError) as exc:
        problems.append(str(exc))

    if bundle.get("type") not in BUNDLE_TYPES:
        problems.append(f"type: unknown bundle type {bundle.get('type')!r}")
    entries = bundle.get("entry") or []
    full_urls: set[str] = set()
    references: list[tuple[str, str]] = []
    for index, entry in enumerate(entries):
        where = f"entry.{index}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: not an object")
            continue
        url = entry.get("fullUrl")
        if not url:
            problems.append(f"{where}: fullUrl missing")
        elif url in full_urls:
            problems.append(f"{where}: duplicate fullUrl {url}")
        else:
            full_urls.add(url)
        resource = entry.get("resource")
        if not isinstance(resource, dict):
            problems.append(f"{where}: resource missing")
            continue
        rid = resource.get("id")
        if not isinstance(rid, str) or not _FHIR_ID.fullmatch(rid):
            problems.append(f"{where}.resource.id: {rid!r} is not a valid FHIR id")
        status = resource.get("status")
        codes = _STATUSES.get(str(resource.get("resourceType")))
        if codes is not None and status not in codes:
            problems.append(f"{where}.resource.status: {status!r} is not a valid code")
        if resource.get("resourceType") == "CarePlan":
            for number, activity in enumerate(resource.get("activity") or []):
                code = (activity.get("detail") or {}).get("status")
                if code not in ACTIVITY_STATUSES:
                    problems.append(
                        f"{where}.resource.activity.{number}.detail.status: {code!r} is not a "
                        "valid code"
                    )
        references.extend(_references(resource, f"{where}.resource"))
    for where, target in references:
        if target not in full_urls:
            problems.append(f"{where}: {target} is not an entry of the bundle")
    if problems:
        raise ValueError("invalid FHIR Bundle:\n  " + "\n  ".join(problems))
