"""SIGKILL the app or the engine mid-questionnaire: the patient continues at the first
unanswered item, and nothing answered is lost or duplicated."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.i18n import Texts
from bot.storage.db import make_engine, make_session_factory
from bot.storage.models import Answer, Response
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.test_web_api import consent, exported_codes

pytestmark = pytest.mark.e2e


def answer_rows(system: LiveSystem) -> list[tuple[str, str | None, bool]]:
    engine = make_engine(system.database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.execute(
                select(Answer.link_id, Answer.code, Answer.superseded_at.is_(None))
                .join(Response)
                .where(Response.questionnaire_id == "who5")
            ).all()
            return [(r[0], r[1], bool(r[2])) for r in rows]
    finally:
        engine.dispose()


@pytest.mark.parametrize("victim", ["app", "engine", "both"])
def test_kill_mid_questionnaire_and_continue(system: LiveSystem, texts: Texts, victim: str) -> None:
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    patient.press("Hele tiden")
    patient.press("Det meste af tiden")
    assert "aktiv og energisk" in patient.last[-1]["text"]

    if victim in {"app", "both"}:
        system.kill_app()
    if victim in {"engine", "both"}:
        system.kill_engine()
        system.start_engine()
    if victim in {"app", "both"}:
        system.start_app()
    system.wait_ready()

    # The page reloads: the history is all there, and the next answer goes to item 3.
    history = patient.history()
    assert [m["text"] for m in history if m["from"] == "patient"][-2:] == [
        "Hele tiden",
        "Det meste af tiden",
    ]
    patient.say("lidt af tiden")
    assert "vågnet frisk og udhvilet" in patient.last[-1]["text"]
    patient.press("Hele tiden")
    patient.press("På intet tidspunkt")
    assert texts._("Thank you! You have answered all the questions.") in patient.text

    assert exported_codes(system.export_fhir()) == {
        "who5-1": "5",
        "who5-2": "4",
        "who5-3": "1",
        "who5-4": "5",
        "who5-5": "0",
    }
    rows = answer_rows(system)
    assert len(rows) == 5 and all(current for _, _, current in rows)


def test_answer_saved_but_reply_lost_is_not_counted_twice(system: LiveSystem, texts: Texts) -> None:
    """The app dies after an answer is committed but before the next question is stored and
    sent; the patient, seeing the old question, answers again. That must not fill item 2."""
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    patient.press("Hele tiden")  # item 1 stored, item 2 shown
    # Simulate the lost reply: remove the stored question for item 2 from the transcript.
    engine = make_engine(system.database_url)
    from bot.storage.models import Conversation, Message
    from bot.storage.transcripts import presented_after

    with make_session_factory(engine)() as session:
        last = session.scalar(select(Message).where(Message.link_id == "who5-2"))
        assert last is not None
        session.delete(last)
        # A reply that was never stored never updated what the conversation has shown either.
        conversation = session.get(Conversation, last.conversation_id)
        assert conversation is not None
        conversation.presented = None
        for sent in session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation.id, Message.direction == "out")
            .where(Message.id != last.id)
            .order_by(Message.id)
        ):
            conversation.presented = presented_after(conversation.presented, sent.link_id, sent.meta)
        session.commit()
    engine.dispose()
    patient.say("hele tiden")  # meant for item 1, which is already saved
    assert "rolig og afslappet" in patient.last[-1]["text"]  # item 2 is now shown
    rows: Any = answer_rows(system)
    assert [r[0] for r in rows] == ["who5-1"]
    engine = make_engine(system.database_url)
    with make_session_factory(engine)() as session:
        who5_answers = select(func.count()).select_from(Answer).join(Response)
        assert session.scalar(who5_answers.where(Response.questionnaire_id == "who5")) == 1
    engine.dispose()
