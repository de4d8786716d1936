"""Helpers shared by the storage tests (the database fixtures are in tests/conftest.py: every
test using them runs on SQLite and on PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.storage.conversations import conversation_for_invitation
from bot.storage.models import Answer, Conversation, Invitation, Patient
from bot.storage.patients import create_invitation, create_patient


def answer_row(link_id: str, code: str) -> Answer:
    return Answer(link_id=link_id, item_type="choice", code=code, input_kind="button",
                  literacy_level="standard", wording_shown=f"text of {link_id}")  # fmt: skip


def new_conversation(
    session: Session, questionnaire_id: str = "who5"
) -> tuple[Patient, Invitation, Conversation]:
    """A new patient, invited to a questionnaire, with the conversation the invitation opens."""
    patient = create_patient(session)
    invitation = create_invitation(session, patient, questionnaire_id).invitation
    conversation = conversation_for_invitation(session, invitation)
    return patient, invitation, conversation


def assert_utc(moment: datetime | None) -> None:
    assert moment is not None
    assert moment.tzinfo is not None
    assert moment.utcoffset() == timedelta(0)
