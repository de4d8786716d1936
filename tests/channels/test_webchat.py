"""The real Starlette app (web chat page and JSON API), with the engine down."""

from __future__ import annotations

import html
import json
import re
import socket
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest

from bot.channels import webchat
from bot.i18n import Texts
from bot.storage.db import session_scope
from bot.storage.models import Message
from bot.storage.patients import (
    create_invitation,
    create_patient,
    hash_token,
    invitation_by_token,
)
from bot.turn.handler import apology
from bot.web import create_app
from tests.conftest import make_settings

with warnings.catch_warnings():
    # "Using httpx with starlette.testclient is deprecated": not ours to change.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

ENGINE_ERROR = (
    "Sorry, something went wrong on my side. Nothing you wrote is lost. "
    "Please try again in a moment."
)
MAX_CHARS = 300
EMERGENCY = "999 112"


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the module (starting it migrates and loads everything); every test works
    with invitations of its own."""
    tmp_path = tmp_path_factory.mktemp("web")
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}",
        BOT_MAX_MESSAGE_CHARS=str(MAX_CHARS),
        RASA_TIMEOUT="3",
        CRISIS_EMERGENCY=EMERGENCY,
    )
    with TestClient(create_app(settings, manage_engine=False)) as test_client:
        yield test_client


def invite(client: TestClient, questionnaire_id: str = "who5", channel: str = "web") -> str:
    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        patient = create_patient(session)
        return create_invitation(session, patient, questionnaire_id, channel=channel).token


def stored(client: TestClient, token: str | None = None) -> list[Message]:
    """The transcript lines of the token's conversation (of all conversations without one)."""
    from sqlalchemy import select

    from bot.storage.models import Conversation, Invitation

    query = select(Message).order_by(Message.id)
    if token is not None:
        query = (
            query.join(Conversation)
            .join(Invitation)
            .where(Invitation.token_hash == hash_token(token))
        )
    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        return list(session.scalars(query))


def texts(client: TestClient) -> Texts:
    return client.app.state.texts  # type: ignore[attr-defined, no-any-return]


def api(token: str) -> str:
    return f"/api/chat/{token}/messages"


def assert_security_headers(response: Any) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


# ------------------------------------------------------------------ health and pages


