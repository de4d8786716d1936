"""Forged and foreign button payloads with the real engine: a clear answer, never a 500, and
never an answer stored for an item the patient was not asked (nor in another conversation)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.i18n import Texts
from bot.storage.db import make_engine, make_session_factory, session_scope
from bot.storage.models import Answer, Response
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.test_web_api import consent

pytestmark = pytest.mark.e2e

FOREIGN = [
    '/inform{"code":"3","link_id":"phq9-9"}',  # an item of another questionnaire
    '/inform{"code":"3","link_id":"who5-4"}',  # a later item of this one
    '/inform{"code":"99","link_id":"who5-1"}',  # not an option of the current item
    '/correct{"link_id":"phq9-1"}',  # change an answer that does not exist
    '/inform{"link_id":"who5-1"}',  # no code at all
    "/restart",
    "/session_start",
]


def _answers(system: LiveSystem) -> list[tuple[str, str, str | None]]:
    engine = make_engine(system.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            rows = session.execute(
                select(Response.conversation_id, Answer.link_id, Answer.code)
                .join(Answer.response)
                .where(Answer.superseded_at.is_(None))
                .order_by(Answer.id)
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_foreign_payloads_store_nothing_and_get_an_answer(system: LiveSystem, texts: Texts) -> None:
    victim = Patient(system, system.invite("phq9"))
    consent(victim, texts)
    victim.press(victim.last[-1]["buttons"][0]["title"])  # one real answer to protect
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    before = _answers(system)
    assert ("phq9-1", "0") in [row[1:] for row in before]
    for payload in FOREIGN:
        answer = httpx.post(patient.url, json={"payload": payload}, timeout=60)
        assert answer.status_code in {200, 400}, (payload, answer.status_code, answer.text)
        body: dict[str, Any] = answer.json()
        if answer.status_code == 400:
            assert set(body) == {"error"}
        else:
            assert body["messages"], payload  # the patient always hears something
    assert _answers(system) == before
    # The current question still works afterwards.
    patient.say("hej")
    patient._post({"payload": '/inform{"code":"5","link_id":"who5-1"}'})
    after = _answers(system)
    assert after[: len(before)] == before
    assert [row[1:] for row in after[len(before) :]] == [("who5-1", "5")]
