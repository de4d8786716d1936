"""Leaving the study in the conversation (withdrawal) and asking for one's data to be deleted.

SCAFFOLDING (issue 12): the steps below are placeholders wired into the dialogue's tables;
they are replaced by the real steps in this session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.state import TurnState
from bot.turn.messages import Inbound

AWAITED: Mapping[str, Callable[[DialogueContext, TurnState, Inbound], Outcome | None]] = {}


def withdraw(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    raise NotImplementedError


def delete_data(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    raise NotImplementedError
