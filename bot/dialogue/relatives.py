"""Relatives in the patient's conversation: inviting one, and taking their access away.

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


def invite_relative(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    raise NotImplementedError


def revoke_relative(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    raise NotImplementedError
