"""Relatives: invited with their own link and conversation, what the patient allows them,
and revocation (their links stop working, the patient's do not)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.audit import access_log
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import Invitation
from bot.storage.patients import create_patient, invitation_by_token, web_link_gone
from bot.storage.relatives import (
    GENERIC_RELATION,
    RELATIVE_QUESTIONNAIRE_ID,
    clean_relation,
    invite_relative,
    may_answer_now,
    new_relative_link,
    record_relative_consent,
    relative_by_public_id,
    relative_status,
    relatives_of,
    revoke_relative,
    set_may_answer,
)
from bot.storage.responses import open_response

from .conftest import new_conversation


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("min datter", "min datter"),
        ("Min datter", "Min datter"),
        ("  min   ven  ", "min ven"),
        ("Anna Jensen", GENERIC_RELATION),
        ("min søster Karen Hansen", GENERIC_RELATION),
        ("min datter Anna", GENERIC_RELATION),
        ("Anna", GENERIC_RELATION),
        ("Datter", "Datter"),
        ("min ven fra arbejdet", "min ven fra arbejdet"),
        ("010203-1234", GENERIC_RELATION),
        ("0102031234", GENERIC_RELATION),
        ("", GENERIC_RELATION),
        ("x" * 80, "x" * 60),
    ],
)
def test_the_relation_is_kept_as_typed_unless_it_looks_like_a_name_or_cpr(
    typed: str, stored: str
) -> None:
    assert clean_relation(typed) == stored


def test_an_invited_relative_has_an_own_link_and_own_conversation(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient, _invitation, patient_conversation = new_conversation(
            session, RELATIVE_QUESTIONNAIRE_ID
        )
        issued = invite_relative(session, patient, "min datter", invited_by="patient")
        invitation = invitation_by_token(session, issued.token)
        assert invitation is not None
        assert invitation.relative_id == issued.relative.id
        assert invitation.questionnaire_id == RELATIVE_QUESTIONNAIRE_ID
        conversation = conversation_for_invitation(session, invitation)
        # Even for the same questionnaire id, never the patient's conversation.
        assert conversation.id != patient_conversation.id
        assert conversation.relative_id == issued.relative.id
        assert conversation.patient_id == patient.id
        response = open_response(session, conversation, "1")
        assert response.relative_id == issued.relative.id
        assert relative_status(issued.relative) == "invited"
        assert [e.action for e in access_log(session, patient.id)] == ["relative.invite"]
        assert all("datter" not in (e.detail or "") for e in access_log(session, patient.id))


def test_the_patients_yes_to_answers_on_their_behalf_is_recorded(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        relative = invite_relative(
            session, patient, "min ven", invited_by="patient", may_answer_for_patient=True
        ).relative
        assert relative.may_answer_for_patient and relative.may_answer_since is not None
        assert not may_answer_now(relative)  # not before the relative's own consent
        record_relative_consent(session, relative, True)
        assert relative_status(relative) == "consented" and may_answer_now(relative)
        set_may_answer(session, relative, False, actor="patient")
        assert not relative.may_answer_for_patient and relative.may_answer_since is None
        actions = [e.action for e in access_log(session, patient.id)]
        assert actions.count("relative.may_answer") == 1
        assert "relative.may_not_answer" in actions


def test_revoking_stops_the_relatives_links_only(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        patient, own_invitation, _conversation = new_conversation(session)
        issued = invite_relative(
            session, patient, "min søn", invited_by="staff:1", may_answer_for_patient=True
        )
        other = invite_relative(session, patient, "min bror", invited_by="patient")
        assert revoke_relative(session, issued.relative, by="patient")
        assert not revoke_relative(session, issued.relative, by="patient")
        link = invitation_by_token(session, issued.token)
        assert link is not None and web_link_gone(link, 90)
        assert not web_link_gone(own_invitation, 90)
        other_link = invitation_by_token(session, other.token)
        assert other_link is not None and not web_link_gone(other_link, 90)
        assert relative_status(issued.relative) == "revoked"
        assert not issued.relative.may_answer_for_patient
        assert relatives_of(session, patient.id, active_only=True) == [other.relative]
        assert relatives_of(session, patient.id) == [issued.relative, other.relative]
        assert "relative.revoke" in [e.action for e in access_log(session, patient.id)]


def test_a_relative_is_found_only_under_their_own_patient(
    session_factory: sessionmaker[Session],
) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        stranger = create_patient(session)
        relative = invite_relative(session, patient, "min mor", invited_by="patient").relative
        assert relative_by_public_id(session, patient.id, relative.public_id) is relative
        assert relative_by_public_id(session, stranger.id, relative.public_id) is None


def test_a_new_link_replaces_the_old_one(session_factory: sessionmaker[Session]) -> None:
    with session_scope(session_factory) as session:
        patient = create_patient(session)
        issued = invite_relative(session, patient, "min far", invited_by="patient")
        token = new_relative_link(session, issued.relative, actor="staff:1")
        old, new = invitation_by_token(session, issued.token), invitation_by_token(session, token)
        assert old is not None and web_link_gone(old, 90)
        assert new is not None and not web_link_gone(new, 90)
        links = session.scalars(
            select(Invitation).where(Invitation.relative_id == issued.relative.id)
        ).all()
        assert len(links) == 2
