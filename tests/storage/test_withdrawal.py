"""One withdrawal for the chat and the console (bot/storage/withdrawal.py): every way in is
closed, the relatives' access too, nothing more is asked, the data stay; twice is once;
reinstating opens no link again."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.audit import access_log
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import Conversation, Invitation, Message
from bot.storage.patients import create_invitation
from bot.storage.relative_models import Relative
from bot.storage.telegram_models import TelegramChat
from bot.storage.transcripts import add_message
from bot.storage.withdrawal import reinstate_patient, withdraw_patient

from .conftest import new_conversation


def test_withdrawal_closes_every_way_in_and_keeps_the_data(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient, invitation, conversation = new_conversation(session)
        add_message(session, conversation, direction="in", channel="web", text="mit svar")
        done = conversation_for_invitation(
            session, create_invitation(session, patient, "phq9").invitation
        )
        done.status = "completed"
        conversation.awaiting = {"kind": "withdraw", "since": "2026-01-01T00:00:00+00:00"}
        session.add(TelegramChat(chat_id=4242, patient_id=patient.id,
                                 conversation_id=conversation.id, invitation_id=invitation.id))  # fmt: skip
        session.add(Relative(patient_id=patient.id, relation="min datter", invited_by="patient"))
        session.flush()
        withdrawal = withdraw_patient(session, patient.id, actor="patient")
        assert (withdrawal.links_closed, withdrawal.telegram_unlinked) == (2, 1)
        assert withdrawal.relatives_revoked == 1 and not withdrawal.already
        patient_id, cid, done_id = patient.id, conversation.id, done.id
    with session_scope(session_factory) as session:
        links = session.scalars(select(Invitation).where(Invitation.patient_id == patient_id))
        assert {link.revoked_reason for link in links} == {"withdrawn"}
        assert session.scalars(select(TelegramChat)).all() == []
        relative = session.scalar(select(Relative))
        assert relative is not None and relative.revoked_at is not None
        assert relative.revoked_by == "patient"
        statuses = {c.id: c.status for c in patient_conversations(session, patient_id)}
        assert statuses == {cid: "withdrawn", done_id: "completed"}
        assert session.scalars(select(Message.text)).all() == ["mit svar"]  # kept
        (event,) = access_log(session, patient_id)
        assert (event.actor, event.action) == ("patient", "patient.withdraw")
        assert event.detail is not None and "relatives' access revoked: 1" in event.detail


def patient_conversations(session: Session, patient_id: int) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(Conversation.patient_id == patient_id)))


def test_a_second_withdrawal_changes_and_records_nothing(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient, _invitation, _conversation = new_conversation(session)
        first = withdraw_patient(session, patient.id, actor="patient")
        again = withdraw_patient(session, patient.id, actor="nurse@example.org")
        assert again.already and again.at == first.at
        assert [e.action for e in access_log(session, patient.id)] == ["patient.withdraw"]


def test_reinstating_resumes_the_conversations_but_opens_no_link(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient, invitation, conversation = new_conversation(session)
        withdraw_patient(session, patient.id, actor="nurse@example.org")
        reinstate_patient(session, patient.id, actor="nurse@example.org")
        session.flush()
        session.refresh(invitation)
        assert conversation.status == "stopped"  # "Velkommen tilbage" with a new link
        assert invitation.revoked_at is not None
        assert [e.action for e in access_log(session, patient.id)] == [
            "patient.reinstate", "patient.withdraw",
        ]  # fmt: skip
