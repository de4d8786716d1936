"""Passwords, log-in, rate limiting, CSRF, session cookie flags and the idle timeout."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console.accounts import create_user
from bot.console.passwords import AccountError, hash_password, verify_password
from bot.console.session import COOKIE_NAME, SessionCodec, SessionData
from bot.settings import Settings
from bot.storage.console_models import ConsoleUser
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent
from bot.web import create_app
from tests.conftest import make_settings
from tests.console.conftest import PASSWORD, Staff, csrf_token, login


def set_cookie_header(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{COOKIE_NAME}=")]
    assert found, headers
    return found[-1]


# ------------------------------------------------------------------ passwords


def test_passwords_are_argon2_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    from bot.console import passwords

    monkeypatch.setattr(passwords, "_hasher", PasswordHasher())  # the production parameters
    hashed = hash_password("a long enough password")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "a long enough password" not in hashed
    assert verify_password(hashed, "a long enough password")
    assert not verify_password(hashed, "a long enough passworD")
    assert not verify_password("not a hash", "anything")


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


# ------------------------------------------------------------------ log-in


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


def test_login_attempts_are_rate_limited_per_email_and_ip(
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


# ------------------------------------------------------------------ CSRF


def test_forms_without_a_valid_csrf_token_are_refused(client: TestClient, staff: Staff) -> None:
    client.get("/console/login")
    for token in (None, "", "forged"):
        data = {"email": staff.nurse, "password": PASSWORD}
        if token is not None:
            data["csrf_token"] = token
        answer = client.post("/console/login", data=data)
        assert answer.status_code == 403
    login(client, staff.nurse)
    answer = client.post("/console/logout", data={})
    assert answer.status_code == 403
    assert client.get("/console/worklist").status_code == 200  # still logged in


def test_csrf_token_of_another_session_is_refused(
    app_settings: Settings, client: TestClient, staff: Staff
) -> None:
    login(client, staff.nurse)
    with TestClient(create_app(app_settings, manage_engine=False)) as other:
        foreign = csrf_token(other)
    answer = client.post("/console/logout", data={"csrf_token": foreign})
    assert answer.status_code == 403


def test_cross_origin_posts_are_refused(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    token = csrf_token(client, "/console/worklist")
    answer = client.post(
        "/console/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403


def test_every_console_form_carries_a_csrf_token(client: TestClient, staff: Staff) -> None:
    login(client, staff.admin)
    for path in ("/console/worklist", "/console/invite", "/console/export", "/console/account",
                 "/console/admin/users", "/console/admin/teams"):  # fmt: skip
        page = client.get(path).text
        forms = page.count('method="post"')
        assert forms >= 1
        assert page.count('name="csrf_token"') == forms, path


# ------------------------------------------------------------------ cookie and session


def test_session_cookie_flags_on_http(client: TestClient) -> None:
    header = set_cookie_header(client.get("/console/login")).lower()
    assert "httponly" in header
    assert "samesite=strict" in header
    assert "path=/console" in header
    assert "secure" not in header  # plain http: a Secure cookie would never come back


def test_session_cookie_is_secure_behind_https(tmp_path: object, database_url: str) -> None:
    settings = make_settings(
        tmp_path / "var",  # type: ignore[operator]
        DATABASE_URL=database_url,
        BOT_PUBLIC_URL="https://pro.example.org",
        BOT_SECRET_KEY="k",
    )
    assert settings.console_cookie_secure
    with TestClient(create_app(settings, manage_engine=False), base_url="https://testserver") as c:
        header = set_cookie_header(c.get("/console/login")).lower()
    assert "secure" in header and "httponly" in header and "samesite=strict" in header


def test_login_gives_a_new_session_nonce(client: TestClient, staff: Staff) -> None:
    before = csrf_token(client)
    login(client, staff.nurse)
    after = csrf_token(client, "/console/worklist")
    assert before != after  # no session fixation: the old token is void


def test_idle_timeout_logs_out(
    client: TestClient,
    staff: Staff,
    app_settings: Settings,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login(client, staff.nurse)
    with session_scope(session_factory) as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == staff.nurse))
        assert user is not None
        data = SessionData(user_id=user.id, epoch=user.session_epoch, login_at=time.time())
    codec = SessionCodec(app_settings)
    fresh = codec.dump(data)
    idle = app_settings.console_idle_minutes * 60
    with monkeypatch.context() as patch:  # a cookie last renewed just over the limit ago
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - idle - 5)
        stale = codec.dump(data)

    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, fresh, path="/console")
    assert client.get("/console/worklist").status_code == 200
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, stale, path="/console")
    answer = client.get("/console/worklist")
    assert answer.status_code == 303
    assert "expired=1" in answer.headers["location"]
    page = client.get(answer.headers["location"])
    assert "inaktiv" in page.text


def test_cookie_max_age_is_the_idle_timeout(client: TestClient, app_settings: Settings) -> None:
    cookie = SimpleCookie()
    cookie.load(set_cookie_header(client.get("/console/login")))
    assert int(cookie[COOKIE_NAME]["max-age"]) == app_settings.console_idle_minutes * 60


def test_absolute_session_lifetime(app_settings: Settings) -> None:
    codec = SessionCodec(app_settings)
    old = SessionData(user_id=1, epoch=0, login_at=time.time() - 13 * 3600)
    loaded = codec.load(codec.dump(old))
    assert loaded.user_id is None and loaded.expired


def test_logout_voids_the_old_cookie(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    stolen = client.cookies.get(COOKIE_NAME)
    token = csrf_token(client, "/console/worklist")
    assert client.post("/console/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/console/worklist").status_code == 303
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, stolen, path="/console")
    assert client.get("/console/worklist").status_code == 303


def test_tampered_cookie_is_ignored(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    value = client.cookies.get(COOKIE_NAME)
    assert value
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
                       path="/console")  # fmt: skip
    assert client.get("/console/worklist").status_code == 303


def test_deactivated_user_is_logged_out(
    client: TestClient, staff: Staff, session_factory: sessionmaker[Session]
) -> None:
    login(client, staff.nurse)
    with session_scope(session_factory) as session:
        user = session.scalar(select(ConsoleUser).where(ConsoleUser.email == staff.nurse))
        assert user is not None
        user.active = False
    assert client.get("/console/worklist").status_code == 303


def test_security_headers_and_no_caching(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    answer = client.get("/console/worklist")
    csp = answer.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-frame-options"] == "DENY"
    assert "<script" not in answer.text and "style=" not in answer.text
