"""What every action does: read the tracker, run a dialogue step off the event loop, reply."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue.outcome import Outcome
from bot.turn.messages import Inbound

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


async def call(step: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    # The dialogue does blocking database work; keep the app's event loop free.
    return await asyncio.to_thread(step, *args, **kwargs)


def dispatch(dispatcher: CollectingDispatcher, outcome: Outcome) -> None:
    """Each reply travels whole as custom JSON, so the app gets item and level with it."""
    for reply in outcome.replies:
        dispatcher.utter_message(
            json_message={
                "reply": {
                    "text": reply.text,
                    "buttons": [button.as_dict() for button in reply.buttons],
                    "link_id": reply.link_id,
                    "meta": dict(reply.meta) if reply.meta else None,
                }
            }
        )


def resume_events(outcome: Outcome, tracker: Tracker) -> list[EventType]:
    if outcome.resume_questionnaire and not form_active(tracker):
        return [SlotSet("answer", None), FollowupAction(FORM)]
    return []