def test_healthz_reports_starting_while_the_engine_is_down(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "starting", "database": True, "engine": False}
    assert_security_headers(response)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self.main: dict[str, str | None] = {}
        self.textarea: dict[str, str | None] = {}
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name in {"src", "href", "action", "data-api"} and value is not None:
                self.urls.append(value)
            if name.startswith("on") or name == "style":
                self.inline_handlers.append(f"{tag}[{name}]")
        if tag == "script":
            self._in_script = "src" not in values
        if tag == "main":
            self.main = values
        if tag == "textarea":
            self.textarea = values

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def test_chat_page(client: TestClient) -> None:
    token = invite(client)
    response = client.get(f"/chat/{token}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert_security_headers(response)

    page = _Page()
    page.feed(response.text)
    assert page.urls, "the page links its script and style"
    for url in page.urls:
        assert url.startswith(("/", "#")) and not url.startswith("//"), url
        assert "http" not in url
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", response.text)
    # The CSP allows no inline code: the page must not need any.
    assert page.inline_scripts == 0
    assert page.inline_handlers == []
    assert page.main["data-api"] == api(token)
    assert page.main["data-error"] == texts(client)._(
        "Sorry, the message could not be sent. Check your internet connection and try again."
    )
    assert '<html lang="da">' in response.text
    assert texts(client)._("Questions about how you are doing") in response.text

    for asset in ("/static/chat.js", "/static/chat.css"):
        static = client.get(asset)
        assert static.status_code == 200
        assert_security_headers(static)
    script = client.get("/static/chat.js").text
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "eval(" not in script


def test_chat_page_limits_the_text_like_the_api(client: TestClient) -> None:
    page = _Page()
    page.feed(client.get(f"/chat/{invite(client)}").text)
    assert page.textarea.get("maxlength") == str(MAX_CHARS)


def test_unknown_chat_link_is_a_404_page(client: TestClient) -> None:
    response = client.get("/chat/not-a-real-token")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert texts(client)._("The link does not work") in response.text
    assert_security_headers(response)
    # A web link does not open a Telegram invitation.
    telegram = invite(client, channel="telegram")
    assert client.get(f"/chat/{telegram}").status_code == 404


def test_both_pages_name_the_configured_emergency_number(client: TestClient) -> None:
    crisis = client.app.state.settings.crisis  # type: ignore[attr-defined]
    expected = texts(client)._(
        "Not an emergency service. If your life is in danger, call {emergency}. For other "
        "urgent matters, call {acute_name} on {acute_number}.",
        emergency=EMERGENCY,
        acute_name=crisis.medical_helpline_name,
        acute_number=crisis.medical_helpline,
    )
    assert "urgent" not in expected  # the Danish catalog has it
    for path in (f"/chat/{invite(client)}", "/chat/not-a-real-token"):
        note = re.search(r'<p class="note">(.*?)</p>', client.get(path).text, re.S)
        assert note is not None, path
        assert html.unescape(note.group(1)) == expected, path


def test_expired_unused_link_is_gone(client: TestClient) -> None:
    from datetime import timedelta

    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        patient = create_patient(session)
        token = create_invitation(session, patient, "who5", valid_for=timedelta(seconds=-1)).token
    assert client.get(f"/chat/{token}").status_code == 410
    assert client.post(api(token), json={"text": "hej"}).status_code == 410
    assert stored(client, token) == []


# ------------------------------------------------------------------ the JSON API


def test_unknown_token_is_a_json_404(client: TestClient) -> None:
    before = len(stored(client))
    for response in (
        client.get(api("nope")),
        client.post(api("nope"), json={"text": "hej"}),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"error": webchat.unknown_link(texts(client))}
        assert response.json()["error"].startswith("Linket virker ikke")
    assert len(stored(client)) == before


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"",
        b"[1, 2]",
        b'"text"',
        b"{}",
        b'{"text": "hej", "payload": "/affirm"}',
        b'{"text": 5}',
        b'{"payload": ["/affirm"]}',
        b'{"payload": "<script>alert(1)</script>"}',
        b'{"payload": "/x{bad"}',
        b'{"payload": "/inform{\\"code\\": 3}"}',
        b'{"payload": "/inform{\\"code\\": \\"3\\"} trailing"}',
        b'{"payload": "/INFORM"}',
        b'{"payload": "affirm"}',
        b'{"text": "   "}',
    ],
)
def test_bad_requests_are_400_and_store_nothing(client: TestClient, body: bytes) -> None:
    token = invite(client)
    response = client.post(api(token), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    assert stored(client, token) == []


def test_too_large_body_is_413(client: TestClient) -> None:
    token = invite(client)
    body = json.dumps({"text": "x" * (16 * 1024 + 1)}).encode()
    response = client.post(api(token), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"error": "Din besked er for lang. Skriv den lidt kortere."}
    assert stored(client, token) == []


def test_text_longer_than_the_setting_is_413(client: TestClient) -> None:
    token = invite(client)
    response = client.post(api(token), json={"text": "æ" * (MAX_CHARS + 1)})
    assert response.status_code == 413
    assert str(MAX_CHARS) in response.json()["error"]
    assert stored(client, token) == []
    # Exactly the limit is fine (and counted in characters, not bytes).
    assert client.post(api(token), json={"text": "æ" * MAX_CHARS}).status_code == 200


def test_text_with_the_engine_down_is_stored_and_answered_in_danish(
    client: TestClient,
) -> None:
    token = invite(client)
    response = client.post(api(token), json={"text": "  Det meste af tiden  "})
    assert response.status_code == 200
    assert_security_headers(response)
    expected = texts(client)._(ENGINE_ERROR)
    assert expected.startswith("Undskyld")
    assert response.json() == {"messages": [{"text": expected, "buttons": [], "link_id": None}]}

    history = client.get(api(token))
    assert history.status_code == 200
    messages = history.json()["messages"]
    assert [(m["from"], m["text"], m["kind"]) for m in messages] == [
        ("patient", "Det meste af tiden", "text"),
        ("bot", expected, "text"),
    ]
    assert messages[1]["buttons"] == []
    assert all(re.search(r"[+-]00:00$", m["at"]) for m in messages)
    rows = stored(client, token)
    assert [(m.direction, m.channel) for m in rows] == [("in", "web"), ("out", "web")]
    assert rows[1].meta == {"kind": "error"}


def test_markup_in_patient_text_is_kept_as_text_and_never_put_in_the_page(
    client: TestClient,
) -> None:
    token = invite(client)
    markup = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert client.post(api(token), json={"text": markup}).status_code == 200
    messages = client.get(api(token)).json()["messages"]
    assert messages[0]["text"] == markup  # JSON carries it verbatim; chat.js uses textContent
    page = client.get(f"/chat/{token}").text
    assert "alert(" not in page and "onerror" not in page


def test_button_payloads_are_stored_as_buttons(client: TestClient) -> None:
    token = invite(client)
    start = client.post(api(token), json={"payload": "/start"})
    assert start.status_code == 200
    payload = '/inform{"code":"3","link_id":"who5-1"}'
    assert client.post(api(token), json={"payload": payload}).status_code == 200
    assert client.post(api(token), json={"payload": "/affirm"}).status_code == 200

    messages = client.get(api(token)).json()["messages"]
    patient = [m for m in messages if m["from"] == "patient"]
    # The /start event is not shown; the presses are, with their payloads.
    assert [(m["kind"], m["payload"]) for m in patient] == [
        ("button", payload),
        ("button", "/affirm"),
    ]
    assert [m.kind for m in stored(client, token) if m.direction == "in"] == [
        "event",
        "button",
        "button",
    ]


def test_transcript_view_is_audited(client: TestClient) -> None:
    from sqlalchemy import select

    from bot.storage.models import AuditEvent

    token = invite(client)
    client.get(api(token))
    client.get(api(token))
    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        invitation = invitation_by_token(session, token)
        assert invitation is not None
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.patient_id == invitation.patient_id)
        ).all()
    assert actions == ["transcript.view.self", "transcript.view.self"]


