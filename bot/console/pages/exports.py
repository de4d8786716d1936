"""Exports from the console: a FHIR Bundle of one patient (self-contained, ``fhir.patient_bundle``),
or a FHIR Bundle or pseudonymised CSV of every patient I may see. Each exported patient is a
row in the audit log."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import Response

from bot.console.access import patient_for
from bot.console.http import (
    database,
    error_page,
    field,
    questionnaires,
    record,
    render,
    settings,
    staff,
)
from bot.console.keys import pseudonym_key
from bot.course.plans import Plan
from bot.export import fhir
from bot.export.csv_export import export_csv
from bot.questionnaire.model import Questionnaire
from bot.storage.patient_profiles import visible_patients
from bot.storage.patient_queries import patient_ids_of, pseudonyms_of

FORMATS = ("fhir", "csv")
FHIR_JSON = "application/fhir+json"
CSV = "text/csv; charset=utf-8"


def _download(body: str, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _subject(entry: dict[str, Any]) -> str:
    """The pseudonym of the patient a Bundle entry is about."""
    pseudonym: str = entry["resource"]["subject"]["identifier"]["value"]
    return pseudonym


def _fhir_bundle(
    session: Session,
    questionnaires: dict[str, Questionnaire],
    patient_ids: set[int] | None,
    questionnaire_id: str | None,
) -> dict[str, Any]:
    """A validated Bundle of these patients (None: every patient)."""
    whole = fhir.export_bundle(
        session, questionnaires, questionnaire_id=questionnaire_id, include_observations=True
    )
    if patient_ids is None:
        bundle = whole
    else:
        pseudonyms = pseudonyms_of(session, patient_ids)
        bundle = fhir.bundle(
            [entry["resource"] for entry in whole.get("entry", []) if _subject(entry) in pseudonyms]
        )
    fhir.validate(bundle)
    return bundle


def _json(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, ensure_ascii=False, indent=2)


@requires("authenticated")
def patient_export(request: Request) -> Response:
    with database(request) as session:
        patient = patient_for(session, staff(request), request.path_params["pseudonym"])
        plans: dict[str, Plan] = request.app.state.plans
        bundle = fhir.patient_bundle(session, questionnaires(request), plans, patient)
        fhir.validate(bundle)
        detail = f"{len(bundle.get('entry', []))} resources"
        record(request, session, "export.fhir", patient_id=patient.id, detail=detail)
        name = f"{patient.pseudonym}-fhir.json"
    return _download(_json(bundle), name, FHIR_JSON)


@requires("authenticated")
def export_form(request: Request) -> Response:
    every = sorted(questionnaires(request).values(), key=lambda q: q.title)
    return render(request, "export.html", questionnaires=every)


@requires("authenticated")
def export(request: Request) -> Response:
    me = staff(request)
    kind = field(request, "format")
    questionnaire_id = field(request, "questionnaire", 64)
    if questionnaire_id not in questionnaires(request):
        questionnaire_id = ""
    if kind not in FORMATS:
        return error_page(request, 400)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    with database(request) as session:
        visible = None if me.is_admin else visible_patients(session, me.visible_teams)
        if kind == "fhir":
            bundle = _fhir_bundle(
                session, questionnaires(request), visible, questionnaire_id or None
            )
            included = patient_ids_of(session, {_subject(e) for e in bundle.get("entry", [])})
            body = _json(bundle)
        else:
            body, included = export_csv(
                session,
                questionnaires(request),
                key=pseudonym_key(settings(request)),
                patient_ids=visible,
                questionnaire_id=questionnaire_id or None,
            )
        for patient_id in included:
            record(request, session, f"export.{kind}", patient_id=patient_id)
        record(request, session, f"export.{kind}", detail=f"{len(included)} patients")
    if kind == "fhir":
        return _download(body, f"export-{stamp}-fhir.json", FHIR_JSON)
    return _download(body, f"export-{stamp}.csv", CSV)
