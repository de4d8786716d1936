"""FHIR export: the patient's relatives as ``RelatedPerson``, and who gave a response.

A response a relative gave (their own questionnaire, or answers on the patient's behalf) has
``source`` and ``author`` = Reference(RelatedPerson); its score Observations have that
``performer``. The ``subject`` stays the Patient: the answers are about the patient (or, for
the relatives' own questionnaire, given in the patient's care). A response without a relative
is the patient's own and names no source, as before.

A RelatedPerson carries no name: its id and identifier are the relative's public id (never a
database key), ``relationship.text`` is the patient's word for them ("min datter"), and
``active`` is false once the patient or a coordinator took their access away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.export.fhir.common import fhir_string, full_url
from bot.storage.relative_models import Relative

RELATIVE_SYSTEM = "urn:pro-chat:relative-id"


def _identifier(relative: Relative) -> dict[str, str]:
    return {"system": RELATIVE_SYSTEM, "value": relative.public_id}


def related_person(relative: Relative, patient: Mapping[str, Any]) -> dict[str, Any]:
    """One relative; ``patient`` is the Reference to the Patient (e.g. the Bundle's subject)."""
    resource: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": relative.public_id,
        "identifier": [_identifier(relative)],
        "active": relative.revoked_at is None,
        "patient": dict(patient),
    }
    relation = fhir_string(relative.relation).strip()
    if relation:
        resource["relationship"] = [{"text": relation}]
    return resource


def respondent_reference(relative: Relative, *, in_bundle: bool) -> dict[str, Any]:
    """A Reference to the relative: by fullUrl and identifier inside a Bundle that has their
    RelatedPerson (the patient's own Bundle), by identifier alone otherwise."""
    reference: dict[str, Any] = {"type": "RelatedPerson", "identifier": _identifier(relative)}
    if in_bundle:
        reference = {"reference": full_url("RelatedPerson", relative.public_id), **reference}
    return reference


def mark_respondent(resources: Iterable[dict[str, Any]], reference: Mapping[str, Any]) -> None:
    """Name the relative who gave a response on it and on its score Observations."""
    for resource in resources:
        kind = resource.get("resourceType")
        if kind == "QuestionnaireResponse":
            resource["source"] = dict(reference)
            resource["author"] = dict(reference)
        elif kind == "Observation":
            resource["performer"] = [dict(reference)]
