"""The channel's storage calls: a chat's link, its delivery state, its live keyboard, the
payloads behind hashed buttons, and the replies stored for an update."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram.chats import ChatLink, ChatRecords
from bot.channels.telegram.keyboards import callback_data
from bot.storage.conversations import conversation_for_invitation, get_conversation
from bot.storage.db import session_scope
from bot.storage.patients import create_invitation, create_patient
from bot.storage.telegram_chats import link_telegram_chat, new_telegram_invitation, telegram_chat
from bot.storage.transcripts import add_message
from bot.turn.messages import Button
from tests.channels.telegram.rig import LONG_PAYLOAD, sqlite_factory


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    return sqlite_factory(tmp_path)


@pytest.fixture
def records(factory: sessionmaker[Session]) -> ChatRecords:
    return ChatRecords(factory)


def linked_chat(factory: sessionmaker[Session], chat_id: int) -> tuple[str, int]:
    """A patient whose Telegram invitation the chat opened: (conversation id, invitation id)."""
    with session_scope(factory) as session:
        patient = create_patient(session)
        invitation = create_invitation(session, patient, "who5", channel="telegram").invitation
        conversation = conversation_for_invitation(session, invitation)
        link_telegram_chat(session, chat_id, invitation, conversation)
        return conversation.id, invitation.id


def say(
    factory: sessionmaker[Session],
    conversation_id: str,
    direction: str,
    text: str,
    **fields: object,
) -> None:
    with session_scope(factory) as session:
        conversation = get_conversation(session, conversation_id)
        assert conversation is not None
        add_message(
            session,
            conversation,
            direction=direction,
            channel="telegram",
            text=text,
            **fields,  # type: ignore[arg-type]
        )


async def test_the_link_of_a_chat(records: ChatRecords, factory: sessionmaker[Session]) -> None:
    assert await records.link(7) is None  # a stranger
    conversation_id, invitation_id = linked_chat(factory, 7)
    assert await records.link(7) == ChatLink(conversation_id, invitation_id, None, blocked=False)
    await records.set_keyboard(7, 123)
    link = await records.link(7)
    assert link is not None and link.keyboard_message_id == 123
    await records.set_keyboard(8, 5)  # not a linked chat: nothing stored
    assert await records.link(8) is None


async def test_a_blocked_chat_is_logged_once_and_reachable_again(
    records: ChatRecords, factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    conversation_id, _ = linked_chat(factory, 7)
    await records.mark_blocked(7, "forbidden")
    await records.mark_blocked(7, "chat not found")
    warnings = [r.getMessage() for r in caplog.records if "cannot deliver" in r.getMessage()]
    assert warnings == ["Telegram cannot deliver to a patient's chat (forbidden); not retried"]
    assert not any(conversation_id in r.getMessage() for r in caplog.records)
    link = await records.link(7)
    assert link is not None and link.blocked
    with session_scope(factory) as session:
        row = telegram_chat(session, 7)
        assert row is not None and row.blocked_reason == "chat not found"
    await records.reachable_again(7, link)
    again = await records.link(7)
    assert again is not None and not again.blocked
    with session_scope(factory) as session:
        row = telegram_chat(session, 7)
        assert row is not None and row.blocked_at is None and row.blocked_reason is None
    await records.mark_blocked(99, "forbidden")  # a stranger: nothing is stored
    assert await records.link(99) is None


async def test_the_replies_stored_for_an_update(
    records: ChatRecords, factory: sessionmaker[Session]
) -> None:
    conversation_id, _ = linked_chat(factory, 7)
    say(factory, conversation_id, "in", "hej", external_id="tg:1")
    say(factory, conversation_id, "out", "Hej!")
    say(factory, conversation_id, "out", "", kind="event")
    buttons = [{"title": "Ja", "payload": "/affirm"}]
    say(factory, conversation_id, "out", "Må vi?", buttons=buttons, link_id="q1")
    say(factory, conversation_id, "in", "ja", external_id="tg:2")
    say(factory, conversation_id, "out", "Tak")
    say(factory, conversation_id, "in", "igen", external_id="tg:3")
    replies = await records.replies_to(conversation_id, "tg:1")
    assert replies is not None
    assert [(r.text, r.buttons, r.link_id) for r in replies] == [
        ("Hej!", (), None),
        ("Må vi?", (Button("Ja", "/affirm"),), "q1"),
    ]
    assert all(r.message_id is not None for r in replies)
    assert await records.replies_to(conversation_id, "tg:3") == []  # stored, not answered
    assert await records.replies_to(conversation_id, "tg:404") is None  # never stored


async def test_the_payload_behind_a_pressed_button(
    records: ChatRecords, factory: sessionmaker[Session]
) -> None:
    conversation_id, _ = linked_chat(factory, 7)
    buttons = [{"title": "Lang", "payload": LONG_PAYLOAD}]
    say(factory, conversation_id, "out", "Spørgsmål", buttons=buttons)
    assert await records.button_payload(conversation_id, "/affirm") == "/affirm"
    hashed = callback_data(LONG_PAYLOAD)
    assert await records.button_payload(conversation_id, hashed) == LONG_PAYLOAD
    assert await records.button_payload(conversation_id, callback_data(LONG_PAYLOAD + "x")) is None


def test_a_telegram_invitation_needs_an_existing_patient(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        patient = create_patient(session)
        issued = new_telegram_invitation(session, patient.id, "who5", valid_for=timedelta(1))
        assert issued is not None
        invitation = issued.invitation
        assert invitation.channel == "telegram"
        assert invitation.patient_id == patient.id and invitation.expires_at is not None
        assert new_telegram_invitation(session, 404, "who5", valid_for=timedelta(1)) is None
