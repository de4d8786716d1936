"""The session cookie: its flags, a new nonce at log-in, the idle and absolute timeouts,
tampering (bot/console/session.py)."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.testclient import TestClient

from bot.console.session import COOKIE_NAME, SessionCodec, SessionData
from bot.settings import Settings
from bot.storage.console_models import ConsoleUser
from bot.storage.db import session_scope
from bot.web import create_app
from tests.conftest import make_settings
from tests.console.conftest import Staff, csrf_token, login


def set_cookie_header(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(f"{COOKIE_NAME}=")]
    assert found, headers
    return found[-1]


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


def test_cookie_max_age_is_the_idle_timeout(client: TestClient, app_settings: Settings) -> None:
    cookie = SimpleCookie()
    cookie.load(set_cookie_header(client.get("/console/login")))
    assert int(cookie[COOKIE_NAME]["max-age"]) == app_settings.console_idle_minutes * 60


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


def test_absolute_session_lifetime(app_settings: Settings) -> None:
    codec = SessionCodec(app_settings)
    old = SessionData(user_id=1, epoch=0, login_at=time.time() - 13 * 3600)
    loaded = codec.load(codec.dump(old))
    assert loaded.user_id is None and loaded.expired


def test_tampered_cookie_is_ignored(client: TestClient, staff: Staff) -> None:
    login(client, staff.nurse)
    value = client.cookies.get(COOKIE_NAME)
    assert value
    client.cookies.clear()
    client.cookies.set(COOKIE_NAME, value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
                       path="/console")  # fmt: skip
    assert client.get("/console/worklist").status_code == 303


def test_a_cookie_keeps_the_session(app_settings: Settings) -> None:
    codec = SessionCodec(app_settings)
    data = SessionData(user_id=3, epoch=2, lang="en", login_at=time.time())
    assert codec.load(codec.dump(data)) == data
    assert codec.load(None) != data and codec.load(None).user_id is None
    assert codec.load("not a cookie").user_id is None


def test_csrf_tokens_belong_to_one_session(app_settings: Settings) -> None:
    codec = SessionCodec(app_settings)
    mine, other = SessionData(), SessionData()
    assert codec.csrf_ok(mine, codec.csrf_token(mine))
    assert not codec.csrf_ok(mine, codec.csrf_token(other))
    assert not codec.csrf_ok(mine, None) and not codec.csrf_ok(mine, 12)
    # Log-in and log-out give a new nonce, so a token from before is void.
    assert not codec.csrf_ok(mine.logged_out(), codec.csrf_token(mine))


def test_set_cookie_header(app_settings: Settings) -> None:
    codec = SessionCodec(app_settings)
    cookie = SimpleCookie()
    cookie.load(codec.set_cookie_header(SessionData(lang="en")))
    morsel = cookie[COOKIE_NAME]
    assert codec.load(morsel.value).lang == "en"
    assert morsel["path"] == "/console" and morsel["samesite"].lower() == "strict"
    assert morsel["httponly"] and not morsel["secure"]
    secure = SessionCodec(app_settings.with_overrides(console_cookie_secure=True))
    assert "Secure" in secure.set_cookie_header(SessionData())
