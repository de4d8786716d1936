"""`/mine` on Telegram: a short-lived hand-off link to the patient's own page."""

from __future__ import annotations

import re

from bot.i18n import Texts
from bot.storage.db import session_scope
from bot.storage.patients import invitation_by_token
from tests.channels.telegram.rig import Rig, act


async def test_mine_sends_a_hand_off_link_to_the_own_page(rig: Rig, texts: Texts) -> None:
    commands = rig.api.calls_to("setMyCommands")[-1].json("commands")
    assert {"command": "mine", "description": "Mine svar"} in commands

    user = rig.user(6301)
    await act(user.command, "start", await rig.invite(), sends=2)
    received = len(rig.engine.received)
    await act(user.command, "mine")
    intro = texts._("Here is your link to My answers. It works for {minutes} minutes.", minutes=15)
    assert user.text.startswith(intro + "\n")
    match = re.fullmatch(
        re.escape(rig.settings.public_url) + r"/chat/([\w-]+)/mine", user.text.split("\n")[1]
    )
    assert match, user.text
    assert len(rig.engine.received) == received  # not a turn: the engine is not asked
    row = rig.chat_row(6301)
    assert row is not None
    with session_scope(rig.session_factory) as session:
        invitation = invitation_by_token(session, match.group(1))
        assert invitation is not None and invitation.channel == "handoff"
        assert invitation.patient_id == row.patient_id and invitation.used_at is None

    # A chat that opened no invitation gets the explanation, and no link.
    stranger = rig.user(6302)
    await act(stranger.command, "mine")
    assert "/chat/" not in stranger.text
