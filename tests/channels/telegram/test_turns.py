"""A turn from Telegram: a redelivered update is handled once; a lost reply gets an apology."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import Texts
from bot.storage.conversations import get_conversation
from bot.storage.db import session_scope
from bot.storage.models import Message
from bot.storage.transcripts import add_message
from tests.channels.telegram.rig import Rig, act


async def test_a_redelivered_update_is_handled_once(rig: Rig) -> None:
    user = rig.user(5201)
    await act(user.command, "start", await rig.invite())
    update = user.message_update("hej igen")
    first = [m["text"] for m in await act(user.send_update, update)]
    messages = rig.count(Message)
    # Delivered again (Telegram got no answer, e.g. the app stopped before replying): not
    # handled twice, and the stored reply is sent again so that nothing is lost.
    again = [m["text"] for m in await act(user.send_update, update)]
    assert rig.engine.received.count("hej igen") == 1
    assert again == first and rig.count(Message) == messages


async def test_a_message_stored_before_a_crash_gets_an_apology(rig: Rig, texts: Texts) -> None:
    user = rig.user(5202)
    await act(user.command, "start", await rig.invite())
    update = user.message_update("det meste af tiden")
    row = rig.chat_row(5202)
    assert row is not None
    with session_scope(rig.session_factory) as session:  # stored, then the app stopped
        conversation = get_conversation(session, row.conversation_id)
        assert conversation is not None
        add_message(
            session, conversation, direction="in", channel="telegram", text="det meste af tiden",
            external_id=f"tg:{update['update_id']}",
        )  # fmt: skip
    await act(user.send_update, update)
    assert "det meste af tiden" not in rig.engine.received
    assert user.text == texts._(
        "Sorry, something went wrong on my side. Nothing you wrote is lost. "
        "Please try again in a moment."
    )


async def test_a_handler_error_gets_the_apology_and_no_patient_text_in_the_log(
    rig: Rig, texts: Texts, caplog: pytest.LogCaptureFixture
) -> None:
    user = rig.user(5203)
    await act(user.command, "start", await rig.invite())
    with caplog.at_level(logging.INFO):  # the levels an operator's log keeps
        await act(user.say, "fejl i bot")
    assert user.text == texts._(
        "Sorry, something went wrong on my side. Nothing you wrote is lost. "
        "Please try again in a moment."
    )
    assert "Telegram update failed" in caplog.text
    assert "fejl i bot" not in caplog.text and "5203" not in caplog.text
