"""Export stored responses as FHIR R4 resources (plain dicts, ready for ``json.dumps``).

The core contract is a ``Bundle`` (type ``collection``) of ``QuestionnaireResponse``
resources, one per stored ``Response``. On request, one score ``Observation`` per computed
score (e.g. the WHO-5 Trivselsindeks, SNOMED CT 1144665009) is added, each pointing back at its
QuestionnaireResponse through ``derivedFrom``.

The export of one patient (``patient_bundle``) is self-contained: the Patient (pseudonym only),
the Questionnaires, PlanDefinitions and CarePlans, the responses (``basedOn`` the CarePlan when
they answer a course occurrence), the scores and one Flag per open alert; every ``subject``
references the Patient entry. See docs/CONSOLE.md (Exports).

Privacy: the patient appears only as ``subject.identifier`` with the pseudonym
(``urn:pro-chat:pseudonym``). No names, labels, invitation tokens, conversation ids or database
keys are exported; the only ids are the response id (the QuestionnaireResponse id), the
enrolment's public id (CarePlan), questionnaire and plan ids, and uuid5 ids derived from
these (Observation), from the pseudonym (Patient) or from the alert (Flag).

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

from bot.export.fhir.bundle import bundle, export_bundle, validate
from bot.export.fhir.common import (
    PSEUDONYM_SYSTEM,
    TRIAGE_SYSTEM,
    band_system,
    fhir_string,
    full_url,
    option_system,
)
from bot.export.fhir.observations import score_observations
from bot.export.fhir.patient_bundle import patient_bundle
from bot.export.fhir.responses import questionnaire_response

__all__ = [
    "PSEUDONYM_SYSTEM",
    "TRIAGE_SYSTEM",
    "band_system",
    "bundle",
    "export_bundle",
    "fhir_string",
    "full_url",
    "option_system",
    "patient_bundle",
    "questionnaire_response",
    "score_observations",
    "validate",
]
