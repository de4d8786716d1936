"""bot/dialogue/interruptions.py and levels.py: correcting, explaining, asking for a person, levels and read-aloud."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.settings import Settings
from bot.storage.db import session_scope
from bot.turn.messages import Inbound
from tests.dialogue.support import (
    WHO5_TEXT,
    audit_actions,
)
from tests.helpers import (
    alerts,
    answer_all,
    answers,
    conversation_row,
    current,
    new_conversation,
    patient_row,
    present,
    press,
    question,
    responses,
    say,
)

# ====================================================================== correction


def test_correction_reopens_the_previous_item_and_supersedes(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5", "4"])
    assert question(present(service, session_factory, cid)).link_id == "who5-3"

    outcome = say(service, session_factory, cid, "ret mit svar", intent="correct",
                  handler=service.correct)
    assert outcome.resume_questionnaire
    assert outcome.replies[0].text == texts._(
        "Okay. Let us change your answer to the previous question.")
    assert conversation_row(session_factory, cid).reopened_link_id == "who5-2"

    assert question(present(service, session_factory, cid)).link_id == "who5-2"
    done = press(service, session_factory, cid, "who5-2", "1")
    assert not done.finished

    rows = [a for a in answers(session_factory, cid) if a.link_id == "who5-2"]
    assert len(rows) == 2
    old, new = rows
    assert (old.code, new.code) == ("4", "1")
    assert old.superseded_at is not None and old.superseded_at.utcoffset() is not None
    assert old.superseded_by_id == new.id
    assert new.superseded_at is None and new.superseded_by_id is None
    assert current(session_factory, cid)["who5-2"].code == "1"
    assert conversation_row(session_factory, cid).reopened_link_id is None
    assert question(present(service, session_factory, cid)).link_id == "who5-3"


def _correction_after_completion_reopens_the_last_item(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["5"] * 5)
    service.complete(cid)

    outcome = service.correct(Inbound(cid, "ret", "correct"))
    assert outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).status == "active"
    assert question(present(service, session_factory, cid)).link_id == "who5-5"
    assert press(service, session_factory, cid, "who5-5", "0").finished
    service.complete(cid)
    assert conversation_row(session_factory, cid).status == "completed"
    assert current(session_factory, cid)["who5-5"].code == "0"
    assert len(answers(session_factory, cid)) == 6


def _correction_with_nothing_answered(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    outcome = service.correct(Inbound(cid, "ret", "correct"))
    assert [r.text for r in outcome.replies] == [texts._("There is no answer to change yet.")]
    assert not outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).reopened_link_id is None


# ====================================================================== interruptions


def test_talk_to_person_and_show_answers(
    service: Dialogue, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    cid = new_conversation(session_factory)
    outcome = service.talk_to_person(Inbound(cid, "ring til mig", "talk_to_person"))
    assert settings.crisis.medical_helpline in outcome.replies[0].text
    service.talk_to_person(Inbound(cid, "ring til mig", "talk_to_person"))
    assert [(a.rule_id, a.level, a.urgent) for a in alerts(session_factory, cid)] == [
        ("talk-to-person", "yellow", False)]

    answer_all(service, session_factory, cid, ["5", "0"])
    (reply,) = service.show_answers(Inbound(cid, "vis mine svar", "show_answers")).replies
    assert f"{WHO5_TEXT['who5-1']}: Hele tiden" in reply.text
    assert f"{WHO5_TEXT['who5-2']}: På intet tidspunkt" in reply.text
    patient = patient_row(session_factory, cid)
    assert audit_actions(session_factory, patient.id) == ["answers.view.self"]


def test_explain_and_change_level(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    reply = service.explain(Inbound(cid, "hvad betyder det", "explain")).replies[0]
    assert reply.text == questionnaires["who5"].item("who5-1").help
    option = service.explain(Inbound(cid, "hvad betyder lidt af tiden", "explain")).replies[0]
    assert option.text.startswith("„Lidt af tiden“:")

    cid = new_conversation(session_factory)
    service.change_level(Inbound(cid, "enklere", "simpler"))
    assert patient_row(session_factory, cid).literacy_level == "plain"
    service.change_level(Inbound(cid, "enklere", "simpler"))
    service.change_level(Inbound(cid, "enklere", "simpler"))
    assert patient_row(session_factory, cid).literacy_level == "guided"
    # A validated item keeps its exact text at the new level too.
    asked = question(present(service, session_factory, cid))
    assert asked.meta is not None and asked.meta["wording"] == WHO5_TEXT["who5-1"]
    assert asked.meta["level"] == "guided"


# grouped runs


def test_correction_after_completion_and_with_nothing_answered(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _correction_after_completion_reopens_the_last_item(service, session_factory)
    _correction_with_nothing_answered(service, session_factory, texts)


def test_questions_before_consent_create_no_response(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5", consent=None)
    for method in (service.why, service.correct, service.show_answers, service.explain):
        outcome = method(Inbound(cid, text="hvorfor", intent="why"))
        assert outcome.replies
    assert responses(session_factory, cid) == []


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("web", "Okay. Now you can hear the questions. Press “Read aloud”."),
        ("telegram", "Okay. From now on the questions also come as voice messages."),
    ],
)
def test_read_aloud_reply_fits_the_channel(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    texts: Texts,
    monkeypatch: pytest.MonkeyPatch,
    channel: str,
    expected: str,
) -> None:
    from bot import speech
    from bot.storage.conversations import get_conversation
    from bot.storage.transcripts import add_message

    monkeypatch.setattr(speech, "available", lambda: True)
    cid = new_conversation(session_factory, "who5")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        add_message(session, conversation, direction="in", channel=channel, text="læs op")
    outcome = service.read_aloud(Inbound(cid, text="læs op", intent="read_aloud"))
    assert [r.text for r in outcome.replies] == [texts._(expected)]
