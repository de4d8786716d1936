"""actions/table.py: the one table of actions against the Rasa domain."""

from __future__ import annotations

from typing import Any

from actions.table import INTERRUPTIONS, action_executor, build_actions
from bot.dialogue.service import INTERRUPTIONS as DIALOGUE_INTERRUPTIONS
from bot.dialogue.service import Dialogue


def test_the_table_and_the_domain_name_the_same_actions(
    installed: Dialogue, domain: dict[str, Any]
) -> None:
    names = [action.name() for action in build_actions(installed)]
    assert len(names) == len(set(names)), "an action is built twice"
    assert set(names) == set(domain["actions"])


def test_every_interruption_runs_a_dialogue_step() -> None:
    assert set(INTERRUPTIONS.values()) == DIALOGUE_INTERRUPTIONS


def test_actions_are_registered_as_instances_bound_to_the_dialogue(installed: Dialogue) -> None:
    executor = action_executor(installed)
    for action in build_actions(installed):
        registered = executor.actions[action.name()]
        assert getattr(registered, "__self__", None) is not None, action.name()
        assert registered.__self__.dialogue is installed  # type: ignore[attr-defined]
