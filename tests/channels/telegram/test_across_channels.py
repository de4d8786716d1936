"""One patient, one conversation across the web chat and Telegram; the consent notice on
Telegram. (Storage and dialogue behaviour that the Telegram channel relies on.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.settings import Settings
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import Invitation, Patient, utcnow
from bot.storage.patients import (
    consume_handoff,
    create_invitation,
    create_patient,
    handoff_invitation,
    invitation_by_token,
)
from bot.storage.transcripts import add_message
from bot.turn.messages import Inbound


def _invite(session: Session, patient: Patient, channel: str, qid: str = "who5") -> Invitation:
    return create_invitation(session, patient, qid, channel=channel).invitation


def test_web_and_telegram_invitations_share_one_conversation(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        web = _invite(session, patient, "web")
        first = conversation_for_invitation(session, web)
        telegram = _invite(session, patient, "telegram")
        assert conversation_for_invitation(session, telegram).id == first.id
        assert telegram.used_at is not None
        assert conversation_for_invitation(session, web).id == first.id
        # Another questionnaire is another conversation.
        other = _invite(session, patient, "telegram", "phq9")
        assert conversation_for_invitation(session, other).id != first.id
        # Another patient never shares.
        stranger = _invite(session, create_patient(session), "web")
        assert conversation_for_invitation(session, stranger).id != first.id
        # The web link a hand-off link gives opens that conversation.
        handoff = handoff_invitation(session, first, timedelta(minutes=15))
        link = consume_handoff(session, handoff.invitation)
        assert link is not None
        assert conversation_for_invitation(session, link.invitation).id == first.id


def test_a_handoff_link_opens_its_round_even_when_completed_meanwhile(
    session_factory: sessionmaker[Session],
) -> None:
    """The patient gets the hand-off link at consent on Telegram, finishes there, then opens
    it: the web chat shows that conversation, not a new round."""
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        conversation = conversation_for_invitation(session, _invite(session, patient, "telegram"))
        handoff = handoff_invitation(session, conversation, timedelta(minutes=15))
        conversation.status, conversation.completed_at = "completed", utcnow()
        session.flush()
        link = consume_handoff(session, handoff.invitation)
        assert link is not None
        assert conversation_for_invitation(session, link.invitation).id == conversation.id


def test_an_invitation_made_after_completion_starts_a_new_round(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        first_invitation = _invite(session, patient, "telegram")
        first = conversation_for_invitation(session, first_invitation)
        sibling = _invite(session, patient, "web")  # made while the first was in progress
        first.status, first.completed_at = "completed", utcnow()
        session.flush()
        assert conversation_for_invitation(session, sibling).id == first.id
        later = _invite(session, patient, "web")
        later.created_at = utcnow() + timedelta(seconds=1)
        session.flush()
        second = conversation_for_invitation(session, later)
        assert second.id != first.id
        assert conversation_for_invitation(session, later).id == second.id
        # The hand-off link made in the new round opens the new round.
        handoff = handoff_invitation(session, second, timedelta(minutes=15))
        link = consume_handoff(session, handoff.invitation)
        assert link is not None
        assert conversation_for_invitation(session, link.invitation).id == second.id


def test_consent_on_telegram_warns_and_offers_the_web_chat(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    settings: Settings,
    texts: Texts,
) -> None:
    def consent_texts(channel: str) -> tuple[str, list[str]]:
        with session_scope(session_factory) as session:
            patient = create_patient(session)
            invitation = _invite(session, patient, channel)
            conversation = conversation_for_invitation(session, invitation)
            add_message(
                session, conversation, direction="in", channel=channel, kind="event", text=""
            )
            conversation_id = conversation.id
        outcome = service.start(
            Inbound(conversation_id, intent="start"), questionnaire_active=False
        )
        return conversation_id, [r.text for r in outcome.replies]

    _web_id, web = consent_texts("web")
    assert not any("Telegram" in t for t in web)
    conversation_id, on_telegram = consent_texts("telegram")
    assert len(on_telegram) == len(web) + 1
    assert on_telegram[-1] == web[-1] == texts._("Is it all right that we store your answers?")
    notice = on_telegram[-2]
    assert "Telegram" in notice and "CPR" in notice and "krypteret" in notice
    url = notice.split()[-1]
    assert url.startswith(f"{settings.public_url}/chat/")
    with session_scope(session_factory) as session:
        # Not the long-lived web link: a short-lived, single-use hand-off link.
        handoff = invitation_by_token(session, url.rsplit("/", 1)[1])
        assert handoff is not None and handoff.channel == "handoff"
        assert handoff.expires_at is not None
        minutes = (handoff.expires_at - handoff.created_at) / timedelta(minutes=1)
        assert minutes == pytest.approx(settings.handoff_minutes, abs=0.1)
        web_link = consume_handoff(session, handoff)
        assert web_link is not None
        assert conversation_for_invitation(session, web_link.invitation).id == conversation_id
