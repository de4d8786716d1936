"""The questionnaire form: start, validate and ask (one action), complete."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import call, dispatch, form_active, inbound_from, resume_events
from bot.dialogue.service import Dialogue


class ActionStart(Action):
    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue

    def name(self) -> str:
        return "action_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        outcome = await call(
            self.dialogue.start, inbound_from(tracker), questionnaire_active=form_active(tracker)
        )
        dispatch(dispatcher, outcome)
        return resume_events(outcome, tracker)


class ValidateQuestionnaireForm(FormValidationAction):
    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue

    def name(self) -> str:
        return "validate_questionnaire_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate, then ask. The engine runs this action every time the form runs (on an
        answer, at activation, on coming back after an interruption), and the form then asks
        for its slot with `action_ask_answer` or `utter_ask_answer` if the domain has one. It
        has neither: the question is asked here, in the same action call, which saves the
        engine one action round trip (and one validation of its answer) per turn."""
        events = await super().run(dispatcher, tracker, domain)
        if SlotSet("answer", "done") in events:
            return events  # that was the last answer: the form ends, its rule completes it
        outcome = await call(self.dialogue.ask, tracker.sender_id)
        if outcome.finished:
            # Nothing left to ask (answered elsewhere meanwhile): the form ends instead.
            return [*events, SlotSet("answer", "done")]
        dispatch(dispatcher, outcome)
        return events

    async def validate_answer(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "answer":
            # The form is just being activated: the message that activated it (consent,
            # "fortsæt") is not an answer to a question the patient has seen.
            return {"answer": None}
        outcome = await call(self.dialogue.answer, inbound_from(tracker))
        dispatch(dispatcher, outcome)
        # An empty slot keeps the form asking; the engine decides when it is done.
        return {"answer": "done" if outcome.finished else None}


class ActionQuestionnaireComplete(Action):
    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue

    def name(self) -> str:
        return "action_questionnaire_complete"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        outcome = await call(self.dialogue.complete, tracker.sender_id)
        dispatch(dispatcher, outcome)
        return resume_events(outcome, tracker)
