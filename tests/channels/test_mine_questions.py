"""The patient's questions for the doctor on their own page, /chat/<token>/mine ("Mine
spørgsmål", bot/channels/mine_questions.py): newest first, in their words, escaped, whether
each is handled (never the coordinator's note), only their own; within the audited view; and
in the download as Communications."""

from __future__ import annotations

import html
from datetime import timedelta

from sqlalchemy import func, select

from bot.storage.db import session_scope
from bot.storage.doctor_questions import add_question, mark_handled
from bot.storage.models import AuditEvent, Conversation
from tests.channels.test_mine import TestClient, answered_who5, new_patient, state
from tests.channels.test_mine import client as client  # the module's app, shared

HOSTILE = "<b>må</b> jeg cykle?"


def _ask(
    client: TestClient, patient_id: int, text: str, *, minutes: int = 0, handled: bool = False
) -> None:
    with session_scope(state(client).session_factory) as session:
        conversation = session.scalar(
            select(Conversation).where(Conversation.patient_id == patient_id).limit(1)
        )
        assert conversation is not None
        question = add_question(session, conversation, text, source="asked")
        question.asked_at += timedelta(minutes=minutes)
        if handled:
            mark_handled(question, by="nurse@example.org", note="intern note om patienten")


def _section(page: str) -> str:
    start = page.index('id="questions-title"')
    return page[start : page.index("</section>", start)]


def test_the_page_lists_the_patients_own_questions_newest_first(client: TestClient) -> None:
    patient_id = new_patient(client)
    token = answered_who5(client, patient_id, ["3", "3", "3", "3", "3"])
    _ask(client, patient_id, "hvor længe varer kuren?", handled=True)
    _ask(client, patient_id, HOSTILE, minutes=5)
    other = new_patient(client)
    answered_who5(client, other, ["1", "1", "1", "1", "1"])
    _ask(client, other, "en andens spørgsmål")
    with session_scope(state(client).session_factory) as session:
        views = session.scalar(select(func.count()).where(AuditEvent.action == "own_data.view"))

    page = client.get(f"/chat/{token}/mine").text
    section = _section(page)
    assert "Mine spørgsmål" in section
    assert html.escape(HOSTILE) in section and "<b>må</b>" not in section
    assert section.index("cykle") < section.index("kuren")  # the newest first
    assert "Venter på din næste samtale med lægen" in section
    assert "Klaret den " in section
    assert "intern note" not in page and "nurse@example.org" not in page
    assert "en andens spørgsmål" not in page
    with session_scope(state(client).session_factory) as session:
        after = session.scalar(select(func.count()).where(AuditEvent.action == "own_data.view"))
    assert after == (views or 0) + 1

    bundle = client.get(f"/chat/{token}/mine/data.json").json()
    sent = [
        e["resource"]["payload"][0]["contentString"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Communication"
    ]
    assert sent == ["hvor længe varer kuren?", HOSTILE]  # oldest first, only this patient's


def test_without_questions_the_page_says_how_to_ask_one(client: TestClient) -> None:
    patient_id = new_patient(client)
    token = answered_who5(client, patient_id, ["3", "3", "3", "3", "3"])
    section = _section(client.get(f"/chat/{token}/mine").text)
    assert "Du har ikke bedt mig skrive noget ned til lægen." in section
    assert "spørgsmål til lægen“ i chatten" in section
