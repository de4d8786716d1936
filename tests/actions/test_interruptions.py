"""actions/interruptions.py: what patients say around the answers."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Action
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions.common import inbound_from
from actions.questionnaire import ValidateQuestionnaireForm
from actions.table import build_actions
from bot.dialogue.service import Dialogue
from bot.turn.payloads import answer_payload
from tests.actions.conftest import FORM, TrackerFactory, deliver, replies_of
from tests.helpers import (
    alerts,
    answers,
    conversation_row,
    current,
    new_conversation,
    patient_row,
    store_inbound,
)

RESUME = [SlotSet("answer", None), FollowupAction(FORM)]

ALL = [
    ("action_explain", "hvad betyder det", "explain"),
    ("action_why", "hvorfor spørger du", "why"),
    ("action_help", "hjælp", "help"),
    ("action_pause", "pause", "pause"),
    ("action_stop", "stop", "stop"),
    ("action_correct", "ret mit svar", "correct"),
    ("action_show_answers", "vis mine svar", "show_answers"),
    ("action_small_talk", "tak", "thanks"),
    ("action_change_level", "enklere tak", "simpler"),
    ("action_read_aloud", "læs op", "read_aloud"),
    ("action_talk_to_person", "ring til mig", "talk_to_person"),
    ("action_fallback", "qwerty", None),
    ("action_crisis", "jeg orker ikke mere", "crisis"),
    ("action_medical_question", "skal jeg tage flere piller", "medical_question"),
    ("action_doctor_question", "jeg har et spørgsmål til lægen", "doctor_question"),
    ("action_invite_relative", "invitér en pårørende", "invite_relative"),
    ("action_revoke_relative", "fjern min pårørende", "revoke_relative"),
    ("action_withdraw", "jeg vil ikke være med mere", "withdraw"),
    ("action_delete_data", "slet mine data", "delete_data"),
]


def _action(installed: Dialogue, name: str) -> Action:
    found = [action for action in build_actions(installed) if action.name() == name]
    assert len(found) == 1, name
    return found[0]


async def _ask_and_answer(
    installed: Dialogue, session_factory: sessionmaker[Session], cid: str, tracker: TrackerFactory,
    domain: dict[str, Any], codes: list[str],
) -> None:
    for code in codes:
        dispatcher = CollectingDispatcher()
        await ValidateQuestionnaireForm(installed).run(dispatcher, tracker(cid, form_active=True), domain)
        link_id = deliver(session_factory, cid, dispatcher)[-1].link_id
        assert link_id is not None
        payload = answer_payload(link_id, code)
        store_inbound(session_factory, cid, payload, payload=payload)
        state = tracker(cid, payload, "inform", entities={"code": code, "link_id": link_id},
                        form_active=True, requested_slot="answer")
        await ValidateQuestionnaireForm(installed).validate_answer(
            payload, CollectingDispatcher(), state, domain)


async def test_every_interruption_replies(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    await _ask_and_answer(installed, session_factory, cid, tracker, domain, ["5"])
    names = {name for name, _text, _intent in ALL}
    assert names == {n for n in domain["actions"] if n not in {
        "action_start", "validate_questionnaire_form",
        "action_questionnaire_complete"}}
    for name, text, intent in ALL:
        dispatcher = CollectingDispatcher()
        events = await _action(installed, name).run(
            dispatcher, tracker(cid, text, intent, form_active=True), domain)
        replies = replies_of(dispatcher)
        assert replies, name
        assert all(r.text.strip() for r in replies), name
        # Inside the form nothing restarts it: the form's own rules ask again.
        assert events == [], name


async def test_help_names_the_emergency_number(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    dispatcher = CollectingDispatcher()
    await _action(installed, "action_help").run(dispatcher, tracker(cid, "hjælp", "help"), domain)
    (reply,) = replies_of(dispatcher)
    assert installed.settings.crisis.emergency in reply.text
    assert reply == installed.help(inbound_from(tracker(cid, "hjælp", "help"))).replies[0]
    assert not reply.text.startswith("You can write")  # Danish


async def test_pause_and_stop_change_the_status(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    await _action(installed, "action_pause").run(CollectingDispatcher(), tracker(cid, "pause", "pause"),
                                      domain)
    assert conversation_row(session_factory, cid).status == "paused"
    await _action(installed, "action_stop").run(CollectingDispatcher(), tracker(cid, "stop", "stop"),
                                     domain)
    assert conversation_row(session_factory, cid).status == "stopped"


async def test_correct_resumes_the_form_from_outside(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    await _ask_and_answer(installed, session_factory, cid, tracker, domain, ["5", "4"])
    events = await _action(installed, "action_correct").run(
        CollectingDispatcher(), tracker(cid, "ret mit svar", "correct"), domain)
    assert events == RESUME
    assert conversation_row(session_factory, cid).reopened_link_id == "who5-2"

    dispatcher = CollectingDispatcher()
    await ValidateQuestionnaireForm(installed).run(dispatcher, tracker(cid, form_active=True), domain)
    assert replies_of(dispatcher)[-1].link_id == "who5-2"
    assert current(session_factory, cid)["who5-2"].code == "4"


async def test_explain_and_why_use_the_current_item(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    await _ask_and_answer(installed, session_factory, cid, tracker, domain, [])
    dispatcher = CollectingDispatcher()
    await ValidateQuestionnaireForm(installed).run(dispatcher, tracker(cid, form_active=True), domain)
    deliver(session_factory, cid, dispatcher)
    item = installed.questionnaires["who5"].item("who5-1")

    explain = CollectingDispatcher()
    await _action(installed, "action_explain").run(
        explain, tracker(cid, "hvad betyder det", "explain", form_active=True), domain)
    assert replies_of(explain)[0].text == item.help

    why = CollectingDispatcher()
    await _action(installed, "action_why").run(
        why, tracker(cid, "hvorfor", "why", form_active=True), domain)
    assert [r.text for r in replies_of(why)] == [item.why]


async def test_talk_to_person_raises_an_alert(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any],
) -> None:
    cid = new_conversation(session_factory)
    dispatcher = CollectingDispatcher()
    await _action(installed, "action_talk_to_person").run(
        dispatcher, tracker(cid, "ring til mig", "talk_to_person"), domain)
    assert [(a.rule_id, a.level) for a in alerts(session_factory, cid)] == [
        ("talk-to-person", "yellow")]
    assert installed.settings.crisis.medical_helpline in replies_of(dispatcher)[0].text
    assert answers(session_factory, cid) == []


@pytest.mark.parametrize("intent", ["simpler", "shorter"])
async def test_change_level(
    installed: Dialogue, session_factory: sessionmaker[Session],
    tracker: TrackerFactory, domain: dict[str, Any], intent: str,
) -> None:
    cid = new_conversation(session_factory)
    await _action(installed, "action_change_level").run(
        CollectingDispatcher(), tracker(cid, "enklere", intent), domain)
    assert patient_row(session_factory, cid).literacy_level == "plain"
