"""interpret(): buttons, typed Danish answers, and properties that must always hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.questionnaire.interpret import interpret
from bot.questionnaire.model import Item, Questionnaire

# (text, expected status, expected code or None, expected reason or None)
WHO5_CASES: list[tuple[str, str, str | None, str | None]] = [
    # exact display (any case, punctuation, emoji)
    ("Hele tiden", "match", "5", "exact"),
    ("hele tiden!", "match", "5", "exact"),
    ("Lidt mere end halvdelen af tiden 😊", "match", "3", "exact"),
    ("PÅ INTET TIDSPUNKT", "match", "0", "exact"),
    # synonyms
    ("næsten hele tiden", "match", "4", "synonym"),
    ("mest", "match", "4", "synonym"),
    ("oftest", "match", "4", "synonym"),
    ("altid", "match", "5", "synonym"),
    ("en gang imellem", "match", "1", "synonym"),
    ("sjældent", "match", "1", "synonym"),
    ("næsten aldrig", "match", "1", "synonym"),
    ("aldrig", "match", "0", "synonym"),
    ("slet ikke", "match", "0", "synonym"),
    ("overhovedet ikke", "match", "0", "synonym"),
    ("lidt mere end halvdelen", "match", "3", "synonym"),
    # contains one option phrase
    ("det meste af tiden vel", "match", "4", "contains"),
    ("tja, lidt af tiden måske", "match", "1", "contains"),
    ("jeg har været glad hele tiden", "match", "5", "contains"),
    # misspellings
    ("det mste af tidn", "match", "4", "fuzzy"),
    ("hele tidden", "match", "5", "fuzzy"),
    ("lidt mindre end halvdelen af tidem", "match", "2", None),
    ("på intet tidspunk", "match", "0", "fuzzy"),
    ("lidt mer end halvdelen", "match", "3", "fuzzy"),
    # unsure: a number (the patient sees no numbers), a missing word, several options
    ("3", "unsure", "3", "number"),
    ("tre", "unsure", "3", "number"),
    ("mere end halvdelen af tiden", "unsure", "3", "fuzzy"),
    ("hele tiden eller det meste af tiden", "unsure", "4", "contains"),
    ("det mste af tidn vel", "unsure", "4", "fuzzy"),
    # never an option the words contradict
    ("ikke hele tiden", "no_match", None, None),
    ("ikke altid", "no_match", None, None),
    ("ikke hele tiden men det meste af tiden", "unsure", "4", "contains"),
    ("det meste af tiden ikke", "unsure", "4", "contains"),
    # no match
    ("7", "no_match", None, "unknown"),
    ("tja", "no_match", None, "unknown"),
    ("sådan cirka", "no_match", None, "unknown"),
    ("ved ikke", "no_match", None, "unknown"),
    ("det ved jeg ikke", "no_match", None, "unknown"),
    ("ja", "no_match", None, "unknown"),
    ("halvdelen", "no_match", None, "unknown"),
    ("hvad er klokken", "no_match", None, "unknown"),
    ("", "no_match", None, "empty"),
    ("   ", "no_match", None, "empty"),
    ("🙂", "no_match", None, "empty"),
]


@pytest.mark.parametrize(("text", "status", "code", "reason"), WHO5_CASES)
def test_who5_typed_answers(
    who5: Questionnaire, text: str, status: str, code: str | None, reason: str | None
) -> None:
    result = interpret(who5.item("who5-1"), text)
    assert result.status == status, result
    assert result.code == code, result
    if reason is not None:
        assert result.reason == reason, result
    if status == "match":
        option = who5.item("who5-1").option(result.code or "")
        assert option is not None and result.display == option.display
    if status == "unsure":
        assert result.candidates and result.candidates[0].code == code
        assert len(result.candidates) <= 3


def test_unsure_lists_several_candidates_best_first(who5: Questionnaire) -> None:
    result = interpret(who5.item("who5-2"), "hele tiden eller det meste af tiden")
    assert [c.code for c in result.candidates] == ["4", "5"]


PHQ_CASES: list[tuple[str, str, str, str | None]] = [
    ("phq9-1", "Slet ikke", "match", "0"),
    ("phq9-1", "flere dage", "match", "1"),
    ("phq9-1", "nogle dage", "match", "1"),
    ("phq9-1", "af og til", "match", "1"),
    ("phq9-1", "de fleste dage", "match", "2"),
    ("phq9-1", "mere end halvdelen", "match", "2"),
    ("phq9-1", "næsten hver dag", "match", "3"),
    ("phq9-1", "hver dag", "match", "3"),
    ("phq9-1", "flere dag", "match", "1"),
    ("phq9-1", "næsten hver dga", "match", "3"),
    ("phq9-1", "slet ike", "match", "0"),
    ("phq9-1", "ikke hver dag", "no_match", None),
    ("phq9-1", "nej", "no_match", None),
    ("phq9-9", "ved ikke", "no_match", None),
    ("phq9-9", "2", "unsure", "2"),
    ("phq9-10", "lidt", "match", "1"),
    ("phq9-10", "ikke så svært", "match", "1"),
    ("phq9-10", "meget", "match", "2"),
    ("phq9-10", "ekstremt", "match", "3"),
    ("phq9-10", "Slet ikke besværligt", "match", "0"),
]


@pytest.mark.parametrize(("link_id", "text", "status", "code"), PHQ_CASES)
def test_phq9_typed_answers(
    phq9: Questionnaire, link_id: str, text: str, status: str, code: str | None
) -> None:
    result = interpret(phq9.item(link_id), text)
    assert (result.status, result.code) == (status, code), result


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        ("nej", "match", "0"),
        ("lidt", "match", "1"),
        ("ja lidt", "match", "1"),
        ("ikke meget", "match", "1"),
        ("en del", "match", "2"),
        ("rigtig meget", "match", "3"),
        ("ja", "no_match", None),
    ],
)
def test_own_choice_items(bv: Questionnaire, text: str, status: str, code: str | None) -> None:
    result = interpret(bv.item("bv-smerter"), text)
    assert (result.status, result.code) == (status, code), result


# -- buttons (payload codes) --------------------------------------------------------------------


def test_button_payloads(who5: Questionnaire, bv: Questionnaire) -> None:
    result = interpret(who5.item("who5-1"), None, code="4")
    assert (result.status, result.code, result.display, result.reason) == (
        "match",
        "4",
        "Det meste af tiden",
        "payload",
    )
    assert interpret(who5.item("who5-1"), "whatever", code="9").status == "no_match"
    assert interpret(who5.item("who5-1"), None, code="9").reason == "unknown"

    network = bv.item("bv-netvaerk")
    assert interpret(network, None, code="true").value is True
    assert interpret(network, None, code="false").value is False
    assert interpret(network, None, code="yes").status == "no_match"

    strain = bv.item("bv-belastning")
    assert interpret(strain, None, code="7").value == 7
    assert interpret(strain, None, code="0").value == 0
    assert interpret(strain, None, code="11").status == "no_match"
    assert interpret(strain, None, code="x").status == "no_match"

    assert interpret(bv.item("bv-vigtigst"), None, code="1").status == "no_match"


# -- integer ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "status", "value", "reason"),
    [
        ("7", "match", 7, "number"),
        (" 7 ", "match", 7, "number"),
        ("syv", "match", 7, "number_word"),
        ("omkring syv", "match", 7, "number_word"),
        ("7/10", "match", 7, "number"),
        ("ca 7", "match", 7, "number"),
        ("7 ud af 10", "match", 7, "number"),
        ("0", "match", 0, "number"),
        ("nul", "match", 0, "number_word"),
        ("ti", "match", 10, "number_word"),
        ("11", "no_match", 11, "out_of_range"),
        ("-1", "no_match", -1, "out_of_range"),
        ("tyve", "no_match", 20, "out_of_range"),
        ("ved ikke", "no_match", None, "unknown"),
        ("tja", "no_match", None, "unknown"),
        ("6-7", "no_match", None, "unknown"),
        ("", "no_match", None, "empty"),
    ],
)
def test_integer_answers(
    bv: Questionnaire, text: str, status: str, value: int | None, reason: str
) -> None:
    result = interpret(bv.item("bv-belastning"), text)
    assert (result.status, result.value, result.reason) == (status, value, reason), result
    if status == "match":
        assert result.display == str(value)


# -- boolean ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ja", True),
        ("Ja tak", True),
        ("ja da", True),
        ("jo", True),
        ("jep", True),
        ("gerne", True),
        ("yes", True),
        ("ok", True),
        ("jaa", True),
        ("JAAA!", True),
        ("ja, det har jeg", True),
        ("nej", False),
        ("nej tak", False),
        ("næ", False),
        ("nope", False),
        ("no", False),
        ("ikke rigtig", False),
        ("nejj", False),
        ("nej, det har jeg ikke", False),
        ("måske", None),
        ("ved ikke", None),
        ("tja", None),
        ("ja, men ikke altid", None),
        ("hvad mener du", None),
        ("", None),
    ],
)
def test_boolean_answers(bv: Questionnaire, text: str, expected: bool | None) -> None:
    result = interpret(bv.item("bv-netvaerk"), text)
    if expected is None:
        assert result.status == "no_match", result
    else:
        assert (result.status, result.value, result.reason) == ("match", expected, "yes_no")
        assert result.display == ("Ja" if expected else "Nej")


# -- free text ----------------------------------------------------------------------------------


def test_string_answers(bv: Questionnaire) -> None:
    item = bv.item("bv-vigtigst")
    result = interpret(item, "  At være sammen med mine børnebørn.  ")
    assert (result.status, result.value, result.reason) == (
        "match",
        "At være sammen med mine børnebørn.",
        "free_text",
    )
    assert interpret(item, "   ").reason == "empty"
    assert interpret(item, None).reason == "empty"


def test_display_items_take_no_answer(bv: Questionnaire) -> None:
    assert interpret(bv.item("bv-netvaerk-intro"), "ja").status == "no_match"


# -- properties ---------------------------------------------------------------------------------

STATUSES = {"match", "unsure", "no_match"}
WORDS = st.sampled_from(
    [
        "hele",
        "tiden",
        "det",
        "meste",
        "af",
        "lidt",
        "mere",
        "mindre",
        "end",
        "halvdelen",
        "ikke",
        "slet",
        "aldrig",
        "ja",
        "nej",
        "syv",
        "7",
        "på",
        "intet",
        "tidspunkt",
        "dage",
        "flere",
        "næsten",
        "hver",
        "dag",
        "🙂",
        "?",
        ",",
    ]
)
DANISHISH = st.lists(WORDS, max_size=8).map(" ".join)
ANY_TEXT = st.one_of(st.text(max_size=80), DANISHISH)


@settings(max_examples=100, deadline=None)
@given(text=ANY_TEXT)
def test_choice_never_raises_and_matches_valid_codes(
    who5: Questionnaire, phq9: Questionnaire, text: str
) -> None:
    for item in (who5.item("who5-1"), phq9.item("phq9-9"), phq9.item("phq9-10")):
        result = interpret(item, text)
        assert result.status in STATUSES
        if result.status == "match":
            assert result.code is not None and item.option(result.code) is not None
        for candidate in result.candidates:
            assert candidate in item.options


@settings(max_examples=100, deadline=None)
@given(data=st.data(), suffix=DANISHISH)
def test_negated_option_is_never_matched(
    who5: Questionnaire, phq9: Questionnaire, data: st.DataObject, suffix: str
) -> None:
    item = data.draw(st.sampled_from([who5.item("who5-1"), phq9.item("phq9-1")]))
    option = data.draw(st.sampled_from(item.options))
    if option.display.lower().startswith(("slet ikke", "på intet")):
        return  # these already say "not"; "ikke slet ikke" is not a sensible test
    result = interpret(item, f"ikke {option.display} {suffix}")
    assert not (result.status == "match" and result.code == option.code), result


@settings(max_examples=100, deadline=None)
@given(text=ANY_TEXT)
def test_other_types_never_raise(bv: Questionnaire, text: str) -> None:
    strain = bv.item("bv-belastning")
    result = interpret(strain, text)
    assert result.status in STATUSES
    if result.status == "match":
        assert isinstance(result.value, int)
        assert strain.min_value is not None and strain.max_value is not None
        assert strain.min_value <= result.value <= strain.max_value
    result = interpret(bv.item("bv-netvaerk"), text)
    assert result.status in STATUSES
    if result.status == "match":
        assert isinstance(result.value, bool)
    result = interpret(bv.item("bv-vigtigst"), text)
    assert result.status in STATUSES
    assert (result.status == "match") == bool(text.strip())


@settings(max_examples=100, deadline=None)
@given(code=st.text(max_size=12))
def test_any_payload_never_raises(who5: Questionnaire, bv: Questionnaire, code: str) -> None:
    items: list[Item] = [who5.item("who5-1"), *bv.items]
    for item in items:
        result = interpret(item, None, code=code)
        assert result.status in ("match", "no_match")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("👍", True), ("👍🏽", True), (" 👎 ", False), ("👍👎", None), ("👍 måske", None)],
)
def test_a_thumb_alone_answers_yes_or_no(text: str, expected: bool | None) -> None:
    item = Item(link_id="x", type="boolean", text="Ja eller nej?")
    reading = interpret(item, text)
    if expected is None:
        assert reading.status != "match"
    else:
        assert reading.status == "match" and reading.value is expected
