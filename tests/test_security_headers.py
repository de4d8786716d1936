"""The app's security headers: patient responses are never cached; HSTS, a Permissions-Policy
and a Secure console cookie whenever the public URL is https."""

from __future__ import annotations

import contextlib
import socket
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.cli import create_web_invite
from bot.settings import Settings
from bot.web import create_app
from tests.conftest import make_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "Using httpx with starlette.testclient is deprecated"
    from starlette.testclient import TestClient

HTTP = "http://127.0.0.1:8000"
HTTPS = "https://pro-chat.example.org"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings(tmp_path: Path, public_url: str, **env: str) -> Settings:
    return make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{_closed_port()}",  # the engine is down: an apology
        RASA_MANAGE="false",
        RASA_TIMEOUT="2",
        DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}",
        BOT_PUBLIC_URL=public_url,
        BOT_SECRET_KEY="test-secret",
        **env,
    )


@contextlib.contextmanager
def _app(tmp_path: Path, public_url: str) -> Iterator[tuple[TestClient, str]]:
    settings = _settings(tmp_path, public_url)
    token = create_web_invite(settings, "who5").rsplit("/", 1)[1]
    with TestClient(create_app(settings, manage_engine=False)) as client:
        yield client, token


@pytest.fixture(params=[HTTP, HTTPS])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    with _app(tmp_path, request.param) as client_and_token:
        yield client_and_token


def _patient_requests(client: TestClient, token: str) -> dict[str, httpx.Response]:
    return {
        "page": client.get(f"/chat/{token}"),
        "unknown page": client.get("/chat/no-such-link-0000000000000000"),
        "post": client.post(f"/api/chat/{token}/messages", json={"payload": "/start"}),
        "transcript": client.get(f"/api/chat/{token}/messages"),
        "bad body": client.post(f"/api/chat/{token}/messages", content=b"{"),
        "unknown api": client.get("/api/chat/no-such-link-0000000000000000/messages"),
        "audio": client.get(f"/api/chat/{token}/audio/1"),
    }


def test_no_patient_response_may_be_cached(app: tuple[TestClient, str]) -> None:
    client, token = app
    for name, response in _patient_requests(client, token).items():
        assert response.headers.get("cache-control") == "no-store", name
    # The page's own script and style are the same for everyone and may be cached.
    assert client.get("/static/chat.js").headers.get("cache-control") != "no-store"


def test_hsts_and_permissions_policy_only_over_https(tmp_path: Path) -> None:
    for public_url in (HTTPS, HTTP):
        with _app(tmp_path / public_url.split(":")[0], public_url) as (client, token):
            responses = [*_patient_requests(client, token).values(), client.get("/healthz"),
                         client.get("/console/login"), client.get("/no-such-path")]  # fmt: skip
        for response in responses:
            headers = response.headers
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            if public_url == HTTPS:
                assert headers["strict-transport-security"] == "max-age=31536000"
                policy = headers["permissions-policy"]
                assert "camera=()" in policy and "geolocation=()" in policy
                assert "microphone=()" in policy  # the page never records (no getUserMedia)
            else:  # browsers ignore HSTS over http; on 127.0.0.1 it would only confuse
                assert "strict-transport-security" not in headers
                assert "permissions-policy" not in headers


def _console_cookie(client: TestClient) -> str:
    cookies = client.get("/console/login").headers.get_list("set-cookie")
    (cookie,) = [c for c in cookies if c.startswith("console_session=")]
    return cookie.lower()


def test_the_console_cookie_is_secure_exactly_when_the_public_url_is_https(
    tmp_path: Path,
) -> None:
    # BOT_COOKIE_SECURE cannot turn Secure off behind https: the cookie opens patients' data.
    settings = _settings(tmp_path / "s", HTTPS, BOT_COOKIE_SECURE="false")
    with TestClient(create_app(settings, manage_engine=False), base_url="https://t") as client:
        assert "; secure" in _console_cookie(client)
    # On plain http a Secure cookie would never come back, so the console could not be used.
    settings = _settings(tmp_path / "p", HTTP)
    with TestClient(create_app(settings, manage_engine=False)) as client:
        assert "secure" not in _console_cookie(client)
