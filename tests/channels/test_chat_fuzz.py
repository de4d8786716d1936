"""Property-based HTTP fuzzing of the real app over real HTTP (uvicorn on a loopback port).

Two patients: one link is fuzzed, the other's rows must not change. The engine is down (a
closed port): a request that passes validation is stored and answered with the apology,
which is the app's real behaviour. Asserted for every one of >= 10,000 requests: no 5xx; no
patient markup unescaped in an HTML response; afterwards, the other patient's transcript,
answers, alerts and links are as before.
"""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.channels.openapi import SPEC
from bot.storage import models
from bot.storage.db import session_scope
from bot.storage.patients import create_invitation, create_patient
from bot.web import create_app
from tests.conftest import make_settings

pytestmark = pytest.mark.fuzz

REQUESTS_PER_EXAMPLE = 12
EXAMPLES = 900  # 900 x 12 = 10,800 requests
MIN_REQUESTS = 10_000
MARKUP = (
    "<script>alert(7331)</script>",
    "<img src=x onerror=alert(7331)>",
    '"><svg onload=alert(7331)>',
)
RAW_MARKERS = ("<script>alert(7331)", "<img src=x onerror", "<svg onload")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Target:
    base_url: str
    app: Any
    token: str  # the fuzzed link
    other_patient: int
    sent: list[int] = field(default_factory=lambda: [0])


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    app_settings = make_settings(
        tmp / "var",
        RASA_URL=f"http://127.0.0.1:{_free_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp / 'fuzz.db'}",
        RASA_TIMEOUT="2",
        BOT_LOG_LEVEL="WARNING",
    )
    app = create_app(app_settings, manage_engine=False)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    base_url = f"http://127.0.0.1:{port}"
    with session_scope(app.state.session_factory) as session:
        fuzzed = create_patient(session)
        token = create_invitation(session, fuzzed, "who5", channel="web").token
        other = create_patient(session)
        other_token = create_invitation(session, other, "who5", channel="web").token
        other_id = other.id
    # The other patient has a history of their own (with markup in it) before the fuzzing.
    with httpx.Client(base_url=base_url) as client:
        for body in ({"payload": "/start"}, {"text": MARKUP[0]}, {"text": "Det meste af tiden"}):
            assert client.post(f"/api/chat/{other_token}/messages", json=body).status_code == 200
    try:
        yield Target(base_url, app, token, other_id)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _snapshot(app: Any, patient_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every row that belongs to the patient, table by table."""
    tables = models.Base.metadata.sorted_tables
    with session_scope(app.state.session_factory) as session:
        conversations = set(
            session.scalars(
                select(models.Conversation.id).where(models.Conversation.patient_id == patient_id)
            )
        )
        responses = set(
            session.scalars(
                select(models.Response.id).where(models.Response.patient_id == patient_id)
            )
        )
        snapshot: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            columns = table.c
            if table.name == "patients":
                where = columns.id == patient_id
            elif "patient_id" in columns:
                where = columns.patient_id == patient_id
            elif "conversation_id" in columns:
                where = columns.conversation_id.in_(conversations)
            elif "response_id" in columns:
                where = columns.response_id.in_(responses)
            else:
                continue
            rows = session.execute(select(table).where(where).order_by(*table.primary_key))
            snapshot[table.name] = [tuple(row) for row in rows]
    return snapshot


# ------------------------------------------------------------------ strategies

nasty_chars = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9f",
        "\ud800",
        "\udfff",
        "\u202e",
        "\ufeff",
        "\r\n",
        "\t",
        "\n",
        "æøå",
        "e\u0301",
        "😀",
        "\uffff",
        "\U0010ffff",
        "%",
        "/",
        "\\",
    ]
)
hostile_text = st.one_of(
    st.sampled_from(MARKUP),
    st.text(max_size=40),
    st.lists(st.one_of(nasty_chars, st.sampled_from(MARKUP), st.text(max_size=5)), max_size=12).map(
        "".join
    ),
    st.integers(1990, 2100).map(lambda n: "x" * n),
)
payloads = st.one_of(
    st.sampled_from(
        [
            "/start",
            "/affirm",
            "/restart",
            '/inform{"code":"3","link_id":"who5-1"}',
            '/inform{"code":"3","link_id":"phq9-9"}',
            '/inform{"code":"3","link_id":"no-such-item"}',
            '/correct{"link_id":"phq9-1"}',
            '/inform{"code":"\\u0000"}',
            '/inform{"code":"\\ud800"}',
            '/inform{"code":["3"]}',
            '/inform{"code":3}',
            "/inform{",
            "/" + "a" * 41,
        ]
    ),
    hostile_text,
)
json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.just(1.5e300), hostile_text)
json_value = st.one_of(
    json_scalar,
    st.lists(json_scalar, max_size=2),
    st.dictionaries(st.sampled_from(["text", "a", ""]), json_scalar, max_size=2),
)
link_ids = st.sampled_from(["who5-1", "phq9-9", "../x", "", "a" * 65, "<b>", "æ", "a\x00"])
body_keys = st.sampled_from(["text", "text", "payload", "payload", "link_id", "extra"])


def _object(entries: list[tuple[str, Any]]) -> bytes:
    return json.dumps(dict(entries)).encode()


# An object body: each key gets a value of the kind it expects, or of any kind.
object_bodies = st.lists(
    st.tuples(body_keys, st.integers(0, 3)).flatmap(
        lambda pair: st.tuples(
            st.just(pair[0]),
            json_value
            if pair[1] == 0
            else {"text": hostile_text, "payload": payloads, "link_id": link_ids}.get(
                pair[0], json_value
            ),
        )
    ),
    max_size=3,
).map(_object)
deep_json = st.tuples(st.sampled_from(["[", '{"a":', '{"text":[']), st.integers(5, 6000)).map(
    lambda pair: (pair[0] * pair[1]).encode()
)
bodies = st.one_of(
    object_bodies,
    object_bodies,
    st.binary(max_size=200),
    st.sampled_from([b"\xff\xfe", b'{"text": "\xed\xa0\x80"}', b'{"text": "\xc3"}']),
    deep_json,
    json_value.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda t: json.dumps({"text": t}).encode("utf-16"), hostile_text),
    st.just(b""),
)
TOKEN_FORMS = [
    "{token}",
    "{token}",
    "{token}",
    "unknown-token-that-looks-fine-000",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2f..%2f",
    "%00",
    "%ED%A0%80",
    "%FF%FE",
    "%3Cscript%3Ealert(7331)%3C%2Fscript%3E",
    "A" * 5000,
    "{token}%00",
    "{token}%20",
    "æøå",
    "{token}/..",
]
MESSAGE_IDS = ("1", "0", "-1", "2147483648", "9" * 40, "abc", "1.5", "%00")
PATH_FORMS = [
    "/api/chat/{t}/messages",
    "/api/chat/{t}/messages",
    "/api/chat/{t}/messages",
    "/chat/{t}",
    "/chat/{t}",
    "/api/chat/{t}/audio/{m}",
    "/api/openapi.json",
    "/healthz",
    "/static/%2e%2e/%2e%2e/web.py",
    "/static/chat.js",
    "/console",
    "/console/login",
    "/api/chat/{t}",
    "/api/chat/{t}/messages/{m}",
    "//api//chat//{t}//messages",
    "/api/chat/{t}/messages?text=%3Cscript%3E",
    "/chat/{t}?x=" + "y" * 3000,
]
METHODS = [
    "POST",
    "POST",
    "POST",
    "GET",
    "GET",
    "PUT",
    "DELETE",
    "PATCH",
    "HEAD",
    "OPTIONS",
    "TRACE",
]
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=utf-16",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "application/vnd.api+json",
    "\x7f\x80garbage",
]
extra_headers = st.one_of(
    st.just({}),
    st.just({}),
    st.dictionaries(
        st.from_regex(r"X-[A-Za-z]{1,10}", fullmatch=True),
        st.from_regex(r"[!-~]([ -~]{0,58}[!-~])?", fullmatch=True),
        max_size=5,
    ),
    st.sampled_from([{f"X-Many-{i}": "v" for i in range(n)} for n in (60, 150, 400)]),
    st.sampled_from([{"X-Huge": "h" * n} for n in (4_000, 15_000, 70_000)]),
    st.sampled_from(
        [
            {"Accept-Language": "da;q=" + "9" * 500},
            {"Cookie": "session=" + "x" * 5000},
            {"Content-Encoding": "gzip"},
            {"X-Forwarded-For": "<script>alert(7331)</script>"},
        ]
    ),
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes
    content_type: str | None
    headers: dict[str, str]
    chunked: bool
    over_limit: bool


def _path(form: str, token_form: str, message_id: str, token: str) -> str:
    return form.replace("{t}", token_form.replace("{token}", token)).replace("{m}", message_id)


# Hypothesis draws the costly parts (bodies, headers) for each example; a seeded Random it
# also draws combines them with methods, paths and content types into a dozen requests, so
# 10,000 requests fit in about a minute (hypothesis needs ~4 ms to draw one full request).
examples = st.tuples(st.lists(bodies, min_size=3, max_size=3), extra_headers, st.randoms())


def _calls(drawn: tuple[list[bytes], dict[str, str], random.Random], token: str) -> list[Call]:
    drawn_bodies, headers, rnd = drawn
    calls = []
    for i in range(REQUESTS_PER_EXAMPLE):
        chunked = rnd.random() < 0.2
        path = _path(
            rnd.choice(PATH_FORMS), rnd.choice(TOKEN_FORMS), rnd.choice(MESSAGE_IDS), token
        )
        calls.append(
            Call(
                method=rnd.choice(METHODS),
                path=path,
                body=drawn_bodies[i % len(drawn_bodies)],
                content_type=rnd.choice(CONTENT_TYPES),
                headers=headers if i % 4 == 0 else {},
                chunked=chunked,
                over_limit=chunked and rnd.random() < 0.2,
            )
        )
    return calls


def _chunks(body: bytes, over_limit: bool) -> Iterator[bytes]:
    if over_limit:
        # A chunked body without Content-Length, bigger than the limit.
        for _ in range(40):
            yield b'{"text": "' + b"x" * 1024
        return
    for start in range(0, len(body), 64):
        yield body[start : start + 64]


def _send(client: httpx.Client, target: Target, call: Call) -> httpx.Response:
    # Bytes, so values outside ASCII go out as they are (httpx would refuse the str).
    headers = [(name.encode(), value.encode("latin-1")) for name, value in call.headers.items()]
    if call.content_type is not None:
        headers.append((b"Content-Type", call.content_type.encode("latin-1")))
    content: bytes | Iterator[bytes] | None = None
    if call.method in {"POST", "PUT", "PATCH", "DELETE"}:
        content = _chunks(call.body, call.over_limit) if call.chunked else call.body
    request = client.build_request(call.method, call.path, headers=headers, content=content)
    target.sent[0] += 1  # counted once it leaves the client (even if the server hangs up)
    return client.send(request)


_TEMPLATES = [
    (
        re.compile(template.replace("{token}", "[^/]+").replace("{message_id}", "[0-9]+") + "$"),
        template,
    )
    for template in SPEC["paths"]
]


def _documented(path: str, method: str) -> set[int] | None:
    """The status codes the OpenAPI description gives for this request (None: not in it)."""
    path = unquote(path.split("?", 1)[0])  # routes match the decoded path, as Starlette does
    for pattern, template in _TEMPLATES:
        if pattern.match(path):
            operations = SPEC["paths"][template]
            operation = operations.get("get" if method == "HEAD" else method.lower())
            if operation is None:  # oversized headers are refused before routing
                return {405, 431}
            return {int(code) for code in operation["responses"]}
    return None


def _check(call: Call, response: httpx.Response) -> None:
    where = f"{call.method} {call.path[:80]} body={call.body[:80]!r} ct={call.content_type!r}"
    documented_503 = response.status_code == 503 and (
        # Designed answers: not ready (the engine is down here), read-aloud not installed.
        call.path.startswith("/healthz") or "/audio/" in call.path
    )
    assert response.status_code < 500 or documented_503, (
        f"{response.status_code} for {where}: {response.text[:200]}"
    )
    content_type = response.headers.get("content-type", "")
    if "html" in content_type:
        for marker in RAW_MARKERS:
            assert marker not in response.text, f"unescaped markup for {where}"
    documented = _documented(call.path, call.method)
    # uvicorn's own answer to a request it cannot parse (the app never answers text/plain).
    uvicorn_refusal = response.status_code == 400 and content_type.startswith("text/plain")
    if documented is not None and not uvicorn_refusal:
        assert response.status_code in documented, f"{response.status_code} undocumented: {where}"
    patient_api = call.path.startswith("/api/chat/")
    if patient_api and response.status_code >= 400 and call.method != "HEAD":
        if "json" in content_type:
            assert set(response.json()) == {"error"}, where
        else:  # only uvicorn's own refusal of a malformed request is not the app's JSON
            assert response.text == "Invalid HTTP request received.", where


@pytest.fixture(scope="module")
def http(target: Target) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=target.base_url, timeout=30) as client:
        yield client


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: each step would resend a dozen requests; the message names the request.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=list(HealthCheck),
)
@given(examples)
def _fuzz(
    target: Target,
    client: httpx.Client,
    drawn: tuple[list[bytes], dict[str, str], random.Random],
) -> None:
    for call in _calls(drawn, target.token):
        try:
            response = _send(client, target, call)
        except httpx.LocalProtocolError:
            target.sent[0] -= 1  # httpx itself refused to send it
            continue
        except httpx.RemoteProtocolError:
            # The server closed the connection: uvicorn refuses the request line or headers
            # before the app sees them, or stops reading a body the app refused. Not a 5xx.
            continue
        _check(call, response)


def test_fuzzed_requests_never_fail_and_leave_the_other_patient_alone(
    target: Target, http: httpx.Client
) -> None:
    before = _snapshot(target.app, target.other_patient)
    assert before["messages"], "the other patient has a history to protect"
    started = time.monotonic()
    _fuzz(target, http)
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {target.sent[0]} requests in {elapsed:.1f} s")
    assert target.sent[0] >= MIN_REQUESTS
    assert _snapshot(target.app, target.other_patient) == before
    # The fuzzed patient's page and transcript keep their markup as text.
    page = http.get(f"/chat/{target.token}")
    assert page.status_code == 200
    assert not any(marker in page.text for marker in RAW_MARKERS)
    history = http.get(f"/api/chat/{target.token}/messages")
    assert history.status_code == 200 and history.headers["content-type"] == "application/json"
