"""bot/dialogue/crisis.py and the safety net in `Dialogue._turn`: a possible crisis is met at
every point of a conversation, with the site's numbers, an urgent alert and a choice to pause
or go on; red flags get the department's number; medical questions get no advice."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.questionnaire.model import Item, Questionnaire
from bot.settings import CrisisContacts, Settings
from bot.storage.console_models import PatientProfile
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.turn.messages import Inbound
from tests.dialogue.support import start_step
from tests.helpers import (
    alerts,
    answer_all,
    answers,
    conversation_row,
    new_conversation,
    patient_row,
    present,
    question,
    responses,
    say,
)

CRISIS = "jeg vil ikke leve mere"


def _kinds(outcome_replies: list) -> list[str | None]:
    return [(r.meta or {}).get("kind") for r in outcome_replies]


def _assert_crisis_turn(texts: Texts, replies: list, *, acute: str = "1813") -> None:
    kinds = _kinds(replies)
    assert kinds[0] == "crisis" and kinds[-1] == "crisis_choice", kinds
    crisis = replies[0].text
    assert "112" in crisis and acute in crisis and "70 201 201" in crisis
    assert "Thank you" not in crisis  # Danish, not the message id
    choice = replies[-1]
    assert [b.payload for b in choice.buttons] == ["/pause", "/start"]
    assert [b.title for b in choice.buttons] == [texts._("Take a break"), texts._("Continue")]


def _urgent(session_factory: sessionmaker[Session], cid: str) -> list[str]:
    return [a.rule_id for a in alerts(session_factory, cid) if a.urgent and a.level == "red"]


def _at_free_text_item(
    session_factory: sessionmaker[Session], questionnaires: dict[str, Questionnaire]
) -> tuple[str, Item]:
    """A needs-assessment conversation whose current item is a free-text one."""
    free_text = next(
        i for i in questionnaires["behovsvurdering"].answerable_items if i.type == "string"
    )
    cid = new_conversation(session_factory, "behovsvurdering")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        conversation.reopened_link_id = free_text.link_id
    return cid, free_text


def test_before_consent_an_alert_and_nothing_else_is_stored(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, consent=None)
    outcome = say(service, session_factory, cid, CRISIS, intent="inform", handler=start_step(service))
    _assert_crisis_turn(texts, outcome.replies)
    assert len(_urgent(session_factory, cid)) == 1
    assert patient_row(session_factory, cid).consent == "pending"
    assert responses(session_factory, cid) == [] and answers(session_factory, cid) == []


def test_inside_a_questionnaire_the_item_waits_and_comes_back(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, "who5")
    answer_all(service, session_factory, cid, ["3"])
    assert question(present(service, session_factory, cid)).link_id == "who5-2"
    outcome = say(service, session_factory, cid, "jeg har tænkt på at tage mit eget liv")
    _assert_crisis_turn(texts, outcome.replies)
    assert not outcome.finished
    assert [a.link_id for a in answers(session_factory, cid)] == ["who5-1"]
    assert len(_urgent(session_factory, cid)) == 1
    # No question in the same turn; the conversation stays open.
    assert conversation_row(session_factory, cid).status == "paused"
    assert present(service, session_factory, cid) == []
    again = say(service, session_factory, cid, "/start", intent="start", handler=start_step(service))
    assert again.replies  # "Velkommen tilbage ..."
    assert question(present(service, session_factory, cid)).link_id == "who5-2"


def test_the_engine_choosing_another_step_does_not_hide_it(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    """The safety net reads the text whatever the engine made of it (here "stop" and
    "explain"), during the opening screen and after completion too."""
    screening = new_conversation(session_factory, "who5", screening=None)
    present(service, session_factory, screening)
    _assert_crisis_turn(texts, service.stop(Inbound(screening, "bedre hvis jeg var død", "stop")).replies)
    assert conversation_row(session_factory, screening).status != "stopped"

    done = new_conversation(session_factory, "who5")
    answer_all(service, session_factory, done, ["3", "3", "3", "3", "3"])
    service.complete(done)
    outcome = service.explain(Inbound(done, "jeg vil gøre en ende på det", "explain"))
    _assert_crisis_turn(texts, outcome.replies)
    assert len(_urgent(session_factory, done)) == 1


def test_the_crisis_intent_alone_is_enough(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, "who5")
    outcome = service.crisis(Inbound(cid, "det hele er sort", "crisis"))
    _assert_crisis_turn(texts, outcome.replies)
    assert len(_urgent(session_factory, cid)) == 1


def test_a_free_text_item_is_not_answered_with_a_crisis(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> None:
    cid, free_text = _at_free_text_item(session_factory, questionnaires)
    assert question(present(service, session_factory, cid)).link_id == free_text.link_id
    outcome = say(service, session_factory, cid, "jeg vil bare dø")
    _assert_crisis_turn(texts, outcome.replies)
    assert answers(session_factory, cid) == []


def test_the_sites_own_numbers_and_never_another_regions(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> None:
    aarhus = CrisisContacts(
        medical_helpline="70 11 31 31", medical_helpline_name="Lægevagten", department="78 46 00 00"
    )
    service = Dialogue(
        settings.with_overrides(sites={"aarhus-onkologi": aarhus}), session_factory,
        questionnaires, texts,
    )
    cid = new_conversation(session_factory, "who5")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        session.add(PatientProfile(patient_id=conversation.patient_id, site="aarhus-onkologi"))
    outcome = service.crisis(Inbound(cid, CRISIS, "crisis"))
    _assert_crisis_turn(texts, outcome.replies, acute="70 11 31 31")
    text = " ".join(r.text for r in outcome.replies)
    assert "Lægevagten" in text and "78 46 00 00" in text
    assert "1813" not in text and "Akuttelefonen" not in text


def test_a_red_flag_gets_the_department_and_an_alert_and_the_answer_is_kept(
    settings: Settings,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> None:
    contacts = CrisisContacts(department="35 45 00 00")
    service = Dialogue(
        settings.with_overrides(crisis=contacts), session_factory, questionnaires, texts
    )
    cid, free_text = _at_free_text_item(session_factory, questionnaires)
    present(service, session_factory, cid)
    outcome = say(service, session_factory, cid, "jeg har haft feber over 38 i nat")
    assert _kinds(outcome.replies)[0] == "red_flag"
    assert "35 45 00 00" in outcome.replies[0].text
    assert [a.link_id for a in answers(session_factory, cid)] == [free_text.link_id]
    assert [r for r in _urgent(session_factory, cid) if r.startswith("red-flag")]


@pytest.mark.parametrize("step", ["stop", "pause", "fallback"])
def test_a_medical_question_gets_no_advice_and_never_ends_the_conversation(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts, step: str
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    outcome = service.run(step, Inbound(cid, "skal jeg tage flere piller?", step))
    assert [r.text for r in outcome.replies] == [
        texts._("I cannot answer that. Ask your care team."),
        texts._("Shall I write it down as a question for your doctor?"),  # doctor_questions
    ]
    assert conversation_row(session_factory, cid).status == "active"
    say(service, session_factory, cid, "nej", intent="deny")  # nothing written down
    assert question(present(service, session_factory, cid)).link_id == "who5-1"


@pytest.mark.parametrize(("text", "intent"), [("spring over", "skip"), ("ved ikke", "dont_know")])
def test_phq9_item9_left_unanswered_raises_an_urgent_alert_without_the_crisis_text(
    service: Dialogue, session_factory: sessionmaker[Session], text: str, intent: str
) -> None:
    cid = new_conversation(session_factory, "phq9")
    answer_all(service, session_factory, cid, ["0"] * 8)
    assert question(present(service, session_factory, cid)).link_id == "phq9-9"
    outcome = say(service, session_factory, cid, text, intent=intent)
    assert "crisis" not in _kinds(outcome.replies)
    assert _urgent(session_factory, cid) == ["phq9-item9-unanswered"]


def test_a_medical_question_answers_a_free_text_item_that_asks_for_it(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    cid, free_text = _at_free_text_item(session_factory, questionnaires)
    present(service, session_factory, cid)
    store_inbound_text = "skal jeg tage flere piller?"
    result = service.interrupt(
        "medical_question", Inbound(cid, store_inbound_text, "medical_question", confidence=0.99)
    )
    assert result.answered
    assert [a.link_id for a in answers(session_factory, cid)] == [free_text.link_id]
