"""FHIR export: code systems, ids, references and text shared by the resources."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from bot.questionnaire.model import Questionnaire, ScoringRule
from bot.storage.models import Answer, Response

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
