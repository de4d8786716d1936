"""bot/dialogue/consent.py and steps.start: consent first, then resuming (SQLite and PostgreSQL). Each test drives `Dialogue` as the actions do; tests/helpers.py stores the transcript as bot/turn/handler.py does."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.turn.messages import Inbound
from tests.dialogue.support import (
    audit_actions,
    start_step,
)
from tests.helpers import (
    answers,
    conversation_row,
    new_conversation,
    patient_row,
    present,
    press,
    responses,
    say,
)

# ====================================================================== consent


def _first_contact_asks_for_consent_and_stores_nothing(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, consent=None)
    outcome = say(service, session_factory, cid, "hej", intent="start", handler=start_step(service))

    assert not outcome.resume_questionnaire
    assert not outcome.finished
    assert len(outcome.replies) == 4
    last = outcome.replies[-1]
    assert last.meta == {"kind": "consent"}
    assert last.text == texts._("Is it all right that we store your answers?")
    assert last.text != "Is it all right that we store your answers?"  # Danish, not the msgid
    assert [b.payload for b in last.buttons] == ["/affirm", "/deny"]
    assert any("112" in reply.text for reply in outcome.replies)
    assert patient_row(session_factory, cid).consent == "pending"
    assert responses(session_factory, cid) == []
    assert answers(session_factory, cid) == []


def _consent_given_starts_the_questionnaire(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, consent=None)
    say(service, session_factory, cid, "/start", intent="start", handler=start_step(service))
    outcome = say(service, session_factory, cid, "/affirm", intent="affirm",
                  handler=start_step(service))

    assert outcome.resume_questionnaire
    patient = patient_row(session_factory, cid)
    assert patient.consent == "given"
    assert patient.consent_at is not None
    assert patient.consent_at.utcoffset() == timedelta(0)
    assert audit_actions(session_factory, patient.id) == ["consent.given"]
    assert responses(session_factory, cid) == []
    assert answers(session_factory, cid) == []


def _typed_yes_counts_as_consent_only_after_the_question(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, consent=None)
    # "ja" before the consent question was shown is not consent: the question comes first.
    first = say(service, session_factory, cid, "ja", intent=None, handler=start_step(service))
    assert first.replies[-1].meta == {"kind": "consent"}
    assert patient_row(session_factory, cid).consent == "pending"

    second = say(service, session_factory, cid, "ja", intent=None, handler=start_step(service))
    assert second.resume_questionnaire
    assert patient_row(session_factory, cid).consent == "given"


def test_consent_declined_then_asked_again_on_start(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory, consent=None)
    say(service, session_factory, cid, "/start", intent="start", handler=start_step(service))
    declined = say(service, session_factory, cid, "nej", intent="deny", handler=start_step(service))

    expected = texts._("That is completely fine. We do not store any answers. "
                       "If you change your mind, just write “start” here.")
    assert [r.text for r in declined.replies] == [expected]
    assert expected.startswith("Det er helt i orden")
    assert not declined.resume_questionnaire
    patient = patient_row(session_factory, cid)
    assert patient.consent == "declined"
    assert conversation_row(session_factory, cid).status == "declined"
    assert audit_actions(session_factory, patient.id) == ["consent.declined"]
    assert responses(session_factory, cid) == []
    assert answers(session_factory, cid) == []

    again = say(service, session_factory, cid, "start", intent="start", handler=start_step(service))
    assert again.replies[0].text == texts._(
        "Welcome back. Before we start, I need your permission.")
    assert again.replies[-1].meta == {"kind": "consent"}
    assert not again.resume_questionnaire

    yes = say(service, session_factory, cid, "ja", intent="affirm", handler=start_step(service))
    assert yes.resume_questionnaire
    assert patient_row(session_factory, cid).consent == "given"
    assert conversation_row(session_factory, cid).status == "active"


def test_no_answer_is_stored_without_consent(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    stored = {}
    for consent in ("pending", "declined"):
        cid = new_conversation(session_factory, consent=consent)
        say(service, session_factory, cid, "/start", intent="start", handler=start_step(service))
        press(service, session_factory, cid, "who5-1", "3")
        stored[consent] = (len(responses(session_factory, cid)),
                           len(answers(session_factory, cid)))
    assert stored == {"pending": (0, 0), "declined": (0, 0)}


def _start_with_consent_resumes_the_questionnaire(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    outcome = say(service, session_factory, cid, "hej", intent="greet", handler=start_step(service))
    assert outcome.resume_questionnaire and outcome.replies == []
    # Inside an active form the start action must not restart the form.
    assert not service.start(Inbound(cid, "hej", "greet"), questionnaire_active=True)\
        .resume_questionnaire

    present(service, session_factory, cid)
    again = say(service, session_factory, cid, "hej", intent="greet", handler=start_step(service))
    assert [r.text for r in again.replies] == [
        texts._("Hi again. We continue where we left off.")]


def _paused_conversation_is_welcomed_back(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "pause", intent="pause", handler=service.pause)
    assert conversation_row(session_factory, cid).status == "paused"
    back = say(service, session_factory, cid, "fortsæt", intent="start", handler=start_step(service))
    assert back.resume_questionnaire
    assert [r.text for r in back.replies] == [
        texts._("Welcome back. We continue where we left off.")]
    assert conversation_row(session_factory, cid).status == "active"


# grouped runs: each database is created once per group


def test_consent_is_asked_given_and_typed(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _first_contact_asks_for_consent_and_stores_nothing(service, session_factory, texts)
    _consent_given_starts_the_questionnaire(service, session_factory)
    _typed_yes_counts_as_consent_only_after_the_question(service, session_factory)


def test_start_resumes_and_welcomes_back(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    _start_with_consent_resumes_the_questionnaire(service, session_factory, texts)
    _paused_conversation_is_welcomed_back(service, session_factory, texts)
