"""What patients say around the answers. The rules bring the questionnaire back afterwards."""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import call, dispatch, inbound_from, resume_events, service
from bot.conversation import ConversationService, Inbound, Outcome


class _ServiceAction:
    """An action that hands the latest message to one method of the service. (Not itself an
    Action subclass, so that rasa-sdk does not register it under an empty name.)"""

    action_name = ""

    def name(self) -> str:
        return self.action_name

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        outcome = await call(self.method(service()), inbound_from(tracker))
        dispatch(dispatcher, outcome)
        return resume_events(outcome, tracker)


class ActionExplain(_ServiceAction, Action):
    action_name = "action_explain"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.explain


class ActionWhy(_ServiceAction, Action):
    action_name = "action_why"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.why


class ActionHelp(_ServiceAction, Action):
    action_name = "action_help"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.help


class ActionPause(_ServiceAction, Action):
    action_name = "action_pause"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.pause


class ActionStop(_ServiceAction, Action):
    action_name = "action_stop"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.stop


class ActionCorrect(_ServiceAction, Action):
    action_name = "action_correct"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.correct


class ActionShowAnswers(_ServiceAction, Action):
    action_name = "action_show_answers"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.show_answers


class ActionSmallTalk(_ServiceAction, Action):
    action_name = "action_small_talk"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.small_talk


class ActionChangeLevel(_ServiceAction, Action):
    action_name = "action_change_level"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.change_level


class ActionReadAloud(_ServiceAction, Action):
    action_name = "action_read_aloud"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.read_aloud


class ActionTalkToPerson(_ServiceAction, Action):
    action_name = "action_talk_to_person"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.talk_to_person


class ActionFallback(_ServiceAction, Action):
    action_name = "action_fallback"

    def method(self, conversations: ConversationService) -> Callable[[Inbound], Outcome]:
        return conversations.fallback
