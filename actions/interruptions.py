"""What patients say around the answers. The rules bring the questionnaire back afterwards."""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    FORM,
    call,
    dispatch,
    form_active,
    inbound_from,
    resume_events,
    service,
)
from bot.conversation import ConversationService, Inbound, Outcome


class _ServiceAction:
    """An action that hands the latest message to one method of the service. (Not itself an
    Action subclass, so that rasa-sdk does not register it under an empty name.)"""

    action_name = ""
    # The ConversationService method that handles this interruption.
    service_method = ""

    def name(self) -> str:
        return self.action_name

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        handler: Callable[[Inbound], Outcome] = getattr(conversations, self.service_method)
        return handler

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        inbound = inbound_from(tracker)
        if inbound.intent != "talk_to_person":
            # Taken for an interruption, the message may still be the answer to the question.
            answered = await call(service().answer_instead, inbound)
            if answered is not None:
                dispatch(dispatcher, answered)
                if form_active(tracker):
                    # The rule runs the form next: an empty slot asks the next item, "done"
                    # ends it.
                    return [SlotSet("answer", "done" if answered.finished else None)]
                # Pause and stop left the form before this action: go back into it.
                if answered.finished:
                    return [FollowupAction("action_questionnaire_complete")]
                return [SlotSet("answer", None), FollowupAction(FORM)]
        outcome = await call(self.method(service()), inbound)
        dispatch(dispatcher, outcome)
        return resume_events(outcome, tracker)


class ActionExplain(_ServiceAction, Action):
    action_name = "action_explain"
    service_method = "explain"


class ActionWhy(_ServiceAction, Action):
    action_name = "action_why"
    service_method = "why"


class ActionHelp(_ServiceAction, Action):
    action_name = "action_help"
    service_method = "help"


class ActionPause(_ServiceAction, Action):
    action_name = "action_pause"
    service_method = "pause"


class ActionStop(_ServiceAction, Action):
    action_name = "action_stop"
    service_method = "stop"


class ActionCorrect(_ServiceAction, Action):
    action_name = "action_correct"
    service_method = "correct"


class ActionShowAnswers(_ServiceAction, Action):
    action_name = "action_show_answers"
    service_method = "show_answers"


class ActionSmallTalk(_ServiceAction, Action):
    action_name = "action_small_talk"
    service_method = "small_talk"


class ActionChangeLevel(_ServiceAction, Action):
    action_name = "action_change_level"
    service_method = "change_level"


class ActionReadAloud(_ServiceAction, Action):
    action_name = "action_read_aloud"
    service_method = "read_aloud"


class ActionTalkToPerson(_ServiceAction, Action):
    action_name = "action_talk_to_person"
    service_method = "talk_to_person"


class ActionFallback(_ServiceAction, Action):
    action_name = "action_fallback"
    service_method = "fallback"
