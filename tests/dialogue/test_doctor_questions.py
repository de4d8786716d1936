"""bot/dialogue/doctor_questions.py: a question for the doctor is asked for, written down in the
same turn and the same item comes back; a medical question gets no advice and the offer to
write it down; nothing is written before consent; the text is never logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.doctor_questions import question_in
from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.question_models import DoctorQuestion
from bot.storage.relative_models import Relative
from bot.turn.messages import Inbound, Reply
from tests.helpers import (
    answer_all,
    answers,
    conversation_row,
    new_conversation,
    present,
    press,
    say,
)
from tests.helpers import question as asked_item

QUESTION = "hvor længe varer kuren?"
MEDICAL = "skal jeg tage flere piller?"


def _questions(session_factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    with session_scope(session_factory) as session:
        rows = session.scalars(select(DoctorQuestion).order_by(DoctorQuestion.id))
        return [(q.text, q.source) for q in rows]


def _inbound(cid: str, text: str, intent: str) -> Inbound:
    return Inbound(cid, text, intent, confidence=0.95)


def _texts(replies: list[Reply]) -> list[str]:
    return [reply.text for reply in replies]


def _ask(
    service: Dialogue, session_factory: sessionmaker[Session], cid: str, text: str
) -> list[Reply]:
    return say(service, session_factory, cid, text, intent="doctor_question",
               handler=lambda inbound: service.interrupt("doctor_question", inbound).outcome).replies  # fmt: skip


def _medical(service: Dialogue, session_factory: sessionmaker[Session], cid: str) -> list[Reply]:
    return say(service, session_factory, cid, MEDICAL, intent="medical_question",
               handler=lambda inbound: service.interrupt("medical_question", inbound).outcome).replies  # fmt: skip


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("jeg har et spørgsmål til lægen", None),
        ("Jeg har et spørgsmål til lægen: hvor længe varer kuren?", True),
        ("spørgsmål til min læge, må jeg drikke vin", True),
        ("kan du spørge lægen om jeg må cykle", True),
        ("jeg vil gerne stille et spørgsmål til lægen", None),
        ("spørgsmål til lægen!", None),
    ],
)
def test_a_question_in_the_first_message(text: str, found: bool | None) -> None:
    assert (question_in(text) == text.strip()) if found else question_in(text) is None


def test_mid_who5_the_question_is_asked_for_stored_and_the_same_item_comes_back(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, "who5")
    answer_all(service, session_factory, cid, ["3"])
    item = asked_item(present(service, session_factory, cid)).link_id
    asked = _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
    assert _texts(asked) == ["Skriv dit spørgsmål til lægen. Så skriver jeg det ned."]
    assert service.ask(cid).replies == []  # the item waits while the patient types
    outcome = say(service, session_factory, cid, QUESTION)  # the form's answer step got it
    assert _texts(outcome.replies) == [texts._(
        "Thank you. I have written your question down. It will be on the list for your next "
        "talk with the doctor.")]  # fmt: skip
    assert outcome.resume_questionnaire
    assert _questions(session_factory) == [(QUESTION, "asked")]
    assert [a.link_id for a in answers(session_factory, cid)] == ["who5-1"]  # not an answer
    assert asked_item(present(service, session_factory, cid)).link_id == item


def test_a_first_message_with_the_question_is_written_down_at_once(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    text = "jeg har et spørgsmål til lægen: hvor længe varer kuren?"
    replies = _ask(service, session_factory, cid, text)
    assert [(r.meta or {}).get("kind") for r in replies] == ["doctor_question_stored"]
    assert _questions(session_factory) == [(text, "asked")]
    assert conversation_row(session_factory, cid).awaiting is None
    assert asked_item(present(service, session_factory, cid)).link_id == "who5-1"


@pytest.mark.parametrize(
    ("text", "intent"), [("nej", "deny"), ("glem det", "inform"), ("/deny", "deny")]
)
def test_a_no_writes_nothing_and_the_item_comes_back(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts, text: str, intent: str
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
    outcome = say(service, session_factory, cid, text, intent=intent)
    assert _texts(outcome.replies) == [texts._("That is fine. I have not written anything down.")]
    assert _questions(session_factory) == [] and answers(session_factory, cid) == []
    assert asked_item(present(service, session_factory, cid)).link_id == "who5-1"


def test_an_answer_button_instead_answers_the_item(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
    press(service, session_factory, cid, "who5-1", "4")  # the button still on the screen
    assert [a.code for a in answers(session_factory, cid)] == ["4"]
    assert _questions(session_factory) == []


def test_a_short_request_to_the_chat_is_not_taken_for_the_question(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
    say(service, session_factory, cid, "pause", intent="pause", handler=service.pause)
    assert _questions(session_factory) == []
    assert conversation_row(session_factory, cid).status == "paused"


def test_after_the_questionnaire_a_question_is_written_down_too(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    answer_all(service, session_factory, cid, ["3"] * 5)
    service.complete(cid)
    _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
    outcome = say(service, session_factory, cid, QUESTION, intent="inform",
                  handler=lambda inbound: service.start(inbound, questionnaire_active=False))  # fmt: skip
    assert _questions(session_factory) == [(QUESTION, "asked")]
    assert not outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).status == "completed"


def test_a_medical_question_gets_no_advice_and_the_offer_and_yes_writes_it_down(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    replies = _medical(service, session_factory, cid)
    assert _texts(replies) == [
        "Det kan jeg ikke svare på. Spørg dit behandlerteam.",
        "Skal jeg skrive det ned som et spørgsmål til din læge?",
    ]
    assert [(b.title, b.payload) for b in replies[-1].buttons] == [
        ("Ja", "/affirm"),
        ("Nej", "/deny"),
    ]
    assert service.ask(cid).replies == []
    outcome = say(service, session_factory, cid, "/affirm", intent="affirm")
    assert (outcome.replies[0].meta or {}).get("kind") == "doctor_question_stored"
    assert _questions(session_factory) == [(MEDICAL, "offered")]
    assert answers(session_factory, cid) == []
    assert asked_item(present(service, session_factory, cid)).link_id == "who5-1"


def test_no_to_the_offer_writes_nothing(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    _medical(service, session_factory, cid)
    outcome = say(service, session_factory, cid, "nej tak", intent="deny")
    assert outcome.resume_questionnaire and _questions(session_factory) == []
    assert asked_item(present(service, session_factory, cid)).link_id == "who5-1"


def test_an_answer_instead_of_yes_or_no_answers_the_item(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    _medical(service, session_factory, cid)
    say(service, session_factory, cid, "det meste af tiden")
    assert [a.link_id for a in answers(session_factory, cid)] == ["who5-1"]
    assert _questions(session_factory) == []


def test_before_consent_a_medical_question_gets_no_offer_and_nothing_is_written(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, "who5", consent=None)
    outcome = service.run("medical_question", _inbound(cid, MEDICAL, "medical_question"))
    assert _texts(outcome.replies) == [texts._("I cannot answer that. Ask your care team.")]
    assert conversation_row(session_factory, cid).awaiting is None
    assert _questions(session_factory) == []


def test_before_consent_a_doctor_question_gets_the_consent_conversation(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5", consent=None)
    service.run(
        "doctor_question",
        _inbound(cid, "jeg har et spørgsmål til lægen: må jeg cykle?", "doctor_question"),
    )
    assert _questions(session_factory) == []
    assert conversation_row(session_factory, cid).awaiting is None


def test_a_red_flag_in_the_question_still_comes_first(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
    outcome = say(service, session_factory, cid, "jeg har feber, skal jeg ringe?")
    kinds = [(r.meta or {}).get("kind") for r in outcome.replies]
    assert kinds == ["red_flag", "doctor_question_stored"]


def test_the_text_is_never_logged(
    service: Dialogue, session_factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    with caplog.at_level(logging.DEBUG):
        _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
        say(service, session_factory, cid, "kan jeg få hjælp til min hemmelige mave")
        _medical(service, session_factory, cid)
        say(service, session_factory, cid, "ja", intent="affirm")
    assert len(_questions(session_factory)) == 2
    assert "hemmelige" not in caplog.text and "piller" not in caplog.text


def test_in_a_relatives_conversation_nothing_is_written_down(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, "who5")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        relative = Relative(patient_id=conversation.patient_id, relation="min datter",
                            invited_by="patient", consent="given")  # fmt: skip
        session.add(relative)
        session.flush()
        conversation.relative_id = relative.id
    present(service, session_factory, cid)
    replies = _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen: må han cykle?")
    assert "patienten" in replies[0].text
    assert [r.text for r in _medical(service, session_factory, cid)] == [
        texts._("I cannot answer that. Ask your care team.")
    ]
    assert _questions(session_factory) == []
    assert conversation_row(session_factory, cid).awaiting is None


def test_a_no_with_a_question_is_the_question(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    _ask(service, session_factory, cid, "jeg har et spørgsmål til lægen")
    say(service, session_factory, cid, "nej, må jeg cykle?", intent="deny")
    assert _questions(session_factory) == [("nej, må jeg cykle?", "asked")]
