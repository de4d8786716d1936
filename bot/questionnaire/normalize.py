"""Normalisation of free Danish chat text, and parsing of numbers written as digits or words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType

NUMBER_WORDS: Mapping[str, int] = MappingProxyType(
    {
        "nul": 0,
        "en": 1,
        "et": 1,
        "én": 1,
        "ét": 1,
        "to": 2,
        "tre": 3,
        "fire": 4,
        "fem": 5,
        "seks": 6,
        "syv": 7,
        "otte": 8,
        "ni": 9,
        "ti": 10,
        "elleve": 11,
        "tolv": 12,
        "tretten": 13,
        "fjorten": 14,
        "femten": 15,
        "seksten": 16,
        "sytten": 17,
        "atten": 18,
        "nitten": 19,
        "tyve": 20,
    }
)
"""Danish number words 0–20 (``en``/``et`` are also articles; see ``parse_number``)."""

_ARTICLES = frozenset({"en", "et"})
_NEGATIONS = frozenset({"ikke", "ik", "ikk", "nej", "aldrig"})
_FILLERS = frozenset(
    {
        "ca",
        "cirka",
        "circa",
        "omkring",
        "ungefær",
        "ongefær",
        "måske",
        "nok",
        "vel",
        "sådan",
        "nærmest",
        "vist",
        "jeg",
        "vil",
        "sige",
        "siger",
        "tror",
        "det",
        "er",
        "var",
        "mig",
        "nu",
        "lige",
        "svar",
        "tal",
        "tallet",
        "et",
        "en",
        "ja",
        "hmm",
        "øh",
        "øhm",
        "altså",
        "godt",
        "tjah",
        "tja",
        "på",
        "i",
        "dag",
    }
)

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "´": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


def _clean(text: str) -> str:
    """NFKC, lower-case, unified quotes; Danish letters are kept as they are."""
    text = unicodedata.normalize("NFKC", text)
    return text.translate(_QUOTES).lower()


def normalize(text: str) -> str:
    """Text reduced for matching.

    Lower-cased; emoji, punctuation, symbols and quotes removed (replaced by a space); runs
    of whitespace collapsed; leading/trailing space stripped. Letters (including æ, ø, å and
    accented letters such as é) and digits are kept.
    """
    out: list[str] = []
    for ch in _clean(text):
        cat = unicodedata.category(ch)
        if cat[0] in "LN":
            out.append(ch)
        elif cat[0] == "M":
            # Combining marks left after NFKC (rare): keep them with their letter.
            if out and out[-1] != " ":
                out.append(ch)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


# A number token: an optional minus (not part of a range such as "7-8"), digits, an optional
# decimal part; or a run of letters.
_TOKEN = re.compile(r"(?:(?<![\w-])-)?\d+(?:[.,]\d+)?|[^\W\d_]+")
_DIGITS = re.compile(r"-?\d+")
_DIGITS_SUFFIX = re.compile(r"(-?\d+)(?:er|tal|ere)$")


def _tokens(text: str) -> list[str]:
    cleaned = _clean(text)
    # "7/10" and "7 af 10" name the scale, not a second answer.
    cleaned = cleaned.replace("/", " ud af ")
    # "7'er", "7-tal" → "7er", "7tal"
    cleaned = re.sub(r"(\d)['\-]?(er|tal)\b", r"\1\2", cleaned)
    return _TOKEN.findall(cleaned)


def parse_number_detail(text: str) -> tuple[int, bool] | None:
    """Like ``parse_number`` but also says whether the number was written with digits.

    Returns ``(number, from_digits)`` or None.
    """
    tokens = _tokens(text)
    if not tokens or len(tokens) > 12:
        return None
    if any(tok in _NEGATIONS for tok in tokens):
        return None
    found: list[tuple[int, bool]] = []
    articles: list[int] = []
    other_words = 0
    for i, tok in enumerate(tokens):
        after_af = i > 0 and tokens[i - 1] == "af"
        if tok[0].isdigit() or tok[0] == "-":
            if "." in tok or "," in tok:
                return None  # a decimal such as 7,5 is not a whole answer
            number = int(tok)
            if not after_af:
                found.append((number, True))
            continue
        suffixed = _DIGITS_SUFFIX.match(tok)
        if suffixed:
            found.append((int(suffixed.group(1)), True))
            continue
        if tok in _ARTICLES:
            articles.append(NUMBER_WORDS[tok])
            continue
        if tok in NUMBER_WORDS:
            if not after_af:
                found.append((NUMBER_WORDS[tok], False))
            continue
        if tok in ("ud", "af"):
            continue
        if tok not in _FILLERS:
            other_words += 1
    if not found:
        # "en" / "et" count as the number one only when they stand (almost) alone.
        if len(articles) == 1 and other_words == 0:
            return articles[0], False
        return None
    if other_words > 3:
        return None
    numbers = {n for n, _ in found}
    if len(numbers) != 1:
        return None
    number = found[0][0]
    return number, any(from_digits for _, from_digits in found)


def parse_number(text: str) -> int | None:
    """A whole number in a short answer, or None.

    "7", " 7 ", "syv", "7/10", "ca 7", "7 ud af 10", "omkring syv", "en 7'er" → 7.
    None when there is no number, when there are two different numbers ("6-7", "6 eller 7"),
    for decimals ("7,5"), when the answer is negated ("ikke 7"), and for compound number words
    ("syvogtyve").
    """
    detail = parse_number_detail(text)
    return None if detail is None else detail[0]
