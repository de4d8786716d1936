"""Interpret one patient answer (button press or typed Danish text) for one item.

The rules favour asking again over guessing: a typed answer is only a ``match`` when the words
clearly name one option; anything doubtful is ``unsure`` (the bot confirms with the patient)
or ``no_match`` (the bot asks again, with buttons). A text is never mapped to an option its
words contradict (e.g. "ikke hele tiden" never becomes "Hele tiden").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from bot.questionnaire.between import between_options
from bot.questionnaire.model import AnswerOption, Item
from bot.questionnaire.normalize import NUMBER_WORDS, normalize, parse_number_detail
from bot.questionnaire.phrases import (
    DONT_KNOW_PHRASES,
    NEGATIONS,
    NO_PHRASES,
    NO_WORDS,
    VAGUE_WORDS,
    YES_PHRASES,
    YES_WORDS,
)

Status = Literal["match", "unsure", "no_match"]

FUZZY_MATCH = 90.0
"""A typed answer this similar to one option (rapidfuzz ratio) is taken as that option…"""
FUZZY_MARGIN = 5.0
"""…if no other option is within this many points of it."""
FUZZY_UNSURE = 75.0
"""From here up to FUZZY_MATCH the bot asks whether it understood right."""
MAX_CANDIDATES = 3
MAX_FUZZY_LENGTH = 200
"""Longer texts are not compared letter by letter (they are not a misspelt option)."""


@dataclass(frozen=True)
class Interpretation:
    """What an answer was understood as.

    For ``match`` the answer can be stored: ``code`` (choice) or ``value`` (other types) and
    ``display`` to confirm back. For ``unsure`` the bot should ask "Mener du …?": ``code`` and
    ``display`` are the best guess, ``candidates`` all guesses (best first, at most 3). An
    answer between two options (reason ``between``, see ``between.py``) has no best guess:
    ``code`` and ``display`` are None and ``candidates`` are the options it lies between, in
    the item's order (one option strictly between two named ones is proposed as usual).
    """

    status: Status
    code: str | None = None
    value: int | bool | str | None = None
    display: str | None = None
    candidates: tuple[AnswerOption, ...] = ()
    reason: str = ""


_REPEATS = re.compile(r"(\w)\1+")
_YES_WORDS_COLLAPSED = frozenset(_REPEATS.sub(r"\1", w) for w in YES_WORDS)
_NO_WORDS_COLLAPSED = frozenset(_REPEATS.sub(r"\1", w) for w in NO_WORDS)


# -- helpers --------------------------------------------------------------------------------


def _no_match(reason: str) -> Interpretation:
    return Interpretation(status="no_match", reason=reason)


def _contains_phrase(tokens: list[str], phrase: str) -> bool:
    ptoks = phrase.split()
    n = len(ptoks)
    return any(tokens[i : i + n] == ptoks for i in range(len(tokens) - n + 1))


def _is_dont_know(tokens: list[str]) -> bool:
    return any(_contains_phrase(tokens, phrase) for phrase in DONT_KNOW_PHRASES)


def _is_vague(tokens: list[str]) -> bool:
    return bool(tokens) and all(tok in VAGUE_WORDS for tok in tokens)


def _phrases(option: AnswerOption) -> list[tuple[str, str]]:
    """(normalized phrase, kind) for an option: its display, short label and synonyms."""
    result = [(normalize(option.display), "exact")]
    if option.short:
        result.append((normalize(option.short), "exact"))
    result.extend((normalize(s), "synonym") for s in option.synonyms)
    return [(p, kind) for p, kind in result if p]


def _unsure(options: list[AnswerOption], reason: str) -> Interpretation:
    best = options[0]
    return Interpretation(
        status="unsure",
        code=best.code,
        display=best.display,
        candidates=tuple(options[:MAX_CANDIDATES]),
        reason=reason,
    )


def _match_option(option: AnswerOption, reason: str) -> Interpretation:
    return Interpretation(
        status="match",
        code=option.code,
        display=option.display,
        reason=reason,
    )


# -- choice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    option: int

    @property
    def length(self) -> int:
        return self.end - self.start


def _find_spans(tokens: list[str], phrases: list[list[tuple[str, str]]]) -> list[_Span]:
    spans: list[_Span] = []
    for index, option_phrases in enumerate(phrases):
        for phrase, _kind in option_phrases:
            ptoks = phrase.split()
            n = len(ptoks)
            for i in range(len(tokens) - n + 1):
                if tokens[i : i + n] == ptoks:
                    spans.append(_Span(i, i + n, index))
    # Prefer the longest phrase: drop every span that overlaps a longer one that was kept.
    spans.sort(key=lambda s: (-s.length, s.start))
    kept: list[_Span] = []
    for span in spans:
        overlaps = [k for k in kept if span.start < k.end and k.start < span.end]
        # Equally long phrases of different options that overlap are both kept (ambiguous).
        if all(k.length == span.length and k.option != span.option for k in overlaps):
            kept.append(span)
    return kept


def _interpret_choice_text(item: Item, text: str) -> Interpretation:
    norm = normalize(text)
    if not norm:
        return _no_match("empty")
    tokens = norm.split()
    options = list(item.options)
    phrases = [_phrases(o) for o in options]

    # 1. Exact display or short label; 2. exact synonym.
    for option, option_phrases in zip(options, phrases, strict=True):
        if any(p == norm and kind == "exact" for p, kind in option_phrases):
            return _match_option(option, "exact")
    synonym_hits = [
        option
        for option, option_phrases in zip(options, phrases, strict=True)
        if any(p == norm for p, _ in option_phrases)
    ]
    if len(synonym_hits) == 1:
        return _match_option(synonym_hits[0], "synonym")
    if len(synonym_hits) > 1:
        return _unsure(synonym_hits, "synonym")

    if _is_vague(tokens):
        return _no_match("unknown")

    # 3. A bare number: the patient sees no numbers, so it is only a guess worth confirming.
    if len(tokens) == 1 and (tokens[0].isdigit() or tokens[0] in NUMBER_WORDS):
        detail = parse_number_detail(norm)
        if detail is not None:
            numbered = item.option(str(detail[0]))
            if numbered is not None:
                return _unsure([numbered], "number")
        return _no_match("unknown")

    dont_know = _is_dont_know(tokens)

    # 4. The text contains option phrases.
    spans = _find_spans(tokens, phrases)
    # An answer between two options ("halvdelen af tiden"): offer both, propose neither.
    between = between_options(
        options, tokens, [(s.start, s.end, s.option) for s in spans], limit=MAX_CANDIDATES
    )
    if between and not dont_know:
        only = between[0] if len(between) == 1 else None  # "mellem lidt og meget": "En del"
        return Interpretation(
            status="unsure",
            code=only.code if only else None,
            display=only.display if only else None,
            candidates=between,
            reason="between",
        )
    if spans:
        covered = {i for s in spans for i in range(s.start, s.end)}
        negation_at = [i for i, t in enumerate(tokens) if t in NEGATIONS and i not in covered]
        kept: list[_Span] = []
        for span in spans:
            # A negation shortly before the phrase contradicts it ("ikke helt hele tiden").
            if any(span.start - 3 <= i < span.start for i in negation_at):
                continue
            kept.append(span)
        order: list[int] = []
        for span in sorted(kept, key=lambda s: (-s.length, s.start)):
            if span.option not in order:
                order.append(span.option)
        found = [options[i] for i in order]
        if not found:
            return _no_match("unknown")
        if len(found) == 1 and not negation_at and not dont_know:
            return _match_option(found[0], "contains")
        return _unsure(found, "contains")

    if dont_know:
        return _no_match("unknown")

    # 5. Small misspellings.
    return _fuzzy(options, phrases, norm, tokens)


def _fuzzy(
    options: list[AnswerOption],
    phrases: list[list[tuple[str, str]]],
    norm: str,
    tokens: list[str],
) -> Interpretation:
    if len(norm) < 4 or len(norm) > MAX_FUZZY_LENGTH:
        return _no_match("unknown")
    text_negated = any(t in NEGATIONS for t in tokens)
    # (score, whole text compared with a phrase of as many words, option index)
    scored: list[tuple[float, bool, int]] = []
    for index, option_phrases in enumerate(phrases):
        best = 0.0
        whole = False
        for phrase, _kind in option_phrases:
            if len(phrase) < 3:
                continue
            ptoks = phrase.split()
            if text_negated != any(t in NEGATIONS for t in ptoks):
                continue  # "ikke …" against a phrase without "ikke", or the reverse
            ratio = fuzz.ratio(norm, phrase)
            if ratio > best:
                # A misspelling keeps the words; a missing word ("mere end halvdelen af
                # tiden" for "Lidt mere end halvdelen af tiden") may change the meaning.
                best, whole = ratio, len(ptoks) == len(tokens)
            # The phrase, misspelt, inside a slightly longer answer ("det mste af tidn vel").
            n = len(ptoks)
            if len(tokens) > n:
                for size in (n, n + 1):
                    for i in range(len(tokens) - size + 1):
                        window = " ".join(tokens[i : i + size])
                        ratio = fuzz.ratio(window, phrase)
                        if ratio > best:
                            best, whole = ratio, False
        if best >= FUZZY_UNSURE:
            scored.append((best, whole, index))
    if not scored:
        return _no_match("unknown")
    scored.sort(key=lambda s: -s[0])
    best_score, best_whole, best_index = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if best_score >= FUZZY_MATCH and best_whole and best_score - runner_up >= FUZZY_MARGIN:
        return _match_option(options[best_index], "fuzzy")
    return _unsure([options[i] for _, _, i in scored], "fuzzy")


# -- other types ----------------------------------------------------------------------------


def _interpret_integer_text(item: Item, text: str) -> Interpretation:
    if not normalize(text):
        return _no_match("empty")
    detail = parse_number_detail(text)
    if detail is None:
        return _no_match("unknown")
    number, from_digits = detail
    low = item.min_value if item.min_value is not None else number
    high = item.max_value if item.max_value is not None else number
    if not low <= number <= high:
        return Interpretation(status="no_match", value=number, reason="out_of_range")
    return Interpretation(
        status="match",
        value=number,
        display=str(number),
        reason="number" if from_digits else "number_word",
    )


def _yes_no(norm: str) -> bool | None:
    collapsed = _REPEATS.sub(r"\1", norm)
    for candidate in (norm, collapsed):
        if candidate in YES_PHRASES:
            return True
        if candidate in NO_PHRASES:
            return False
    tokens = norm.split()
    if not tokens:
        return None
    first = _REPEATS.sub(r"\1", tokens[0])
    rest = tokens[1:]
    negated_rest = any(
        t in NEGATIONS or _REPEATS.sub(r"\1", t) in _NO_WORDS_COLLAPSED for t in rest
    )
    if first in _NO_WORDS_COLLAPSED:
        return False
    if first in _YES_WORDS_COLLAPSED and not negated_rest:
        return True
    return None


# A thumb alone is a common yes/no on a phone (any skin tone).
_THUMBS = {"\U0001f44d": True, "\U0001f44e": False}


def _thumb(text: str) -> bool | None:
    marks = {_THUMBS[ch] for ch in text if ch in _THUMBS}
    rest = "".join(ch for ch in text if ch not in _THUMBS and not 0x1F3FB <= ord(ch) <= 0x1F3FF)
    return marks.pop() if len(marks) == 1 and not rest.strip() else None


def _interpret_boolean_text(text: str) -> Interpretation:
    norm = normalize(text)
    thumb = _thumb(text)
    if thumb is not None:
        return Interpretation(
            status="match", value=thumb, display="Ja" if thumb else "Nej", reason="yes_no"
        )
    if not norm:
        return _no_match("empty")
    tokens = norm.split()
    if _is_dont_know(tokens):
        return _no_match("unknown")
    answer = _yes_no(norm)
    if answer is None:
        return _no_match("unknown")
    return Interpretation(
        status="match", value=answer, display="Ja" if answer else "Nej", reason="yes_no"
    )


def read_yes_no(text: str) -> bool | None:
    """A typed "ja"/"nej" (or a thumb), as a boolean item reads it; None when it is neither."""
    reading = _interpret_boolean_text(text)
    return reading.value if reading.status == "match" and isinstance(reading.value, bool) else None


def _interpret_code(item: Item, code: str) -> Interpretation:
    if item.type == "choice":
        option = item.option(code)
        if option is not None:
            return _match_option(option, "payload")
    elif item.type == "boolean":
        if code in ("true", "false"):
            value = code == "true"
            return Interpretation(
                status="match", value=value, display="Ja" if value else "Nej", reason="payload"
            )
    elif item.type == "integer" and re.fullmatch(r"-?\d{1,9}", code.strip()):
        number = int(code)
        low = item.min_value if item.min_value is not None else number
        high = item.max_value if item.max_value is not None else number
        if low <= number <= high:
            return Interpretation(
                status="match", value=number, display=str(number), reason="payload"
            )
    return _no_match("unknown")


def interpret(item: Item, text: str | None, *, code: str | None = None) -> Interpretation:
    """Understand one answer to ``item``.

    ``code`` is a button payload: an option code (choice), "true"/"false" (boolean) or a
    number (integer). Otherwise ``text`` is what the patient typed. Never raises.
    """
    if code is not None:
        return _interpret_code(item, code)
    if text is None:
        return _no_match("empty")
    if item.type == "choice":
        return _interpret_choice_text(item, text)
    if item.type == "integer":
        return _interpret_integer_text(item, text)
    if item.type == "boolean":
        return _interpret_boolean_text(text)
    if item.type == "string":
        stripped = text.strip()
        if not stripped:
            return _no_match("empty")
        return Interpretation(status="match", value=stripped, display=stripped, reason="free_text")
    return _no_match("unknown")
