"""Fixtures for the rasa-sdk actions: domain, trackers, the dialogue they run, and a way to
deliver what an action uttered into the transcript (as the engine + bot/turn/handler.py would)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.engine import parse_rest_answer
from bot.settings import PROJECT_ROOT
from bot.turn.messages import Button, Reply
from tests.helpers import store_replies

FORM = "questionnaire_form"
TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only here: the actions are thin wrappers, and the service they call is tested on
    both databases in tests/test_conversation.py (this keeps the fast suite fast)."""
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The domain's files merged, as Rasa merges a domain directory."""
    data: dict[str, Any] = {"intents": [], "actions": []}
    for path in sorted((PROJECT_ROOT / "dialogues" / "domain").glob("*.yml")):
        part: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in part.items():
            if isinstance(value, list):
                data[key] = [*data.get(key, []), *value]
            elif key not in data:
                data[key] = value
    return data


@pytest.fixture
def installed(service: Dialogue) -> Dialogue:
    """The dialogue the actions are built with (as the app builds them at start-up)."""
    return service


def make_tracker(
    sender_id: str,
    text: str = "",
    intent: str | None = "inform",
    *,
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    form_active: bool = False,
    requested_slot: str | None = None,
) -> Tracker:
    all_slots: dict[str, Any] = {"answer": None, "requested_slot": requested_slot}
    all_slots.update(slots or {})
    return Tracker(
        sender_id=sender_id,
        slots=all_slots,
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 0.9} if intent else {},
            "entities": [{"entity": k, "value": v, "start": 0, "end": 0}
                         for k, v in (entities or {}).items()],
        },
        events=list(events or []),
        paused=False,
        followup_action=None,
        active_loop={"name": FORM} if form_active else {},
        latest_action_name="action_listen",
    )


@pytest.fixture
def tracker() -> TrackerFactory:
    return make_tracker


def replies_of(dispatcher: CollectingDispatcher) -> list[Reply]:
    """What an action uttered, read the way the app reads the engine's REST answer."""
    for message in dispatcher.messages:
        assert set(message["custom"]) == {"reply"}, message
        assert set(message["custom"]["reply"]) == {"text", "buttons", "link_id", "meta"}
    if not dispatcher.messages:
        return []
    parsed = parse_rest_answer([{"recipient_id": "x", "custom": m["custom"]}
                                for m in dispatcher.messages])
    return [
        Reply(r.text, tuple(Button(t, p) for t, p in r.buttons), r.link_id,
              dict(r.meta) if r.meta else None)
        for r in parsed
    ]


def deliver(
    session_factory: sessionmaker[Session], conversation_id: str,
    dispatcher: CollectingDispatcher,
) -> list[Reply]:
    """Store what the action uttered as outbound transcript lines."""
    replies = replies_of(dispatcher)
    store_replies(session_factory, conversation_id, replies)
    return replies
