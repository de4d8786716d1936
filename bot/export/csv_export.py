"""Pseudonymised CSV for quality work and research: one row per answer, one per score.

Privacy:
- Patients appear only under a research pseudonym, ``R-`` + the first 16 hex digits of
  HMAC-SHA256(key, "patient:<database id>"): stable for one key, and not the pseudonym the
  staff see (so a CSV cannot be joined to the console or the FHIR export without the key).
  Responses get a reference the same way, so the rows of one response can be grouped.
- Never exported: labels, invitation tokens, chat ids, conversation and response ids, and
  any free text (typed answers to free-text items, raw typed text). A free-text answer has an
  empty value and ``withheld`` = ``free_text``.
- Kept: coarse facts for statistics (age band, sex, site), who responded (the patient or a
  relative, never which relative), the questionnaire, option codes
  and their questionnaire texts, numbers, yes/no, scores, bands, triage, the literacy level
  and how the answer was given, and times (UTC).

Cells that a spreadsheet would run as a formula (=, +, -, @ first) are prefixed with '.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Collection, Mapping
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.questionnaire.model import Questionnaire
from bot.questionnaire.scoring import score
from bot.storage.console_models import PatientProfile
from bot.storage.models import Answer, Patient, Response
from bot.storage.responses import answers_from_rows

COLUMNS: tuple[str, ...] = (
    "pseudonym",
    "age_band",
    "sex",
    "site",
    "questionnaire",
    "questionnaire_version",
    "response_ref",
    "response_status",
    # patient | relative: who gave the response (a relative's own, or on the patient's behalf)
    "respondent",
    "started_at",
    "completed_at",
    "row_type",
    "id",
    "status",
    "code",
    "value",
    "item_score",
    "band",
    "triage",
    "literacy_level",
    "input_kind",
    "interpretation",
    "withheld",
    "at",
    "current",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def research_pseudonym(key: bytes, patient_id: int) -> str:
    return "R-" + hmac.new(key, f"patient:{patient_id}".encode(), hashlib.sha256).hexdigest()[:16]


def response_ref(key: bytes, response_id: str) -> str:
    return hmac.new(key, f"response:{response_id}".encode(), hashlib.sha256).hexdigest()[:16]


def _iso(moment: datetime | None) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _answer_value(answer: Answer, questionnaire: Questionnaire | None) -> tuple[object, str]:
    """(value, withheld) of one answer row; free text is never exported."""
    if answer.status == "skipped":
        return None, ""
    if answer.item_type == "string" or answer.value_string is not None:
        return None, "free_text"
    if answer.value_integer is not None:
        return answer.value_integer, ""
    if answer.value_boolean is not None:
        return answer.value_boolean, ""
    if answer.code is not None and questionnaire is not None:
        try:
            option = questionnaire.item(answer.link_id).option(answer.code)
        except KeyError:
            option = None
        if option is not None:
            return option.display, ""
    return None, ""


def export_csv(
    session: Session,
    questionnaires: Mapping[str, Questionnaire],
    *,
    key: bytes,
    patient_ids: Collection[int] | None = None,
    questionnaire_id: str | None = None,
) -> tuple[str, list[int]]:
    """The CSV text and the database ids of the patients in it (for the audit log).

    ``patient_ids`` limits the export to those patients (None: every patient).
    """
    query = (
        select(Response, Patient, PatientProfile)
        .join(Patient, Patient.id == Response.patient_id)
        .outerjoin(PatientProfile, PatientProfile.patient_id == Patient.id)
    )
    if patient_ids is not None:
        query = query.where(Response.patient_id.in_(sorted(patient_ids)))
    if questionnaire_id:
        query = query.where(Response.questionnaire_id == questionnaire_id)
    query = query.order_by(Response.started_at, Response.id)

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    included: list[int] = []
    for response, patient, profile in session.execute(query).tuples():
        questionnaire = questionnaires.get(response.questionnaire_id)
        rows = list(
            session.scalars(
                select(Answer).where(Answer.response_id == response.id).order_by(Answer.id)
            )
        )
        if patient.id not in included:
            included.append(patient.id)
        common = {
            "pseudonym": research_pseudonym(key, patient.id),
            "age_band": profile.age_band if profile else None,
            "sex": profile.sex if profile else None,
            "site": profile.site if profile else None,
            "questionnaire": response.questionnaire_id,
            "questionnaire_version": response.questionnaire_version,
            "response_ref": response_ref(key, response.id),
            "response_status": response.status,
            "respondent": "patient" if response.relative_id is None else "relative",
            "started_at": _iso(response.started_at),
            "completed_at": _iso(response.completed_at),
        }
        for answer in rows:
            value, withheld = _answer_value(answer, questionnaire)
            record = {
                **common,
                "row_type": "answer",
                "id": answer.link_id,
                "status": answer.status,
                "code": answer.code,
                "value": value,
                "item_score": answer.score,
                "literacy_level": answer.literacy_level,
                "input_kind": answer.input_kind,
                "interpretation": answer.interpretation,
                "withheld": withheld,
                "at": _iso(answer.created_at),
                "current": answer.superseded_at is None,
            }
            writer.writerow([_cell(record.get(column)) for column in COLUMNS])
        current = [row for row in rows if row.superseded_at is None]
        if questionnaire is None or not current:
            continue
        for result in score(questionnaire, answers_from_rows(current)):
            if result.value is None:
                continue
            band = result.band
            record = {
                **common,
                "row_type": "score",
                "id": result.rule.id,
                "status": "final" if response.status == "completed" else "preliminary",
                "code": band.code if band else None,
                "value": result.value,
                "band": band.label if band else None,
                "triage": band.triage if band else None,
                "at": _iso(response.completed_at or max(r.created_at for r in current)),
                "current": True,
            }
            writer.writerow([_cell(record.get(column)) for column in COLUMNS])
    return buffer.getvalue(), included
