"""What every action does: read the tracker, call the service off the event loop, reply."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import runtime
from bot.conversation import ConversationService, Inbound, Outcome

FORM = "questionnaire_form"
T = TypeVar("T")


def inbound_from(tracker: Tracker) -> Inbound:
    message = tracker.latest_message or {}
    intent = message.get("intent") or {}
    entities = {
        str(entity.get("entity")): str(entity.get("value"))
        for entity in message.get("entities") or []
        if entity.get("entity") in {"code", "link_id"}
    }
    return Inbound(
        conversation_id=tracker.sender_id,
        text=str(message.get("text") or ""),
        intent=intent.get("name"),
        confidence=float(intent.get("confidence") or 0.0),
        entities=entities,
    )


def form_active(tracker: Tracker) -> bool:
    return (tracker.active_loop or {}).get("name") == FORM


async def call(method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # The service does blocking database work; keep the app's event loop free.
    return await asyncio.to_thread(method, *args, **kwargs)


def service() -> ConversationService:
    return runtime.service()


def dispatch(dispatcher: CollectingDispatcher, outcome: Outcome) -> None:
    """Each reply travels whole as custom JSON, so the app gets item and level with it."""
    for reply in outcome.replies:
        dispatcher.utter_message(
            json_message={
                "reply": {
                    "text": reply.text,
                    "buttons": [asdict(button) for button in reply.buttons],
                    "link_id": reply.link_id,
                    "meta": dict(reply.meta) if reply.meta else None,
                }
            }
        )


def resume_events(outcome: Outcome, tracker: Tracker) -> list[EventType]:
    if outcome.resume_questionnaire and not form_active(tracker):
        return [SlotSet("answer", None), FollowupAction(FORM)]
    return []
