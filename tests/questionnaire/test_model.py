"""model: the small behaviours of the data classes."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest

from bot.questionnaire.model import (
    LEVELS,
    AnswerOption,
    AnswerValue,
    Band,
    Item,
    Questionnaire,
    ScoringRule,
)


def _item(**variants: str) -> Item:
    return Item(
        link_id="i",
        type="choice",
        text="Standard?",
        options=(AnswerOption("0", "Nej", 0), AnswerOption("1", "Ja", 1)),
        variants=MappingProxyType(variants),
    )


def test_levels() -> None:
    assert LEVELS == ("standard", "plain", "guided")


def test_text_for_falls_back() -> None:
    both = _item(plain="Enkel?", guided="Guidet?")
    assert [both.text_for(level) for level in LEVELS] == ["Standard?", "Enkel?", "Guidet?"]
    plain_only = _item(plain="Enkel?")
    assert plain_only.text_for("guided") == "Enkel?"
    assert plain_only.text_for("plain") == "Enkel?"
    none = _item()
    assert [none.text_for(level) for level in LEVELS] == ["Standard?"] * 3
    assert none.text_for("unknown-level") == "Standard?"


def test_option_lookup() -> None:
    item = _item()
    assert item.option("1") == AnswerOption("1", "Ja", 1)
    assert item.option("2") is None
    assert item.answerable


def test_band_for() -> None:
    rule = ScoringRule(
        id="r",
        name="R",
        method="sum",
        items=("i",),
        multiplier=1,
        min=0,
        max=10,
        min_answered=1,
        code=None,
        bands=(Band(0, 4, "low", "Lav", "green"), Band(5, 10, "high", "Høj", "red")),
    )

    def code(value: float) -> str | None:
        band = rule.band_for(value)
        return None if band is None else band.code

    assert [code(v) for v in (0, 4, 4.5, 5, 10)] == ["low", "low", "low", "high", "high"]
    assert code(-0.5) is None
    assert rule.band_for(11) is None


def test_questionnaire_helpers(who5: Questionnaire, phq9: Questionnaire, bv: Questionnaire) -> None:
    assert who5.item("who5-2").link_id == "who5-2"
    with pytest.raises(KeyError):
        who5.item("who5-6")
    assert len(bv.answerable_items) == len([i for i in bv.items if i.type != "display"])
    assert all(i.type != "display" for i in bv.answerable_items)
    assert who5.intro_for("guided") == who5.intro["guided"]
    assert bv.intro_for("standard") == bv.intro["standard"]
    assert who5.scale_explanation_for("plain") == who5.scale_explanation["plain"]
    assert bv.scale_explanation_for("plain") is None
    with pytest.raises(KeyError):
        phq9.scoring_rule("nope")


def test_objects_are_frozen(who5: Questionnaire) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        who5.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        who5.item("who5-1").variants["plain"] = "x"  # type: ignore[index]
    assert AnswerValue() == AnswerValue(code=None, value=None, skipped=False)
