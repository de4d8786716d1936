"""Mine svar (bot/channels/mine_view.py) with a relative's answers: what a relative gave on
the patient's behalf is shown and marked, never counted in "You have answered ... times";
the relative's own questionnaire is theirs and is not shown to the patient."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.mine_view import Formats, own_data
from bot.dialogue.service import Dialogue
from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from bot.storage.conversations import conversation_for_invitation
from bot.storage.db import session_scope
from bot.storage.models import Answer, Conversation, Invitation
from bot.storage.proxy_conversations import open_proxy_conversation
from bot.storage.relatives import (
    RELATIVE_QUESTIONNAIRE_ID,
    invite_relative,
    record_relative_consent,
)
from bot.storage.responses import add_answer, open_response
from tests.helpers import answer_all, new_conversation, store_replies


def _complete(
    service: Dialogue, factory: sessionmaker[Session], cid: str, codes: list[str]
) -> None:
    answer_all(service, factory, cid, codes)
    store_replies(factory, cid, service.complete(cid).replies)


def test_proxy_answers_are_marked_and_the_relatives_own_are_not_shown(
    service: Dialogue,
    session_factory: sessionmaker[Session],
    questionnaires: dict[str, Questionnaire],
    texts: Texts,
) -> None:
    first = new_conversation(session_factory, "who5")
    _complete(service, session_factory, first, ["5", "4", "3", "2", "1"])  # 60
    with session_scope(session_factory) as session:
        conversation = session.get(Conversation, first)
        assert conversation is not None
        patient_id = conversation.patient_id
        second = Conversation(patient_id=patient_id, questionnaire_id="who5",
                              invitation_id=conversation.invitation_id)  # fmt: skip
        session.add(second)
        relative = invite_relative(session, conversation.patient, "min datter",
                                   invited_by="patient", may_answer_for_patient=True).relative  # fmt: skip
        record_relative_consent(session, relative, True)
        link = session.scalar(select(Invitation).where(Invitation.relative_id == relative.id))
        assert link is not None
        own = conversation_for_invitation(session, link)
        item = questionnaires[RELATIVE_QUESTIONNAIRE_ID].item("pa-belastning")
        add_answer(session, open_response(session, own, "1.0.0"), Answer(
            link_id=item.link_id, item_type="integer", value_integer=9, display="9",
            input_kind="text", literacy_level="standard", wording_shown=item.text,
            relative_id=relative.id,
        ))  # fmt: skip
        proxy = open_proxy_conversation(session, relative, "who5", link.id)
        second_cid, proxy_cid = second.id, proxy.id
    _complete(service, session_factory, second_cid, ["4", "4", "4", "4", "4"])  # 80
    _complete(service, session_factory, proxy_cid, ["0", "0", "0", "0", "0"])  # 0

    with session_scope(session_factory) as session:
        view = own_data(session, patient_id, questionnaires, {},
                        Formats(texts, ZoneInfo("Europe/Copenhagen")))  # fmt: skip
    assert [o.by_relative for o in view.occasions] == [True, False, False]  # newest first
    assert all(o.title != questionnaires[RELATIVE_QUESTIONNAIRE_ID].title for o in view.occasions)
    (trend,) = view.trends
    assert [value for _date, value in trend.rows] == ["60", "80"]  # the patient's own only
