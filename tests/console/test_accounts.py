"""Staff accounts and the log-in rate limit (bot/console/accounts.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console.accounts import create_user
from bot.console.passwords import AccountError
from bot.settings import Settings
from bot.storage.db import session_scope
from tests.console.conftest import PASSWORD, Staff, csrf_token, login


def test_short_passwords_and_bad_roles_are_refused(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        with pytest.raises(AccountError):
            create_user(session, "a@example.org", "short")
        with pytest.raises(AccountError):
            create_user(session, "a@example.org", PASSWORD, role="superuser")
        with pytest.raises(AccountError):
            create_user(session, "not-an-email", PASSWORD)
        user = create_user(session, " A@Example.org ", PASSWORD, teams=["X", "X"])
        assert user.email == "a@example.org"
        assert [team.name for team in user.teams] == ["X"]
        assert user.password_hash != PASSWORD
        with pytest.raises(AccountError):
            create_user(session, "a@example.org", PASSWORD)


def test_login_attempts_are_rate_limited_per_email(
    client: TestClient, staff: Staff, app_settings: Settings
) -> None:
    token = csrf_token(client)
    for _ in range(app_settings.console_login_max_failures):
        answer = client.post(
            "/console/login",
            data={"email": staff.nurse, "password": "wrong password!", "csrf_token": token},
        )
        assert answer.status_code == 401
    blocked = client.post(
        "/console/login", data={"email": staff.nurse, "password": PASSWORD, "csrf_token": token}
    )
    assert blocked.status_code == 429  # even the right password is not checked now
    assert client.get("/console/worklist").status_code == 303
    # Another user from the same address is not blocked.
    login(client, staff.other)


def test_rate_limit_window_passes(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    from datetime import timedelta

    from bot.storage.console_models import LoginAttempt
    from bot.storage.models import utcnow

    with session_scope(session_factory) as session:
        for _ in range(10):
            session.add(
                LoginAttempt(email=staff.nurse, ip="testclient", at=utcnow() - timedelta(hours=2))
            )
    login(client, staff.nurse)  # old failures do not count
    with session_scope(session_factory) as session:
        left = session.scalar(select(func.count()).select_from(LoginAttempt))
    assert left == 0  # cleared by the successful log-in / pruned
