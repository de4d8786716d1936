"""bot/dialogue/proxy.py: after their own questionnaire a relative the patient said yes to is
offered the patient's open questionnaire; "Ja" opens a conversation of their own that their
link opens, with one intro line before the exact items; every answer there records the
relative; it never answers the patient's occurrence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dialogue.awaiting import AWAITING_MINUTES
from bot.dialogue.proxy import INTRO_KIND
from bot.dialogue.service import Dialogue
from bot.questionnaire.model import Questionnaire
from bot.storage.conversations import conversation_for_invitation, existing_conversation
from bot.storage.db import session_scope
from bot.storage.models import Answer, Conversation, Invitation, utcnow
from bot.storage.patients import create_invitation, create_patient
from bot.storage.relative_models import Relative
from bot.storage.relatives import (
    RELATIVE_QUESTIONNAIRE_ID,
    invite_relative,
    record_relative_consent,
)
from bot.storage.responses import add_answer, open_response
from bot.turn.messages import Reply
from bot.turn.payloads import START_PAYLOAD

from ..helpers import answers, conversation_row, present, press, question, responses, say
from .support import WHO5_IDS, WHO5_TEXT, audit_actions, start_step


@dataclass(frozen=True)
class Family:
    patient_id: int
    relative_id: int
    link_id: int  # the relative's invitation
    own_cid: str  # the relative's own conversation


def _family(factory: sessionmaker[Session], *, may_answer: bool = True) -> Family:
    """A consented patient with a WHO-5 link; a consented relative (the patient's yes to
    answering on their behalf as given) whose own conversation is opened."""
    with session_scope(factory) as session:
        patient = create_patient(session)
        patient.consent, patient.screening = "given", "skipped"
        create_invitation(session, patient, "who5")
        relative = invite_relative(session, patient, "min datter", invited_by="patient",
                                   may_answer_for_patient=may_answer).relative  # fmt: skip
        record_relative_consent(session, relative, True)
        link = session.scalar(select(Invitation).where(Invitation.relative_id == relative.id))
        assert link is not None
        own = conversation_for_invitation(session, link)
        return Family(patient.id, relative.id, link.id, own.id)


def _answer_own(
    factory: sessionmaker[Session], family: Family, questionnaires: dict[str, Questionnaire]
) -> None:
    """Every item of the relative's own questionnaire answered (the first option, yes, the
    lowest number; the free text skipped), as the relative."""
    questionnaire = questionnaires[RELATIVE_QUESTIONNAIRE_ID]
    with session_scope(factory) as session:
        conversation = session.get(Conversation, family.own_cid)
        assert conversation is not None
        response = open_response(session, conversation, questionnaire.version)
        for item in questionnaire.answerable_items:
            row = Answer(link_id=item.link_id, item_type=item.type, input_kind="button",
                         literacy_level="standard", wording_shown=item.text,
                         relative_id=family.relative_id)  # fmt: skip
            if item.type == "choice":
                row.code = item.options[0].code
            elif item.type == "integer":
                row.value_integer = item.min_value or 0
            elif item.type == "boolean":
                row.value_boolean = True
            else:
                row.status = "skipped"
            add_answer(session, response, row)


def _kinds(replies: list[Reply]) -> list[str]:
    return [str((reply.meta or {}).get("kind")) for reply in replies]


def _finish_own(
    service: Dialogue,
    factory: sessionmaker[Session],
    family: Family,
    questionnaires: dict[str, Questionnaire],
) -> list[Reply]:
    _answer_own(factory, family, questionnaires)
    return service.complete(family.own_cid).replies


def _linked(factory: sessionmaker[Session], family: Family) -> Conversation:
    """The conversation the relative's link opens now."""
    with session_scope(factory) as session:
        link = session.get(Invitation, family.link_id)
        assert link is not None
        conversation = existing_conversation(session, link)
        assert conversation is not None
        return conversation


def _ja(
    service: Dialogue, factory: sessionmaker[Session], cid: str, text: str = "/affirm"
) -> Reply:
    intent = {"/affirm": "affirm", "/deny": "deny"}.get(text, "inform")
    (reply,) = say(service, factory, cid, text, intent=intent, handler=start_step(service)).replies
    return reply


