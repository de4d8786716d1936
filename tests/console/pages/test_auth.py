"""Log-in and log-out (bot/console/pages/auth.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console.session import COOKIE_NAME
from bot.storage.console_models import ConsoleUser
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent
from tests.console.conftest import PASSWORD, Staff, csrf_token, login


def test_login_form_has_the_named_fields(client: TestClient) -> None:
    page = client.get("/console/login")
    assert page.status_code == 200
    assert 'name="email"' in page.text and 'name="password"' in page.text
    assert 'for="email"' in page.text and 'for="password"' in page.text


def test_login_ok_and_wrong_password(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    token = csrf_token(client)
    wrong = client.post(
        "/console/login",
        data={"email": staff.nurse, "password": "wrong password!", "csrf_token": token},
    )
    assert wrong.status_code == 401
    assert "forkert" in wrong.text  # Danish by default
    assert client.get("/console/worklist").status_code == 303  # still logged out

    unknown = client.post(
        "/console/login",
        data={"email": "nobody@example.org", "password": PASSWORD, "csrf_token": token},
    )
    assert unknown.status_code == 401

    login(client, staff.nurse)
    assert client.get("/console/worklist").status_code == 200
    with session_scope(session_factory) as session:
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == staff.nurse))
        assert user is not None and user.last_login_at is not None
    assert actions.count("login.failed") == 2
    assert "login" in actions


def test_login_redirects_to_the_page_asked_for(client: TestClient, staff: Staff) -> None:
    first = client.get("/console/population")
    assert first.status_code == 303
    assert first.headers["location"] == "/console/login?next=%2Fconsole%2Fpopulation"
    token = csrf_token(client)
    answer = client.post(
        "/console/login",
        data={"email": staff.nurse, "password": PASSWORD, "csrf_token": token,
              "next": "/console/population"},
    )  # fmt: skip
    assert answer.headers["location"] == "/console/population"
    # Never off-site.
    token = csrf_token(client, "/console/worklist")
    evil = client.post(
        "/console/login",
        data={"email": staff.nurse, "password": PASSWORD, "csrf_token": token,
              "next": "//evil.example.org/"},
    )  # fmt: skip
    assert evil.headers["location"] == "/console/worklist"


def test_logout_voids_the_old_cookie(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    stolen = client.cookies.get(COOKIE_NAME)
    token = csrf_token(client, "/console/worklist")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/console/worklist").status_code == 303
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, stolen, path="/console")
    assert client.get("/console/worklist").status_code == 303
