"""The published OpenAPI description matches the app: its paths are routes, and each status
code it documents is one the app returns for a request made to get it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from starlette.routing import Match

from bot.storage.db import session_scope
from bot.storage.patients import invitation_by_token, revoke_invitation
from tests.channels.test_chat_input import client as client  # the module's app
from tests.channels.test_webchat import invite

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

# Documented codes that need a set-up of their own, and the test that checks them there.
ELSEWHERE = {
    ("/api/chat/{token}/audio/{message_id}", "get", "200"): "tests/channels/test_webchat_audio.py",
    ("/api/chat/{token}/audio/{message_id}", "get", "503"): "tests/channels/test_webchat_audio.py",
}


@pytest.fixture
def links(client: TestClient) -> Iterator[dict[str, str]]:
    live, gone = invite(client), invite(client)
    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        invitation = invitation_by_token(session, gone)
        assert invitation is not None
        revoke_invitation(session, invitation, "test")
    yield {"live": live, "gone": gone, "unknown": "no-such-link-at-all-0000000000000"}


def _status(client: TestClient, links: dict[str, str], path: str, method: str, code: str) -> int:
    """Make the request that should get `code` and return what the app answered."""
    token = {"404": links["unknown"], "410": links["gone"]}.get(code, links["live"])
    url = path.replace("{token}", token).replace("{message_id}", "1")
    headers = {"x-large": "a" * 20_000} if code == "431" else {}
    if method == "get":
        return client.get(url, headers=headers).status_code
    body: dict[str, object] = {
        "200": {"text": "hej"},
        "404": {"text": "hej"},
        "410": {"text": "hej"},
        "400": {"text": 5},
        "413": {"text": "x" * 20_000},
    }.get(code, {"text": "hej"})
    if code == "415":
        headers = {"content-type": "text/plain"}
    return client.post(url, json=body, headers=headers).status_code


def test_the_spec_is_served_and_is_openapi_3_1(client: TestClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"] == "3.1.0"
    assert set(spec["paths"]) == {
        "/chat/{token}",
        "/api/chat/{token}/messages",
        "/api/chat/{token}/audio/{message_id}",
    }
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]


def test_every_documented_path_and_method_is_a_route(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    for path, operations in spec["paths"].items():
        concrete = path.replace("{token}", "abc").replace("{message_id}", "7")
        for method in operations:
            scope = {"type": "http", "path": concrete, "method": method.upper()}
            matches = [route.matches(scope)[0] for route in client.app.routes]  # type: ignore[attr-defined]
            assert Match.FULL in matches, f"{method.upper()} {path} is not a route"


def test_every_documented_status_code_is_returned(
    client: TestClient,
    links: dict[str, str],
) -> None:
    spec = client.get("/api/openapi.json").json()
    checked = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code in operation["responses"]:
                if (path, method, code) in ELSEWHERE:
                    continue
                answered = _status(client, links, path, method, code)
                assert answered == int(code), f"{method.upper()} {path}: {answered} != {code}"
                checked += 1
    assert checked >= 13
