"""Loader, shape checks: the error's wording and the checks of single values."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from bot.questionnaire.loader import QuestionnaireError
from bot.questionnaire.loader.shape import Checker, is_number, type_name


def test_error_message_format() -> None:
    error = QuestionnaireError("who5.yml", "who5-3", "unknown answer set 'foo'")
    assert str(error) == "who5.yml, item 'who5-3': unknown answer set 'foo'"
    assert (error.file, error.item, error.problem) == (
        "who5.yml",
        "who5-3",
        "unknown answer set 'foo'",
    )
    assert str(QuestionnaireError("x.yml", None, "bad")) == "x.yml: bad"
    assert isinstance(error, ValueError)


def test_error_survives_pickling() -> None:
    error = QuestionnaireError("who5.yml", "who5-3", "bad")
    again = pickle.loads(pickle.dumps(error))
    assert (again.file, again.item, again.problem, str(again)) == (
        "who5.yml",
        "who5-3",
        "bad",
        str(error),
    )


@pytest.mark.parametrize(
    ("value", "name"),
    [(None, "nothing (null)"), (True, "true/false"), ("x", "text"), (3, "a whole number"),
     (2.5, "a number"), ([], "a list"), ({}, "a mapping")],
)  # fmt: skip
def test_type_names_are_content_editor_words(value: Any, name: str) -> None:
    assert type_name(value) == name


def test_true_and_false_are_not_numbers() -> None:
    assert is_number(1) and is_number(0.5)
    assert not is_number(True) and not is_number("1")
    check = Checker("x.yml")
    with pytest.raises(QuestionnaireError, match="must be a whole number, not true/false"):
        check.integer(True, "min")
    with pytest.raises(QuestionnaireError, match="must be a number, not true/false"):
        check.number(False, "max")
    assert check.number(3, "max") == 3.0


def test_codes_may_be_whole_numbers() -> None:
    check = Checker("x.yml")
    assert check.code_text(3, "code") == "3"
    assert check.code_text("a", "code") == "a"
    with pytest.raises(QuestionnaireError, match="must be text, not true/false"):
        check.code_text(True, "code")


def test_unknown_keys_are_reported_before_missing_ones() -> None:
    check = Checker("x.yml")
    with pytest.raises(QuestionnaireError) as caught:
        check.keys({"b": 1, "zz": 2}, ("a", "b"), ("c",), "the item", "q1")
    assert (caught.value.item, caught.value.problem) == ("q1", "unknown key(s) in the item: zz")
    with pytest.raises(QuestionnaireError, match=r"missing key\(s\) in the item: a"):
        check.keys({"b": 1, "c": 2}, ("a", "b"), ("c",), "the item")


def test_texts_must_not_be_blank() -> None:
    check = Checker("x.yml")
    with pytest.raises(QuestionnaireError, match="help must not be empty"):
        check.opt_text("  ", "help")
    assert check.opt_text(None, "help") is None
    assert check.text_list(None, "unverified") == ()
    with pytest.raises(QuestionnaireError, match="unverified entry must be text"):
        check.text_list([1], "unverified")


def test_levels_are_read_only_mappings_of_allowed_names() -> None:
    check = Checker("x.yml")
    texts = check.levels({"standard": "Hej", "plain": "Hej du"}, "intro", ("standard", "plain"))
    assert dict(texts) == {"standard": "Hej", "plain": "Hej du"}
    with pytest.raises(TypeError):
        texts["guided"] = "x"  # type: ignore[index]
    assert dict(check.levels(None, "variants", ("plain",))) == {}
    with pytest.raises(QuestionnaireError, match="intro must have a 'standard' text"):
        check.levels(None, "intro", ("standard",), need_standard=True)
    with pytest.raises(QuestionnaireError, match="has a key that is not text: 1"):
        check.levels({1: "x"}, "intro", ("standard",))
