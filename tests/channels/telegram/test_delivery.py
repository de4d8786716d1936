"""Sending to a chat: a chat that blocked the bot, and questions read aloud as voice."""

from __future__ import annotations

from tests.channels.telegram.rig import Rig, act


async def test_a_blocked_chat_is_recorded_and_not_retried(rig: Rig) -> None:
    user = rig.user(5301)
    await act(user.command, "start", await rig.invite())
    rig.api.blocked.add(5301)
    since = rig.api.mark()
    await act(user.say, "mit svar", sends=0)
    assert rig.engine.received[-1] == "mit svar"  # what the patient sent is still stored
    attempts = [c for c in rig.api.calls[since:] if c.chat_id == 5301]
    assert len(attempts) == 1  # the typing indicator was refused; nothing else tried
    row = rig.chat_row(5301)
    assert row is not None and row.blocked_at is not None and row.blocked_reason == "forbidden"
    # The patient unblocks and writes again: reachable again.
    rig.api.blocked.discard(5301)
    await act(user.say, "hej")
    row = rig.chat_row(5301)
    assert row is not None and row.blocked_at is None


async def test_read_aloud_questions_come_as_voice_messages(rig: Rig) -> None:
    user = rig.user(5301)
    await act(user.command, "start", await rig.invite())
    before = len(rig.api.calls_to("sendVoice", 5301))
    await act(user.say, "læs op")
    # The voice is made (espeak-ng, opusenc) after the text went out: on a busy machine it
    # can come later than the quiet time that ends a turn.
    await act(rig.api.wait_for, lambda: len(rig.api.calls_to("sendVoice", 5301)) > before, 60)
    voices = rig.api.calls_to("sendVoice", 5301)[before:]
    assert len(voices) == 1
    # OGG/Opus made by espeak-ng and opusenc (Debian packages from install-system-deps.sh).
    assert " OggS>" in voices[0].params["voice"]
    assert user.buttons() == ["Ja"]  # the question with its keyboard came as text too
