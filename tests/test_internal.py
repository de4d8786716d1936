"""The internal action listener: not on the public app, and only with the shared secret."""

from __future__ import annotations

import logging
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from bot.internal import create_internal_app, external_engine_problem, with_secrets
from bot.storage.db import session_scope
from bot.storage.models import Alert, Answer, Conversation, Message, Response
from bot.storage.patients import create_invitation, create_patient
from bot.web import create_app
from tests.conftest import make_settings

with warnings.catch_warnings():
    # "Using httpx with starlette.testclient is deprecated": not ours to change.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SECRET = "test-actions-secret-0123456789abcdefghijklmnop"
CRISIS_TEXT = "jeg vil ikke leve mere"


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Clients:
    public: TestClient
    internal: TestClient

    @property
    def app(self) -> Starlette:
        app: Starlette = self.public.app  # type: ignore[assignment]
        return app


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clients]:
    tmp_path = tmp_path_factory.mktemp("internal")
    settings = make_settings(
        tmp_path / "var",
        RASA_URL=f"http://127.0.0.1:{closed_port()}",
        RASA_MANAGE="false",
        DATABASE_URL=f"sqlite:///{tmp_path / 'internal.db'}",
        BOT_ACTIONS_SECRET=SECRET,
        RASA_AUTH_TOKEN="test-engine-token",
        RASA_TIMEOUT="3",
    )
    app = create_app(settings, manage_engine=False)
    with TestClient(app) as public:
        internal = TestClient(create_internal_app(app.state, settings.actions_secret))
        yield Clients(public, internal)


def conversation(clients: Clients) -> str:
    """A new patient's conversation, opened through the chat page as a patient does."""
    with session_scope(clients.app.state.session_factory) as session:
        patient = create_patient(session)
        patient_id = patient.id
        token = create_invitation(session, patient, "who5").token
    assert clients.public.get(f"/chat/{token}").status_code == 200
    with session_scope(clients.app.state.session_factory) as session:
        (cid,) = session.scalars(
            select(Conversation.id).where(Conversation.patient_id == patient_id)
        ).all()
        return cid


def stored(clients: Clients, cid: str) -> dict[str, int]:
    """What the database holds for a conversation: answers, alerts and transcript lines."""
    with session_scope(clients.app.state.session_factory) as session:

        def count(query: Any) -> int:
            return int(session.scalar(query) or 0)

        return {
            "answers": count(
                select(func.count())
                .select_from(Answer)
                .join(Response)
                .where(Response.conversation_id == cid)
            ),
            "alerts": count(
                select(func.count()).select_from(Alert).where(Alert.conversation_id == cid)
            ),
            "messages": count(
                select(func.count()).select_from(Message).where(Message.conversation_id == cid)
            ),
        }


def action_call(action: str, sender: str, text: str, intent: str) -> dict[str, Any]:
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": [],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def crisis_call(cid: str) -> dict[str, Any]:
    # Before consent a crisis raises an urgent alert: a forged call would store one.
    return action_call("action_crisis", cid, CRISIS_TEXT, "crisis")


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# ------------------------------------------------------------------ the public listener


def test_public_app_has_no_action_endpoint(clients: Clients) -> None:
    cid = conversation(clients)
    before = stored(clients, cid)
    for headers in ({}, bearer(SECRET)):
        answer = clients.public.post("/actions/webhook", json=crisis_call(cid), headers=headers)
        assert answer.status_code == 404
        assert answer.json() == {"error": "not found"}
        assert clients.public.post("/webhook", json=crisis_call(cid)).status_code == 404
    assert stored(clients, cid) == before


# ------------------------------------------------------------------ the internal listener


