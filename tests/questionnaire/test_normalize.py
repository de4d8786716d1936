"""normalize() and parse_number()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.questionnaire.normalize import NUMBER_WORDS, normalize, parse_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Det MESTE af tiden!!! ", "det meste af tiden"),
        ("Hele tiden 😊👍", "hele tiden"),
        ("«Lidt» af „tiden“", "lidt af tiden"),
        ("ÆØÅ æøå", "æøå æøå"),
        ("én gang", "én gang"),
        ("ja-tak", "ja tak"),
        ("tja…\n\tmåske", "tja måske"),
        ("", ""),
        ("?!.", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_number_words_cover_0_to_20() -> None:
    assert set(NUMBER_WORDS.values()) == set(range(21))
    for word, number in {"nul": 0, "en": 1, "et": 1, "én": 1, "syv": 7, "tyve": 20}.items():
        assert NUMBER_WORDS[word] == number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("7", 7),
        (" 7 ", 7),
        ("syv", 7),
        ("Syv", 7),
        ("7/10", 7),
        ("ca 7", 7),
        ("ca. 7", 7),
        ("cirka 7", 7),
        ("7 ud af 10", 7),
        ("omkring syv", 7),
        ("en 7'er", 7),
        ("det er nok en 8'er i dag", 8),
        ("10.", 10),
        ("nul", 0),
        ("tyve", 20),
        ("en", 1),
        ("-3", -3),
        ("syvogtyve", None),
        ("6-7", None),
        ("6 eller 7", None),
        ("7,5", None),
        ("ikke 7", None),
        ("jeg har en god dag", None),
        ("ved ikke", None),
        ("", None),
    ],
)
def test_parse_number(raw: str, expected: int | None) -> None:
    assert parse_number(raw) == expected


@given(st.text())
def test_normalize_and_parse_never_raise(text: str) -> None:
    norm = normalize(text)
    assert norm == norm.strip()
    assert "  " not in norm
    assert normalize(norm) == norm
    result = parse_number(text)
    assert result is None or isinstance(result, int)


@given(st.integers(min_value=0, max_value=10_000))
def test_digits_round_trip(number: int) -> None:
    assert parse_number(str(number)) == number
    assert parse_number(f"ca. {number}") == number
