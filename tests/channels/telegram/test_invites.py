"""Deep-link invitations: the links, strangers, and codes that do not link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.telegram.invites import telegram_invite_link
from bot.i18n import Texts
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Invitation, Message, Patient, utcnow
from bot.storage.patients import invitation_by_token
from bot.storage.telegram_models import TelegramChat
from tests.channels.telegram.fake_bot_api import USERNAME
from tests.channels.telegram.rig import Rig, act
from tests.conftest import make_settings


async def test_invite_link_is_a_deep_link_with_an_expiring_single_use_code(rig: Rig) -> None:
    code = await rig.invite()
    assert len(code) >= 32
    with session_scope(rig.session_factory) as session:
        invitation = invitation_by_token(session, code)
        assert invitation is not None and invitation.channel == "telegram"
        assert invitation.expires_at is not None
        days = (invitation.expires_at - invitation.created_at) / timedelta(days=1)
        assert days == pytest.approx(14, abs=0.01)
    assert (
        await telegram_invite_link(
            make_settings(Path("/nonexistent")), rig.session_factory, 1, "who5"
        )
        is None
    )  # not configured
    link = await telegram_invite_link(rig.settings, rig.session_factory, 1, "who5")
    assert link is not None and link.startswith(f"https://t.me/{USERNAME}?start=")


async def test_a_stranger_gets_the_explanation_and_nothing_is_stored(
    rig: Rig, texts: Texts
) -> None:
    before = {m: rig.count(m) for m in (Patient, Invitation, Conversation, Message, TelegramChat)}
    stranger = rig.user(4242)
    explanation = texts._(
        "Hi! I am a chatbot from your hospital. To talk with me, you need a personal "
        "link from your care team. Open that link, and we can begin. If you have not "
        "got a link, ask your care team."
    )
    for step in (
        lambda: stranger.command("start"),
        lambda: stranger.say("Hej, jeg hedder Kirstine"),
    ):
        await act(step)
        assert stranger.text == explanation
    await act(stranger.command, "start", "NotARealCode123")
    assert "virker ikke" in stranger.text
    await act(stranger.voice)
    assert stranger.text == explanation
    # A forged button press is answered, not passed on.
    fake = {"message_id": 1, "date": 0, "chat": {"id": 4242, "type": "private"}, "text": "x"}
    await act(stranger.send_update, stranger.callback_update("/affirm", fake))
    assert rig.api.calls_to("answerCallbackQuery", None)
    assert rig.engine.received == []
    assert {m: rig.count(m) for m in before} == before


async def test_an_expired_code_does_not_link(rig: Rig) -> None:
    code = await rig.invite(expires_at=utcnow() - timedelta(minutes=1))
    user = rig.user(5401)
    await act(user.command, "start", code)
    assert "virker ikke" in user.text
    assert rig.chat_row(5401) is None and rig.engine.received == []
