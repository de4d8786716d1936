"""Questions for the doctor: written down in the conversation, for the next consultation.

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


def doctor_question(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome:
    raise NotImplementedError
