"""Behovsvurdering (our own instrument): distress alerts, problem → need follow-ups, the bodily
checklist and the items added for Danish practice."""

from __future__ import annotations

import re

import pytest

from bot.questionnaire.flow import is_enabled
from bot.questionnaire.interpret import interpret
from bot.questionnaire.model import Questionnaire
from bot.questionnaire.scoring import evaluate_alerts, item_alerts, triage

from .conftest import SKIPPED, choice, value

PROBLEMS = {
    "bv-smerter": "bv-smerter-hjaelp",
    "bv-traethed": "bv-traethed-hjaelp",
    "bv-bekymring": "bv-bekymring-hjaelp",
    "bv-paaroerende": "bv-paaroerende-hjaelp",
    "bv-praktisk": "bv-praktisk-hjaelp",
    "bv-arbejde-oekonomi": "bv-oekonomi-hjaelp",
    "bv-tanker-livet": "bv-tanker-livet-hjaelp",
}
CHECKLIST = (
    "bv-krop-soevn",
    "bv-krop-appetit",
    "bv-krop-kvalme",
    "bv-krop-vejrtraekning",
    "bv-krop-toilet",
    "bv-krop-foleloeshed",
    "bv-krop-hukommelse",
    "bv-krop-sex",
    "bv-krop-udseende",
    "bv-krop-bevaegelse",
)


@pytest.mark.parametrize(
    ("link_id", "code", "alerts", "urgent"),
    [
        ("bv-smerter", "3", ["bv-pain-severe"], False),
        ("bv-smerter", "2", ["bv-pain-moderate"], False),
        ("bv-smerter", "1", [], False),
        ("bv-smerter", "0", [], False),
        ("bv-bekymring", "3", ["bv-worry-severe"], False),
        ("bv-bekymring", "2", ["bv-worry-moderate"], False),
        ("bv-bekymring", "1", [], False),
        ("bv-tanker-livet", "3", ["bv-life-death-severe"], True),
        ("bv-tanker-livet", "2", ["bv-life-death-moderate"], False),
        ("bv-tanker-livet", "0", [], False),
        ("bv-traethed", "3", [], False),  # a problem without an alert of its own: the need asks
    ],
)
def test_distress_items_alert(
    bv: Questionnaire, link_id: str, code: str, alerts: list[str], urgent: bool
) -> None:
    hits = item_alerts(bv, link_id, choice(code))
    assert [h.rule.id for h in hits] == alerts
    assert any(h.rule.urgent for h in hits) is urgent
    expected = {"3": "red", "2": "yellow"}.get(code, "green") if alerts else "green"
    assert triage(hits, []) == expected


def test_a_skipped_distress_item_alerts_nothing(bv: Questionnaire) -> None:
    for link_id in ("bv-smerter", "bv-bekymring", "bv-tanker-livet"):
        assert item_alerts(bv, link_id, SKIPPED) == []


@pytest.mark.parametrize(("problem", "follow_up"), sorted(PROBLEMS.items()))
def test_a_problem_asks_whether_help_is_wanted(
    bv: Questionnaire, problem: str, follow_up: str
) -> None:
    item = bv.item(follow_up)
    assert item.type == "boolean"
    assert [o.display for o in bv.item(problem).options] == ["Slet ikke", "Lidt", "En del", "Meget"]
    shown = {code: is_enabled(item, {problem: choice(code)}) for code in ("0", "1", "2", "3")}
    assert shown == {"0": False, "1": False, "2": True, "3": True}
    assert not is_enabled(item, {problem: SKIPPED})
    # wanting help is a need the coordinator acts on; not wanting it is stored, no alert
    (hit,) = item_alerts(bv, follow_up, value(True))
    assert (hit.rule.level, hit.rule.urgent) == ("yellow", False)
    assert item_alerts(bv, follow_up, value(False)) == []


def test_every_problem_of_the_omfang_scale_has_a_follow_up(bv: Questionnaire) -> None:
    omfang = [
        i.link_id for i in bv.items if i.type == "choice" and i.options[0].display == "Slet ikke"
    ]
    assert sorted(omfang) == sorted(PROBLEMS)


def test_bodily_checklist(bv: Questionnaire) -> None:
    items = [bv.item(link_id) for link_id in CHECKLIST]
    assert all(i.type == "boolean" and i.section == "Din krop" for i in items)
    order = [i.link_id for i in bv.items]
    assert order.index("bv-krop-liste") < order.index(CHECKLIST[0])
    assert [o for o in order if o in CHECKLIST] == list(CHECKLIST)
    wants_help = bv.item("bv-krop-hjaelp")
    assert wants_help.enable_behavior == "any"
    assert not is_enabled(wants_help, {link_id: value(False) for link_id in CHECKLIST})
    for link_id in CHECKLIST:
        answers = {other: value(other == link_id) for other in CHECKLIST}
        assert is_enabled(wants_help, answers)
    assert [h.rule.id for h in item_alerts(bv, "bv-krop-hjaelp", value(True))] == [
        "bv-wants-help-body"
    ]


def test_items_for_danish_practice(bv: Questionnaire) -> None:
    assert "under 18" in bv.item("bv-boern").text
    assert bv.item("bv-paaroerende-belastning").type == "boolean"
    assert "kommune" in bv.item("bv-rehabilitering").text
    information = bv.item("bv-information")
    assert [o.code for o in information.options] == ["much", "main", "little"]
    decision = bv.item("bv-beslutning")
    assert [o.code for o in decision.options] == ["self", "shared", "doctor"]
    for item in (information, decision):
        assert all(o.score is None for o in item.options)
    assert "døden" in bv.item("bv-tanker-livet").text_for("plain")


def test_typed_answers_to_the_new_choice_items(bv: Questionnaire) -> None:
    assert interpret(bv.item("bv-beslutning"), "sammen med lægen").code == "shared"
    assert interpret(bv.item("bv-beslutning"), "det må lægen bestemme").code == "doctor"
    assert interpret(bv.item("bv-beslutning"), "selv").code == "self"
    assert interpret(bv.item("bv-information"), "alt").code == "much"
    assert interpret(bv.item("bv-information"), "kun det vigtigste").code == "main"


def test_length_and_the_time_in_the_intro(bv: Questionnaire) -> None:
    always = [i for i in bv.answerable_items if not i.enable_when]
    assert (len(always), len(bv.answerable_items)) == (29, 39)
    # about 15 s a tap, 45 s a free text: 29 items always asked, 4 of them free text
    free_text = [i for i in always if i.type == "string"]
    seconds = 15 * (len(always) - len(free_text)) + 45 * len(free_text)
    stated = {int(m) for text in bv.intro.values() for m in re.findall(r"(\d+) minutter", text)}
    assert stated == {10}
    assert seconds / 60 <= 10


def test_a_whole_answer_set_with_distress(bv: Questionnaire) -> None:
    answers = {
        "bv-belastning": value(6),
        "bv-smerter": choice("3"),
        "bv-smerter-hjaelp": value(True),
        "bv-bekymring": choice("2"),
        "bv-bekymring-hjaelp": value(False),
        "bv-tanker-livet": choice("1"),
    }
    ids = [h.rule.id for h in evaluate_alerts(bv, answers)]
    assert ids == [
        "bv-pain-severe",
        "bv-worry-moderate",
        "bv-strain-moderate",
        "bv-wants-help-pain",
    ]
    assert triage(evaluate_alerts(bv, answers), []) == "red"
