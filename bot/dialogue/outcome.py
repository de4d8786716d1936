"""What one dialogue step returns: the replies, and what the engine should do next."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.turn.messages import Reply


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    # The questionnaire has nothing left to ask.
    finished: bool = False
    # The questionnaire form should (re)start after these replies.
    resume_questionnaire: bool = False