def test_the_relative_says_ja_and_answers_the_patients_who5_as_themself(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    family = _family(session_factory)
    done = _finish_own(service, session_factory, family, questionnaires)
    assert _kinds(done)[-1] == "proxy_offer"
    assert [b.payload for b in done[-1].buttons] == ["/affirm", "/deny"]

    started = _ja(service, session_factory, family.own_cid)
    assert [b.payload for b in started.buttons] == [START_PAYLOAD]
    proxy = _linked(session_factory, family)
    assert proxy.id != family.own_cid  # the relative's link opens the new one from now on
    assert (proxy.questionnaire_id, proxy.relative_id, proxy.patient_id, proxy.occurrence_id) == (
        "who5", family.relative_id, family.patient_id, None,
    )  # fmt: skip
    assert "relative.proxy.start" in audit_actions(session_factory, family.patient_id)

    opening = say(service, session_factory, proxy.id, START_PAYLOAD, intent="start",
                  handler=start_step(service))  # fmt: skip
    assert _kinds(opening.replies) == [INTRO_KIND] and opening.resume_questionnaire
    asked = question(present(service, session_factory, proxy.id))
    assert asked.link_id == "who5-1"
    assert WHO5_TEXT["who5-1"] in asked.text  # the validated wording, exactly
    press(service, session_factory, proxy.id, "who5-1", "3")
    (stored,) = answers(session_factory, proxy.id)
    assert stored.relative_id == family.relative_id and stored.code == "3"
    (response,) = responses(session_factory, proxy.id)
    assert response.relative_id == family.relative_id

    # The intro is said once; the rest, and the thanks at the end.
    again = say(service, session_factory, proxy.id, START_PAYLOAD, intent="start",
                handler=start_step(service))  # fmt: skip
    assert INTRO_KIND not in _kinds(again.replies)
    for link_id in WHO5_IDS[1:]:
        question(present(service, session_factory, proxy.id))
        press(service, session_factory, proxy.id, link_id, "2")
    thanks = service.complete(proxy.id).replies
    assert _kinds(thanks) == ["completed"]  # the relative's thanks, not the patient's two
    assert conversation_row(session_factory, proxy.id).status == "completed"


def test_no_offer_without_the_patients_yes(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    family = _family(session_factory, may_answer=False)
    done = _finish_own(service, session_factory, family, questionnaires)
    assert "proxy_offer" not in _kinds(done)
    assert conversation_row(session_factory, family.own_cid).awaiting is None


def test_no_offer_when_the_patient_has_nothing_open(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    family = _family(session_factory)
    with session_scope(session_factory) as session:
        link = session.scalars(
            select(Invitation).where(Invitation.patient_id == family.patient_id,
                                     Invitation.relative_id.is_(None))
        ).one()  # fmt: skip
        link.revoked_at = link.created_at  # the patient's only link no longer works
    assert "proxy_offer" not in _kinds(
        _finish_own(service, session_factory, family, questionnaires)
    )


def test_nej_thanks_and_opens_nothing(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    family = _family(session_factory)
    _finish_own(service, session_factory, family, questionnaires)
    _ja(service, session_factory, family.own_cid, "/deny")
    assert _linked(session_factory, family).id == family.own_cid


@pytest.mark.parametrize("typed", ["måske senere"])
def test_something_else_keeps_the_offer(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    typed: str,
) -> None:
    family = _family(session_factory)
    _finish_own(service, session_factory, family, questionnaires)
    reply = _ja(service, session_factory, family.own_cid, typed)
    assert _kinds([reply]) == ["proxy_offer"]
    assert conversation_row(session_factory, family.own_cid).awaiting is not None


def test_access_taken_away_between_the_offer_and_ja_opens_nothing(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    family = _family(session_factory)
    _finish_own(service, session_factory, family, questionnaires)
    with session_scope(session_factory) as session:
        relative = session.get(Relative, family.relative_id)
        assert relative is not None
        # Only the yes taken back (revoking would also close the link).
        relative.may_answer_for_patient = False
    reply = _ja(service, session_factory, family.own_cid)
    assert not reply.buttons
    assert _linked(session_factory, family).id == family.own_cid


def test_coming_back_after_nej_or_a_stale_offer_offers_again(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
) -> None:
    family = _family(session_factory)
    _finish_own(service, session_factory, family, questionnaires)
    _ja(service, session_factory, family.own_cid, "/deny")
    back = say(service, session_factory, family.own_cid, START_PAYLOAD, intent="start",
               handler=start_step(service))  # fmt: skip
    assert _kinds(back.replies)[-1] == "proxy_offer"
    with session_scope(session_factory) as session:  # the offer goes stale
        conversation = session.get(Conversation, family.own_cid)
        assert conversation is not None and conversation.awaiting is not None
        since = utcnow() - timedelta(minutes=AWAITING_MINUTES + 1)
        conversation.awaiting = {**conversation.awaiting, "since": since.isoformat()}
    # A "Ja" to yesterday's offer is not taken as today's: the offer comes again, then Ja.
    stale = say(service, session_factory, family.own_cid, "/affirm", intent="affirm",
                handler=start_step(service))  # fmt: skip
    assert _kinds(stale.replies)[-1] == "proxy_offer"
    assert _linked(session_factory, family).id == family.own_cid
    _ja(service, session_factory, family.own_cid)
    assert _linked(session_factory, family).id != family.own_cid
