"""bot/dialogue/answering.py and recording.py: typed answers, confirmation, PHQ-9 safety, and what is never stored."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from tests.dialogue.support import (
    PHQ9_STEM,
    WHO5_TEXT,
    start_step,
    yaml_items,
)
from tests.helpers import (
    alerts,
    answer_all,
    answers,
    conversation_row,
    current,
    messages,
    new_conversation,
    present,
    press,
    question,
    responses,
    say,
)

# ====================================================================== typed answers


TYPED = [
    ("Det meste af tiden", "4", "exact"),
    ("det mste af tiden", "4", "fuzzy"),
    ("hele tidn", "5", "fuzzy"),
    ("aldrig", "0", "synonym"),
    ("lidt af tidn", "1", "fuzzy"),
    ("  HELE TIDEN  ", "5", "exact"),
]


def test_typed_answers_including_misspellings_are_stored(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    for text, code, reason in TYPED:
        cid = new_conversation(session_factory)
        present(service, session_factory, cid)
        outcome = say(service, session_factory, cid, text)
        assert outcome.replies == [] and not outcome.finished, text
        (row,) = answers(session_factory, cid)
        last_in = [m for m in messages(session_factory, cid) if m.direction == "in"][-1]
        assert (row.link_id, row.code, row.input_kind, row.interpretation) == (
            "who5-1", code, "text", reason), text
        assert row.raw_text == text
        assert row.message_id == last_in.id
        assert row.wording_shown == WHO5_TEXT["who5-1"]
        assert row.literacy_level == "standard"
        assert question(present(service, session_factory, cid)).link_id == "who5-2"


def test_bare_number_is_confirmed_before_it_is_stored(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    unsure = say(service, session_factory, cid, "3")

    (confirm,) = unsure.replies
    assert confirm.meta == {"kind": "confirm", "item": "who5-1"}
    assert confirm.text == texts._("I understood: “{answer}”. Is that right?",
                                   answer="Lidt mere end halvdelen af tiden")
    assert [b.payload for b in confirm.buttons] == ["/affirm", "/deny"]
    assert answers(session_factory, cid) == []
    assert conversation_row(session_factory, cid).pending is not None

    yes = say(service, session_factory, cid, "ja", intent="affirm")
    assert not yes.finished
    (row,) = answers(session_factory, cid)
    assert (row.link_id, row.code, row.input_kind) == ("who5-1", "3", "confirmed")
    assert row.raw_text == "3"
    assert row.interpretation == "number"
    assert row.literacy_level == "standard"
    assert row.wording_shown == WHO5_TEXT["who5-1"]
    assert row.message_id is not None
    assert conversation_row(session_factory, cid).pending is None
    assert question(present(service, session_factory, cid)).link_id == "who5-2"


def test_denied_confirmation_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "3")
    no = say(service, session_factory, cid, "nej", intent="deny")

    assert [r.text for r in no.replies] == [texts._("Okay. Choose the answer that fits you best.")]
    assert answers(session_factory, cid) == []
    assert conversation_row(session_factory, cid).pending is None
    # The same item is still the one to answer; a typed "ja tak" (no intent) confirms.
    say(service, session_factory, cid, "to")
    say(service, session_factory, cid, "ja tak", intent=None)
    (row,) = answers(session_factory, cid)
    assert (row.code, row.input_kind, row.raw_text) == ("2", "confirmed", "to")


def _dont_know_twice_offers_to_skip_and_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)

    first = say(service, session_factory, cid, "ved ikke", intent="dont_know")
    assert [r.text for r in first.replies] == [texts._(
        "That is all right. Choose the answer that fits best. "
        "There are no right or wrong answers.")]
    assert alerts(session_factory, cid) == []
    assert conversation_row(session_factory, cid).attempts == 1

    second = say(service, session_factory, cid, "ved ikke", intent="dont_know")
    assert len(second.replies) == 2
    offer = second.replies[1]
    assert offer.text == texts._(
        "Would you like to skip this question? You can also ask a nurse to call you.")
    assert [b.payload for b in offer.buttons] == ["/skip", "/talk_to_person"]
    (alert,) = alerts(session_factory, cid)
    assert (alert.rule_id, alert.level, alert.urgent) == ("difficulty:who5-1", "yellow", False)
    assert answers(session_factory, cid) == []

    say(service, session_factory, cid, "ved det ikke", intent="dont_know")
    assert len(alerts(session_factory, cid)) == 1  # once per rule
    assert answers(session_factory, cid) == []


def _not_understood_text_asks_again(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    outcome = say(service, session_factory, cid, "blåbærgrød")
    assert [r.text for r in outcome.replies] == [texts._(
        "I did not quite understand. You can press one of the buttons, "
        "or write the answer in your own words.")]
    assert answers(session_factory, cid) == []


def test_skip_stores_skipped_and_moves_on(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "ved ikke", intent="dont_know")
    outcome = say(service, session_factory, cid, "/skip", intent="skip")

    assert [r.text for r in outcome.replies] == [texts._("Okay, we skip that question.")]
    (row,) = answers(session_factory, cid)
    assert (row.link_id, row.status, row.code, row.score) == ("who5-1", "skipped", None, None)
    assert row.wording_shown == WHO5_TEXT["who5-1"]
    assert conversation_row(session_factory, cid).attempts == 0
    assert question(present(service, session_factory, cid)).link_id == "who5-2"


# ====================================================================== PHQ-9 safety


def _assert_crisis(reply_texts: list[str]) -> None:
    crisis = [t for t in reply_texts if "Akuttelefonen" in t]
    assert len(crisis) == 1, reply_texts
    text = crisis[0]
    assert "112" in text and "7011 3131" in text and "70 201 209" in text
    assert "1813" not in text  # the settings' number, not the default
    assert "urgent" not in text and "Thank you" not in text  # translated, not the msgid


def _assert_urgent_alert(session_factory: sessionmaker[Session], cid: str) -> None:
    rows = [a for a in alerts(session_factory, cid) if a.rule_id == "phq9-item9"]
    assert len(rows) == 1
    assert rows[0].level == "red" and rows[0].urgent is True
    assert rows[0].response_id == responses(session_factory, cid)[0].id


def test_phq9_item9_above_zero_gives_crisis_reply_in_the_same_outcome(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    service = crisis_service
    for how in ("button", "typed"):
        cid = new_conversation(session_factory, "phq9")
        answer_all(service, session_factory, cid, ["0"] * 8)
        asked = question(present(service, session_factory, cid))
        assert asked.link_id == "phq9-9"
        assert alerts(session_factory, cid) == []

        if how == "button":
            outcome = press(service, session_factory, cid, "phq9-9", "1")
        else:
            outcome = say(service, session_factory, cid, "flere dage")
        _assert_crisis([r.text for r in outcome.replies])
        # Then the choice to pause or go on (the crisis message never ends the conversation).
        assert [(r.meta or {}).get("kind") for r in outcome.replies] == ["crisis", "crisis_choice"]
        _assert_urgent_alert(session_factory, cid)
        row = current(session_factory, cid)["phq9-9"]
        assert (row.code, row.input_kind) == ("1", "button" if how == "button" else "text")
        assert row.wording_shown == f"{PHQ9_STEM}\n{yaml_items('phq9')['phq9-9']}"
        # Item 10 is now enabled, and waits until the patient chooses to go on.
        assert not outcome.finished
        assert present(service, session_factory, cid) == []
        say(service, session_factory, cid, "/start", intent="start", handler=start_step(service))
        assert question(present(service, session_factory, cid)).link_id == "phq9-10"


def _phq9_item9_confirmed_number_gives_crisis_reply(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    service = crisis_service
    cid = new_conversation(session_factory, "phq9")
    answer_all(service, session_factory, cid, ["0"] * 8)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "1")
    assert alerts(session_factory, cid) == []
    outcome = say(service, session_factory, cid, "ja", intent="affirm")
    _assert_crisis([r.text for r in outcome.replies])
    _assert_urgent_alert(session_factory, cid)
    assert current(session_factory, cid)["phq9-9"].input_kind == "confirmed"


def _phq9_item9_zero_gives_no_crisis(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    service = crisis_service
    cid = new_conversation(session_factory, "phq9")
    outcome = answer_all(service, session_factory, cid, ["0"] * 9)
    assert outcome.replies == []
    assert outcome.finished  # item 10 is only asked after a problem
    assert alerts(session_factory, cid) == []
    service.complete(cid)
    assert all(a.rule_id != "phq9-item9" for a in alerts(session_factory, cid))


# ====================================================================== what is not stored


def _stale_button_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5"])
    present(service, session_factory, cid)  # who5-2

    outcome = press(service, session_factory, cid, "who5-1", "0")
    assert [r.text for r in outcome.replies] == [texts._(
        "That button belongs to another question. Please answer the question below. "
        "To change an answer, write “change my answer”.")]
    rows = answers(session_factory, cid)
    assert [(a.link_id, a.code, a.superseded_at) for a in rows] == [("who5-1", "5", None)]


def _answer_to_an_item_not_yet_presented_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5"])
    # who5-2 is current, but the last question shown was who5-1.
    outcome = say(service, session_factory, cid, "hele tiden")
    assert [r.text for r in outcome.replies] == [
        texts._("Your answer is saved. Here is the next question.")]
    assert [a.link_id for a in answers(session_factory, cid)] == ["who5-1"]


def test_nothing_is_stored_without_a_question_or_with_a_forged_option(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    from bot.dialogue.state import UnknownConversation

    cid = new_conversation(session_factory)
    outcome = say(service, session_factory, cid, "hele tiden")
    assert outcome.replies == [] and not outcome.finished
    assert answers(session_factory, cid) == []

    present(service, session_factory, cid)
    press(service, session_factory, cid, "who5-1", "9")
    press(service, session_factory, cid, "who5-1", "<script>")
    assert answers(session_factory, cid) == []

    with pytest.raises(UnknownConversation):
        service.ask("0" * 32)


# grouped runs


def test_dont_know_and_not_understood(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _dont_know_twice_offers_to_skip_and_stores_nothing(service, session_factory, texts)
    _not_understood_text_asks_again(service, session_factory, texts)


def test_phq9_item9_confirmed_and_zero(
    crisis_service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    _phq9_item9_confirmed_number_gives_crisis_reply(crisis_service, session_factory)
    _phq9_item9_zero_gives_no_crisis(crisis_service, session_factory)


def test_stale_button_and_unpresented_item_store_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _stale_button_stores_nothing(service, session_factory, texts)
    _answer_to_an_item_not_yet_presented_stores_nothing(service, session_factory, texts)


# ====================================================================== outside the form


def test_an_answer_outside_the_form_is_stored_and_the_form_resumes(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    """After a "not understood" that left the form, or an engine that lost its tracker, the
    engine sends the patient's next answer to the start action: it is stored, not dropped."""
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    outcome = say(service, session_factory, cid, "lidt af tiden", handler=start_step(service))
    (row,) = answers(session_factory, cid)
    assert (row.link_id, row.code, row.input_kind) == ("who5-1", "1", "text")
    assert outcome.resume_questionnaire and not outcome.finished
    assert question(present(service, session_factory, cid)).link_id == "who5-2"


def test_outside_the_form_a_greeting_or_an_unseen_item_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    # Nothing presented yet: an answer-like message only resumes.
    outcome = say(service, session_factory, cid, "lidt af tiden", handler=start_step(service))
    assert answers(session_factory, cid) == [] and outcome.resume_questionnaire
    present(service, session_factory, cid)
    say(service, session_factory, cid, "hej", intent="greet", handler=start_step(service))
    # "ja" does not answer a WHO-5 item.
    say(service, session_factory, cid, "ja", intent="affirm", handler=start_step(service))
    assert answers(session_factory, cid) == []


def test_the_last_answer_outside_the_form_completes_the_questionnaire(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    for link_id in ("who5-1", "who5-2", "who5-3", "who5-4"):
        present(service, session_factory, cid)
        press(service, session_factory, cid, link_id, "3")
    present(service, session_factory, cid)
    outcome = say(service, session_factory, cid, "hele tiden", handler=start_step(service))
    assert outcome.finished and not outcome.resume_questionnaire
    assert [a.link_id for a in answers(session_factory, cid)][-1] == "who5-5"
    assert conversation_row(session_factory, cid).status == "completed"
