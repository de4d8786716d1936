"""Hostile chat POST bodies: each class gets a clear Danish answer and stores nothing, and
typed text is kept as the patient meant it (through the real app, engine down)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from bot.channels.chat_input import MAX_BODY_BYTES, clean_text, read_capped, too_deep
from bot.storage.db import session_scope
from bot.storage.patients import create_invitation, create_patient
from bot.web import create_app
from tests.channels.test_webchat import api, closed_port, invite, stored
from tests.conftest import make_settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

MAX_CHARS = 300
UNREADABLE = "Din besked kunne ikke læses. Prøv igen."
TOO_LARGE = "Din besked er for lang. Skriv den lidt kortere."
STALE_BUTTON = "Den knap virker ikke mere. Brug de nyeste knapper."
EMPTY = "Din besked er tom. Skriv noget først."


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp_path = tmp_path_factory.mktemp("input")
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'input.db'}",
        BOT_MAX_MESSAGE_CHARS=str(MAX_CHARS),
        RASA_TIMEOUT="3",
    )
    with TestClient(create_app(settings, manage_engine=False)) as test_client:
        yield test_client


def post(client: TestClient, token: str, body: bytes, **headers: str) -> httpx.Response:
    headers.setdefault("content-type", "application/json")
    return client.post(api(token), content=body, headers=headers)


# ------------------------------------------------------------------ refused, nothing stored


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(b"[" * 100_00, UNREADABLE, id="deep-array"),
        pytest.param(b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}", UNREADABLE, id="deep-text"),
        pytest.param(b'{"text": "\xed\xa0\x80"}', UNREADABLE, id="utf8-encoded-surrogate"),
        pytest.param(b'{"text": "\xc3("}', UNREADABLE, id="invalid-utf8"),
        pytest.param(json.dumps({"text": "hej"}).encode("utf-16"), UNREADABLE, id="utf16"),
        pytest.param(b'{"text": {"a": "b"}}', UNREADABLE, id="text-object"),
        pytest.param(b'{"text": true}', UNREADABLE, id="text-bool"),
        pytest.param(b'{"text": "hej", "link_id": 5}', UNREADABLE, id="link-id-number"),
        pytest.param(b'{"text": "hej", "link_id": "../../x"}', UNREADABLE, id="link-id-path"),
        pytest.param(b'{"text": "hej", "link_id": ""}', UNREADABLE, id="link-id-empty"),
        pytest.param(b'{"text": "\\u0000\\u0001\\u001b"}', EMPTY, id="only-control-chars"),
        pytest.param(b'{"payload": "/inform{\\"code\\":\\"\\\\u0000\\"}"}', STALE_BUTTON, id="nul"),
        pytest.param(
            b'{"payload": "/inform{\\"code\\":\\"\\\\ud800\\"}"}', STALE_BUTTON, id="surrogate"
        ),
        pytest.param(
            b'{"payload": "/inform{\\"code\\":\\"<b>\\",\\"link_id\\":\\"who5-1\\"}"}',
            STALE_BUTTON,
            id="markup-code",
        ),
        pytest.param(b'{"payload": "/x{bad"}', STALE_BUTTON, id="malformed-payload"),
    ],
)
def test_hostile_bodies_get_a_danish_400_and_store_nothing(
    client: TestClient, body: bytes, message: str
) -> None:
    token = invite(client)
    response = post(client, token, body)
    assert response.status_code == 400, response.text
    assert response.json() == {"error": message}
    assert stored(client, token) == []


def test_a_non_json_content_type_is_415(client: TestClient) -> None:
    token = invite(client)
    response = post(client, token, b'{"text": "hej"}', **{"content-type": "text/plain"})
    assert response.status_code == 415
    assert response.json() == {"error": UNREADABLE}
    assert stored(client, token) == []


def test_text_over_the_limit_names_the_limit_in_danish(client: TestClient) -> None:
    token = invite(client)
    response = client.post(api(token), json={"text": "æ" * (MAX_CHARS + 1)})
    assert response.status_code == 413
    assert response.json() == {
        "error": f"Din besked er for lang. Du kan skrive op til {MAX_CHARS} tegn."
    }


# ------------------------------------------------------------------ kept as meant


def test_control_characters_and_surrogates_are_cleaned_and_stored(client: TestClient) -> None:
    token = invite(client)
    # json.loads accepts a lone surrogate escape; storing it as it is would fail later.
    body = b'{"text": "Det \\u0000meste\\u0007 af\\r\\ntiden \\ud800 e\\u0301\\u0085"}'
    response = post(client, token, body)
    assert response.status_code == 200, response.text
    patient = [m for m in stored(client, token) if m.direction == "in"]
    assert [m.text for m in patient] == ["Det meste af\ntiden \ufffd \u00e9"]
    history = client.get(api(token)).json()["messages"]
    assert history[0]["text"] == "Det meste af\ntiden \ufffd \u00e9"


def test_unknown_keys_are_ignored_and_link_id_is_accepted(client: TestClient) -> None:
    token = invite(client)
    body = {"text": "hej", "link_id": "who5-1", "client": {"version": 2}}
    assert client.post(api(token), json=body).status_code == 200
    assert [m.text for m in stored(client, token) if m.direction == "in"] == ["hej"]


def test_clean_text_keeps_newlines_tabs_and_letters() -> None:
    assert clean_text("æ\tø\nå") == "æ\tø\nå"
    assert clean_text("a\x00b\x1fc\x7fd\x9fe") == "abcde"
    assert clean_text("\udfff") == "\ufffd"
    assert clean_text("A\u030a") == "\u00c5"  # NFC


def test_depth_is_counted_outside_strings_only() -> None:
    assert not too_deep(b'{"text": "[[[[[[[[[[[[{{{{{{{{"}')
    assert not too_deep(b'{"text": "\\"[[[[[[[[[[[["}')
    assert too_deep(b'{"a": [[[[1]]]]}')


# ------------------------------------------------------------------ the stream is capped


def test_read_capped_stops_reading_at_the_limit() -> None:
    pulled: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for n in range(10_000):
            pulled.append(n)
            yield b"x" * 1024

    assert asyncio.run(read_capped(endless(), MAX_BODY_BYTES)) is None
    assert len(pulled) == MAX_BODY_BYTES // 1024 + 1


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, object]]:
    """The app on a real uvicorn socket (chunked bodies and huge headers need real HTTP)."""
    tmp: Path = tmp_path_factory.mktemp("input-http")
    settings = make_settings(
        tmp / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp / 'http.db'}",
        RASA_TIMEOUT="2",
    )
    app = create_app(settings, manage_engine=False)
    uv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="critical")
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    with session_scope(app.state.session_factory) as session:
        token = create_invitation(session, create_patient(session), "who5", channel="web").token
    try:
        yield f"http://127.0.0.1:{uv.config.port}", token, app
    finally:
        uv.should_exit = True
        thread.join(timeout=10)


def test_a_chunked_body_over_the_limit_is_413_over_real_http(
    server: tuple[str, str, object],
) -> None:
    base_url, token, _app = server
    sent: list[int] = []

    def body() -> Iterator[bytes]:
        yield b'{"text": "'
        for n in range(1_000):  # 1 MB if it were all read
            sent.append(n)
            yield b"x" * 1024

    with httpx.Client(base_url=base_url) as http:
        try:
            response = http.post(
                api(token), content=body(), headers={"content-type": "application/json"}
            )
        except httpx.RemoteProtocolError:
            pytest.fail("the server hung up instead of answering 413")
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json() == {"error": TOO_LARGE}


def test_huge_and_many_headers_get_no_500_over_real_http(server: tuple[str, str, object]) -> None:
    """uvicorn's httptools parser (the one it picks when installed) sets no header size limit,
    so the app itself sees these; the reverse proxy is what caps headers in production."""
    base_url, token, _app = server
    with httpx.Client(base_url=base_url) as http:
        for headers in (
            {f"X-H-{i}": "v" for i in range(2_000)},
            {"X-Huge": "h" * 1_000_000},
            {"Cookie": "x=" + "c" * 100_000, "Accept-Language": "da;q=" + "9" * 10_000},
        ):
            try:
                answer = http.get(api(token), headers=headers)
            except httpx.RemoteProtocolError:
                continue  # refused before the app saw it
            assert answer.status_code < 500
            assert answer.headers["content-type"] == "application/json"


@pytest.mark.postgres
def test_nul_in_text_is_dropped_on_postgresql(tmp_path: Path) -> None:
    """PostgreSQL refuses NUL in text columns: kept, it would be a 500 there."""
    from tests.conftest import _postgres_database

    for url in _postgres_database():
        settings = make_settings(
            tmp_path / "var",
            RASA_URL=f"http://127.0.0.1:{closed_port()}",
            RASA_MANAGE="false",
            DATABASE_URL=url,
            RASA_TIMEOUT="2",
        )
        with TestClient(create_app(settings, manage_engine=False)) as pg:
            token = invite(pg)
            response = post(pg, token, b'{"text": "hel\\u0000e tiden"}')
            assert response.status_code == 200, response.text
            assert [m.text for m in stored(pg, token) if m.direction == "in"] == ["hele tiden"]
