"""Export stored responses as FHIR R4 resources (plain dicts, ready for ``json.dumps``).

The core contract is a ``Bundle`` (type ``collection``) of ``QuestionnaireResponse``
resources, one per stored ``Response``. On request, one score ``Observation`` per computed
score (e.g. the WHO-5 Trivselsindeks, SNOMED CT 1144665009) is added, each pointing back at its
QuestionnaireResponse through ``derivedFrom``.

Privacy: the patient appears only as ``subject.identifier`` with the pseudonym
(``urn:pro-chat:pseudonym``). No names, labels, invitation tokens, conversation ids or database
keys are exported; the only ids are the response id (the QuestionnaireResponse id) and ids
derived from it.

What goes into a QuestionnaireResponse: the current (non-superseded) answers to items that are
known and enabled (the same set the scoring sees, ``flow.effective_answers``), in questionnaire
item order. Skipped items are left out, as FHIR expects for unanswered items. Corrections and
skips stay in the app database (the source of truth); the export is the clinical result.

Validation uses ``fhir.resources`` 8.x. Its default package is FHIR R5; the installed version
also has ``fhir.resources.R4B`` (FHIR 4.3.0) and ``STU3``, but no plain R4 package. R4B is the
closest to R4 and identical for everything exported here (Bundle, QuestionnaireResponse,
Observation, Reference, Coding), so ``validate`` parses with ``fhir.resources.R4B``. Because
``fhir.resources`` checks structure and datatypes but not required code values, ``validate``
adds checks for status codes, bundle ``fullUrl`` uniqueness and in-bundle references.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from bot.questionnaire.flow import effective_answers
from bot.questionnaire.model import AnswerValue, Item, Questionnaire, ScoringRule
from bot.questionnaire.scoring import ScoreResult, score
from bot.storage.models import Answer, Patient, Response
from bot.storage.responses import answers_from_rows, current_answers, responses_for_export

PSEUDONYM_SYSTEM = "urn:pro-chat:pseudonym"
"""``subject.identifier.system`` of every exported resource."""
TRIAGE_SYSTEM = "urn:pro-chat:triage"
"""Code system of the triage level (green/yellow/red) in ``Observation.interpretation``."""
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"

QR_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
OBSERVATION_STATUSES = (
    "registered",
    "preliminary",
    "final",
    "amended",
    "corrected",
    "cancelled",
    "entered-in-error",
    "unknown",
)
BUNDLE_TYPES = (
    "document",
    "message",
    "transaction",
    "transaction-response",
    "batch",
    "batch-response",
    "history",
    "searchset",
    "collection",
)
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_OBSERVATION_NS = uuid.UUID("5b0c3f1e-6f1a-4d7e-9a55-2f8f0e7c1a11")
"""Namespace for the stable (uuid5) ids of score Observations."""


# -- answers --------------------------------------------------------------------------------


def option_system(questionnaire: Questionnaire, link_id: str) -> str:
    """The ``Coding.system`` of the answer options of one choice item (a URN)."""
    return f"urn:pro-chat:{_urn_part(questionnaire.id)}:{_urn_part(link_id)}"


def band_system(questionnaire: Questionnaire, rule: ScoringRule) -> str:
    """The ``Coding.system`` of the interpretation bands of one score (a URN)."""
    return f"urn:pro-chat:{_urn_part(questionnaire.id)}:score:{_urn_part(rule.id)}"


def _urn_part(text: str) -> str:
    return quote(text, safe="-._~")


def fhir_string(text: str) -> str:
    """``text`` made valid as a FHIR string (regex ``[ \\r\\n\\t\\S]+``).

    Control characters below U+0020 other than tab, CR and LF are dropped; other Unicode
    whitespace (e.g. the no-break space a phone keyboard or a copy from Word inserts, or
    U+2028) becomes a plain space. The stored answer is unchanged.
    """
    out: list[str] = []
    for char in text:
        if char in " \t\r\n":
            out.append(char)
        elif ord(char) < 32:
            continue
        elif char.isspace():
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


# -- times and references -------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        # The storage layer always returns aware UTC datetimes; treat a stray naive one as UTC.
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def authored_at(response: Response, answers: Sequence[Answer]) -> datetime:
    """When the response was completed, else the time of its latest answer, else its start."""
    if response.completed_at is not None:
        return response.completed_at
    times = [row.created_at for row in answers if row.created_at is not None]
    if times:
        return max(times)
    return response.started_at


def full_url(resource_type: str, resource_id: str) -> str:
    """The ``urn:uuid`` fullUrl of a resource in an exported Bundle.

    Stable: a 32-hex id (as every ``Response.id``) is that UUID; any other id is mapped
    through uuid5, so the same resource always gets the same fullUrl.
    """
    try:
        value = uuid.UUID(hex=resource_id) if len(resource_id) == 32 else None
    except ValueError:
        value = None
    if value is None:
        value = uuid.uuid5(uuid.NAMESPACE_URL, f"{resource_type}/{resource_id}")
    return f"urn:uuid:{value}"


def _subject(pseudonym: str) -> dict[str, Any]:
    return {"identifier": {"system": PSEUDONYM_SYSTEM, "value": pseudonym}}


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
) -> dict[str, Any]:
    """One stored response as a FHIR R4 ``QuestionnaireResponse``.

    ``answers`` may contain superseded rows (they are ignored). Items appear in questionnaire
    order, one per current, answered (not skipped) answer to a known, enabled item.
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
    if questionnaire.url:
        resource["questionnaire"] = questionnaire.url
    resource["status"] = _qr_status(response)
    resource["subject"] = _subject(patient_pseudonym)
    resource["authored"] = _iso(authored_at(response, answers))
    if items:
        resource["item"] = items
    return resource


# -- score Observations ---------------------------------------------------------------------


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
    ``questionnaires`` (nothing is left out silently).
    """
    resources: list[dict[str, Any]] = []
    pseudonyms: dict[int, str] = {}
    for response in responses_for_export(session, questionnaire_id=questionnaire_id):
        if patient_id is not None and response.patient_id != patient_id:
            continue
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
        resources.append(
            questionnaire_response(response, rows, questionnaire, patient_pseudonym=pseudonym)
        )
        if include_observations:
            resources.extend(
                score_observations(response, rows, questionnaire, patient_pseudonym=pseudonym)
            )
    return bundle(resources)


# -- validation -----------------------------------------------------------------------------


def validate(bundle: dict[str, Any]) -> None:
    """Check an exported Bundle; ``ValueError`` with every problem found if it is invalid.

    Parses with ``fhir.resources.R4B`` (structure and datatypes) and checks what that library
    does not: status and bundle-type codes, ids, unique fullUrls, and that ``urn:uuid``
    references point at an entry of the Bundle.
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
        kind = resource.get("resourceType")
        status = resource.get("status")
        if kind == "QuestionnaireResponse":
            if status not in QR_STATUSES:
                problems.append(f"{where}.resource.status: {status!r} is not a valid code")
        elif kind == "Observation":
            if status not in OBSERVATION_STATUSES:
                problems.append(f"{where}.resource.status: {status!r} is not a valid code")
            for ref in resource.get("derivedFrom") or []:
                target = ref.get("reference") if isinstance(ref, dict) else None
                if isinstance(target, str) and target.startswith("urn:uuid:"):
                    references.append((f"{where}.resource.derivedFrom", target))
    for where, target in references:
        if target not in full_urls:
            problems.append(f"{where}: {target} is not an entry of the bundle")
    if problems:
        raise ValueError("invalid FHIR Bundle:\n  " + "\n  ".join(problems))
