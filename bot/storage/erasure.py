"""Carrying out a deletion: the patient's answers and what they (and their relatives) wrote
are erased, in one transaction; what remains holds no patient content.

Erased: answers and responses, every message of the patient's conversations (the transcript),
what a conversation holds besides its state (a typed answer awaiting confirmation, an awaited
reply, what was shown), the alerts (derived from the answers: "possible crisis" is health data
too), the Telegram chat rows, the relatives with their conversations, and every row of any
other table that refers to the patient, their conversations, responses or relatives (the
doctor questions, and tables added later: found through the metadata, so none is forgotten).
The staff label, the age band, sex and site are cleared and review notes blanked (a note may
quote the patient).

Kept, without content: the patient row as a tombstone (pseudonym, consent and its time,
``erased_at``), so the audit trail still names who it was about; the conversations' rows
(id, questionnaire, status, times: the engine's sender ids); the links (token hashes only);
the course plan and its schedule; the reviews' who and when; the deletion request; the audit
events. The engine's trackers are emptied by bot/engine_tracker.py with the conversation ids
returned here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, or_, select, update
from sqlalchemy.orm import Session

from bot.storage.audit import audit
from bot.storage.console_models import PatientProfile, Review
from bot.storage.course_models import Occurrence
from bot.storage.deletion_models import DeletionRequest
from bot.storage.models import (
    Alert,
    Answer,
    Base,
    Conversation,
    Invitation,
    Message,
    Patient,
    Response,
    utcnow,
)
from bot.storage.relative_models import Relative
from bot.storage.telegram_models import TelegramChat

# Tables handled one by one below (or kept on purpose); every other table that refers to the
# patient, a conversation, a response or a relative of theirs loses those rows.
HANDLED = frozenset({
    "patients", "patient_profiles", "console_reviews", "audit_events", "deletion_requests",
    "invitations", "conversations", "messages", "responses", "answers", "alerts",
    "telegram_chats", "relatives", "enrolments", "occurrences", "reminders",
})  # fmt: skip


class AlreadyErased(RuntimeError):
    pass


@dataclass(frozen=True)
class Erasure:
    conversation_ids: tuple[str, ...]  # every conversation the engine may hold a tracker of
    counts: dict[str, int]

    @property
    def detail(self) -> str:
        return ", ".join(f"{table}: {count}" for table, count in sorted(self.counts.items()))


def conversation_ids_of(session: Session, patient_id: int) -> list[str]:
    """The patient's conversations, their relatives' ones included."""
    return list(
        session.scalars(select(Conversation.id).where(Conversation.patient_id == patient_id))
    )


def erase_patient(
    session: Session, request: DeletionRequest, *, actor: str, reason: str
) -> Erasure:
    """Carry out the request (in the caller's transaction), record who, when and why."""
    patient = session.get(Patient, request.patient_id)
    if patient is None or request.carried_out_at is not None or patient.erased_at is not None:
        raise AlreadyErased(request.public_id)
    ids = _Ids.of(session, patient.id)
    counts: dict[str, int] = {}

    def run(name: str, statement: Any) -> None:
        result = session.execute(statement)
        counts[name] = counts.get(name, 0) + int(result.rowcount)  # type: ignore[attr-defined]

    for table in reversed(Base.metadata.sorted_tables):
        condition = _refers_to(table, ids)
        if table.name not in HANDLED and condition is not None:
            run(table.name, delete(table).where(condition))
    run("answers", delete(Answer).where(Answer.response_id.in_(ids.responses)))
    session.execute(
        update(Occurrence).where(Occurrence.response_id.in_(ids.responses)).values(response_id=None)
    )
    run("alerts", delete(Alert).where(
        or_(Alert.patient_id == patient.id, Alert.conversation_id.in_(ids.conversations))
    ))  # fmt: skip
    run("responses", delete(Response).where(Response.id.in_(ids.responses)))
    run("messages", delete(Message).where(Message.conversation_id.in_(ids.conversations)))
    run("telegram_chats", delete(TelegramChat).where(
        or_(TelegramChat.patient_id == patient.id,
            TelegramChat.conversation_id.in_(ids.conversations))
    ))  # fmt: skip
    # A relative's conversation is theirs: it goes with them (rows left with relative_id None
    # would pass for the patient's own).
    run("conversations", delete(Conversation).where(Conversation.relative_id.in_(ids.relatives)))
    session.execute(
        update(Invitation).where(Invitation.relative_id.in_(ids.relatives)).values(relative_id=None)
    )
    run("relatives", delete(Relative).where(Relative.id.in_(ids.relatives)))
    session.execute(
        update(Conversation)
        .where(Conversation.patient_id == patient.id)
        .values(pending=None, awaiting=None, presented=None, reopened_link_id=None)
    )
    session.execute(update(Review).where(Review.patient_id == patient.id).values(note=""))
    session.execute(
        update(PatientProfile)
        .where(PatientProfile.patient_id == patient.id)
        .values(age_band=None, sex=None, site=None)
    )
    now = utcnow()
    patient.label = None
    patient.erased_at = now
    request.carried_out_at = now
    request.carried_out_by = actor
    request.reason = reason
    erasure = Erasure(tuple(ids.conversations), counts)
    # The reason is a staff text (the page asks for no patient content); the counts are numbers.
    audit(session, actor=actor, action="patient.erase", patient_id=patient.id,
          detail=f"reason: {reason}; erased {erasure.detail}")  # fmt: skip
    session.flush()
    session.expire_all()  # the ORM objects of erased rows must not be written back
    return erasure


@dataclass(frozen=True)
class _Ids:
    patient: int
    conversations: Sequence[str]
    responses: Sequence[str]
    relatives: Sequence[int]

    @classmethod
    def of(cls, session: Session, patient_id: int) -> _Ids:
        conversations = conversation_ids_of(session, patient_id)
        responses = session.scalars(
            select(Response.id).where(
                or_(Response.patient_id == patient_id, Response.conversation_id.in_(conversations))
            )
        )
        relatives = session.scalars(select(Relative.id).where(Relative.patient_id == patient_id))
        return cls(patient_id, conversations, list(responses), list(relatives))


def _refers_to(table: Table, ids: _Ids) -> ColumnElement[bool] | None:
    """Rows of `table` that point at the patient or at one of their rows, through any
    foreign key; None if the table has no such key."""
    targets: dict[str, Sequence[Any]] = {
        "patients.id": [ids.patient],
        "conversations.id": ids.conversations,
        "responses.id": ids.responses,
        "relatives.id": ids.relatives,
    }
    conditions = [
        column.in_(targets[key.target_fullname])
        for column in table.columns
        for key in column.foreign_keys
        if key.target_fullname in targets
    ]
    return or_(*conditions) if conditions else None
