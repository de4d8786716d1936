"""Patients and their invitations: pseudonyms, tokens, no personal data."""

from __future__ import annotations

import re
import string
from datetime import timedelta

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.db import session_scope
from bot.storage.models import Patient
from bot.storage.patients import (
    create_invitation,
    create_patient,
    invitation_by_token,
    new_token,
    patient_by_pseudonym,
)

from .conftest import assert_utc

PSEUDONYM = re.compile(r"^P-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{8}$")
PATIENT_TABLES = (
    "patients",
    "invitations",
    "conversations",
    "messages",
    "responses",
    "answers",
    "alerts",
)
PII_HINTS = ("name", "cpr", "email", "phone", "address", "birth", "ssn", "mobile")


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
        assert (found.consent, found.literacy_level) == ("pending", "standard")

    # The real table (as migrated), not just the model.
    columns = {c["name"] for c in inspect(db_engine).get_columns("patients")}
    assert {"id", "pseudonym", "label", "consent", "literacy_level"} <= columns
    # Tables about patients (staff accounts of the console may have an e-mail address).
    for table in PATIENT_TABLES:
        for column in inspect(db_engine).get_columns(table):
            assert not any(hint in column["name"].lower() for hint in PII_HINTS), (
                table,
                column["name"],
            )

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
        issued = create_invitation(session, patient, "who5", valid_for=timedelta(days=7))
        token = issued.token
        assert issued.invitation.channel == "web"
    assert len(token) >= 32
    with session_scope(session_factory) as session:
        found = invitation_by_token(session, token)
        assert found is not None
        assert found.questionnaire_id == "who5"
        assert found.used_at is None
        assert_utc(found.expires_at)
        assert found.expires_at - found.created_at == pytest.approx(  # type: ignore[operator]
            timedelta(days=7), abs=timedelta(seconds=5)
        )
        assert invitation_by_token(session, token[:-1]) is None
        assert invitation_by_token(session, token.upper()) is None or token == token.upper()