@pytest.mark.parametrize(
    "headers",
    [
        {},
        bearer("wrong"),
        bearer(SECRET[:-1]),
        bearer(SECRET + "x"),
        {"Authorization": SECRET},
        {"Authorization": f"Basic {SECRET}"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer ä€".encode()},
        {"X-Actions-Secret": SECRET},
    ],
)
def test_internal_listener_refuses_without_the_secret(
    clients: Clients, headers: dict[str, Any]
) -> None:
    cid = conversation(clients)
    before = stored(clients, cid)
    answer = clients.internal.post("/webhook", json=crisis_call(cid), headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorised"}
    assert stored(clients, cid) == before


def test_internal_listener_runs_the_action_with_the_secret(clients: Clients) -> None:
    cid = conversation(clients)
    before = stored(clients, cid)
    answer = clients.internal.post("/webhook", json=crisis_call(cid), headers=bearer(SECRET))
    assert answer.status_code == 200, answer.text
    replies = answer.json()["responses"]
    assert replies and all(reply["custom"]["reply"]["text"] for reply in replies)
    assert stored(clients, cid) == {**before, "alerts": before["alerts"] + 1}


def test_unknown_action_and_bad_body(clients: Clients) -> None:
    cid = conversation(clients)
    unknown = clients.internal.post(
        "/webhook", json=action_call("action_nope", cid, "x", "help"), headers=bearer(SECRET)
    )
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "unknown action", "action_name": "action_nope"}
    bad = clients.internal.post(
        "/webhook",
        content=b"{nope",
        headers={**bearer(SECRET), "content-type": "application/json"},
    )
    assert bad.status_code == 400 and bad.json() == {"error": "body must be JSON"}
    listed = clients.internal.post("/webhook", json=[1, 2], headers=bearer(SECRET))
    assert listed.status_code == 400
    assert clients.internal.get("/webhook", headers=bearer(SECRET)).status_code == 405
    assert clients.internal.post("/healthz", headers=bearer(SECRET)).status_code == 404


def test_a_failing_action_answers_without_exception_text(
    clients: Clients, caplog: pytest.LogCaptureFixture
) -> None:
    """The tracker below makes the dialogue fail while it handles the patient's words; neither
    the answer nor the log at INFO and above may carry them."""
    call = action_call("action_help", "no-such-conversation", CRISIS_TEXT, "help")
    with caplog.at_level(logging.INFO):
        answer = clients.internal.post("/webhook", json=call, headers=bearer(SECRET))
    assert answer.status_code == 500
    assert answer.json() == {"error": "the action failed", "action_name": "action_help"}
    logged = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert any("action_help failed" in r.getMessage() for r in logged)
    for record in logged:
        text = record.getMessage() + (str(record.exc_info) if record.exc_info else "")
        assert CRISIS_TEXT not in text and "no-such-conversation" not in text


def test_before_the_app_has_started_calls_wait() -> None:
    from starlette.datastructures import State

    internal = TestClient(create_internal_app(State(), SECRET))
    answer = internal.post("/webhook", json={}, headers=bearer(SECRET))
    assert answer.status_code == 503
    assert internal.post("/webhook", json={}).status_code == 401


def test_an_empty_secret_accepts_nothing() -> None:
    from starlette.datastructures import State

    internal = TestClient(create_internal_app(State(), ""))
    assert (
        internal.post("/webhook", json={}, headers={"Authorization": "Bearer "}).status_code == 401
    )
    assert internal.post("/webhook", json={}).status_code == 401


# ------------------------------------------------------------------ secrets


def test_secrets_are_generated_per_start_and_kept_when_set(tmp_path: Any) -> None:
    empty = make_settings(tmp_path)
    first, second = with_secrets(empty), with_secrets(empty)
    assert len(first.actions_secret) >= 43 and len(first.rasa_auth_token) >= 43
    assert first.actions_secret != second.actions_secret
    assert first.rasa_auth_token != second.rasa_auth_token
    assert first.actions_secret != first.rasa_auth_token
    assert with_secrets(first) == first
    given = make_settings(tmp_path, BOT_ACTIONS_SECRET="a", RASA_AUTH_TOKEN="b")
    assert (with_secrets(given).actions_secret, with_secrets(given).rasa_auth_token) == ("a", "b")
    assert "actions_secret" not in repr(given) and "rasa_auth_token" not in repr(given)
    assert first.actions_secret not in repr(first) and first.rasa_auth_token not in repr(first)


def test_an_external_engine_needs_both_secrets(tmp_path: Any) -> None:
    assert external_engine_problem(make_settings(tmp_path)) is None  # the app starts the engine
    external = {"RASA_URL": "http://127.0.0.1:5005"}
    problem = external_engine_problem(make_settings(tmp_path, **external))
    assert problem and "BOT_ACTIONS_SECRET and RASA_AUTH_TOKEN" in problem
    problem = external_engine_problem(make_settings(tmp_path, **external, BOT_ACTIONS_SECRET="s"))
    assert problem and "RASA_AUTH_TOKEN" in problem and "BOT_ACTIONS_SECRET" not in problem
    both = make_settings(tmp_path, **external, BOT_ACTIONS_SECRET="s", RASA_AUTH_TOKEN="t")
    assert external_engine_problem(both) is None
