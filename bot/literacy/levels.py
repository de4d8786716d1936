"""The presentation levels, defined in one place (documented in docs/LITERACY.md).

A level changes only HOW the bot asks. Validated instruments keep their exact item and option
wording at every level; the project's own items use their plain or guided variants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

STANDARD = "standard"
PLAIN = "plain"
GUIDED = "guided"
LEVELS: tuple[str, ...] = (STANDARD, PLAIN, GUIDED)


@dataclass(frozen=True)
class Presentation:
    level: str
    # The answer scale is explained once before the first item of each instrument.
    explain_scale: bool
    # Every question gets buttons, also free-text ones (skip) — nothing has to be typed.
    buttons_on_every_question: bool
    # The project's own options may show their short labels on buttons.
    short_labels: bool
    # "Spørgsmål 3 af 5" with every question.
    show_progress: bool
    # A typed answer is said back ("Jeg har forstået: ...") and counts only after "ja".
    confirm_typed_answers: bool
    # An example answer is shown where the item has one.
    show_examples: bool


RULES: Mapping[str, Presentation] = MappingProxyType(
    {
        STANDARD: Presentation(
            level=STANDARD,
            explain_scale=False,
            buttons_on_every_question=False,
            short_labels=False,
            show_progress=False,
            confirm_typed_answers=False,
            show_examples=False,
        ),
        PLAIN: Presentation(
            level=PLAIN,
            explain_scale=True,
            buttons_on_every_question=False,
            short_labels=False,
            show_progress=False,
            confirm_typed_answers=False,
            show_examples=True,
        ),
        GUIDED: Presentation(
            level=GUIDED,
            explain_scale=True,
            buttons_on_every_question=True,
            short_labels=True,
            show_progress=True,
            confirm_typed_answers=True,
            show_examples=True,
        ),
    }
)


def rules_for(level: str) -> Presentation:
    return RULES.get(level, RULES[STANDARD])


def simpler(level: str) -> str:
    """One step towards more guidance."""
    index = LEVELS.index(level) if level in LEVELS else 0
    return LEVELS[min(index + 1, len(LEVELS) - 1)]


def shorter(level: str) -> str:
    """Short sentences without the step-by-step guidance: the plain level."""
    return PLAIN
