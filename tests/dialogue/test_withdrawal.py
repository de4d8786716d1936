"""Withdrawal and a deletion request in the conversation (bot/dialogue/withdrawal.py): asked
first, carried out in the same turn, nothing asked after it (inside the form too), a "nej"
brings the same item back, a crisis comes first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.service import Dialogue
from bot.storage.console_models import PatientProfile
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.deletion_models import DeletionRequest
from bot.storage.models import Conversation, Invitation
from bot.storage.patients import invitation_by_token
from bot.storage.relative_models import Relative
from bot.storage.relatives import invite_relative, record_relative_consent
from bot.turn.payloads import intent_payload
from tests.dialogue.support import audit_actions
from tests.helpers import (
    answer_all,
    answers,
    conversation_row,
    new_conversation,
    patient_row,
    present,
    question,
    responses,
    say,
)


def _withdraw(service: Dialogue, factory: sessionmaker[Session], cid: str, text: str) -> list[str]:
    outcome = say(service, factory, cid, text, intent="withdraw",
                  handler=lambda inbound: service.interrupt("withdraw", inbound).outcome)  # fmt: skip
    return [reply.text for reply in outcome.replies]


def _profile(factory: sessionmaker[Session], patient_id: int) -> PatientProfile | None:
    with session_scope(factory) as session:
        return session.get(PatientProfile, patient_id)


def _links(factory: sessionmaker[Session], patient_id: int) -> list[Invitation]:
    with session_scope(factory) as session:
        return list(session.scalars(select(Invitation).where(Invitation.patient_id == patient_id)))


def _requests(factory: sessionmaker[Session], patient_id: int) -> list[DeletionRequest]:
    with session_scope(factory) as session:
        return list(session.scalars(
            select(DeletionRequest).where(DeletionRequest.patient_id == patient_id)
        ))  # fmt: skip


def test_the_confirmation_says_what_it_means_and_nothing_is_asked_while_it_waits(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    outcome = say(service, session_factory, cid, "jeg vil ikke være med mere", intent="withdraw",
                  handler=lambda inbound: service.interrupt("withdraw", inbound).outcome)  # fmt: skip
    (reply,) = outcome.replies
    assert "spørgsmål eller påmindelser" in reply.text and "kan ikke fortrydes" in reply.text
    assert "til dit behandlerteam" in reply.text  # the answers are kept
    assert [b.payload for b in reply.buttons] == ["/affirm", "/delete_data", "/deny"]
    assert [b.title for b in reply.buttons] == [
        "Ja, jeg vil ikke være med", "Ja, og slet mine data", "Nej, jeg vil gerne fortsætte",
    ]  # fmt: skip
    assert conversation_row(session_factory, cid).awaiting["kind"] == "withdraw"
    assert service.ask(cid).replies == []  # the form runs again: it asks nothing
    assert _profile(session_factory, patient_row(session_factory, cid).id) is None


def test_yes_inside_the_form_withdraws_in_the_same_turn_and_nothing_is_asked_after(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _withdraw(service, session_factory, cid, "træk mit samtykke tilbage")
    # Inside the form the "Ja" button fills the form's slot: the validation's answer step.
    outcome = say(service, session_factory, cid, "/affirm", intent="affirm")
    (reply,) = outcome.replies
    assert reply.text.startswith("Nu er du ikke med mere.")
    assert "Vi gemmer dine svar" in reply.text and "kontakt din afdeling" in reply.text
    assert not outcome.resume_questionnaire and not outcome.finished
    patient = patient_row(session_factory, cid)
    profile = _profile(session_factory, patient.id)
    assert profile is not None and profile.withdrawn_at is not None
    assert all(link.revoked_reason == "withdrawn" for link in _links(session_factory, patient.id))
    row = conversation_row(session_factory, cid)
    assert row.status == "withdrawn" and row.awaiting is None
    # What the validation action does next: ask ends the form, complete closes nothing.
    asked = service.ask(cid)
    assert asked.replies == [] and asked.finished
    completed = service.complete(cid)
    assert completed.replies == [] and not completed.resume_questionnaire
    assert [r.status for r in responses(session_factory, cid)] == ["in-progress"]
    assert "patient.withdraw" in audit_actions(session_factory, patient.id)
    assert _requests(session_factory, patient.id) == []  # withdrawn, not deleted


def test_yes_typed_outside_the_form_withdraws_too(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    outcome = say(service, session_factory, cid, "ja", intent="affirm",
                  handler=lambda inbound: service.start(inbound, questionnaire_active=False))  # fmt: skip
    assert outcome.replies[0].text.startswith("Nu er du ikke med mere.")
    assert not outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).status == "withdrawn"
    # Writing again (were a way in left) gets no question.
    again = say(service, session_factory, cid, "hej", intent="greet",
                handler=lambda inbound: service.start(inbound, questionnaire_active=False))  # fmt: skip
    assert [r.link_id for r in again.replies] == [None] and not again.resume_questionnaire


def test_no_brings_the_same_item_back(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    first = question(present(service, session_factory, cid))
    _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    outcome = say(service, session_factory, cid, "/deny", intent="deny")
    assert [r.text for r in outcome.replies] == ["Godt. Vi fortsætter."]
    assert outcome.resume_questionnaire
    assert question(service.ask(cid).replies).link_id == first.link_id
    assert conversation_row(session_factory, cid).status == "active"
    assert _profile(session_factory, patient_row(session_factory, cid).id) is None


def test_an_answer_button_while_asked_answers_the_item_and_withdraws_nothing(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    item = question(present(service, session_factory, cid))
    _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    assert item.link_id is not None
    say(service, session_factory, cid, f'/inform{{"code":"3","link_id":"{item.link_id}"}}',
        entities={"code": "3", "link_id": item.link_id})  # fmt: skip
    assert [a.link_id for a in answers(session_factory, cid)] == [item.link_id]
    assert conversation_row(session_factory, cid).status == "active"


def test_yes_and_delete_records_a_request_and_withdraws(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    # The button's payload is its own intent: inside the form the engine runs the
    # delete_data action, whose turn gives it to the awaited withdrawal reply.
    outcome = say(service, session_factory, cid, intent_payload("delete_data"),
                  intent="delete_data",
                  handler=lambda inbound: service.interrupt("delete_data", inbound).outcome)  # fmt: skip
    (reply,) = outcome.replies
    assert "sletter dine svar og det, du har skrevet" in reply.text
    assert "kan ikke fortrydes" in reply.text
    patient = patient_row(session_factory, cid)
    (request,) = _requests(session_factory, patient.id)
    assert request.requested_via == "chat" and request.carried_out_at is None
    assert conversation_row(session_factory, cid).status == "withdrawn"
    actions = audit_actions(session_factory, patient.id)
    assert "patient.deletion_requested" in actions and "patient.withdraw" in actions
    assert service.ask(cid).finished


def test_delete_my_data_asks_first_saying_it_cannot_be_undone(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    first = question(present(service, session_factory, cid))
    outcome = say(service, session_factory, cid, "slet mine data", intent="delete_data",
                  handler=lambda inbound: service.interrupt("delete_data", inbound).outcome)  # fmt: skip
    (reply,) = outcome.replies
    assert "Det kan ikke fortrydes." in reply.text
    assert [b.payload for b in reply.buttons] == ["/affirm", "/deny"]
    patient = patient_row(session_factory, cid)
    assert _requests(session_factory, patient.id) == []
    no = say(service, session_factory, cid, "nej", intent="deny")
    assert [r.text for r in no.replies] == ["Godt. Så sletter vi intet. Vi går videre."]
    assert no.resume_questionnaire
    assert question(service.ask(cid).replies).link_id == first.link_id

    say(service, session_factory, cid, "slet mine data", intent="delete_data",
        handler=lambda inbound: service.interrupt("delete_data", inbound).outcome)  # fmt: skip
    yes = say(service, session_factory, cid, "ja", intent="affirm")
    assert "Dit behandlerteam sletter dine svar" in yes.replies[0].text
    (request,) = _requests(session_factory, patient.id)
    assert request.requested_via == "chat"
    assert conversation_row(session_factory, cid).status == "withdrawn"


def test_a_crisis_while_asked_comes_first_and_withdraws_nothing(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    present(service, session_factory, cid)
    _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    outcome = say(service, session_factory, cid, "jeg vil ikke leve mere")
    assert (outcome.replies[0].meta or {}).get("kind") == "crisis"
    assert _profile(session_factory, patient_row(session_factory, cid).id) is None
    assert conversation_row(session_factory, cid).awaiting is None


def test_before_consent_there_is_the_consent_question_and_nothing_is_recorded(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory, consent=None)
    texts = _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    assert any("gemmer dine svar" in text or "lov" in text for text in texts)
    assert conversation_row(session_factory, cid).awaiting is None
    assert _profile(session_factory, patient_row(session_factory, cid).id) is None


def test_a_relatives_withdrawal_never_withdraws_the_patient(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    patient_cid = new_conversation(session_factory)
    with session_scope(session_factory) as session:
        patient = session.get(Conversation, patient_cid).patient  # type: ignore[union-attr]
        issued = invite_relative(session, patient, "min datter", invited_by="patient")
        record_relative_consent(session, issued.relative, True)
        invitation = invitation_by_token(session, issued.token)
        assert invitation is not None
        cid = conversation_for_invitation(session, invitation).id
        patient_id, relative_id = patient.id, issued.relative.id
    _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    say(service, session_factory, cid, "/affirm", intent="affirm")
    with session_scope(session_factory) as session:
        relative = session.get(Relative, relative_id)
        assert relative is not None and relative.revoked_at is not None
        assert session.get(Conversation, patient_cid).status == "active"  # type: ignore[union-attr]
    assert _profile(session_factory, patient_id) is None  # the patient takes part as before
    assert [link.revoked_at is None for link in _links(session_factory, patient_id)] == [
        True, False,
    ]  # fmt: skip
    asked = say(service, session_factory, cid, "slet mine data", intent="delete_data",
                handler=lambda inbound: service.interrupt("delete_data", inbound).outcome)  # fmt: skip
    assert _requests(session_factory, patient_id) == []
    assert asked.replies


def test_no_after_the_questionnaire_says_the_patient_is_still_taking_part(
    service: Dialogue, session_factory: sessionmaker[Session]
) -> None:
    cid = new_conversation(session_factory)
    answer_all(service, session_factory, cid, ["3"] * 5)
    service.complete(cid)
    _withdraw(service, session_factory, cid, "jeg vil ikke være med mere")
    outcome = say(service, session_factory, cid, "nej", intent="deny",
                  handler=lambda inbound: service.start(inbound, questionnaire_active=False))  # fmt: skip
    assert [r.text for r in outcome.replies] == ["Godt. Du er stadig med."]
    assert not outcome.resume_questionnaire
    assert conversation_row(session_factory, cid).status == "completed"
