"""FHIR: a RelatedPerson per relative in the patient's Bundle, and `source`/`author` of the
responses a relative gave (on the patient's behalf, or their own questionnaire) =
Reference(RelatedPerson); the patient's own responses name no source (bot/export/fhir/
related_persons.py, patient_bundle.py, bundle.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.course.plans import Plan
from bot.export.fhir import export_bundle, full_url, patient_bundle, validate
from bot.export.fhir.related_persons import RELATIVE_SYSTEM
from bot.questionnaire.model import Questionnaire
from bot.storage.conversations import conversation_for_invitation
from bot.storage.models import Answer, Conversation, Invitation, Patient, Response, utcnow
from bot.storage.patients import create_invitation, create_patient
from bot.storage.proxy_conversations import open_proxy_conversation
from bot.storage.relatives import RELATIVE_QUESTIONNAIRE_ID, invite_relative, revoke_relative
from bot.storage.responses import add_answer, open_response
from tests.export.conftest import MIXED

WHO5 = ("3", "2", "4", "1", "0")


@pytest.fixture
def loaded(questionnaires: dict[str, Questionnaire]) -> dict[str, Questionnaire]:
    """The shipped questionnaires; the relatives' own one stood in for if not shipped yet."""
    found = dict(questionnaires)
    found.setdefault(
        RELATIVE_QUESTIONNAIRE_ID, dataclasses.replace(MIXED, id=RELATIVE_QUESTIONNAIRE_ID)
    )
    return found


def _answer_who5(session: Session, conversation: Conversation, who5: Questionnaire) -> Response:
    response = open_response(session, conversation, who5.version)
    for number, code in enumerate(WHO5, start=1):
        item = who5.item(f"who5-{number}")
        option = item.option(code)
        assert option is not None
        add_answer(session, response, Answer(
            link_id=item.link_id, item_type="choice", code=code, display=option.display,
            score=option.score, input_kind="button", literacy_level="standard",
            wording_shown=item.text, relative_id=conversation.relative_id,
        ))  # fmt: skip
    response.status = "completed"
    response.completed_at = utcnow()
    session.flush()
    return response


@dataclasses.dataclass
class Family:
    patient: Patient
    own: Response  # the patient's WHO-5
    proxy: Response  # the daughter's WHO-5 on the patient's behalf
    relatives_own: Response  # the daughter's own questionnaire
    daughter: str  # public ids
    son: str


def _family(session: Session, loaded: dict[str, Questionnaire]) -> Family:
    who5 = loaded["who5"]
    patient = create_patient(session)
    own = _answer_who5(session, conversation_for_invitation(
        session, create_invitation(session, patient, "who5").invitation), who5)  # fmt: skip
    daughter = invite_relative(session, patient, "min datter", invited_by="patient").relative
    son = invite_relative(session, patient, "min søn", invited_by="patient").relative
    revoke_relative(session, son, by="patient")
    link = session.scalar(select(Invitation).where(Invitation.relative_id == daughter.id))
    assert link is not None
    mine = conversation_for_invitation(session, link)
    relatives_own = open_response(session, mine, loaded[RELATIVE_QUESTIONNAIRE_ID].version)
    proxy = _answer_who5(session, open_proxy_conversation(session, daughter, "who5", link.id),
                         who5)  # fmt: skip
    session.commit()
    return Family(patient, own, proxy, relatives_own, daughter.public_id, son.public_id)


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_patients_bundle_has_the_relatives_and_who_answered(
    session_factory: sessionmaker[Session],
    loaded: dict[str, Questionnaire],
    plans: dict[str, Plan],
) -> None:
    with session_factory() as session:
        family = _family(session, loaded)
        bundle = patient_bundle(session, loaded, plans, family.patient)
    validate(bundle)
    patient_url = full_url("Patient", _resources(bundle, "Patient")[0]["id"])
    people = {p["id"]: p for p in _resources(bundle, "RelatedPerson")}
    assert set(people) == {family.daughter, family.son}
    daughter = people[family.daughter]
    assert daughter["identifier"] == [{"system": RELATIVE_SYSTEM, "value": family.daughter}]
    assert daughter["patient"]["reference"] == patient_url
    assert daughter["relationship"] == [{"text": "min datter"}]
    assert daughter["active"] is True and people[family.son]["active"] is False
    get_fhir_model_class("RelatedPerson").model_validate(daughter)

    answers = {qr["id"]: qr for qr in _resources(bundle, "QuestionnaireResponse")}
    expected = {
        "reference": full_url("RelatedPerson", family.daughter),
        "type": "RelatedPerson",
        "identifier": {"system": RELATIVE_SYSTEM, "value": family.daughter},
    }
    for given_by_her in (family.proxy.id, family.relatives_own.id):
        assert answers[given_by_her]["source"] == expected
        assert answers[given_by_her]["author"] == expected
        assert answers[given_by_her]["subject"]["reference"] == patient_url  # about the patient
    assert "source" not in answers[family.own.id] and "author" not in answers[family.own.id]
    scores = {
        o["derivedFrom"][0]["identifier"]["value"]: o for o in _resources(bundle, "Observation")
    }
    assert scores[family.proxy.id]["performer"] == [expected]
    assert "performer" not in scores[family.own.id]


def test_the_all_patients_export_names_the_relative_by_identifier(
    session_factory: sessionmaker[Session], loaded: dict[str, Questionnaire]
) -> None:
    with session_factory() as session:
        family = _family(session, loaded)
        bundle = export_bundle(session, loaded, include_observations=True)
    validate(bundle)  # every urn:uuid reference resolves: the RelatedPerson is not in it
    answers = {qr["id"]: qr for qr in _resources(bundle, "QuestionnaireResponse")}
    by_identifier = {
        "type": "RelatedPerson",
        "identifier": {"system": RELATIVE_SYSTEM, "value": family.daughter},
    }
    assert answers[family.proxy.id]["source"] == by_identifier
    assert answers[family.proxy.id]["author"] == by_identifier
    assert "source" not in answers[family.own.id]
    assert not _resources(bundle, "RelatedPerson")


def test_the_patients_own_download_leaves_out_the_relatives_own_answers(
    session_factory: sessionmaker[Session],
    loaded: dict[str, Questionnaire],
    plans: dict[str, Plan],
) -> None:
    with session_factory() as session:
        family = _family(session, loaded)
        bundle = patient_bundle(session, loaded, plans, family.patient, relatives_own=False)
    validate(bundle)
    answers = {qr["id"] for qr in _resources(bundle, "QuestionnaireResponse")}
    assert answers == {family.own.id, family.proxy.id}  # what she gave for the patient stays
    assert RELATIVE_QUESTIONNAIRE_ID not in {q["id"] for q in _resources(bundle, "Questionnaire")}
    assert {p["id"] for p in _resources(bundle, "RelatedPerson")} == {family.daughter, family.son}
