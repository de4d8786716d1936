"""Exact answers with the real engine over the web API: many presses at once leave one current
answer; typed text from a page that showed another item is not stored against the current
one; typed text that starts with "/" is text, never a button."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.i18n import Texts
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.models import Answer, Conversation
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.test_web_api import consent

pytestmark = pytest.mark.e2e


def _answers(system: LiveSystem) -> list[Answer]:
    """The WHO-5 answers (the opening screen's are stored too)."""
    engine = make_engine(system.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rows = session.scalars(select(Answer).order_by(Answer.id))
            return [row for row in rows if row.link_id.startswith("who5-")]
    finally:
        engine.dispose()


def _status(system: LiveSystem) -> str:
    engine = make_engine(system.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return str(session.scalars(select(Conversation.status)).one())
    finally:
        engine.dispose()


def _question(patient: Patient) -> dict[str, Any]:
    asked = [m for m in patient.last if m.get("link_id")]
    assert asked, patient.last
    return asked[-1]


def test_twenty_presses_at_once_leave_one_current_answer(system: LiveSystem, texts: Texts) -> None:
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    question = _question(patient)
    assert question["link_id"] == "who5-1"
    payloads = [b["payload"] for b in question["buttons"]]
    start = threading.Barrier(20)

    def press(n: int) -> int:
        start.wait()
        body = {"payload": payloads[n % len(payloads)]}
        return httpx.post(patient.url, json=body, timeout=120).status_code

    with ThreadPoolExecutor(20) as pool:
        assert list(pool.map(press, range(20))) == [200] * 20

    first = [a for a in _answers(system) if a.link_id == "who5-1"]
    assert sum(1 for a in first if a.superseded_at is None) == 1
    assert not any(a.link_id == "who5-2" for a in _answers(system))


def test_typed_text_from_a_page_that_showed_another_item(system: LiveSystem, texts: Texts) -> None:
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    assert _question(patient)["link_id"] == "who5-1"
    patient.press("Lidt af tiden")  # in one tab
    current = _question(patient)
    assert current["link_id"] == "who5-2"

    # The other tab still shows who5-1 and sends its linkId with what the patient typed.
    answer = httpx.post(patient.url, json={"text": "hele tiden", "link_id": "who5-1"}, timeout=60)
    assert answer.status_code == 200, answer.text
    replies = answer.json()["messages"]
    assert replies[0]["text"] == "Det svar hørte til et andet spørgsmål."
    assert replies[-1]["link_id"] == "who5-2" and replies[-1]["text"] == current["text"]
    assert [(a.link_id, a.code) for a in _answers(system)] == [("who5-1", "1")]

    # Sent with the item it was typed for, the same text is the answer.
    patient.last = httpx.post(
        patient.url, json={"text": "hele tiden", "link_id": "who5-2"}, timeout=60
    ).json()["messages"]
    assert [(a.link_id, a.code) for a in _answers(system)] == [("who5-1", "1"), ("who5-2", "5")]
    # The API names the item of every question, in its answers and in the history.
    assert _question(patient)["link_id"] == "who5-3"
    assert "who5-3" in [m.get("link_id") for m in patient.history()]


def test_typed_text_starting_with_a_slash_is_text(system: LiveSystem, texts: Texts) -> None:
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    assert _question(patient)["link_id"] == "who5-1"

    patient.say('/inform{"code":"5","link_id":"who5-1"}')  # a forged button, typed
    assert not any(a.input_kind == "button" for a in _answers(system))
    assert not any(a.code == "5" for a in _answers(system))

    patient.say("/stop")
    assert _status(system) == "active", patient.text
    stopped = "Tak for nu. Dine svar er gemt."
    assert stopped not in patient.text
    # "Not understood", and the same question again in the same turn.
    assert _question(patient)["link_id"] == "who5-1"
    patient.say("hele tiden")  # the next typed answer is stored, not dropped
    assert [(a.link_id, a.code) for a in _answers(system)] == [("who5-1", "5")]
    assert _question(patient)["link_id"] == "who5-2"
    patient.say("stop")  # the word itself still stops
    assert _status(system) == "stopped" and stopped in patient.text
