"""A relative answers on the patient's behalf, with the real engine and app over the web chat
API: the patient consents and invites their daughter in the chat, saying yes to her answering
for them; the daughter opens her own link, gives her own consent, answers her own
questionnaire, says "Ja" to the offer, presses Start and answers ONE WHO-5 item for the
patient. The patient's own FHIR download (/chat/<token>/mine/data.json) has a RelatedPerson
for her and that answer's QuestionnaireResponse with `source` = `author` = the RelatedPerson;
the patient's own response names no source. In Chromium, the console's patient page marks
her conversations and passes axe."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from bot.export.fhir import full_url, validate
from bot.export.fhir.related_persons import RELATIVE_SYSTEM
from bot.i18n import Texts
from tests.e2e.browsers import chromium
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.fixtures import running_system
from tests.e2e.test_web_api import consent

pytestmark = pytest.mark.e2e

LINK = re.compile(r"/chat/([A-Za-z0-9_-]+)")
ADMIN = "proxy-admin@example.org"


def _asked(person: Patient) -> dict[str, Any] | None:
    """The message that asks an item now, if one does."""
    found = [m for m in person.last if m.get("link_id")]
    return found[-1] if found else None


def _answer_own_questionnaire(relative: Patient, texts: Texts) -> None:
    """Every item of the relative's own questionnaire, the first answer button where there
    are buttons (a number or "spring over" where there are none)."""
    for _ in range(20):
        asked = _asked(relative)
        if asked is None:
            return
        buttons = asked.get("buttons") or []
        if buttons:
            relative._post({"payload": buttons[0]["payload"]})
        elif str(asked["link_id"]) == "pa-belastning":
            relative.say("4")
        else:
            relative.say("spring over")
    raise AssertionError(f"the relative's questionnaire did not end: {relative.last}")


def _entries(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@dataclass(frozen=True)
class Proxied:
    system: LiveSystem
    token: str  # the patient's link
    patient: Patient
    relative: Patient


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, trained_model: Any) -> Iterator[LiveSystem]:
    with running_system(tmp_path_factory.mktemp("proxy"), trained_model) as live:
        yield live


@pytest.fixture(scope="module")
def proxied(system: LiveSystem, texts: Texts) -> Proxied:
    """The chat flow of the module docstring, up to the ONE item answered for the patient."""
    token = system.invite("who5")
    patient = Patient(system, token)
    consent(patient, texts)
    first = _asked(patient)
    assert first is not None and first["link_id"] == "who5-1"

    # The patient invites their daughter from the chat and says yes to proxy answers.
    patient.say("jeg vil gerne invitere en pårørende")
    patient.say("min datter")
    patient.press(texts._("Yes"))
    found = LINK.search(patient.text)
    assert found, patient.text
    relative = Patient(system, found.group(1))

    # The daughter: her own consent, her own questionnaire, then the offer.
    relative.start()
    relative.press(texts._("Yes, that is fine"))  # her own consent
    _answer_own_questionnaire(relative, texts)
    offer = texts._(
        "You may also answer some questions on behalf of the person you are a relative "
        "of. They have said yes to that. Do you want to do it now?"
    )
    assert offer in relative.text, relative.last
    relative.press(texts._("Yes"))
    relative.press(texts._("Start"))
    assert "Nu svarer du for den, du er pårørende til." in relative.text
    asked = _asked(relative)
    assert asked is not None and asked["link_id"] == "who5-1"
    relative._post({"payload": asked["buttons"][1]["payload"]})  # ONE item, for the patient
    assert (_asked(relative) or {}).get("link_id") == "who5-2"
    return Proxied(system, token, patient, relative)


def _download(proxied: Proxied) -> dict[str, Any]:
    answer = httpx.get(f"{proxied.system.base_url}/chat/{proxied.token}/mine/data.json", timeout=60)
    assert answer.status_code == 200, answer.text
    bundle: dict[str, Any] = answer.json()
    return bundle


def test_a_relative_answers_one_who5_item_for_the_patient_exported_as_related_person(
    proxied: Proxied,
) -> None:
    # The patient's own download: the daughter as RelatedPerson, and who gave which answer.
    bundle = _download(proxied)
    validate(bundle)
    (person,) = _entries(bundle, "RelatedPerson")
    assert person["relationship"] == [{"text": "min datter"}] and person["active"] is True
    assert person["identifier"][0]["system"] == RELATIVE_SYSTEM
    patient_url = full_url("Patient", _entries(bundle, "Patient")[0]["id"])
    assert person["patient"]["reference"] == patient_url
    who = full_url("RelatedPerson", person["id"])
    proxy = [
        qr
        for qr in _entries(bundle, "QuestionnaireResponse")
        if qr["questionnaire"].endswith("/who5") and "source" in qr
    ]
    assert len(proxy) == 1, proxy
    assert proxy[0]["source"]["reference"] == who and proxy[0]["author"]["reference"] == who
    assert proxy[0]["subject"]["reference"] == patient_url
    assert [item["linkId"] for item in proxy[0]["item"]] == ["who5-1"]
    # Her answers about herself are not the patient's to download; the care team's export
    # (bot export --patient) has them, given by her.
    assert not [qr for qr in _entries(bundle, "QuestionnaireResponse")
                if "paarorende" in qr["questionnaire"]]  # fmt: skip
    pseudonym = _entries(bundle, "Patient")[0]["identifier"][0]["value"]
    exported = proxied.system.export_fhir("--patient", pseudonym)
    validate(exported)
    own = [qr for qr in _entries(exported, "QuestionnaireResponse")
           if "paarorende" in qr["questionnaire"]]  # fmt: skip
    assert own and all(qr["source"]["reference"] == who for qr in own)
    assert len([qr for qr in _entries(exported, "QuestionnaireResponse") if "source" in qr]) == 2
    mine = [
        qr
        for qr in _entries(bundle, "QuestionnaireResponse")
        if qr["questionnaire"].endswith("/who5") and "source" not in qr
    ]
    assert all("author" not in qr for qr in mine)

    # The patient carries on with their own WHO-5 at the same item: self-report stays open.
    proxied.patient.start()
    assert (_asked(proxied.patient) or {}).get("link_id") == "who5-1"


@pytest.mark.browser
def test_the_console_marks_the_relatives_conversations_and_passes_axe(proxied: Proxied) -> None:
    from tests.e2e.test_console_browser import Accessibility, add_user, log_in

    system = proxied.system
    (me,) = _entries(_download(proxied), "Patient")
    pseudonym = me["identifier"][0]["value"]
    add_user(system, ADMIN, "--role", "admin")
    axe = Accessibility()
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        log_in(page, system, ADMIN)
        page.goto(f"{system.base_url}/console/patients/{pseudonym}")
        marks = page.locator("p.respondent")
        expect(marks.filter(has_text="Svaret af pårørende (min datter)")).to_have_count(1)
        expect(marks.filter(has_text="Pårørendes eget spørgeskema (min datter)")).to_have_count(1)
        # One item is no score: the table of relatives' scores stays away.
        expect(page.get_by_role("heading", name="Scorer besvaret af pårørende")).to_have_count(0)
        expect(
            page.locator("ol.transcript li.patient .meta", has_text="Pårørende").first
        ).to_be_visible()
        axe.check(page, "patient page with a relative's answers")
    assert axe.checked and not axe.problems, "\n".join(axe.problems)
