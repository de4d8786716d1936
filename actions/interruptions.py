"""What patients say around the answers. The rules bring the questionnaire back afterwards."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import FORM, call, dispatch, form_active, inbound_from, resume_events
from bot.dialogue.service import Dialogue


class InterruptionAction(Action):
    """Hands the latest message to one interruption step of the dialogue (which first checks
    whether it answers the current item after all)."""

    def __init__(self, action_name: str, step: str, dialogue: Dialogue) -> None:
        self.action_name = action_name
        self.step = step
        self.dialogue = dialogue

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        result = await call(self.dialogue.interrupt, self.step, inbound_from(tracker))
        dispatch(dispatcher, result.outcome)
        if not result.answered:
            return resume_events(result.outcome, tracker)
        if form_active(tracker):
            # The rule runs the form next: an empty slot asks the next item, "done" ends it.
            return [SlotSet("answer", "done" if result.outcome.finished else None)]
        # Pause and stop left the form before this action: go back into it.
        if result.outcome.finished:
            return [FollowupAction("action_questionnaire_complete")]
        return [SlotSet("answer", None), FollowupAction(FORM)]
