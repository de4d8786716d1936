"""interpret(): an answer between two options offers both and proposes neither (between.py)."""

from __future__ import annotations

import pytest

from bot.questionnaire.interpret import interpret
from bot.questionnaire.model import AnswerOption, Item, Questionnaire


@pytest.mark.parametrize(
    ("questionnaire", "link_id", "text", "expected"),
    [
        ("who5", "who5-1", "halvdelen af tiden", ["3", "2"]),
        ("who5", "who5-1", "cirka halvdelen af tiden", ["3", "2"]),
        ("who5", "who5-1", "omkring halvdelen", ["3", "2"]),
        ("who5", "who5-1", "halvt om halvt", ["3", "2"]),
        ("who5", "who5-1", "mellem det meste af tiden og hele tiden", ["5", "4"]),
        ("phq9", "phq9-1", "halvdelen af dagene", ["1", "2"]),
        ("gad7", "gad7-1", "cirka halvdelen af dagene", ["1", "2"]),
        ("phq9", "phq9-1", "mellem flere dage og næsten hver dag", ["2"]),
        ("behovsvurdering", "bv-smerter", "mellem lidt og en del", ["1", "2"]),
        ("behovsvurdering", "bv-smerter", "et sted imellem en del og meget", ["2", "3"]),
        ("behovsvurdering", "bv-smerter", "lidt til en del", ["1", "2"]),
        ("behovsvurdering", "bv-smerter", "fra slet ikke til lidt", ["0", "1"]),
        ("behovsvurdering", "bv-smerter", "mellem lidt og meget", ["2"]),
        ("behovsvurdering", "bv-smerter", "mellem slet ikke og meget", ["1", "2"]),
    ],
)
def test_an_answer_between_two_options_offers_them(
    shipped: dict[str, Questionnaire],
    questionnaire: str,
    link_id: str,
    text: str,
    expected: list[str],
) -> None:
    result = interpret(shipped[questionnaire].item(link_id), text)
    assert (result.status, result.reason) == ("unsure", "between"), result
    assert [c.code for c in result.candidates] == expected
    if len(expected) > 1:
        assert result.code is None and result.display is None  # no proposal of one of them
    else:
        assert result.code == expected[0]


@pytest.mark.parametrize(
    ("link_id", "text"),
    [
        ("who5-1", "halvdelen"),  # half of what?
        ("who5-1", "mere end halvdelen af tiden"),  # names an option
        ("who5-1", "ikke halvdelen af tiden"),
        ("who5-1", "lidt mindre end halvdelen af tiden"),
        ("who5-1", "en gang imellem"),  # a synonym, not "between"
        ("who5-1", "hele tiden eller det meste af tiden"),  # two options, not between them
    ],
)
def test_not_between(who5: Questionnaire, link_id: str, text: str) -> None:
    assert interpret(who5.item(link_id), text).reason != "between"


def test_between_needs_an_ordered_scale() -> None:
    item = Item(
        link_id="x",
        type="choice",
        text="Hvilken?",
        options=(AnswerOption("a", "Rød"), AnswerOption("b", "Blå"), AnswerOption("c", "Grøn")),
    )
    assert interpret(item, "mellem rød og blå").reason != "between"
