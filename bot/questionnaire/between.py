"""Typed answers that lie between two options of a choice item.

"halvdelen af tiden" is neither "Lidt mere end halvdelen af tiden" nor "Lidt mindre end
halvdelen af tiden", and "mellem lidt og en del" is neither "Lidt" nor "En del". Proposing one
of them would put an answer in the patient's mouth, so ``interpret`` offers both (status
``unsure``, reason ``between``, no best guess) and the patient picks one with a button.

Two kinds are recognised, on the options of an ordered scale only (every option scored, or
every code a whole number):

- **half**: "halvdelen" / "halvdelen af tiden" / "cirka halvdelen" / "halvt om halvt" when
  the options say "mere end halvdelen" and/or "mindre end halvdelen": the options on either
  side of one half. With only "Mere end halvdelen af dagene" (PHQ-9, GAD-7) the other one is
  the option just below it ("Flere dage"). A bare "halvdelen" is not enough (half of what?),
  and "mere end halvdelen" names an option of its own.
- **range**: "mellem X og Y", "imellem X og Y", "X til Y", "fra X til Y" where X and Y are two
  options: the two when they are neighbours on the scale; when they are not, the options
  strictly between them ("mellem lidt og meget" is "En del"; at most ``limit`` of them).

A negation outside the option words ("ikke halvdelen af tiden") leaves the text to the other
rules; "mellem slet ikke og lidt" is a range.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.questionnaire.model import AnswerOption
from bot.questionnaire.normalize import normalize
from bot.questionnaire.phrases import NEGATIONS

Span = tuple[int, int, int]
"""(first token, token after the last, index of the option) of an option phrase in a text."""

HALF_WORDS = frozenset({"halvdelen", "halvdel", "halvdelene"})
HALF_QUALIFIERS = frozenset(
    {"cirka", "ca", "omkring", "ungefær", "præcis", "nøjagtig", "lige", "sådan", "nok", "vel"}
)
HALF_PHRASES = ("halvt om halvt", "fifty fifty", "50 50")
# "mere end halvdelen", "over halvdelen": the words name an option, they are not "half".
COMPARATIVES = frozenset({"end", "over", "under"})
ABOVE_WORDS = frozenset({"mere", "over"})
BELOW_WORDS = frozenset({"mindre", "under"})
BETWEEN_MARKERS = frozenset({"mellem", "imellem"})


def scale_order(options: Sequence[AnswerOption]) -> list[int] | None:
    """Indexes of ``options`` from the lowest to the highest step, or None if the options are
    not an ordered scale."""
    indexes = list(range(len(options)))
    if options and all(option.score is not None for option in options):
        return sorted(indexes, key=lambda i: (options[i].score or 0, i))
    if options and all(option.code.lstrip("-").isdigit() for option in options):
        return sorted(indexes, key=lambda i: (int(options[i].code), i))
    return None


def between_options(
    options: Sequence[AnswerOption],
    tokens: list[str],
    spans: Sequence[Span],
    *,
    limit: int,
) -> tuple[AnswerOption, ...] | None:
    """The options a normalised answer lies between (in the item's order), or None."""
    covered = {i for start, end, _ in spans for i in range(start, end)}
    if any(token in NEGATIONS for i, token in enumerate(tokens) if i not in covered):
        return None
    order = scale_order(options)
    if order is None:
        return None
    found = _half(options, order, tokens, covered)
    if found is None:
        found = _range(order, tokens, spans, covered, limit)
    if not found:
        return None
    return tuple(options[i] for i in sorted(found))


def _says_half(tokens: list[str], covered: set[int]) -> bool:
    text = " ".join(tokens)
    if any(f" {phrase} " in f" {text} " for phrase in HALF_PHRASES):
        return True
    for i, token in enumerate(tokens):
        if token not in HALF_WORDS or i in covered:
            continue
        before = tokens[i - 1] if i > 0 else ""
        if before in COMPARATIVES:
            continue
        after = tokens[i + 1] if i + 1 < len(tokens) else ""
        if after == "af" or before in HALF_QUALIFIERS:
            return True
    return False


def _half(
    options: Sequence[AnswerOption], order: list[int], tokens: list[str], covered: set[int]
) -> set[int] | None:
    if not _says_half(tokens, covered):
        return None
    above: list[int] = []
    below: list[int] = []
    for index, option in enumerate(options):
        words = normalize(option.display).split()
        half_at = next((i for i, word in enumerate(words) if word in HALF_WORDS), None)
        if half_at is None:
            continue
        before = set(words[:half_at])
        if before & ABOVE_WORDS:
            above.append(index)
        elif before & BELOW_WORDS:
            below.append(index)
    if len(above) > 1 or len(below) > 1 or not (above or below):
        return None
    step = {index: position for position, index in enumerate(order)}
    if above and below:
        if abs(step[above[0]] - step[below[0]]) != 1:
            return None
        return {above[0], below[0]}
    if above:
        position = step[above[0]]
        return {above[0], order[position - 1]} if position > 0 else None
    position = step[below[0]]
    return {below[0], order[position + 1]} if position + 1 < len(order) else None


def _range(
    order: list[int], tokens: list[str], spans: Sequence[Span], covered: set[int], limit: int
) -> set[int] | None:
    first_span: dict[int, Span] = {}
    for span in sorted(spans):
        first_span.setdefault(span[2], span)
    if len(first_span) != 2:
        return None
    low, high = sorted(first_span.values())
    gap = tokens[low[1] : high[0]]
    marked = any(
        token in BETWEEN_MARKERS and i not in covered for i, token in enumerate(tokens[: low[0]])
    )
    if not ((marked and "og" in gap) or gap == ["til"]):
        return None
    step = {index: position for position, index in enumerate(order)}
    a, b = sorted((step[low[2]], step[high[2]]))
    if b - a == 1:
        return {order[a], order[b]}
    inside = order[a + 1 : b]
    return set(inside) if len(inside) <= limit else None
