"""Typed text is scored only against the item the patient's page showed (the web page sends
its linkId); a button names its own item. Neither is ever stored against another item."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.outcome import Outcome
from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.transcripts import add_message
from bot.turn.messages import Inbound
from bot.turn.typed import for_engine
from tests.helpers import (
    answers,
    conversation_row,
    new_conversation,
    present,
    press,
    question,
    store_replies,
)


def _type(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    cid: str,
    text: str,
    link_id: str | None,
) -> Outcome:
    """Typed text stored as the turn handler stores it (with the page's linkId), then read."""
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        add_message(session, conversation, direction="in", channel="web", text=text,
                    link_id=link_id)  # fmt: skip
    outcome = service.answer(Inbound(cid, text=text, intent="inform", confidence=0.95))
    store_replies(session_factory, cid, outcome.replies)
    return outcome


def test_typed_text_for_an_item_no_longer_shown_is_not_stored(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    press(service, session_factory, cid, "who5-1", "3")  # in another tab
    assert question(present(service, session_factory, cid)).link_id == "who5-2"

    outcome = _type(service, session_factory, cid, "hele tiden", "who5-1")  # the old tab

    assert [r.text for r in outcome.replies] == [
        texts._("That answer belonged to another question.")
    ]
    assert texts._("That answer belonged to another question.") == (
        "Det svar hørte til et andet spørgsmål."
    )
    assert not outcome.finished
    assert [(a.link_id, a.code) for a in answers(session_factory, cid)] == [("who5-1", "3")]
    # The current question comes again (the engine's form asks it next).
    assert question(present(service, session_factory, cid)).link_id == "who5-2"


def test_typed_text_for_the_item_shown_is_stored(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    outcome = _type(service, session_factory, cid, "hele tiden", "who5-1")
    assert outcome.replies == []
    assert [(a.link_id, a.code) for a in answers(session_factory, cid)] == [("who5-1", "5")]


def test_a_button_of_another_item_is_not_stored_against_the_current_one(
    service: Dialogue, session_factory: sessionmaker[Session], texts: Texts
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    press(service, session_factory, cid, "who5-1", "3")
    present(service, session_factory, cid)
    outcome = press(service, session_factory, cid, "who5-1", "0")  # an old button again
    assert len(outcome.replies) == 1
    assert [(a.link_id, a.code) for a in answers(session_factory, cid)] == [("who5-1", "3")]
    assert not outcome.finished


def test_typed_text_starting_with_a_slash_is_never_a_command(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    # "/stop" typed in the web chat, as the engine hands it back (behind the turn's mark).
    typed = Inbound(cid, text=for_engine("/stop"), intent="stop", confidence=0.97)
    result = service.interrupt("stop", typed)
    assert conversation_row(session_factory, cid).status == "active"
    assert not result.answered and result.outcome.replies  # the fallback's words
    # The engine's stop rule left the form; the same question comes back.
    assert result.outcome.resume_questionnaire
    # The word itself still stops, as does Telegram's /stop command (a payload).
    service.interrupt("stop", Inbound(cid, text="stop", intent="stop", confidence=0.97))
    assert conversation_row(session_factory, cid).status == "stopped"
