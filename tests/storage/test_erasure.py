"""Carrying out a deletion (bot/storage/erasure.py): a marker planted in every text column of
every row about the patient is gone from every table of the metadata afterwards, except in
the columns kept on purpose (codes, keys, staff facts, the audit trail); other patients keep
everything; a request is carried out once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, String, Table, select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.export.fhir import patient_bundle
from bot.questionnaire.model import Questionnaire
from bot.storage.db import session_scope
from bot.storage.deletion_models import DeletionRequest
from bot.storage.deletions import request_deletion
from bot.storage.doctor_questions import add_question
from bot.storage.erasure import AlreadyErased, erase_patient
from bot.storage.models import Base, Conversation, Message, Patient, UTCDateTime, utcnow
from bot.storage.patients import create_patient
from bot.storage.relative_models import Relative
from bot.storage.transcripts import add_message
from tests import helpers

from .conftest import new_conversation

MARKER = "QZXMARKERQZX"
# Staff-side tables: nothing in them is about one patient.
STAFF_TABLES = frozenset({
    "console_users", "console_teams", "console_team_members", "console_login_attempts",
})  # fmt: skip
# Columns that survive an erasure on purpose: codes, keys and staff facts, and the audit trail
# (whose details never hold patient content, by rule). A marker planted elsewhere must go.
KEPT: dict[str, frozenset[str]] = {
    "patients": frozenset({"pseudonym", "consent", "literacy_level", "screening"}),
    "invitations": frozenset({"token_hash", "questionnaire_id", "channel", "revoked_reason"}),
    "conversations": frozenset({"questionnaire_id", "status"}),
    "enrolments": frozenset({"public_id", "plan_id", "end_reason"}),
    "occurrences": frozenset({"questionnaire_id", "status"}),
    "reminders": frozenset({"status"}),
    "patient_profiles": frozenset({"created_by"}),
    "console_reviews": frozenset({"reviewed_by"}),
    "audit_events": frozenset({"actor", "action", "detail"}),
    "deletion_requests": frozenset({"public_id", "requested_via", "requested_by", "reason"}),
}


def _value(table: Table, column: Any, inserted: dict[str, Any]) -> Any:
    """A value for one column of a planted row: the marker in every text."""
    keys = list(column.foreign_keys)
    if keys:
        target = keys[0].column.table.name
        if target in inserted:
            return inserted[target]
        return None  # a cycle (use_alter) or a staff table: every such key may be empty
    kind = column.type
    if isinstance(kind, JSON):
        return {"text": MARKER, "items": [MARKER]}
    if isinstance(kind, String) and column.primary_key:
        return uuid.uuid4().hex  # an id the app makes, never typed
    if isinstance(kind, String):  # Text too
        length = kind.length or 10_000
        value = f"{MARKER}{uuid.uuid4().hex}" if column.unique else MARKER
        return value[:length]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, BigInteger):
        return 1_000_000_000 + uuid.uuid4().int % 1_000_000
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, Float):
        return 1.0
    if isinstance(kind, (DateTime, UTCDateTime)):
        return utcnow()
    raise AssertionError(f"no value for {table.name}.{column.name} ({kind!r})")


def _plant(session: Session, patient: Patient) -> None:
    """One row in every table about a patient, the marker in each of its texts, every foreign
    key pointing at the patient's rows."""
    patient.label = MARKER
    session.flush()
    inserted: dict[str, Any] = {"patients": patient.id}
    for table in Base.metadata.sorted_tables:
        if table.name in STAFF_TABLES or table.name in {"patients", "deletion_requests"}:
            continue
        values = {}
        for column in table.columns:
            if column.primary_key and isinstance(column.type, Integer) and not column.foreign_keys:
                continue  # autoincrement
            if column.name == "relative_id":
                values[column.name] = None  # the patient's own rows; a relative's come below
                continue
            values[column.name] = _value(table, column, inserted)
        result = session.execute(table.insert().values(**values))
        (pk,) = table.primary_key.columns
        inserted[table.name] = values.get(pk.name) or result.inserted_primary_key[0]
    # A relative's own conversation, with what they wrote.
    relative_id = inserted["relatives"]
    conversation = Conversation(patient_id=patient.id, questionnaire_id="paarorende",
                                relative_id=relative_id)  # fmt: skip
    session.add(conversation)
    session.flush()
    add_message(session, conversation, direction="in", channel="web", text=MARKER)
    session.flush()


