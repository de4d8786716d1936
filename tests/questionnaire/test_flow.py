"""flow: enableWhen, next item, progress, going back."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.questionnaire.flow import (
    displays_before,
    effective_answers,
    is_complete,
    is_enabled,
    next_item,
    previous_answered,
    progress,
)
from bot.questionnaire.interpret import interpret
from bot.questionnaire.model import AnswerValue, EnableWhen, Item, Questionnaire

from .conftest import SKIPPED, choice, value


def _phq_answers(codes: list[str]) -> dict[str, AnswerValue]:
    return {f"phq9-{n}": choice(code) for n, code in enumerate(codes, start=1)}


def test_phq9_item10_only_when_something_above_zero(phq9: Questionnaire) -> None:
    item10 = phq9.item("phq9-10")
    all_zero = _phq_answers(["0"] * 9)
    assert not is_enabled(item10, all_zero)
    assert next_item(phq9, all_zero) is None
    assert is_complete(phq9, all_zero)
    assert progress(phq9, all_zero) == (9, 9)

    one_above = _phq_answers(["0"] * 8 + ["1"])
    assert is_enabled(item10, one_above)
    assert next_item(phq9, one_above) == item10
    assert not is_complete(phq9, one_above)
    assert progress(phq9, one_above) == (10, 10)

    # a skipped item is no value for a condition
    skipped = {**_phq_answers(["0"] * 8), "phq9-9": SKIPPED}
    assert not is_enabled(item10, skipped)
    assert is_complete(phq9, skipped)


def test_next_item_in_order_and_skipped_counts_as_answered(phq9: Questionnaire) -> None:
    assert next_item(phq9, {}) == phq9.item("phq9-1")
    assert next_item(phq9, {"phq9-1": SKIPPED}) == phq9.item("phq9-2")
    # answers need not be in order: the first unanswered item comes next
    assert next_item(phq9, {"phq9-2": choice("1")}) == phq9.item("phq9-1")


def test_progress_counts_enabled_items(bv: Questionnaire, who5: Questionnaire) -> None:
    assert progress(who5, {}) == (1, 5)
    assert progress(who5, {"who5-1": choice("3"), "who5-2": choice("4")}) == (3, 5)
    # behovsvurdering: the follow-ups are hidden until their question is answered yes, or
    # "En del"/"Meget" for a problem (whether the patient wants help with it)
    total = len(bv.answerable_items)
    hidden = len([i for i in bv.answerable_items if i.enable_when])
    assert progress(bv, {}) == (1, total - hidden)
    checklist = [
        i.link_id for i in bv.items if i.link_id.startswith("bv-krop-") and i.type == "boolean"
    ]
    answers = {
        "bv-belastning": value(4),
        "bv-smerter": choice("0"),
        "bv-traethed": choice("1"),
        **{link_id: value(False) for link_id in checklist if link_id != "bv-krop-hjaelp"},
        "bv-krop-andet": SKIPPED,
        "bv-bekymring": choice("2"),
        "bv-bekymring-hjaelp": value(False),
        "bv-netvaerk": value(True),
    }
    number, shown = progress(bv, answers)
    assert shown == total - hidden + 2  # bv-bekymring-hjaelp and bv-netvaerk-hvem
    assert next_item(bv, answers) == bv.item("bv-netvaerk-hvem")
    assert number == len(answers) + 1
    no_network = {**answers, "bv-netvaerk": value(False)}
    assert next_item(bv, no_network) == bv.item("bv-boern")
    assert progress(bv, no_network) == (len(answers) + 1, total - hidden + 1)


def test_is_enabled_operators() -> None:
    base = Item(link_id="x", type="string", text="?")

    def item(*conditions: EnableWhen, behavior: str = "all") -> Item:
        return Item(
            link_id="y",
            type="string",
            text="?",
            enable_when=conditions,
            enable_behavior=behavior,
        )

    assert is_enabled(base, {})
    exists = item(EnableWhen("a", "exists", True))
    assert not is_enabled(exists, {})
    assert not is_enabled(exists, {"a": SKIPPED})
    assert is_enabled(exists, {"a": value("hej")})
    assert is_enabled(item(EnableWhen("a", "exists", False)), {})
    assert is_enabled(item(EnableWhen("a", "=", True)), {"a": value(True)})
    assert not is_enabled(item(EnableWhen("a", "=", True)), {"a": value(False)})
    assert not is_enabled(item(EnableWhen("a", "=", True)), {"a": value(1)})
    assert is_enabled(item(EnableWhen("a", "=", "2")), {"a": choice("2")})
    assert is_enabled(item(EnableWhen("a", "=", 2)), {"a": choice("2")})
    assert is_enabled(item(EnableWhen("a", "!=", "2")), {"a": choice("3")})
    assert is_enabled(item(EnableWhen("a", ">=", 5)), {"a": value(5)})
    assert not is_enabled(item(EnableWhen("a", "<", 5)), {"a": value(5)})
    assert is_enabled(item(EnableWhen("a", "<=", 5)), {"a": value(5)})
    assert not is_enabled(item(EnableWhen("a", ">", 0)), {"a": choice("x")})
    both = (EnableWhen("a", "=", True), EnableWhen("b", "=", True))
    answers = {"a": value(True), "b": value(False)}
    assert not is_enabled(item(*both), answers)
    assert is_enabled(item(*both, behavior="any"), answers)


def test_answers_of_disabled_items_do_not_count(bv: Questionnaire) -> None:
    answers = {
        "bv-spoergsmaal-laege": value(False),
        "bv-spoergsmaal-tekst": value("Hvad med bivirkninger?"),
    }
    assert "bv-spoergsmaal-tekst" not in effective_answers(bv, answers)
    assert "bv-spoergsmaal-laege" in effective_answers(bv, answers)


def test_displays_before(bv: Questionnaire, who5: Questionnaire) -> None:
    assert displays_before(bv, bv.item("bv-netvaerk")) == (bv.item("bv-netvaerk-intro"),)
    assert displays_before(bv, bv.item("bv-belastning")) == ()
    assert displays_before(bv, bv.item("bv-netvaerk-hvem")) == ()
    assert displays_before(who5, who5.item("who5-3")) == ()


def test_previous_answered(bv: Questionnaire, phq9: Questionnaire) -> None:
    assert previous_answered(phq9, {}, phq9.item("phq9-1")) is None
    answers = {"phq9-1": choice("1"), "phq9-2": SKIPPED, "phq9-3": choice("0")}
    assert previous_answered(phq9, answers, phq9.item("phq9-4")) == phq9.item("phq9-3")
    assert previous_answered(phq9, answers, phq9.item("phq9-3")) == phq9.item("phq9-2")
    assert previous_answered(phq9, answers, None) == phq9.item("phq9-3")
    # a hidden follow-up is not "the previous question"
    bv_answers = {
        "bv-netvaerk": value(False),
        "bv-netvaerk-hvem": value("min søn"),
        "bv-paaroerende": choice("1"),
    }
    assert previous_answered(bv, bv_answers, bv.item("bv-praktisk")) == bv.item("bv-paaroerende")
    assert previous_answered(bv, bv_answers, bv.item("bv-paaroerende")) == bv.item("bv-netvaerk")


def _answer_for(item: Item, pick: int) -> AnswerValue:
    if item.type == "choice":
        return AnswerValue(code=item.options[pick % len(item.options)].code)
    if item.type == "integer":
        assert item.min_value is not None and item.max_value is not None
        return AnswerValue(value=item.min_value + pick % (item.max_value - item.min_value + 1))
    if item.type == "boolean":
        return AnswerValue(value=pick % 2 == 0)
    return AnswerValue(value=f"svar {pick}")


@settings(max_examples=40, deadline=None)
@given(
    qid=st.sampled_from(["who5", "phq9", "gad7", "behovsvurdering"]),
    picks=st.lists(st.integers(min_value=0, max_value=20), min_size=50, max_size=50),
    skips=st.lists(st.booleans(), min_size=50, max_size=50),
)
def test_answering_next_item_always_terminates(
    shipped: dict[str, Questionnaire], qid: str, picks: list[int], skips: list[bool]
) -> None:
    q = shipped[qid]
    answers: dict[str, AnswerValue] = {}
    for step in range(len(q.items) + 1):
        item = next_item(q, answers)
        if item is None:
            break
        number, total = progress(q, answers)
        assert 1 <= number <= total <= len(q.answerable_items)
        assert item.link_id not in answers
        answers[item.link_id] = SKIPPED if skips[step] else _answer_for(item, picks[step])
    assert is_complete(q, answers)
    assert step <= len(q.items)
    number, total = progress(q, answers)
    assert number == total


def test_interpreted_buttons_drive_the_flow(who5: Questionnaire) -> None:
    answers: dict[str, AnswerValue] = {}
    while (item := next_item(who5, answers)) is not None:
        result = interpret(item, None, code="3")
        answers[item.link_id] = AnswerValue(code=result.code)
    assert is_complete(who5, answers)
    assert len(answers) == 5


def test_previous_answered_before_a_display_item(bv: Questionnaire) -> None:
    answers = {"bv-belastning": value(3), "bv-bekymring": choice("1")}
    intro = bv.item("bv-netvaerk-intro")
    assert previous_answered(bv, answers, intro) == bv.item("bv-bekymring")
