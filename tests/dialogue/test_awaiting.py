"""bot/dialogue/awaiting.py and its place in `Dialogue._turn`: an awaited reply goes to its
step whatever the engine chose, a crisis comes first, a stale one is forgotten, and nothing is
asked while the bot waits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue import service as service_module
from bot.dialogue.awaiting import AWAITING_MINUTES, Awaiting, await_reply, awaiting_of
from bot.dialogue.context import DialogueContext
from bot.dialogue.outcome import Outcome
from bot.dialogue.service import Dialogue
from bot.dialogue.state import TurnState
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.models import Conversation, utcnow
from bot.turn.messages import Inbound, Reply
from tests.helpers import answers, conversation_row, new_conversation, present, question, say

TAKEN = "taken by the awaited step"


def _echo(ctx: DialogueContext, state: TurnState, inbound: Inbound) -> Outcome | None:
    if inbound.entities.get("code"):
        return None  # an answer button: not this step's reply
    if inbound.text == "igen":
        await_reply(state.conversation, "test_echo", seen=inbound.text)
    return Outcome([Reply(TAKEN)])


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(service_module.AWAITED, "test_echo", _echo)  # type: ignore[arg-type]


def _await(session_factory: sessionmaker[Session], cid: str, *, minutes_ago: int = 0) -> None:
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        await_reply(conversation, "test_echo")
        if minutes_ago:
            since = utcnow() - timedelta(minutes=minutes_ago)
            conversation.awaiting = {**conversation.awaiting, "since": since.isoformat()}


def _texts(outcome: Outcome) -> list[str]:
    return [reply.text for reply in outcome.replies]


def test_the_json_round_trip_and_staleness() -> None:
    conversation = Conversation()
    assert awaiting_of(conversation) is None
    await_reply(conversation, "doctor_question", text="hvor længe varer det")
    awaited = awaiting_of(conversation)
    assert isinstance(awaited, Awaiting)
    assert (awaited.kind, awaited.data) == ("doctor_question", {"text": "hvor længe varer det"})
    later = awaited.since + timedelta(minutes=AWAITING_MINUTES + 1)
    assert awaiting_of(conversation, now=later) is None
    conversation.awaiting = {"kind": "doctor_question", "since": "not a time"}
    assert awaiting_of(conversation) is None


@pytest.mark.parametrize("engine_step", ["answer", "pause", "fallback", "medical_question"])
def test_the_awaited_step_takes_the_message_whatever_the_engine_chose(
    echo: None, service: Dialogue, session_factory: sessionmaker[Session], engine_step: str
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _await(session_factory, cid)
    outcome = say(service, session_factory, cid, "hvor længe varer kuren",
                  handler=lambda inbound: service.run(engine_step, inbound))
    assert _texts(outcome) == [TAKEN]
    row = conversation_row(session_factory, cid)
    assert row.awaiting is None and row.status == "active"
    assert answers(session_factory, cid) == []  # nothing stored as an answer
    assert outcome.resume_questionnaire  # mid-questionnaire: the same item comes back


def test_nothing_is_asked_while_waiting_and_the_item_comes_back_after(
    echo: None, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    first = question(present(service, session_factory, cid))
    _await(session_factory, cid)
    assert service.ask(cid).replies == []
    say(service, session_factory, cid, "mit spørgsmål")
    assert question(service.ask(cid).replies).link_id == first.link_id


def test_a_step_may_wait_again(
    echo: None, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _await(session_factory, cid)
    outcome = say(service, session_factory, cid, "igen")
    assert not outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).awaiting["data"] == {"seen": "igen"}


def test_an_answer_button_falls_through_to_the_engines_step(
    echo: None, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    item = question(present(service, session_factory, cid))
    _await(session_factory, cid)
    say(service, session_factory, cid, f'/inform{{"code":"3","link_id":"{item.link_id}"}}',
        entities={"code": "3", "link_id": str(item.link_id)})
    assert [a.link_id for a in answers(session_factory, cid)] == [item.link_id]
    assert conversation_row(session_factory, cid).awaiting is None


def test_a_crisis_comes_first_and_is_never_taken_as_the_awaited_reply(
    echo: None, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _await(session_factory, cid)
    outcome = say(service, session_factory, cid, "jeg vil ikke leve mere")
    assert TAKEN not in _texts(outcome)
    assert (outcome.replies[0].meta or {}).get("kind") == "crisis"
    assert conversation_row(session_factory, cid).awaiting is None


def test_the_engines_crisis_intent_also_comes_first(
    echo: None, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _await(session_factory, cid)
    # Words the pure-Python layer does not know, that the engine took for a crisis.
    outcome = say(service, session_factory, cid, "det hele er sort", intent="crisis",
                  handler=lambda inbound: service.interrupt("crisis", inbound).outcome)
    assert (outcome.replies[0].meta or {}).get("kind") == "crisis"


def test_a_stale_wait_is_forgotten(
    echo: None, service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    item = question(present(service, session_factory, cid))
    _await(session_factory, cid, minutes_ago=AWAITING_MINUTES + 5)
    outcome = say(service, session_factory, cid, "lidt af tiden")
    assert TAKEN not in _texts(outcome)
    assert [a.link_id for a in answers(session_factory, cid)] == [item.link_id]
