"""Repository functions and the schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.alerts import add_alert, alerts_for
from bot.storage.audit import audit
from bot.storage.conversations import conversation_for_invitation, get_conversation
from bot.storage.db import alembic_config, migrate, ping, session_scope
from bot.storage.models import Answer, AuditEvent, Base, Invitation, Message, Patient
from bot.storage.patients import (
    create_invitation,
    create_patient,
    invitation_by_token,
    new_token,
    patient_by_pseudonym,
)
from bot.storage.responses import (
    add_answer,
    all_answers,
    current_answers,
    open_response,
    responses_for_export,
)
from bot.storage.transcripts import (
    add_message,
    count_messages,
    last_outbound,
    last_presented_link_id,
    message_with_external_id,
    recent_outbound,
    transcript,
)

PSEUDONYM = re.compile(r"^P-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$")
PATIENT_TABLES = ("patients", "invitations", "conversations", "messages", "responses",
                  "answers", "alerts")
PII_HINTS = ("name", "cpr", "email", "phone", "address", "birth", "ssn", "mobile")


def _answer(link_id: str, code: str) -> Answer:
    return Answer(link_id=link_id, item_type="choice", code=code, input_kind="button",
                  literacy_level="standard", wording_shown=f"text of {link_id}")


def _setup(session: Session, questionnaire_id: str = "who5"):  # type: ignore[no-untyped-def]
    patient = create_patient(session)
    invitation = create_invitation(session, patient, questionnaire_id)
    conversation = conversation_for_invitation(session, invitation)
    return patient, invitation, conversation


def _assert_utc(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)


# ------------------------------------------------------------------ patients and tokens


def test_pseudonyms_are_unique_and_patients_hold_no_pii(
    session_factory: sessionmaker[Session], db_engine: Engine
) -> None:
    with session_scope(session_factory) as session:
        patients = [create_patient(session) for _ in range(200)]
        pseudonyms = [p.pseudonym for p in patients]
    assert len(set(pseudonyms)) == 200
    assert all(PSEUDONYM.match(p) for p in pseudonyms), pseudonyms[:5]

    with session_scope(session_factory) as session:
        found = patient_by_pseudonym(session, pseudonyms[17])
        assert found is not None and found.id == patients[17].id
        assert patient_by_pseudonym(session, "P-NOTTHERE") is None
        assert (found.consent, found.literacy_level, found.locale) == ("pending", "standard", "da")

    # The real table (as migrated), not just the model.
    columns = {c["name"] for c in inspect(db_engine).get_columns("patients")}
    assert {"id", "pseudonym", "label", "consent", "literacy_level"} <= columns
    # Tables about patients (staff accounts of the console may have an e-mail address).
    for table in PATIENT_TABLES:
        for column in inspect(db_engine).get_columns(table):
            assert not any(hint in column["name"].lower() for hint in PII_HINTS), (
                table, column["name"])

    # The database itself refuses a second patient with the same pseudonym.
    with pytest.raises(IntegrityError), session_scope(session_factory) as session:
        session.add(Patient(pseudonym=pseudonyms[0]))
        session.flush()


def test_tokens_are_long_random_and_url_safe(session_factory: sessionmaker[Session]) -> None:
    tokens = {new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    allowed = set(string.ascii_letters + string.digits + "-_")
    for token in tokens:
        assert len(token) >= 32
        assert set(token) <= allowed

    with session_scope(session_factory) as session:
        patient = create_patient(session)
        invitation = create_invitation(session, patient, "who5",
                                            valid_for=timedelta(days=7))
        token = invitation.token
        assert invitation.channel == "web"
    assert len(token) >= 32
    with session_scope(session_factory) as session:
        found = invitation_by_token(session, token)
        assert found is not None
        assert found.questionnaire_id == "who5"
        assert found.used_at is None
        _assert_utc(found.expires_at)
        assert found.expires_at - found.created_at == pytest.approx(  # type: ignore[operator]
            timedelta(days=7), abs=timedelta(seconds=5))
        assert invitation_by_token(session, token[:-1]) is None
        assert invitation_by_token(session, token.upper()) is None or token == token.upper()


def test_conversation_for_invitation_is_idempotent(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient, invitation, conversation = _setup(session)
        first_id, used_at = conversation.id, invitation.used_at
        invitation_id = invitation.id
    assert used_at is not None
    assert re.fullmatch(r"[0-9a-f]{32}", first_id)

    for _ in range(3):
        with session_scope(session_factory) as session:
            invitation = session.get(Invitation, invitation_id)
            assert invitation is not None
            again = conversation_for_invitation(session, invitation)
            assert again.id == first_id
            assert again.questionnaire_id == "who5"
            assert again.patient_id == patient.id
            assert again.status == "active"
            assert invitation.used_at == used_at  # not moved by later visits
    with session_scope(session_factory) as session:
        count = session.scalar(text("SELECT count(*) FROM conversations"))
    assert count == 1


# ------------------------------------------------------------------ answers and alerts


def test_add_answer_supersedes_the_earlier_answer(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _patient, _invitation, conversation = _setup(session)
        response = open_response(session, conversation, "1.0.0")
        assert open_response(session, conversation, "1.0.0").id == response.id
        first = add_answer(session, response, _answer("who5-1", "5"))
        other = add_answer(session, response, _answer("who5-2", "3"))
        response_id, first_id, other_id = response.id, first.id, other.id

    with session_scope(session_factory) as session:
        response = open_response(session, get_conversation(  # type: ignore[arg-type]
            session, conversation.id), "1.0.0")
        second = add_answer(session, response, _answer("who5-1", "1"))
        second_id = second.id

    with session_scope(session_factory) as session:
        old = session.get(Answer, first_id)
        assert old is not None
        _assert_utc(old.superseded_at)
        assert old.superseded_by_id == second_id
        untouched = session.get(Answer, other_id)
        assert untouched is not None and untouched.superseded_at is None
        assert [(a.link_id, a.code) for a in current_answers(session, response_id)] == [
            ("who5-2", "3"), ("who5-1", "1")]
        assert sorted(a.id for a in all_answers(session, response_id)) == sorted(
            [first_id, other_id, second_id])
        # Nothing was deleted, and the history chain is intact.
        assert session.scalar(text("SELECT count(*) FROM answers")) == 3


def test_add_alert_once_per_conversation_and_rule(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _p, _i, conversation = _setup(session)
        _p2, _i2, other = _setup(session)
        first = add_alert(session, conversation, rule_id="who5-low", level="red",
                               urgent=False, message="low")
        assert first is not None
        assert add_alert(session, conversation, rule_id="who5-low", level="red",
                              urgent=False, message="low again") is None
        assert add_alert(session, conversation, rule_id="phq9-item9", level="red",
                              urgent=True, message="item 9") is not None
        assert add_alert(session, other, rule_id="who5-low", level="red", urgent=False,
                              message="other patient") is not None
        cid, other_id = conversation.id, other.id

    with session_scope(session_factory) as session:
        rows = alerts_for(session, cid)
        assert [(a.rule_id, a.urgent, a.message) for a in rows] == [
            ("who5-low", False, "low"), ("phq9-item9", True, "item 9")]
        assert all(a.acknowledged_at is None for a in rows)
        _assert_utc(rows[0].created_at)
        assert len(alerts_for(session, other_id)) == 1


# ------------------------------------------------------------------ transcript


def test_transcript_queries(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _p, _i, conversation = _setup(session)
        _p2, _i2, other = _setup(session)
        cid = conversation.id
        assert last_presented_link_id(session, cid) is None
        assert last_outbound(session, cid) is None
        add_message(session, conversation, direction="out", channel="web", text="q1",
                         link_id="who5-1", buttons=[{"title": "A", "payload": "/a"}],
                         meta={"kind": "question", "progress": [1, 5]})
        add_message(session, conversation, direction="in", channel="web", text="svar",
                         link_id="who5-9", external_id="tg-1")
        assert last_presented_link_id(session, cid) == "who5-1"  # inbound ignored
        add_message(session, conversation, direction="out", channel="web", text="q2",
                         link_id="who5-2")
        add_message(session, conversation, direction="out", channel="web", text="hjælp")
        assert last_presented_link_id(session, cid) == "who5-2"  # text without item
        add_message(session, other, direction="out", channel="web", text="x",
                         link_id="phq9-1")
        add_message(session, other, direction="in", channel="telegram", text="y",
                         external_id="tg-2")

    with session_scope(session_factory) as session:
        lines = transcript(session, cid)
        assert [m.text for m in lines] == ["q1", "svar", "q2", "hjælp"]
        assert lines[0].buttons == [{"title": "A", "payload": "/a"}]
        assert lines[0].meta == {"kind": "question", "progress": [1, 5]}
        assert all(m.created_at.utcoffset() == timedelta(0) for m in lines)
        assert count_messages(session, cid) == 4
        last = last_outbound(session, cid)
        assert last is not None and last.text == "hjælp"
        assert [m.text for m in recent_outbound(session, cid, limit=2)] == ["q2", "hjælp"]
        assert [m.text for m in recent_outbound(session, cid, limit=10)] == [
            "q1", "q2", "hjælp"]
        found = message_with_external_id(session, cid, "tg-1")
        assert found is not None and found.text == "svar"
        assert message_with_external_id(session, cid, "tg-2") is None  # other chat
        assert message_with_external_id(session, cid, "tg-3") is None
        assert last_presented_link_id(session, cid) == "who5-2"
        conversation = get_conversation(session, cid)
        assert conversation is not None
        assert [m.text for m in conversation.messages] == ["q1", "svar", "q2", "hjælp"]
        _assert_utc(conversation.updated_at)
        assert conversation.updated_at >= conversation.started_at

    # A transcript line needs a known conversation.
    with pytest.raises(IntegrityError), session_scope(session_factory) as session:
        session.add(Message(conversation_id="f" * 32, direction="in", channel="web", text="x"))
        session.flush()
    with session_scope(session_factory) as session:
        assert count_messages(session, "f" * 32) == 0


def test_audit_events(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        event = audit(session, actor="cli:nurse", action="export.fhir",
                           patient_id=patient.id, detail="3 resources")
        event_id, patient_id = event.id, patient.id
        audit(session, actor="system", action="startup")
    with session_scope(session_factory) as session:
        stored = session.get(AuditEvent, event_id)
        assert stored is not None
        assert (stored.actor, stored.action, stored.patient_id, stored.detail) == (
            "cli:nurse", "export.fhir", patient_id, "3 resources")
        _assert_utc(stored.created_at)
        assert abs(datetime.now(UTC) - stored.created_at) < timedelta(minutes=1)
        assert session.scalar(text("SELECT count(*) FROM audit_events")) == 2


def test_responses_for_export_filters(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _p, _i, who5 = _setup(session, "who5")
        _p2, _i2, phq9 = _setup(session, "phq9")
        first = open_response(session, who5, "1.0.0")
        second = open_response(session, phq9, "1.0.0")
        first_id, second_id = first.id, second.id
        cutoff = second.started_at
    with session_scope(session_factory) as session:
        assert [r.id for r in responses_for_export(session)] == [first_id, second_id]
        assert [r.id for r in responses_for_export(session, questionnaire_id="phq9")] == [
            second_id]
        assert [r.id for r in responses_for_export(session, since=cutoff)] == [second_id]
        later = cutoff + timedelta(hours=1)
        assert responses_for_export(session, since=later) == []


# ------------------------------------------------------------------ datetimes and schema


def test_datetimes_come_back_aware_utc(session_factory: sessionmaker[Session]) -> None:
    copenhagen_summer = timezone(timedelta(hours=2))
    moment = datetime(2025, 6, 1, 14, 30, 15, 123456, tzinfo=copenhagen_summer)
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        patient.consent_at = moment
        patient_id = patient.id
    with session_scope(session_factory) as session:
        stored = session.get(Patient, patient_id)
        assert stored is not None
        _assert_utc(stored.consent_at)
        _assert_utc(stored.created_at)
        assert stored.consent_at == moment
        assert stored.consent_at.hour == 12  # 14:30 at +02:00 is 12:30 UTC
        assert stored.consent_at.microsecond == 123456

    with pytest.raises(StatementError, match="naive datetime"), \
            session_scope(session_factory) as session:
        patient = create_patient(session)
        patient.consent_at = datetime(2025, 1, 1, 12, 0)  # naive: the point of the test
        session.flush()


def test_migrate_twice_is_a_no_op_and_schema_matches_models(
    db_engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    with session_scope(session_factory) as session:
        _setup(session)
    heads = set(ScriptDirectory.from_config(alembic_config(db_engine)).get_heads())
    before = sorted(inspect(db_engine).get_table_names())
    migrate(db_engine)
    migrate(db_engine)
    inspector = inspect(db_engine)
    assert sorted(inspector.get_table_names()) == before
    assert set(Base.metadata.tables) <= set(before)
    with db_engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
        assert set(versions) == heads  # every head applied, once
        assert connection.execute(text("SELECT count(*) FROM conversations")).scalar() == 1
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata
        )
    assert diff == []
    assert ping(db_engine)
