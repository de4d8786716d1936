"""actions/questionnaire.py: start, ask, validate, complete — with real rasa-sdk trackers."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions.common import inbound_from
from actions.questionnaire import (
    ActionQuestionnaireComplete,
    ActionStart,
    ValidateQuestionnaireForm,
)
from actions.table import action_executor
from bot.dialogue.service import Dialogue
from bot.turn.payloads import answer_payload
from tests.actions.conftest import FORM, TrackerFactory, deliver, replies_of
from tests.helpers import (
    answers,
    conversation_row,
    current,
    new_conversation,
    patient_row,
    store_inbound,
)

RESUME = [SlotSet("answer", None), FollowupAction(FORM)]


async def _ask(
    installed: Dialogue, session_factory: sessionmaker[Session], cid: str, tracker: TrackerFactory,
    domain: dict[str, Any],
) -> list[Any]:
    dispatcher = CollectingDispatcher()
    events = await ValidateQuestionnaireForm(installed).run(dispatcher, tracker(cid, form_active=True), domain)
    deliver(session_factory, cid, dispatcher)
    return events


async def _validate_button(
    installed: Dialogue, session_factory: sessionmaker[Session], cid: str, tracker: TrackerFactory,
    domain: dict[str, Any], link_id: str, code: str,
) -> tuple[dict[str, Any], CollectingDispatcher]:
    payload = answer_payload(link_id, code)
    store_inbound(session_factory, cid, payload, payload=payload)
    dispatcher = CollectingDispatcher()
    state = tracker(cid, payload, "inform", entities={"code": code, "link_id": link_id},
                    form_active=True, requested_slot="answer", slots={"answer": payload})
    result = await ValidateQuestionnaireForm(installed).validate_answer(payload, dispatcher, state, domain)
    deliver(session_factory, cid, dispatcher)
    return result, dispatcher


# ------------------------------------------------------------------ start


async def test_start_before_consent_asks_for_it(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory, consent=None)
    dispatcher = CollectingDispatcher()
    events = await ActionStart(installed).run(dispatcher, tracker(cid, "/start", "start"), domain)
    assert events == []
    replies = deliver(session_factory, cid, dispatcher)
    assert len(replies) == 4
    for message in dispatcher.messages:
        assert message["text"] is None  # everything travels in the custom reply
        assert isinstance(message["custom"]["reply"]["text"], str)
    consent = dispatcher.messages[-1]["custom"]["reply"]
    assert consent["meta"] == {"kind": "consent"}
    assert consent["buttons"] == [
        {"title": installed.texts._("Yes, that is fine"), "payload": "/affirm"},
        {"title": installed.texts._("No thanks"), "payload": "/deny"},
    ]
    assert consent["link_id"] is None


async def test_start_after_consent_starts_the_form_only_when_inactive(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory, consent=None)
    first = CollectingDispatcher()
    await ActionStart(installed).run(first, tracker(cid, "/start", "start"), domain)
    deliver(session_factory, cid, first)

    dispatcher = CollectingDispatcher()
    events = await ActionStart(installed).run(dispatcher, tracker(cid, "/affirm", "affirm"), domain)
    assert events == RESUME
    assert len(dispatcher.messages) == 1
    assert patient_row(session_factory, cid).consent == "given"

    # Already consented: an active form is left alone, an inactive one is started.
    active = await ActionStart(installed).run(
        CollectingDispatcher(), tracker(cid, "hej", "greet", form_active=True), domain)
    assert active == []
    inactive = await ActionStart(installed).run(CollectingDispatcher(), tracker(cid, "hej", "greet"),
                                       domain)
    assert inactive == RESUME
    assert answers(session_factory, cid) == []


async def test_start_after_decline_does_not_start_the_form(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory, consent=None)
    first = CollectingDispatcher()
    await ActionStart(installed).run(first, tracker(cid, "/start", "start"), domain)
    deliver(session_factory, cid, first)
    dispatcher = CollectingDispatcher()
    events = await ActionStart(installed).run(dispatcher, tracker(cid, "nej", "deny"), domain)
    assert events == []
    assert patient_row(session_factory, cid).consent == "declined"


# ------------------------------------------------------------------ ask


async def test_ask_utters_the_question_with_its_item(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    dispatcher = CollectingDispatcher()
    events = await ValidateQuestionnaireForm(installed).run(dispatcher, tracker(cid, form_active=True), domain)
    assert events == []
    replies = replies_of(dispatcher)
    kinds = [(r.meta or {}).get("kind") for r in replies]
    assert kinds[0] == "intro" and kinds[-1] == "question"
    question = dispatcher.messages[-1]["custom"]["reply"]
    assert question["link_id"] == "who5-1"
    assert question["text"] == "I de sidste 2 uger har jeg været glad og i godt humør"
    assert question["buttons"][0] == {"title": "Hele tiden",
                                      "payload": answer_payload("who5-1", "5")}
    assert len(question["buttons"]) == 6
    assert question["meta"]["kind"] == "question"


async def test_ask_when_finished_fills_the_slot_so_the_form_ends(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    for link_id in [f"who5-{n}" for n in range(1, 6)]:
        await _ask(installed, session_factory, cid, tracker, domain)
        await _validate_button(installed, session_factory, cid, tracker, domain, link_id, "4")
    dispatcher = CollectingDispatcher()
    events = await ValidateQuestionnaireForm(installed).run(dispatcher, tracker(cid, form_active=True), domain)
    # The form ends (its slot is filled) and its rule runs action_questionnaire_complete.
    assert events == [SlotSet("answer", "done")]
    assert replies_of(dispatcher) == []
    assert conversation_row(session_factory, cid).status == "active"


# ------------------------------------------------------------------ validate


async def test_validate_answer_stores_and_says_when_done(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    for number in range(1, 6):
        link_id = f"who5-{number}"
        await _ask(installed, session_factory, cid, tracker, domain)
        result, dispatcher = await _validate_button(installed,
            session_factory, cid, tracker, domain, link_id, "3")
        assert result == {"answer": "done" if number == 5 else None}
        assert dispatcher.messages == []
        assert current(session_factory, cid)[link_id].code == "3"
    assert len(answers(session_factory, cid)) == 5


async def test_validate_answer_replies_travel_as_json(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    await _ask(installed, session_factory, cid, tracker, domain)
    store_inbound(session_factory, cid, "3")
    dispatcher = CollectingDispatcher()
    state = tracker(cid, "3", "inform", form_active=True, requested_slot="answer",
                    slots={"answer": "3"})
    result = await ValidateQuestionnaireForm(installed).validate_answer("3", dispatcher, state, domain)
    assert result == {"answer": None}
    (message,) = dispatcher.messages
    reply = message["custom"]["reply"]
    assert reply["meta"] == {"kind": "confirm", "item": "who5-1"}
    assert [b["payload"] for b in reply["buttons"]] == ["/affirm", "/deny"]
    assert answers(session_factory, cid) == []


async def test_validate_answer_while_the_form_is_activated_stores_nothing(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    await _ask(installed, session_factory, cid, tracker, domain)
    payload = answer_payload("who5-1", "5")
    store_inbound(session_factory, cid, payload, payload=payload)
    for requested in (None, "something_else"):
        dispatcher = CollectingDispatcher()
        state = tracker(cid, payload, "inform", entities={"code": "5", "link_id": "who5-1"},
                        form_active=True, requested_slot=requested, slots={"answer": payload})
        result = await ValidateQuestionnaireForm(installed).validate_answer(
            payload, dispatcher, state, domain)
        assert result == {"answer": None}
        assert dispatcher.messages == []
    assert answers(session_factory, cid) == []


def _slot_event(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


async def test_validation_through_run(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    """The way rasa-sdk calls it: the slot candidate is the last event of the tracker."""
    cid = new_conversation(session_factory)
    await _ask(installed, session_factory, cid, tracker, domain)
    store_inbound(session_factory, cid, "det meste af tiden")
    events = [
        {"event": "action", "name": "action_listen", "timestamp": None},
        {"event": "user", "text": "det meste af tiden", "timestamp": None,
         "parse_data": {"intent": {"name": "inform", "confidence": 0.9}, "entities": []}},
        _slot_event("answer", "det meste af tiden"),
    ]
    state = tracker(cid, "det meste af tiden", "inform", form_active=True,
                    requested_slot="answer", slots={"answer": "det meste af tiden"},
                    events=events)
    result = await ValidateQuestionnaireForm(installed).run(CollectingDispatcher(), state, domain)
    assert result == [SlotSet("answer", None)]
    assert current(session_factory, cid)["who5-1"].code == "4"


async def test_validation_through_run_on_activation_stores_nothing(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    await _ask(installed, session_factory, cid, tracker, domain)
    state = tracker(cid, "hele tiden", "inform", form_active=True, requested_slot=None,
                    slots={"answer": "hele tiden"}, events=[_slot_event("answer", "hele tiden")])
    result = await ValidateQuestionnaireForm(installed).run(CollectingDispatcher(), state, domain)
    assert result == [SlotSet("answer", None)]
    assert answers(session_factory, cid) == []


# ------------------------------------------------------------------ complete


async def test_complete_action(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    # Not done yet: the form is resumed (from outside the form) instead.
    early = CollectingDispatcher()
    assert await ActionQuestionnaireComplete(installed).run(early, tracker(cid), domain) == RESUME
    assert early.messages == []

    for link_id in [f"who5-{n}" for n in range(1, 6)]:
        await _ask(installed, session_factory, cid, tracker, domain)
        await _validate_button(installed, session_factory, cid, tracker, domain, link_id, "0")
    dispatcher = CollectingDispatcher()
    assert await ActionQuestionnaireComplete(installed).run(dispatcher, tracker(cid), domain) == []
    assert len(dispatcher.messages) == 2
    assert conversation_row(session_factory, cid).status == "completed"


# ------------------------------------------------------------------ wiring


def test_inbound_from_tracker(tracker: TrackerFactory) -> None:
    state = tracker("c1", "  tekst ", "inform",
                    entities={"code": "3", "link_id": "who5-2", "other": "x"})
    inbound = inbound_from(state)
    assert inbound.conversation_id == "c1"
    assert inbound.text == "  tekst "
    assert inbound.intent == "inform"
    assert inbound.confidence == pytest.approx(0.9)
    assert dict(inbound.entities) == {"code": "3", "link_id": "who5-2"}

    empty = inbound_from(tracker("c2", "", None))
    assert (empty.intent, empty.text, dict(empty.entities)) == (None, "", {})


def test_every_domain_action_is_registered(installed: Dialogue, domain: dict[str, Any]) -> None:
    executor = action_executor(installed)
    registered = set(executor.actions)
    assert set(domain["actions"]) <= registered
    assert "" not in registered


async def test_one_action_call_stores_the_answer_and_asks_the_next_item(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    """The engine calls the validation action every time the form runs; it answers and asks,
    so the form needs no second action call (the domain has no action_ask_answer)."""
    assert "action_ask_answer" not in domain["actions"]
    cid = new_conversation(session_factory)
    await _ask(installed, session_factory, cid, tracker, domain)
    for number in range(1, 6):
        link_id = f"who5-{number}"
        payload = answer_payload(link_id, "3")
        store_inbound(session_factory, cid, payload, payload=payload)
        state = tracker(cid, payload, "inform", entities={"code": "3", "link_id": link_id},
                        form_active=True, requested_slot="answer",
                        events=[{"event": "slot", "name": "answer", "value": payload}])
        dispatcher = CollectingDispatcher()
        events = await ValidateQuestionnaireForm(installed).run(dispatcher, state, domain)
        replies = deliver(session_factory, cid, dispatcher)
        assert current(session_factory, cid)[link_id].code == "3"
        if number < 5:
            assert events == [SlotSet("answer", None)]
            assert replies[-1].link_id == f"who5-{number + 1}"  # asked in the same call
        else:
            assert events == [SlotSet("answer", "done")]
            assert all(r.link_id is None for r in replies)  # nothing more to ask
