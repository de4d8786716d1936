"""Deep-link invitations: the links, strangers, and codes that do not link."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.channels.telegram.chats import ChatRecords
from bot.channels.telegram.invites import (
    InviteError,
    Opening,
    new_patient_invite,
    open_invitation,
    telegram_invite_link,
)
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.storage.console_models import PatientProfile
from bot.storage.course_models import Enrolment
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Invitation, Message, Patient, utcnow
from bot.storage.patients import create_invitation, create_patient, invitation_by_token
from bot.storage.telegram_models import TelegramChat
from tests.channels.telegram.fake_bot_api import USERNAME, FakeBotApi
from tests.channels.telegram.rig import Rig, act, rig_settings, sqlite_factory
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


# ---------------------------------------------------------------------- what /start opens


async def test_what_start_opens_for_a_chat_and_when_it_is_reachable_again(tmp_path: Path) -> None:
    factory = sqlite_factory(tmp_path)
    records = ChatRecords(factory)
    with session_scope(factory) as session:
        first = create_invitation(session, create_patient(session), "who5", channel="telegram")
        second = create_invitation(session, create_patient(session), "who5", channel="telegram")
        web = create_invitation(session, create_patient(session), "who5", channel="web")
    assert await open_invitation(factory, 7, None, None) == Opening(None, "no_invite")
    assert await open_invitation(factory, 7, "no such code!", None) == Opening(None, "bad_invite")
    assert await open_invitation(factory, 7, web.token, None) == Opening(None, "bad_invite")
    linked = await open_invitation(factory, 7, first.token, None)
    assert linked.reason == "linked" and linked.conversation_id is not None
    # Blocked, then a code that does not work: still blocked.
    await records.set_keyboard(7, 300)
    await records.mark_blocked(7, "forbidden")
    link = await records.link(7)
    assert link is not None and link.blocked
    assert await open_invitation(factory, 7, "NotARealCode123", link) == Opening(None, "bad_invite")
    link = await records.link(7)
    assert link is not None and link.blocked
    # Its own link again (used, but by this chat): known, and reachable again.
    known = Opening(linked.conversation_id, "known", 300)
    assert await open_invitation(factory, 7, first.token, link) == known
    link = await records.link(7)
    assert link is not None and not link.blocked
    await records.mark_blocked(7, "forbidden")
    assert await open_invitation(factory, 7, None, await records.link(7)) == known
    link = await records.link(7)
    assert link is not None and not link.blocked
    # Another chat cannot use a used link; this chat can open a new one (its old keyboard
    # is handed on so that it can be taken off).
    assert await open_invitation(factory, 8, first.token, None) == Opening(None, "bad_invite")
    relinked = await open_invitation(factory, 7, second.token, link)
    assert relinked.reason == "linked" and relinked.live_keyboard == 300
    assert relinked.conversation_id not in (None, linked.conversation_id)


async def test_a_cli_telegram_patient_joins_the_default_team_or_the_one_named(rig: Rig) -> None:
    teams = []
    for team in (None, "Onkologi"):
        link = await new_patient_invite(
            rig.settings, rig.session_factory, ["who5"], "who5", team=team
        )
        assert link.startswith(f"https://t.me/{USERNAME}?start=")
        with session_scope(rig.session_factory) as session:
            patient = session.scalar(select(Patient).order_by(Patient.id.desc()))
            assert patient is not None
            profile = session.get(PatientProfile, patient.id)
            assert profile is not None and profile.team is not None
            teams.append(profile.team.name)
    assert teams == ["Standard", "Onkologi"]


async def test_a_cli_telegram_patient_invited_to_a_plan_is_enrolled(
    api: FakeBotApi, tmp_path: Path, questionnaires: dict[str, Questionnaire]
) -> None:
    settings, factory = rig_settings(api, tmp_path), sqlite_factory(tmp_path)
    link = await new_patient_invite(settings, factory, questionnaires, None, plan_id="kemo")
    code = link.split("?start=", 1)[1]
    with session_scope(factory) as session:
        invitation = invitation_by_token(session, code)
        assert invitation is not None and invitation.questionnaire_id == "behovsvurdering"
        (enrolment,) = session.scalars(select(Enrolment)).all()
        assert (enrolment.patient_id, enrolment.plan_id) == (invitation.patient_id, "kemo")
        opened = [o.questionnaire_id for o in enrolment.occurrences if o.status == "due"]
        assert opened == ["behovsvurdering"]
    with pytest.raises(
        InviteError, match=r"unknown plan 'x' \(known: forberedelse, kemo, who5-14d\)"
    ):
        await new_patient_invite(settings, factory, questionnaires, None, plan_id="x")
    with session_scope(factory) as session:
        assert len(session.scalars(select(Patient)).all()) == 1  # nothing for the refused one
