"""bot/dialogue/relatives.py and the respondent in the dialogue: the patient invites a relative
(relation, then the proxy Ja/Nej, then a link shown once) and takes the access away; in the
relative's own conversation the relative's consent and level rule, never the patient's."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.storage.conversations import conversation_for_invitation, get_conversation
from bot.storage.db import session_scope
from bot.storage.models import AuditEvent, Invitation, Patient
from bot.storage.patients import (
    create_invitation,
    create_patient,
    invitation_by_token,
    web_link_gone,
)
from bot.storage.relative_models import Relative
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID, invite_relative
from bot.storage.transcripts import add_message
from bot.turn.messages import Inbound, Reply
from bot.turn.payloads import intent_payload

from ..helpers import (
    answers,
    conversation_row,
    new_conversation,
    patient_row,
    present,
    press,
    question,
    responses,
    say,
)
from .support import audit_actions


def _kinds(replies: list[Reply]) -> list[str]:
    return [str((reply.meta or {}).get("kind")) for reply in replies]


def _relatives(session_factory: sessionmaker[Session], cid: str) -> list[Relative]:
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        return list(
            session.scalars(
                select(Relative)
                .where(Relative.patient_id == conversation.patient_id)
                .order_by(Relative.id)
            )
        )


def _invite(service: Dialogue, factory: sessionmaker[Session], cid: str, relation: str,
            yes: bool = True) -> list[Reply]:  # fmt: skip
    asked = say(service, factory, cid, "invitér en pårørende", intent="invite_relative",
                handler=lambda inbound: service.run("invite_relative", inbound))  # fmt: skip
    assert _kinds(asked.replies) == ["relative_relation"]
    # The engine takes "min datter" for anything; the awaited step takes it first.
    proxy = say(service, factory, cid, relation, intent="inform")
    assert _kinds(proxy.replies) == ["relative_proxy"]
    decision = "affirm" if yes else "deny"
    done = say(service, factory, cid, intent_payload(decision), intent=decision)
    return done.replies


def _link_token(replies: list[Reply]) -> str:
    (link,) = [r for r in replies if (r.meta or {}).get("kind") == "relative_link"]
    return link.text.rsplit("/chat/", 1)[1]


def test_mid_questionnaire_the_patient_invites_a_relative_and_the_item_comes_back(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    first = question(present(service, session_factory, cid))
    replies = _invite(service, session_factory, cid, "min datter", yes=True)
    token = _link_token(replies)
    (relative,) = _relatives(session_factory, cid)
    assert relative.relation == "min datter" and relative.invited_by == "patient"
    assert relative.may_answer_for_patient and relative.may_answer_since is not None
    with session_scope(session_factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None and invitation.relative_id == relative.id
        assert invitation.questionnaire_id == RELATIVE_QUESTIONNAIRE_ID
    assert answers(session_factory, cid) == []  # neither "min datter" nor "ja" is an answer
    assert conversation_row(session_factory, cid).awaiting is None
    assert question(present(service, session_factory, cid)).link_id == first.link_id
    actions = audit_actions(session_factory, patient_row(session_factory, cid).id)
    assert "relative.invite" in actions and "relative.may_answer" in actions


def test_a_name_or_cpr_number_is_not_stored_as_the_relation(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _invite(service, session_factory, cid, "Karen Hansen", yes=False)
    (relative,) = _relatives(session_factory, cid)
    assert relative.relation == "pårørende" and not relative.may_answer_for_patient


def test_an_answer_button_while_asked_who_answers_the_item(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    first = question(present(service, session_factory, cid))
    say(service, session_factory, cid, "invitér en pårørende", intent="invite_relative",
        handler=lambda inbound: service.run("invite_relative", inbound))  # fmt: skip
    assert first.link_id is not None
    press(service, session_factory, cid, first.link_id, "3")
    assert [a.link_id for a in answers(session_factory, cid)] == [first.link_id]
    assert _relatives(session_factory, cid) == []


def test_inviting_the_same_relation_again_changes_the_yes_without_a_new_link(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _invite(service, session_factory, cid, "min ven", yes=True)
    again = _invite(service, session_factory, cid, "Min ven", yes=False)
    assert "relative_link" not in _kinds(again)
    (relative,) = _relatives(session_factory, cid)
    assert not relative.may_answer_for_patient and relative.may_answer_since is None


def test_the_patient_revokes_the_one_relative_and_the_link_stops(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    first = question(present(service, session_factory, cid))
    token = _link_token(_invite(service, session_factory, cid, "min søn"))
    asked = say(service, session_factory, cid, "fjern min pårørende", intent="revoke_relative",
                handler=lambda inbound: service.run("revoke_relative", inbound))  # fmt: skip
    assert _kinds(asked.replies) == ["relative_revoke"]
    done = say(service, session_factory, cid, "ja", intent="affirm")
    assert _kinds(done.replies) == ["relative_revoked"]
    assert done.resume_questionnaire
    (relative,) = _relatives(session_factory, cid)
    assert relative.revoked_at is not None and relative.revoked_by == "patient"
    with session_scope(session_factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None and web_link_gone(invitation, 90)
    assert question(present(service, session_factory, cid)).link_id == first.link_id
    assert "relative.revoke" in audit_actions(session_factory, relative.patient_id)


def test_with_two_relatives_the_patient_picks_one_by_button(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _invite(service, session_factory, cid, "min søn")
    _invite(service, session_factory, cid, "min bror")
    son, brother = _relatives(session_factory, cid)
    asked = say(service, session_factory, cid, "fjern min pårørende", intent="revoke_relative",
                handler=lambda inbound: service.run("revoke_relative", inbound))  # fmt: skip
    (choose,) = asked.replies
    assert [b.title for b in choose.buttons] == ["min søn", "min bror"]
    assert service.ask(cid).replies == []  # the choice is not buried under the item
    payload = choose.buttons[1].payload
    confirm = say(service, session_factory, cid, payload, intent="revoke_relative",
                  entities={"code": brother.public_id},
                  handler=lambda inbound: service.run("revoke_relative", inbound))  # fmt: skip
    assert _kinds(confirm.replies) == ["relative_revoke"]
    no = say(service, session_factory, cid, "nej", intent="deny")
    assert "relative_revoked" not in _kinds(no.replies)
    assert all(r.revoked_at is None for r in _relatives(session_factory, cid))
    say(service, session_factory, cid, payload, intent="revoke_relative",
        entities={"code": brother.public_id},
        handler=lambda inbound: service.run("revoke_relative", inbound))  # fmt: skip
    say(service, session_factory, cid, "ja", intent="affirm")
    son, brother = _relatives(session_factory, cid)
    assert son.revoked_at is None and brother.revoked_at is not None


def test_on_telegram_the_relative_gets_a_single_use_hand_off_link(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    say(service, session_factory, cid, "invitér en pårørende", intent="invite_relative",
        handler=lambda inbound: service.run("invite_relative", inbound))  # fmt: skip
    say(service, session_factory, cid, "min mor")
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        add_message(session, conversation, direction="in", channel="telegram", kind="button",
                    text="/affirm", payload="/affirm")  # fmt: skip
    outcome = service.answer(Inbound(cid, text="/affirm", intent="affirm", channel="telegram"))
    token = _link_token(outcome.replies)
    with session_scope(session_factory) as session:
        invitation = invitation_by_token(session, token)
        assert invitation is not None and invitation.channel == "handoff"
        assert invitation.relative_id is not None and invitation.expires_at is not None


# ---------------------------------------------------------------------- the relative's side


def _relative_conversation(factory: sessionmaker[Session]) -> tuple[str, int]:
    """A relative's own conversation; their patient has consented but not done the screening
    (which a relative never gets)."""
    with session_scope(factory) as session:
        patient = create_patient(session)
        patient.consent = "given"
        issued = invite_relative(session, patient, "min datter", invited_by="patient")
        invitation = session.scalar(
            select(Invitation).where(Invitation.relative_id == issued.relative.id)
        )
        assert invitation is not None
        conversation = conversation_for_invitation(session, invitation)
        return conversation.id, issued.relative.id


def _relative(factory: sessionmaker[Session], relative_id: int) -> Relative:
    with session_scope(factory) as session:
        relative = session.get(Relative, relative_id)
        assert relative is not None
        return relative


def test_the_relative_gives_their_own_consent_and_answers_their_own_questionnaire(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, relative_id = _relative_conversation(session_factory)
    opening = say(service, session_factory, cid, "/start", intent="start",
                  handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    assert "consent" in _kinds(opening.replies)
    assert present(service, session_factory, cid) == []  # nothing asked before consent
    assert answers(session_factory, cid) == []
    say(service, session_factory, cid, "/affirm", intent="affirm",
        handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    assert _relative(session_factory, relative_id).consent == "given"
    asked = question(present(service, session_factory, cid))
    assert asked.link_id == "pa-belastning"  # their own questionnaire, no screening
    say(service, session_factory, cid, "4")
    (stored,) = answers(session_factory, cid)
    assert stored.relative_id == relative_id and stored.value_integer == 4
    (response,) = responses(session_factory, cid)
    assert response.relative_id == relative_id
    with session_scope(session_factory) as session:
        patient = session.get(Patient, response.patient_id)
        assert patient is not None and patient.screening == "pending"
    assert "relative.consent.given" in audit_actions(session_factory, response.patient_id)


def test_a_relative_who_declines_leaves_the_patients_consent_alone(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, relative_id = _relative_conversation(session_factory)
    say(service, session_factory, cid, "/start", intent="start",
        handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    say(service, session_factory, cid, "nej", intent="deny",
        handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    assert _relative(session_factory, relative_id).consent == "declined"
    assert patient_row(session_factory, cid).consent == "given"
    assert conversation_row(session_factory, cid).status == "declined"


def test_in_the_relatives_conversation_their_level_changes_and_they_cannot_invite(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, relative_id = _relative_conversation(session_factory)
    say(service, session_factory, cid, "/start", intent="start",
        handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    say(service, session_factory, cid, "/affirm", intent="affirm",
        handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    present(service, session_factory, cid)
    say(service, session_factory, cid, "sig det enklere", intent="simpler",
        handler=lambda inbound: service.run("change_level", inbound))  # fmt: skip
    assert _relative(session_factory, relative_id).literacy_level != "standard"
    assert patient_row(session_factory, cid).literacy_level == "standard"
    refused = say(service, session_factory, cid, "invitér en pårørende", intent="invite_relative",
                  handler=lambda inbound: service.run("invite_relative", inbound))  # fmt: skip
    assert conversation_row(session_factory, cid).awaiting is None
    assert "relative_relation" not in _kinds(refused.replies)


def _consented_relative(service: Dialogue, factory: sessionmaker[Session]) -> tuple[str, int]:
    cid, relative_id = _relative_conversation(factory)
    say(service, factory, cid, "/start", intent="start",
        handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    say(service, factory, cid, "/affirm", intent="affirm",
        handler=lambda inbound: service.start(inbound, questionnaire_active=False))
    present(service, factory, cid)
    return cid, relative_id


def test_a_relative_who_leaves_ends_their_own_access_never_the_patients(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, relative_id = _consented_relative(service, session_factory)
    with session_scope(session_factory) as session:
        conversation = get_conversation(session, cid)
        assert conversation is not None
        patient_link = create_invitation(session, conversation.patient, "who5")
    asked = say(service, session_factory, cid, "jeg vil ikke være med mere", intent="withdraw",
                handler=lambda inbound: service.run("withdraw", inbound))  # fmt: skip
    assert _kinds(asked.replies) == ["relative_leave"]
    kept = say(service, session_factory, cid, "nej", intent="deny")
    assert _relative(session_factory, relative_id).revoked_at is None
    assert kept.resume_questionnaire  # the same item comes back
    say(service, session_factory, cid, "slet mine data", intent="delete_data",
        handler=lambda inbound: service.run("delete_data", inbound))  # fmt: skip
    left = say(service, session_factory, cid, "ja", intent="affirm")
    assert _kinds(left.replies) == ["relative_left"]
    relative = _relative(session_factory, relative_id)
    assert relative.revoked_at is not None and relative.revoked_by == "relative"
    with session_scope(session_factory) as session:
        own = session.scalar(select(Invitation).where(Invitation.relative_id == relative_id))
        assert own is not None and web_link_gone(own, 90)
        patients = invitation_by_token(session, patient_link.token)
        assert patients is not None and not web_link_gone(patients, 90)
    assert patient_row(session_factory, cid).consent == "given"
    assert "patient.withdraw" not in audit_actions(session_factory, relative.patient_id)


def test_a_relative_reading_their_own_answers_is_audited_as_the_relative(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, _relative_id = _consented_relative(service, session_factory)
    say(service, session_factory, cid, "4")
    shown = say(service, session_factory, cid, "vis mine svar", intent="show_answers",
                handler=lambda inbound: service.run("show_answers", inbound))  # fmt: skip
    assert "4" in shown.replies[0].text
    with session_scope(session_factory) as session:
        actors = session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "answers.view.self")
        ).all()
    assert actors == ["relative"]


def test_a_relative_who_finishes_is_thanked_as_a_relative(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid, _relative_id = _consented_relative(service, session_factory)
    outcome = None
    for _ in range(12):
        asked = [r for r in present(service, session_factory, cid) if r.link_id]
        if not asked:
            break
        (item,) = asked
        answers = [b.payload for b in item.buttons if b.payload.startswith("/inform{")]
        if answers:
            entities = json.loads(answers[0].removeprefix("/inform"))
            outcome = say(service, session_factory, cid, answers[0], entities=entities)
        elif item.link_id == "pa-belastning":
            outcome = say(service, session_factory, cid, "4")
        else:
            outcome = say(service, session_factory, cid, "spring over", intent="skip")
    done = service.complete(cid)
    texts = " ".join(r.text for r in done.replies)
    assert "Tak for dine svar. Afdelingen kan se dem." in texts, (outcome, done)
    assert "næste aftale" not in texts and "vis mine svar" not in texts
    assert conversation_row(session_factory, cid).status == "completed"
