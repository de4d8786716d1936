"""The one table of the engine's custom actions, and the executor that serves them.

Every action in the Rasa domain (dialogues/domain/) is here and nothing else is; a test
holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping

from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor

from actions.interruptions import InterruptionAction
from actions.questionnaire import (
    ActionQuestionnaireComplete,
    ActionStart,
    ValidateQuestionnaireForm,
)
from bot.dialogue.service import Dialogue

# Interruption actions and the dialogue step each runs (bot.dialogue.service.RULES).
INTERRUPTIONS: Mapping[str, str] = {
    "action_explain": "explain",
    "action_why": "why",
    "action_help": "help",
    "action_pause": "pause",
    "action_stop": "stop",
    "action_correct": "correct",
    "action_show_answers": "show_answers",
    "action_small_talk": "small_talk",
    "action_change_level": "change_level",
    "action_read_aloud": "read_aloud",
    "action_talk_to_person": "talk_to_person",
    "action_fallback": "fallback",
    "action_crisis": "crisis",
    "action_medical_question": "medical_question",
    "action_doctor_question": "doctor_question",
    "action_invite_relative": "invite_relative",
    "action_revoke_relative": "revoke_relative",
    "action_withdraw": "withdraw",
    "action_delete_data": "delete_data",
}


def build_actions(dialogue: Dialogue) -> list[Action]:
    return [
        ActionStart(dialogue),
        ValidateQuestionnaireForm(dialogue),
        ActionQuestionnaireComplete(dialogue),
        *(InterruptionAction(name, step, dialogue) for name, step in INTERRUPTIONS.items()),
    ]


def action_executor(dialogue: Dialogue) -> ActionExecutor:
    """rasa-sdk's executor with every action registered as an instance bound to `dialogue`."""
    executor = ActionExecutor()
    for action in build_actions(dialogue):
        executor.register_action(action)
    return executor
