"""FHIR export: which course occurrence a response answers (``basedOn`` and ``identifier``).

A response answers an occurrence when the occurrence was marked answered with it
(``Occurrence.response_id``) or, failing that, when its conversation was opened for the
occurrence (``Conversation.occurrence_id``, migration 0010) and the response is to the occurrence's
questionnaire.

The QuestionnaireResponse then gets ``basedOn`` = the enrolment's CarePlan and an
``identifier`` naming the occurrence: system ``OCCURRENCE_ID_SYSTEM``, value
``<CarePlan id>/<step>/<sequence>`` (step 1-based, as the PlanDefinition's ``step-N`` action;
sequence 1-based within the step). Only public ids appear, never database keys.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.export.fhir.common import full_url
from bot.storage.course_models import Enrolment, Occurrence
from bot.storage.models import Conversation, Response

OCCURRENCE_ID_SYSTEM = "urn:pro-chat:occurrence-id"
CAREPLAN_SYSTEM = "urn:pro-chat:careplan"


def occurrences_of_responses(
    session: Session, response_ids: Collection[str] | None = None
) -> dict[str, Occurrence]:
    """Response id -> the occurrence it answers (``None``: of every response)."""
    found: dict[str, Occurrence] = {}
    if response_ids is not None and not response_ids:
        return found
    answered = select(Occurrence).where(Occurrence.response_id.is_not(None))
    if response_ids is not None:
        answered = answered.where(Occurrence.response_id.in_(list(response_ids)))
    for occurrence in session.scalars(answered):
        assert occurrence.response_id is not None
        found[occurrence.response_id] = occurrence
    opened = (
        select(Response.id, Occurrence)
        .join(Conversation, Conversation.id == Response.conversation_id)
        .join(Occurrence, Occurrence.id == Conversation.occurrence_id)
        # Not the opening literacy screen, which has a response of its own in the conversation.
        .where(Occurrence.questionnaire_id == Response.questionnaire_id)
    )
    if response_ids is not None:
        opened = opened.where(Response.id.in_(list(response_ids)))
    for response_id, occurrence in session.execute(opened):
        found.setdefault(response_id, occurrence)
    return found


def occurrence_identifier(occurrence: Occurrence, enrolment: Enrolment) -> dict[str, Any]:
    value = f"{enrolment.public_id}/{occurrence.step_index + 1}/{occurrence.sequence}"
    return {"system": OCCURRENCE_ID_SYSTEM, "value": value}


def care_plan_reference(enrolment: Enrolment, *, in_bundle: bool) -> dict[str, Any]:
    """A Reference to the enrolment's CarePlan: by fullUrl when the CarePlan is an entry of the
    same Bundle, else only by identifier (a reference that does not dangle)."""
    reference: dict[str, Any] = {}
    if in_bundle:
        reference["reference"] = full_url("CarePlan", enrolment.public_id)
    reference["type"] = "CarePlan"
    reference["identifier"] = {"system": CAREPLAN_SYSTEM, "value": enrolment.public_id}
    return reference


def occurrence_links(occurrence: Occurrence | None, *, in_bundle: bool) -> dict[str, Any]:
    """The ``identifier`` and ``based_on`` arguments of ``questionnaire_response`` for a
    response that answers ``occurrence`` (both None when it answers none)."""
    if occurrence is None:
        return {"identifier": None, "based_on": None}
    return {
        "identifier": occurrence_identifier(occurrence, occurrence.enrolment),
        "based_on": care_plan_reference(occurrence.enrolment, in_bundle=in_bundle),
    }
