"""bot/dialogue/asking.py and steps: presenting items, WHO-5 by buttons, scores and how each answer was given."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.turn.messages import Inbound
from bot.turn.payloads import answer_payload
from tests.dialogue.support import (
    WHO5_IDS,
    WHO5_TEXT,
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
)

# ====================================================================== WHO-5 by buttons


def _first_question_has_intro_and_buttons(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    cid = new_conversation(session_factory)
    replies = present(service, session_factory, cid)
    who5 = questionnaires["who5"]

    kinds = [(r.meta or {}).get("kind") for r in replies]
    assert kinds[0] == "intro" and kinds[-1] == "question" and kinds.count("question") == 1
    assert replies[0].text == who5.intro_for("standard")
    asked = replies[-1]
    assert asked.link_id == "who5-1"
    assert asked.text == WHO5_TEXT["who5-1"]
    assert asked.meta is not None and asked.meta["wording"] == WHO5_TEXT["who5-1"]
    assert asked.meta["progress"] == [1, 5]
    assert [b.title for b in asked.buttons] == [
        "Hele tiden", "Det meste af tiden", "Lidt mere end halvdelen af tiden",
        "Lidt mindre end halvdelen af tiden", "Lidt af tiden", "På intet tidspunkt"]
    assert asked.buttons[0].payload == answer_payload("who5-1", "5")
    assert asked.buttons[0].payload == '/inform{"code":"5","link_id":"who5-1"}'

    # The intro is given once: asking again shows the question only.
    again = present(service, session_factory, cid)
    assert [(r.meta or {}).get("kind") for r in again] == ["question"]


def test_full_who5_by_buttons(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    for index, link_id in enumerate(WHO5_IDS):
        asked = question(present(service, session_factory, cid))
        assert asked.link_id == link_id
        outcome = press(service, session_factory, cid, link_id, "0")
        assert outcome.finished == (index == 4)
        assert outcome.replies == []
        # Committed before the next question is asked.
        assert current(session_factory, cid)[link_id].code == "0"

    assert present(service, session_factory, cid) == []
    assert service.ask(cid).finished
    assert responses(session_factory, cid)[0].status == "in-progress"
    assert alerts(session_factory, cid) == []  # score alerts fire on completion

    done = service.complete(cid)
    assert done.replies[0].text == texts._(
        "Thank you! You have answered all the questions.")
    assert (done.replies[-1].meta or {}).get("kind") == "completed"
    (response,) = responses(session_factory, cid)
    assert response.status == "completed"
    assert response.completed_at is not None
    conversation = conversation_row(session_factory, cid)
    assert conversation.status == "completed"
    assert conversation.completed_at == response.completed_at
    rows = alerts(session_factory, cid)
    assert [(a.rule_id, a.level, a.urgent) for a in rows] == [
        ("who5-low", "red", False), ("who5-risk", "yellow", False)]
    assert all(a.response_id == response.id for a in rows)

    # Completing twice changes nothing and adds no alerts; start says it is done.
    assert service.complete(cid).replies == []
    assert len(alerts(session_factory, cid)) == 2
    after = service.start(Inbound(cid, "hej", "greet"), questionnaire_active=False)
    assert not after.resume_questionnaire
    assert [r.text for r in after.replies] == [texts._(
        "You have already answered all the questions. Thank you! Your care team can see your "
        "answers.")]


def test_who5_score_alerts_follow_the_score(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cases = {
        ("2", "2", "2", "2", "2"): ["who5-risk"],  # 40
        ("3", "3", "3", "2", "2"): [],  # 13 -> 52: above both thresholds
        ("3", "3", "2", "2", "2"): ["who5-risk"],  # 12 -> 48
        ("2", "2", "2", "2", "1"): ["who5-risk"],  # 9 -> 36: just above 35
        ("2", "2", "2", "1", "1"): ["who5-low", "who5-risk"],  # 8 -> 32
    }
    seen = {}
    for codes in cases:
        cid = new_conversation(session_factory)
        assert answer_all(service, session_factory, cid, codes).finished
        service.complete(cid)
        seen[codes] = [a.rule_id for a in alerts(session_factory, cid)]
    assert seen == cases


def test_every_stored_answer_records_how_it_was_given(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5", "4", "3", "1", "0"])
    rows = answers(session_factory, cid)
    inbound = {m.id: m for m in messages(session_factory, cid) if m.direction == "in"}

    assert [a.link_id for a in rows] == WHO5_IDS
    assert [a.score for a in rows] == [5.0, 4.0, 3.0, 1.0, 0.0]
    assert [a.display for a in rows] == [
        "Hele tiden", "Det meste af tiden", "Lidt mere end halvdelen af tiden",
        "Lidt af tiden", "På intet tidspunkt"]
    for row in rows:
        assert row.status == "answered"
        assert row.item_type == "choice"
        assert row.input_kind == "button"
        assert row.interpretation == "payload"
        assert row.literacy_level == "standard"
        assert row.wording_shown == WHO5_TEXT[row.link_id]
        assert row.raw_text == answer_payload(row.link_id, row.code or "")
        assert row.message_id in inbound
        assert inbound[row.message_id].payload == row.raw_text
        assert row.superseded_at is None and row.superseded_by_id is None
        assert row.created_at.utcoffset() is not None


def _guided_level_keeps_the_exact_validated_wording(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, literacy_level="guided")
    asked = question(present(service, session_factory, cid))
    assert asked.text.splitlines()[-1] == WHO5_TEXT["who5-1"]
    assert asked.meta is not None and asked.meta["wording"] == WHO5_TEXT["who5-1"]
    # The validated option wording is kept on the buttons too.
    assert asked.buttons[0].title == "Hele tiden"
    press(service, session_factory, cid, "who5-1", "5")
    (row,) = answers(session_factory, cid)
    assert row.literacy_level == "guided"
    assert row.wording_shown == WHO5_TEXT["who5-1"]
    assert (row.presentation or {}).get("level") == "guided"


# grouped runs


def test_presentation_of_the_first_question_and_at_guided_level(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> None:
    _first_question_has_intro_and_buttons(service, session_factory, questionnaires)
    _guided_level_keeps_the_exact_validated_wording(service, session_factory, texts)


def test_the_stem_is_shown_once_in_the_first_turn(
    service: Dialogue, session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    for questionnaire_id in ("phq9", "gad7"):
        stem = questionnaires[questionnaire_id].stem
        assert stem
        cid = new_conversation(session_factory, questionnaire_id)
        replies = present(service, session_factory, cid)
        assert sum(reply.text.count(stem) for reply in replies) == 1, replies


def test_no_example_or_own_words_said_twice(
    service: Dialogue, session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire], texts: Texts,
) -> None:
    from bot.dialogue.asking import item_text_shown, presentation

    needs = questionnaires["behovsvurdering"]
    own_words = texts._("Write your answer in your own words.")
    checked = 0
    for item in needs.answerable_items:
        replies = presentation(service.ctx, needs, item, {}, level="guided", shown=set(),
                               read_aloud=False)
        shown = item_text_shown(needs, item, "guided").lower()
        if "for eksempel" in shown:
            assert not [r for r in replies if (r.meta or {}).get("kind") == "example"], item
            checked += 1
        if item.type == "string" and "egne ord" in shown:
            assert own_words not in replies[-1].text, item
            checked += 1
    assert checked >= 2
