"""LIX readability index for Danish (Björnsson's läsbarhetsindex).

LIX = words / sentences + 100 * long words / words, where a long word has more than six
letters. Rough bands for Danish: under 25 very easy (children's books), 25-34 easy,
35-44 medium (ordinary newspapers), 45-54 hard, 55 and above very hard.

Sentences end at ". ! ? :" (and "…"), at line breaks and at bullets, so each line of a list
counts as its own sentence. Pieces without any word do not count, and a text without any
sentence end is one sentence.
"""

from __future__ import annotations

import re

LONG_WORD_LETTERS = 6

# A word: letters and digits, with inner hyphens or apostrophes ("e-mail", "it's").
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_LETTER = re.compile(r"[^\W\d_]")
# Where a sentence ends: . ! ? : … and line breaks; bullets start a new one.
_SENTENCE_END = re.compile(r"[.!?:…\n•▪◦‣·]+")


def words(text: str) -> list[str]:
    """The words of `text`, in order (punctuation, quotes and symbols dropped)."""
    return _WORD.findall(text)


def sentences(text: str) -> int:
    """How many sentences `text` has; at least 1."""
    count = sum(1 for piece in _SENTENCE_END.split(text) if _WORD.search(piece))
    return max(count, 1)


def _letters(word: str) -> int:
    return len(_LETTER.findall(word))


def lix(text: str) -> float:
    """The LIX of `text`; 0.0 for a text without words."""
    found = words(text)
    if not found:
        return 0.0
    long_words = sum(1 for word in found if _letters(word) > LONG_WORD_LETTERS)
    return len(found) / sentences(text) + 100 * long_words / len(found)
