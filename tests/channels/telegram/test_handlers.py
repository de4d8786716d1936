"""What each kind of update does: /start with a code, buttons and old keyboards, typed text,
commands, voice, long replies (the real PTB stack against the fake Bot API)."""

from __future__ import annotations

from bot.i18n import Texts
from bot.storage.db import session_scope
from bot.storage.transcripts import transcript
from tests.channels.telegram.rig import LONG_PAYLOAD, Rig, act


async def test_deep_link_buttons_and_old_keyboards(rig: Rig, texts: Texts) -> None:
    code = await rig.invite()
    user = rig.user(5001)
    await act(user.command, "start", code)
    assert rig.engine.received == ["/start"]
    assert user.buttons() == ["Ja", "Nej"]
    row = rig.chat_row(5001)
    assert row is not None and row.blocked_at is None
    consent_message = user.keyboards()[-1]
    assert row.keyboard_message_id == consent_message["message_id"]
    # Typing indicator before the reply.
    since_start = rig.api.calls_to("sendChatAction", 5001)
    assert since_start and since_start[0].params["action"] == "typing"

    await act(user.press, "Ja")
    assert rig.engine.received[-1] == "/affirm"
    assert rig.api.calls_to("answerCallbackQuery")
    assert "reply_markup" not in rig.api.messages[consent_message["message_id"]]  # removed
    question = user.keyboards()[-1]
    data = [b["callback_data"] for r in question["reply_markup"]["inline_keyboard"] for b in r]
    assert all(len(d.encode()) <= 64 for d in data) and data[0].startswith("#")

    # An old keyboard cannot answer again (here: re-shown by a client that missed the edit).
    stale = user.callback_update("/affirm", consent_message)
    await act(user.send_update, stale, sends=0)
    assert rig.engine.received.count("/affirm") == 1
    answers = rig.api.calls_to("answerCallbackQuery")
    assert answers[-1].params.get("text") == texts._("You have already answered this.")

    await act(user.press, "Lang kode")
    assert rig.engine.received[-1] == LONG_PAYLOAD  # the hash mapped back to the payload
    assert [m["text"] for m in user.keyboards()] == ["Næste spørgsmål"]  # only the new one

    with session_scope(rig.session_factory) as session:
        inbound = [m for m in transcript(session, row.conversation_id) if m.direction == "in"]
        assert [m.channel for m in inbound] == ["telegram"] * 3
        assert all((m.external_id or "").startswith("tg:") for m in inbound)
        assert inbound[1].text == "Ja" and inbound[2].text == "Lang kode"

    # The link is single-use: another chat cannot use it; the same chat can open it again.
    other = rig.user(5002)
    await act(other.command, "start", code)
    assert "virker ikke" in other.text and rig.chat_row(5002) is None
    await act(user.command, "start", code)
    assert rig.engine.received[-1] == "/start"


async def test_typed_text_commands_voice_and_long_replies(rig: Rig, texts: Texts) -> None:
    user = rig.user(5101)
    await act(user.command, "start", await rig.invite())
    await act(user.say, "ja tak")
    assert rig.engine.received[-1] == "ja tak"
    await act(user.command, "hjaelp")
    await act(user.command, "pause")
    await act(user.command, "stop")
    await act(user.command, "ukendt")
    assert rig.engine.received[-4:] == ["/help", "/pause", "/stop", "/help"]
    received = len(rig.engine.received)
    await act(user.voice)
    assert "talebesked" in user.text and len(rig.engine.received) == received
    await act(user.say, "x" * (rig.settings.max_message_chars + 1))
    assert "for lang" in user.text and len(rig.engine.received) == received
    await act(user.say, "lang tekst", sends=2)
    assert len(user.last) == 2 and all(len(m["text"]) <= 4096 for m in user.last)
    assert all(
        c.json("link_preview_options") == {"is_disabled": True}
        for c in rig.api.calls_to("sendMessage", 5101)
    )


async def test_several_keyboards_in_one_turn_stay_usable(rig: Rig, texts: Texts) -> None:
    user = rig.user(5501)
    await act(user.command, "start", await rig.invite())
    await act(user.say, "to tastaturer", sends=2)
    skip, question = user.keyboards()
    assert (skip["text"], question["text"]) == ("Du kan springe over.", "Spørgsmål 2")
    stale = user.button_update("Spring over", skip)  # pressed later, after the turn moved on
    await act(user.press, "A")
    assert rig.engine.received[-1] == '/inform{"code":"a","link_id":"q2"}'
    # Both keyboards of that turn are gone; only the new question's is left.
    assert [m["text"] for m in user.keyboards()] == ["Næste spørgsmål"]
    received = len(rig.engine.received)
    await act(user.send_update, stale, sends=0)
    assert len(rig.engine.received) == received
    answers = rig.api.calls_to("answerCallbackQuery")
    assert answers[-1].params.get("text") == texts._("You have already answered this.")
    # The skip button of a turn works too (it is the first keyboard of that turn).
    await act(user.say, "to tastaturer", sends=2)
    await act(user.press, "Spring over")
    assert rig.engine.received[-1] == "/skip"
