"""Fixtures for the console: the real app (Starlette TestClient, no engine) on the same
SQLite/PostgreSQL database as the conversation service, staff users, and patients who
completed questionnaires through the service."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console.accounts import create_user
from bot.dialogue.service import Dialogue
from bot.settings import Settings
from bot.storage.console_models import PatientProfile, Team
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent, Conversation
from bot.web import create_app
from tests.helpers import answer_all, new_conversation, store_replies

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with its production cost takes ~0.2 s a hash here; tests use a cheap one
    (test_auth checks the production hasher on its own)."""
    from argon2 import PasswordHasher

    from bot.console import passwords

    monkeypatch.setattr(
        passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def app_settings(settings: Settings, database_url: str) -> Settings:
    return settings.with_overrides(database_url=database_url, secret_key="test-secret-key")


@pytest.fixture
def client(app_settings: Settings) -> Iterator[TestClient]:
    app = create_app(app_settings, manage_engine=False)
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_token(client: TestClient, path: str = "/console/login") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    match = CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    answer = client.post(
        "/console/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/worklist"


def post(client: TestClient, path: str, data: dict[str, str], *, page: str | None = None) -> object:
    """A form POST with the CSRF token of ``page`` (default: the worklist)."""
    token = csrf_token(client, page or "/console/worklist")
    return client.post(path, data={**data, "csrf_token": token})


@dataclass
class Staff:
    admin: str = "admin@example.org"
    nurse: str = "nurse@example.org"  # coordinator of team A
    other: str = "other@example.org"  # coordinator of team B
    team_a: int = 0
    team_b: int = 0
    nurse_id: int = 0


@pytest.fixture
def staff(session_factory: sessionmaker[Session]) -> Staff:
    result = Staff()
    with session_scope(session_factory) as session:
        create_user(session, result.admin, PASSWORD, role="admin")
        nurse = create_user(session, result.nurse, PASSWORD, teams=["Team A"])
        create_user(session, result.other, PASSWORD, teams=["Team B"])
        session.flush()
        teams = {team.name: team.id for team in session.query(Team)}
        result.team_a, result.team_b, result.nurse_id = teams["Team A"], teams["Team B"], nurse.id
    return result


def assign(
    session_factory: sessionmaker[Session],
    conversation_id: str,
    team_id: int | None,
    *,
    responsible_id: int | None = None,
    **facts: str,
) -> tuple[int, str]:
    """Put the conversation's patient into a team; returns (patient id, pseudonym)."""
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation is not None
        patient = conversation.patient
        session.add(
            PatientProfile(
                patient_id=patient.id,
                team_id=team_id,
                responsible_user_id=responsible_id,
                **facts,
            )
        )
        return patient.id, patient.pseudonym


def complete_who5(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    codes: Sequence[str],
    *,
    literacy_level: str | None = None,
) -> str:
    """A patient answers all five WHO-5 items by button and completes; the conversation id."""
    cid = new_conversation(session_factory, "who5", literacy_level=literacy_level)
    answer_all(service, session_factory, cid, codes)
    store_replies(session_factory, cid, service.complete(cid).replies)
    return cid


def events(session_factory: sessionmaker[Session], patient_id: int) -> list[tuple[str, str]]:
    with session_scope(session_factory) as session:
        return [
            (e.actor, e.action)
            for e in session.scalars(
                select(AuditEvent)
                .where(AuditEvent.patient_id == patient_id)
                .order_by(AuditEvent.id)
            )
        ]
