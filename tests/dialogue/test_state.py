"""bot/dialogue/state.py: the turn's state, loaded once, and what it reads from where."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.dialogue.state import TurnState, UnknownConversation, load_state
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.transcripts import add_message
from bot.turn.messages import Inbound, Reply
from tests.helpers import answer_all, new_conversation, present, responses, say, store_replies


def _state(service: Dialogue, factory: sessionmaker[Session], cid: str) -> TurnState:
    with session_scope(factory) as session:
        state = load_state(service.ctx, session, cid)
        session.expunge_all()
        return state


def test_a_new_conversation_starts_at_the_first_item_and_creates_nothing(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    state = _state(service, session_factory, cid)
    assert state.consented
    assert state.questionnaire.id == "who5"
    assert state.current is not None and state.current.link_id == "who5-1"
    assert state.response is None and state.answers == {}
    assert (state.presented_link_id, state.last_kind, state.shown) == (None, None, set())
    assert responses(session_factory, cid) == []


def test_the_opening_screen_comes_first_while_it_is_pending(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5", screening=None)
    assert _state(service, session_factory, cid).questionnaire.id == "screening"


def test_what_was_sent_is_read_from_the_conversation_row(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    state = _state(service, session_factory, cid)
    assert state.presented_link_id == "who5-1"
    assert {"who5-1", "question", "intro", "intro:who5", "question:who5"} <= state.shown
    assert state.last_kind == "question"
    store_replies(session_factory, cid, [Reply("Passer det?", meta={"kind": "confirm"})])
    state = _state(service, session_factory, cid)
    assert (state.presented_link_id, state.last_kind) == ("who5-1", "confirm")


def test_channel_and_inbound_id_come_from_the_newest_patient_message(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    assert _state(service, session_factory, cid).channel is None
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        add_message(session, conversation, direction="in", channel="web", text="hej")
        newest = add_message(session, conversation, direction="in", channel="telegram", text="hej")
        newest_id = newest.id
    state = _state(service, session_factory, cid)
    assert (state.channel, state.inbound_message_id) == ("telegram", newest_id)


def test_pending_belongs_to_the_current_item_only(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5")
    present(service, session_factory, cid)
    say(service, session_factory, cid, "3")  # a bare number is said back for confirmation
    state = _state(service, session_factory, cid)
    assert state.pending is not None and state.pending.link_id == "who5-1"
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        conversation.pending = {**(conversation.pending or {}), "link_id": "who5-4"}
    assert _state(service, session_factory, cid).pending is None


def test_unknown_conversation(service: Dialogue, session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(UnknownConversation), session_scope(session_factory) as session:
        load_state(service.ctx, session, "0" * 32)


def test_reading_steps_create_no_response_row(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    # Before the redesign "vis mine svar" created an empty response row.
    cid = new_conversation(session_factory, "who5")
    for step in (service.show_answers, service.why, service.correct, service.explain):
        assert step(Inbound(cid, "vis mine svar", "show_answers")).replies
    assert responses(session_factory, cid) == []


def test_nothing_is_written_before_consent_whatever_the_step(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    # Before the redesign change_level, read_aloud and talk_to_person wrote before consent.
    from tests.helpers import alerts, patient_row

    cid = new_conversation(session_factory, "who5", consent=None)
    for step, intent in ((service.change_level, "simpler"), (service.read_aloud, "read_aloud"),
                         (service.talk_to_person, "talk_to_person"), (service.pause, "pause")):
        outcome = step(Inbound(cid, "hej", intent))
        assert outcome.replies
    patient = patient_row(session_factory, cid)
    assert (patient.literacy_level, patient.read_aloud) == ("standard", False)
    assert alerts(session_factory, cid) == []
    assert responses(session_factory, cid) == []


def test_the_answered_opening_screen_is_a_completed_response(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, "who5", screening=None)
    answer_all(service, session_factory, cid, ["1", "3"])
    state = _state(service, session_factory, cid)
    assert state.questionnaire.id == "who5"
    (screen,) = [r for r in responses(session_factory, cid) if r.questionnaire_id == "screening"]
    assert screen.status == "completed" and screen.completed_at is not None