def test_wrong_method_is_json(client: TestClient) -> None:
    response = client.delete(api(invite(client)))
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/json"
    assert client.get("/no/such/page").json() == {"error": "not found"}


# ------------------------------------------------------------------ limits and failures
# (The action endpoint is not on this app any more: tests/test_internal.py.)


def test_the_action_endpoint_is_not_public(client: TestClient) -> None:
    response = client.post("/actions/webhook", json={"next_action": "action_help"})
    assert response.status_code == 404


def test_too_many_or_too_large_headers_are_a_431_in_danish(client: TestClient) -> None:
    token = invite(client)
    assert client.get(api(token)).status_code == 200  # opens the conversation
    before = len(stored(client, token))
    huge = client.post(api(token), json={"text": "ja"}, headers={"x-big": "a" * 20_000})
    assert huge.status_code == 431
    assert huge.json()["error"] == texts(client)._(
        "Your browser sent too much at once. Please reload the page."
    )
    assert huge.json()["error"] != "Your browser sent too much at once. Please reload the page."
    many = client.get(api(token), headers={f"x-h{n}": "1" for n in range(120)})
    assert many.status_code == 431
    assert len(stored(client, token)) == before
    assert client.get(api(token), headers={"x-ok": "a" * 1000}).status_code == 200


def test_an_unhandled_failure_is_json_without_the_exception_text(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail P-ABCDEFGH")

    monkeypatch.setattr(webchat, "transcript", broken)
    failing = TestClient(client.app, raise_server_exceptions=False)
    response = failing.get(api(invite(client)))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert "secret detail" not in response.text
    assert response.json()["error"] == apology(texts(client)).text


def _conversation_of(client: TestClient, token: str) -> str:
    from sqlalchemy import select

    from bot.storage.models import Conversation, Invitation

    with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
        (cid,) = session.scalars(
            select(Conversation.id)
            .join(Invitation)
            .where(Invitation.token_hash == hash_token(token))
        ).all()
        return cid


# ------------------------------------------------------------------ with a stand-in engine


def _engine_answers(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, body: Any
) -> list[dict[str, Any]]:
    """Make the app's engine client answer `body`; returns the requests it received."""
    import httpx

    seen: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=body)

    engine = client.app.state.engine  # type: ignore[attr-defined]
    monkeypatch.setattr(
        engine, "_client", httpx.AsyncClient(transport=httpx.MockTransport(handler))
    )
    return seen


def test_engine_replies_are_stored_with_item_and_meta(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = invite(client)
    button = {"title": "Hele tiden", "payload": '/inform{"code":"5","link_id":"who5-1"}'}
    seen = _engine_answers(
        client,
        monkeypatch,
        [
            {
                "recipient_id": "x",
                "custom": {
                    "reply": {
                        "text": "I de sidste 2 uger …",
                        "buttons": [button],
                        "link_id": "who5-1",
                        "meta": {"kind": "question", "level": "standard"},
                    }
                },
            },
        ],
    )
    response = client.post(api(token), json={"text": "ja"})
    assert response.status_code == 200
    assert response.json() == {
        "messages": [{"text": "I de sidste 2 uger …", "buttons": [button], "link_id": "who5-1"}]
    }
    conversation = _conversation_of(client, token)
    assert seen == [{"sender": conversation, "message": "ja"}]
    out = [m for m in stored(client, token) if m.direction == "out"]
    assert [(m.link_id, m.meta, m.buttons) for m in out] == [
        ("who5-1", {"kind": "question", "level": "standard"}, [button])
    ]

    # Pressing that button stores the press under the button's title.
    client.post(api(token), json={"payload": button["payload"]})
    pressed = [m for m in stored(client, token) if m.direction == "in"][-1]
    assert (pressed.kind, pressed.text, pressed.payload) == (
        "button",
        "Hele tiden",
        button["payload"],
    )
    assert seen[-1] == {"sender": conversation, "message": button["payload"]}


def test_malformed_engine_answer_gives_the_apology(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = invite(client)
    _engine_answers(client, monkeypatch, [{"custom": {"reply": {"text": "x", "buttons": ["bad"]}}}])
    response = client.post(api(token), json={"text": "ja"})
    assert response.status_code == 200
    assert response.json()["messages"][0]["text"] == texts(client)._(ENGINE_ERROR)