def _marked(session: Session) -> set[tuple[str, str]]:
    """(table, column) of every text that still holds the marker, in every table."""
    found = set()
    for table in Base.metadata.sorted_tables:
        texts = [c for c in table.columns if isinstance(c.type, (String, JSON))]
        for row in session.execute(select(*texts)) if texts else []:
            for column, value in zip(texts, row, strict=True):
                if value is not None and MARKER in str(value):
                    found.add((table.name, column.name))
    return found


def test_every_text_about_the_patient_is_erased_in_every_table(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        other, _invitation, other_conversation = new_conversation(session)
        add_message(session, other_conversation, direction="in", channel="web", text="behold mig")
        patient = create_patient(session)
        _plant(session, patient)
        patient_id = patient.id
        request_deletion(session, patient_id, via="chat")
    with session_scope(session_factory) as session:
        planted = _marked(session)
        # The planting reached every table about a patient (a new table is planted too).
        about_patients = {
            t.name for t in Base.metadata.sorted_tables
            if t.name not in STAFF_TABLES and any(isinstance(c.type, String) for c in t.columns)
        } - {"deletion_requests"}  # fmt: skip
        assert {table for table, _ in planted} == about_patients
    with session_scope(session_factory) as session:
        request = session.scalar(select(DeletionRequest))
        assert request is not None
        erasure = erase_patient(session, request, actor="admin@example.org", reason="ønsket")
        assert erasure.conversation_ids
    with session_scope(session_factory) as session:
        left = _marked(session)
        unexpected = {(t, c) for t, c in left if c not in KEPT.get(t, frozenset())}
        assert not unexpected, f"patient text left after erasure: {sorted(unexpected)}"
        tombstone = session.get(Patient, patient_id)
        assert tombstone is not None and tombstone.erased_at is not None
        assert tombstone.label is None and tombstone.pseudonym
        assert (
            session.scalars(select(Relative).where(Relative.patient_id == patient_id)).all() == []
        )
        request = session.scalar(select(DeletionRequest))
        assert request is not None and request.carried_out_by == "admin@example.org"
        assert request.carried_out_at is not None and request.reason == "ønsket"
        # The other patient keeps everything.
        kept = session.scalars(
            select(Message.text).where(Message.conversation_id == other_conversation.id)
        ).all()
        assert kept == ["behold mig"] and session.get(Patient, other.id) is not None


def test_a_request_is_carried_out_once(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        patient, _invitation, _conversation = new_conversation(session)
        request = request_deletion(session, patient.id, via="console", requested_by="a@b.dk")
        assert request_deletion(session, patient.id, via="chat") is request  # one open request
        erase_patient(session, request, actor="a@b.dk", reason="ønsket")
        with pytest.raises(AlreadyErased):
            erase_patient(session, request, actor="a@b.dk", reason="igen")


def test_the_erased_patients_bundle_holds_the_patient_and_no_content(
    session_factory: sessionmaker[Session],
    service: Dialogue,
    questionnaires: dict[str, Questionnaire],
) -> None:
    cid = helpers.new_conversation(session_factory)
    helpers.answer_all(service, session_factory, cid, ["3", "2"])
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        add_question(session, conversation, "hvor længe varer kuren?", source="asked")
        request = request_deletion(session, conversation.patient_id, via="chat")
        erase_patient(session, request, actor="admin@example.org", reason="ønsket")
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, cid)
        assert conversation is not None
        bundle = patient_bundle(session, questionnaires, {}, conversation.patient)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds == ["Patient"]
    assert "kuren" not in json.dumps(bundle)
