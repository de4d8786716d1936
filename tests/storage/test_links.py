"""Links that can be withdrawn: only a hash of each token is stored, web links expire after
their last activity, links are revoked, and a hand-off link works once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from alembic import command
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.db import alembic_config, migrate, session_scope
from bot.storage.models import Invitation, utcnow
from bot.storage.patients import (
    LAST_USED_RESOLUTION,
    consume_handoff,
    create_invitation,
    create_patient,
    handoff_invitation,
    invitation_by_token,
    revoke_invitation,
    revoke_patient_links,
    touch,
    web_link_gone,
)

from .conftest import new_conversation


def test_the_database_holds_no_plaintext_token(
    session_factory: sessionmaker[Session], db_engine: Engine
) -> None:
    with session_scope(session_factory) as session:
        issued = create_invitation(session, create_patient(session), "who5")
        token = issued.token
    with db_engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM invitations")).all()
    cells = [str(cell) for row in rows for cell in row]
    assert cells and not any(token in cell for cell in cells)
    assert hashlib.sha256(token.encode()).hexdigest() in cells
    with session_scope(session_factory) as session:
        found = invitation_by_token(session, token)
        assert found is not None and found.id == issued.invitation.id


def test_a_web_link_expires_after_days_without_activity(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        _patient, invitation, _conversation = new_conversation(session)
        now = utcnow()
        invitation.created_at = now - timedelta(days=100)
        invitation.used_at = now - timedelta(days=100)
        invitation.last_used_at = now - timedelta(days=59)
        assert not web_link_gone(invitation, 60, now)
        invitation.last_used_at = now - timedelta(days=60, seconds=1)
        assert web_link_gone(invitation, 60, now)
        touch(invitation, now)  # the gate checks before it touches; touching renews it
        assert not web_link_gone(invitation, 60, now)


def test_a_link_never_used_counts_from_its_creation(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        invitation = create_invitation(session, create_patient(session), "who5").invitation
        now = utcnow()
        assert not web_link_gone(invitation, 60, now + timedelta(days=59))
        assert web_link_gone(invitation, 60, now + timedelta(days=61))


def test_last_use_is_written_at_most_hourly(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        invitation = create_invitation(session, create_patient(session), "who5").invitation
        now = utcnow()
        touch(invitation, now)
        assert invitation.last_used_at == now
        touch(invitation, now + LAST_USED_RESOLUTION - timedelta(seconds=1))
        assert invitation.last_used_at == now  # not a write per request
        later = now + LAST_USED_RESOLUTION
        touch(invitation, later)
        assert invitation.last_used_at == later


def test_revoking_the_patients_links(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        web = create_invitation(session, patient, "who5").invitation
        create_invitation(session, patient, "phq9", channel="telegram", valid_for=timedelta(1))
        other = create_invitation(session, create_patient(session), "who5").invitation
        assert revoke_invitation(session, web, "console")
        assert not revoke_invitation(session, web, "cli")  # once
        assert web.revoked_reason == "console" and web_link_gone(web, 60)
        assert revoke_patient_links(session, patient.id, "withdrawn") == 1  # the Telegram one
        assert revoke_patient_links(session, patient.id, "withdrawn") == 0
        reasons = session.scalars(
            select(Invitation.revoked_reason)
            .where(Invitation.patient_id == patient.id)
            .order_by(Invitation.id)
        ).all()
        assert reasons == ["console", "withdrawn"]
        session.refresh(other)
        assert other.revoked_at is None


def test_a_handoff_link_works_once(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        _patient, _web, conversation = new_conversation(session)
        handoff = handoff_invitation(session, conversation, timedelta(minutes=15))
        fresh = consume_handoff(session, handoff.invitation)
        assert fresh is not None and fresh.invitation.channel == "web"
        assert fresh.token != handoff.token
        assert consume_handoff(session, handoff.invitation) is None
        late = handoff_invitation(session, conversation, timedelta(minutes=15))
        late.invitation.expires_at = utcnow() - timedelta(seconds=1)
        assert consume_handoff(session, late.invitation) is None


def test_the_migration_hashes_existing_tokens_and_drops_them(db_engine: Engine) -> None:
    config = alembic_config(db_engine)
    command.downgrade(config, "0006_drop_patient_locale")
    now = utcnow()
    with db_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO patients (id, pseudonym, created_at, consent, literacy_level, "
            "screening, read_aloud) VALUES (1, 'P-TEST0001', :now, 'given', 'standard', "
            "'done', false)"), {"now": now})  # fmt: skip
        for number, token in enumerate(["old-token-one", "old-token-two"], start=1):
            connection.execute(text(
                "INSERT INTO invitations (id, patient_id, token, questionnaire_id, channel, "
                "created_at) VALUES (:id, 1, :token, 'who5', 'web', :now)"),
                {"id": number, "token": token, "now": now})  # fmt: skip
    migrate(db_engine)
    columns = {column["name"] for column in inspect(db_engine).get_columns("invitations")}
    assert "token" not in columns
    assert {"token_hash", "last_used_at", "revoked_at", "revoked_reason"} <= columns
    with db_engine.connect() as connection:
        hashes = (
            connection.execute(text("SELECT token_hash FROM invitations ORDER BY id"))
            .scalars()
            .all()
        )
    assert hashes == [
        hashlib.sha256(t.encode()).hexdigest() for t in ("old-token-one", "old-token-two")
    ]
    with Session(db_engine) as session:
        found = invitation_by_token(session, "old-token-two")  # the link handed out still works
        assert found is not None and found.id == 2
    command.downgrade(config, "0006_drop_patient_locale")  # and it can be undone
    assert "token" in {c["name"] for c in inspect(db_engine).get_columns("invitations")}
    migrate(db_engine)
