"""A patient completes questionnaires over the web chat API, with the real engine and model."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle

from bot.i18n import Texts
from bot.questionnaire.model import Questionnaire
from tests.e2e.conftest import LiveSystem, Patient

pytestmark = pytest.mark.e2e


CONFIDENT_READER = ("Aldrig", "Meget sikker")


def consent(
    patient: Patient, texts: Texts, screening: tuple[str, ...] | None = CONFIDENT_READER
) -> None:
    """Consent, then the opening literacy screen (answered, or skipped with None)."""
    replies = patient.start()
    assert any(b["title"] == texts._("Yes, that is fine") for m in replies for b in m["buttons"])
    patient.press(texts._("Yes, that is fine"))
    if screening is None:
        patient.press(texts._("Skip the questions"))
    else:
        for title in screening:
            patient.press(title)


def exported_codes(bundle: dict[str, Any], questionnaire: str = "who5") -> dict[str, str]:
    responses = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
        and e["resource"]["questionnaire"].endswith(f"/{questionnaire}")
    ]
    assert len(responses) == 1
    return {
        item["linkId"]: item["answer"][0]["valueCoding"]["code"] for item in responses[0]["item"]
    }


def question_link(patient: Patient) -> list[str]:
    return [m["text"] for m in patient.last if m["buttons"]]


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_who5_with_buttons_is_stored_scored_and_exported(
    make_system: Any,
    texts: Texts,
    questionnaires: dict[str, Questionnaire],
    database: str,
    request: pytest.FixtureRequest,
) -> None:
    url = None
    if database == "postgresql":
        from tests.conftest import _postgres_database

        generator = _postgres_database()
        url = next(generator)
        request.addfinalizer(lambda: next(generator, None))
    system: LiveSystem = make_system(url)
    who5 = questionnaires["who5"]
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    chosen = [
        "Det meste af tiden",
        "Lidt af tiden",
        "Hele tiden",
        "På intet tidspunkt",
        "Lidt mindre end halvdelen af tiden",
    ]
    for item, title in zip(who5.items, chosen, strict=True):
        assert item.text in patient.text
        patient.press(title)
    assert texts._("Thank you! You have answered all the questions.") in patient.text

    bundle = system.export_fhir("--with-scores")
    Bundle.model_validate(bundle)
    codes = {
        item.link_id: next(o.code for o in item.options if o.display == title)
        for item, title in zip(who5.items, chosen, strict=True)
    }
    assert exported_codes(bundle) == codes
    observation = next(
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and "1144665009" in json.dumps(e["resource"]["code"])
    )
    raw = sum(int(code) for code in codes.values())  # 4 + 1 + 5 + 0 + 2 = 12
    value = observation.get("valueQuantity", {}).get("value", observation.get("valueInteger"))
    assert value == raw * 4 == 48
    assert "Risiko" in str(observation["interpretation"])  # 36–50: risk band


def test_who5_typed_in_danish_with_misspellings_and_ved_ikke(
    system: LiveSystem, texts: Texts
) -> None:
    patient = Patient(system, system.invite("who5"))
    patient.start()
    patient.say("ja tak")
    patient.say("aldrig")  # screening: a confident reader
    patient.say("meget sikker")
    patient.say("det meste af tiden vel")  # item 1 -> 4
    patient.say("ved ikke")  # not an answer
    assert "ingen rigtige eller forkerte svar" in patient.text
    patient.say("hele tidden")  # misspelled -> 5
    patient.say("næsten aldrig")  # colloquial -> 1
    patient.say("3")  # a bare number: confirmed first
    assert "Lidt mere end halvdelen af tiden" in patient.text
    patient.say("ja")
    patient.say("lidt mindre end halvdelen af tidem")  # -> 2
    assert texts._("Thank you! You have answered all the questions.") in patient.text
    assert exported_codes(system.export_fhir()) == {
        "who5-1": "4",
        "who5-2": "5",
        "who5-3": "1",
        "who5-4": "3",
        "who5-5": "2",
    }


def test_interruptions_inside_the_questionnaire(system: LiveSystem, texts: Texts) -> None:
    patient = Patient(system, system.invite("who5"))
    consent(patient, texts)
    first_question = patient.last[-1]["text"]
    patient.say("hvad betyder det")
    assert patient.last[-1]["text"] == first_question  # explained, then the same item again
    assert len(patient.last) >= 2
    patient.say("hvorfor spørger du om det")
    assert patient.last[-1]["text"] == first_question
    patient.press("Hele tiden")
    patient.say("ret mit svar")
    assert patient.last[-1]["text"] == first_question  # back to item 1
    patient.press("Lidt af tiden")
    patient.say("pause")
    assert [b["title"] for b in patient.last[-1]["buttons"]] == [texts._("Continue")]
    patient.say("fortsæt")
    assert "rolig og afslappet" in patient.last[-1]["text"]
    patient.say("stop")  # the one-tap way back in after a stop
    patient.press(texts._("Continue"))
    assert "rolig og afslappet" in patient.last[-1]["text"]
    for title in ["Hele tiden"] * 4:
        patient.press(title)
    codes = exported_codes(system.export_fhir())
    assert codes["who5-1"] == "1"  # the corrected answer, not the superseded one
    assert len(codes) == 5


def test_phq9_item9_gets_the_crisis_message_in_the_same_turn(
    system: LiveSystem, texts: Texts
) -> None:
    patient = Patient(system, system.invite("phq9"))
    consent(patient, texts)
    for _ in range(8):
        patient.press("Slet ikke")
    assert "død" in patient.last[-1]["text"]  # item 9 is being asked
    replies = patient.press("Flere dage")
    crisis = " ".join(m["text"] for m in replies)
    assert "112" in crisis and "1813" in crisis and "70 201 201" in crisis


def test_api_errors_are_json(system: LiveSystem) -> None:
    base = f"{system.base_url}/api/chat"
    assert httpx.get(f"{base}/not-a-token/messages").status_code == 404
    token = system.invite("who5")
    url = f"{base}/{token}/messages"
    bad = httpx.post(url, content=b"{not json", headers={"content-type": "application/json"})
    assert bad.status_code == 400 and "error" in bad.json()
    big = httpx.post(url, json={"text": "x" * 20_000})
    assert big.status_code == 413 and "error" in big.json()
    health = httpx.get(f"{system.base_url}/healthz")
    assert health.json() == {"status": "ok"}
