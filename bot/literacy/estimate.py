"""Choosing the level: from the opening screen, then from what happens in the conversation.

Screening alone has not been shown to improve outcomes, so the conversation's own signals
(asking what something means, unrecognised answers, repeated "ved ikke", corrections, going
back to buttons after typing failed) can move a patient to more guidance at any time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.literacy.levels import GUIDED, PLAIN, STANDARD, simpler

# How much each signal says about difficulty with the written questions.
SIGNAL_WEIGHTS: Mapping[str, float] = {
    "explain": 1.0,
    "not_understood": 1.0,
    "dont_know": 0.5,
    "correction": 0.5,
    "button_after_failed_typing": 0.5,
}
# Difficulty weight since the last level change that moves the patient one step.
STEP_THRESHOLD = 2.0

SIGNAL_REASONS: Mapping[str, str] = {
    "explain": "asked what something means",
    "not_understood": "answer not recognised",
    "dont_know": "said they did not know",
    "correction": "corrected an answer",
    "button_after_failed_typing": "used buttons after typing was not understood",
}


@dataclass(frozen=True)
class LevelChange:
    level: str
    reason: str


def level_from_screening(codes: Mapping[str, str | None]) -> LevelChange:
    """The screen's answers (codes 0–4, higher = more help needed) give the starting level."""
    values = [int(code) for code in codes.values() if code is not None and code.isdigit()]
    worst = max(values, default=0)
    if worst >= 3:
        return LevelChange(GUIDED, "screening: often or always needs help with written material")
    if worst == 2:
        return LevelChange(PLAIN, "screening: sometimes needs help with written material")
    return LevelChange(STANDARD, "screening: rarely or never needs help with written material")


def level_after_signals(level: str, signals: Sequence[str]) -> LevelChange | None:
    """A step towards more guidance when the signals since the last change add up."""
    if level == GUIDED:
        return None
    weight = sum(SIGNAL_WEIGHTS.get(signal, 0.0) for signal in signals)
    if weight < STEP_THRESHOLD:
        return None
    reasons = sorted({SIGNAL_REASONS.get(s, s) for s in signals if s in SIGNAL_WEIGHTS})
    return LevelChange(simpler(level), "conversation: " + ", ".join(reasons))
