"""The real engine and app: the action endpoint is not on the public port, the internal
listener wants the shared secret, and the engine's HTTP API wants its token."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.i18n import Texts
from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import Alert, Answer, Conversation, Message
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.test_web_api import consent

pytestmark = pytest.mark.e2e


def counts(system: LiveSystem) -> dict[str, int]:
    engine = make_engine(system.database_url)
    try:
        with make_session_factory(engine)() as session:
            return {
                name: int(session.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in (("answers", Answer), ("alerts", Alert), ("messages", Message))
            }
    finally:
        engine.dispose()


def only_conversation(system: LiveSystem) -> str:
    engine = make_engine(system.database_url)
    try:
        with make_session_factory(engine)() as session:
            (cid,) = session.scalars(select(Conversation.id)).all()
            return cid
    finally:
        engine.dispose()


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


def test_forged_action_calls_store_nothing(system: LiveSystem, texts: Texts) -> None:
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    cid = only_conversation(system)
    before = counts(system)
    # What an attacker sent in issue 9: "explain" with an answer's words stored who5-1 = 5;
    # "talk to a person" raised an alert.
    forged = [
        action_call("action_explain", cid, "Hele tiden", "explain"),
        action_call("action_talk_to_person", cid, "ring til mig", "talk_to_person"),
        action_call("action_crisis", cid, "jeg vil ikke leve mere", "crisis"),
    ]
    for call in forged:
        public = httpx.post(f"{system.base_url}/actions/webhook", json=call, timeout=10)
        assert public.status_code == 404
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            internal = httpx.post(system.actions_url, json=call, headers=headers, timeout=10)
            assert internal.status_code == 401
            assert internal.json() == {"error": "unauthorised"}
    assert counts(system) == before

    # The engine's own calls (with the secret) still work: a typed answer is stored.
    patient.say("hele tiden")
    assert counts(system)["answers"] == before["answers"] + 1
    # And so does a call with the secret: the listener is the engine's, not a dead end.
    talk = httpx.post(
        system.actions_url,
        json=forged[1],
        headers={"Authorization": f"Bearer {system.actions_secret}"},
        timeout=10,
    )
    assert talk.status_code == 200, talk.text
    assert counts(system)["alerts"] == before["alerts"] + 1


def test_the_action_listener_is_on_loopback_only(system: LiveSystem) -> None:
    # Bound to 127.0.0.1 exactly: another loopback address (or any interface) finds nothing.
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex(("127.0.0.1", system.actions_port)) == 0
    with socket.socket() as sock:
        sock.settimeout(2)
        assert sock.connect_ex(("127.0.0.2", system.actions_port)) != 0


ENGINE_ROUTES: list[tuple[str, str, dict[str, str] | None]] = [
    ("GET", "/status", None),
    ("GET", "/conversations/{cid}/tracker", None),
    ("GET", "/conversations/{cid}/story", None),
    ("POST", "/model/parse", {"text": "hele tiden"}),
    ("GET", "/domain", None),
]


def test_engine_api_needs_the_token(system: LiveSystem, texts: Texts) -> None:
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    cid = only_conversation(system)
    headers = {"Accept": "application/json"}
    for method, path, body in ENGINE_ROUTES:
        url = system.engine_url + path.format(cid=cid)
        for params in ({}, {"token": "wrong"}):
            refused = httpx.request(method, url, params=params, json=body, headers=headers)
            assert refused.status_code == 401, (path, refused.text)
        allowed = httpx.request(
            method, url, params={"token": system.rasa_auth_token}, json=body, headers=headers
        )
        assert allowed.status_code == 200, (path, allowed.text)
    tracker = httpx.get(
        f"{system.engine_url}/conversations/{cid}/tracker",
        params={"token": system.rasa_auth_token},
    ).json()
    assert tracker["sender_id"] == cid and tracker["events"]  # the conversation is there

    for method in ("PUT", "DELETE"):
        refused = httpx.request(method, f"{system.engine_url}/model", json={}, timeout=10)
        assert refused.status_code == 401, refused.text
    assert httpx.post(f"{system.engine_url}/model/train", json={}).status_code == 401
    # The engine still has its model: nothing above changed it.
    status = httpx.get(f"{system.engine_url}/status", params={"token": system.rasa_auth_token})
    assert status.status_code == 200 and status.json()["model_file"]
