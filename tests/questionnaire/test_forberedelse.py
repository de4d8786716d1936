"""Forberedelse (our own preparation for a talk with the doctor): the four Vælg Klogt questions
in their exact wording at every level, as yes/no items; the information and decision options;
no scores and no alerts; every item has plain and guided wording, help and why; typed answers
the patient is likely to give are understood."""

from __future__ import annotations

import pytest

from bot.questionnaire.interpret import interpret
from bot.questionnaire.model import LEVELS, Questionnaire
from bot.questionnaire.scoring import evaluate_alerts, score

from .conftest import value

VAELG_KLOGT = {
    "fb-brug-for": "Har jeg virkelig brug for det?",
    "fb-fordele": "Hvad er fordele og ulemper?",
    "fb-enklere": "Er der enklere eller mere sikre muligheder?",
    "fb-ingenting": "Hvad sker der, hvis jeg ikke gør noget?",
}


@pytest.fixture(scope="module")
def fb(shipped: dict[str, Questionnaire]) -> Questionnaire:
    return shipped["forberedelse"]


def test_our_own_unscored_questionnaire(fb: Questionnaire) -> None:
    assert fb.validated is False and fb.verified is True
    assert fb.status == "draft"  # like the project's other own questionnaires
    assert fb.scoring == () and fb.alerts == ()
    assert [i.link_id for i in fb.items] == [
        "fb-vigtigst", "fb-vaelg-klogt", *VAELG_KLOGT, "fb-information", "fb-rolle"
    ]  # fmt: skip
    assert "cirka 3 minutter" in fb.intro_for("guided")


def test_the_valg_klogt_questions_are_exact_at_every_level(fb: Questionnaire) -> None:
    for link_id, question in VAELG_KLOGT.items():
        item = fb.item(link_id)
        assert item.type == "boolean"
        for level in LEVELS:
            assert f"„{question}“" in item.text_for(level), (link_id, level)
    guided = fb.item("fb-brug-for").text_for("guided")
    assert guided.endswith("Svar ja eller nej.")


def test_what_matters_is_optional_free_text_with_an_example(fb: Questionnaire) -> None:
    item = fb.item("fb-vigtigst")
    assert item.type == "string" and item.required is False
    assert item.example and item.example.startswith("For eksempel")
    assert interpret(item, "At jeg kan passe min have").value == "At jeg kan passe min have"


def test_information_and_role_options(fb: Questionnaire) -> None:
    information, role = fb.item("fb-information"), fb.item("fb-rolle")
    assert [(o.code, o.display) for o in information.options] == [
        ("much", "Så meget som muligt"), ("main", "Det vigtigste"), ("little", "Kun lidt")
    ]  # fmt: skip
    assert [(o.code, o.display, o.short) for o in role.options] == [
        ("self", "Jeg vil selv bestemme", "Selv"),
        ("shared", "Vi bestemmer sammen", "Sammen"),
        ("doctor", "Lægen skal bestemme", "Lægen"),
    ]
    assert all(o.score is None for o in (*information.options, *role.options))
    assert set(role.option_help) == {o.display for o in role.options}


@pytest.mark.parametrize(
    ("link_id", "typed", "code"),
    [
        ("fb-information", "alt", "much"),
        ("fb-information", "kun det vigtigste", "main"),
        ("fb-information", "så lidt som muligt", "little"),
        ("fb-rolle", "sammen med lægen", "shared"),
        ("fb-rolle", "det vil jeg selv", "self"),
        ("fb-rolle", "lad lægen bestemme", "doctor"),
    ],
)
def test_typed_choices_are_understood(
    fb: Questionnaire, link_id: str, typed: str, code: str
) -> None:
    found = interpret(fb.item(link_id), typed)
    assert (found.status, found.code) == ("match", code)


def test_typed_yes_and_no_to_a_question(fb: Questionnaire) -> None:
    item = fb.item("fb-enklere")
    assert interpret(item, "ja").value is True
    assert interpret(item, "nej tak").value is False


def test_no_answer_raises_an_alert_or_a_score(fb: Questionnaire) -> None:
    answers = {link_id: value(True) for link_id in VAELG_KLOGT}
    assert score(fb, answers) == []
    assert evaluate_alerts(fb, answers) == []


def test_every_item_has_plain_and_guided_wording_help_and_why(fb: Questionnaire) -> None:
    for item in fb.items:
        assert set(item.variants) == {"plain", "guided"}, item.link_id
        if item.type != "display":
            assert item.help and item.why, item.link_id
