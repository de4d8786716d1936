"""Conversations: the one an invitation opens."""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import Invitation

from .conftest import new_conversation


def test_conversation_for_invitation_is_idempotent(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient, invitation, conversation = new_conversation(session)
        first_id, used_at = conversation.id, invitation.used_at
        invitation_id = invitation.id
    assert used_at is not None
    assert re.fullmatch(r"[0-9a-f]{32}", first_id)

    for _ in range(3):
        with session_scope(session_factory) as session:
            invitation = session.get(Invitation, invitation_id)
            assert invitation is not None
            again = conversation_for_invitation(session, invitation)
            assert again.id == first_id
            assert again.questionnaire_id == "who5"
            assert again.patient_id == patient.id
            assert again.status == "active"
            assert invitation.used_at == used_at  # not moved by later visits
    with session_scope(session_factory) as session:
        count = session.scalar(text("SELECT count(*) FROM conversations"))
    assert count == 1
