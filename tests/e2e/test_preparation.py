"""Preparing a consultation (Vælg Klogt) with the real engine, app and a real browser: a
coordinator invites a patient from the console, the patient answers WHO-5 in the web chat;
the patient page says "Ingen forberedelse endnu"; the coordinator presses "Send forberedelse";
the patient's next message in the web chat starts the preparation, answered by typed text and
buttons (Ja/Nej, typed "nej", options); the console's "Patientens præferencer" shows exactly
those answers, the patient's own page too, and the FHIR export has the response based on the
preparation's CarePlan; axe finds nothing serious on the patient page before and after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from bot.i18n import Texts
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.fixtures import running_system
from tests.e2e.test_console_browser import (
    HIGH,
    Accessibility,
    add_user,
    complete_who5,
    invite,
    log_in,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

NURSE = "preparation-nurse@example.org"
WHAT_MATTERS = "At jeg kan passe min have og se mine børnebørn"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory, trained_model: Any) -> Iterator[LiveSystem]:
    with running_system(tmp_path_factory.mktemp("preparation"), trained_model) as live:
        yield live



def _question(patient: Patient) -> str:
    """The link id of the item the bot asks now (the replies' question)."""
    found = [m for m in patient.last if m.get("link_id")]
    assert found, patient.last
    return str(found[-1]["link_id"])


def test_a_sent_preparation_is_answered_and_shown_as_preferences(
    system: LiveSystem, browser: Any, texts: Texts
) -> None:
    add_user(system, NURSE, "--team", "Team P")
    axe = Accessibility()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, system, NURSE)
    pseudonym, token = invite(page, system, "Stue 7")
    patient = complete_who5(system, token, texts, HIGH)

    page.goto(f"{system.base_url}/console/patients/{pseudonym}")
    preferences = page.locator("section.preferences")
    expect(preferences.get_by_role("heading", level=2)).to_have_text("Patientens præferencer")
    expect(preferences).to_contain_text("Ingen forberedelse endnu")
    axe.check(page, "patient page, no preparation yet")

    preferences.get_by_role("button", name="Send forberedelse").click()
    expect(page.locator("section.preferences p.notice")).to_contain_text("Forberedelsen er sendt")

    # The patient's next message opens the preparation in its own conversation.
    patient.say("hej")
    assert "Hej. Nu er det tid til dit næste skema." in patient.text
    assert "Snart skal du tale med din læge." in patient.text
    assert _question(patient) == "fb-vigtigst"
    patient.say(WHAT_MATTERS)
    assert "Nu kommer fire spørgsmål" in patient.text  # the Vælg Klogt display item
    assert _question(patient) == "fb-brug-for"
    assert "„Har jeg virkelig brug for det?“" in patient.text
    patient.press(texts._("Yes"))
    assert _question(patient) == "fb-fordele"
    patient.press(texts._("No"))
    assert _question(patient) == "fb-enklere"
    patient.press(texts._("Yes"))
    assert _question(patient) == "fb-ingenting"
    patient.say("nej")
    assert _question(patient) == "fb-information"
    patient.press("Det vigtigste")
    assert _question(patient) == "fb-rolle"
    patient.press("Vi bestemmer sammen")
    assert texts._("Thank you! You have answered all the questions.") in patient.text

    # The console shows the preferences at the top of the patient page.
    page.goto(f"{system.base_url}/console/patients/{pseudonym}")
    preferences = page.locator("section.preferences")
    expect(preferences).not_to_contain_text("Ingen forberedelse endnu")
    for shown in (WHAT_MATTERS, "Har jeg virkelig brug for det?",
                  "Er der enklere eller mere sikre muligheder?", "Det vigtigste",
                  "Vi bestemmer sammen", "Fra forberedelsen besvaret"):  # fmt: skip
        expect(preferences).to_contain_text(shown)
    expect(preferences).not_to_contain_text("Hvad er fordele og ulemper?")
    expect(preferences).not_to_contain_text("Hvad sker der, hvis jeg ikke gør noget?")
    # The page opens with the preferences, above the summary.
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert headings[0] == "Patientens præferencer", headings
    axe.check(page, "patient page with preferences")
    assert not axe.problems, "\n".join(axe.problems)

    # The patient's own page shows the same.
    mine = httpx.get(f"{system.base_url}/chat/{token}/mine", timeout=30)
    assert mine.status_code == 200
    assert "Før samtalen med lægen" in mine.text and WHAT_MATTERS in mine.text

    # The export: the preparation's response is based on its CarePlan (plan forberedelse).
    bundle = system.export_fhir("--patient", pseudonym)
    resources = [entry["resource"] for entry in bundle["entry"]]
    (care_plan,) = [
        r for r in resources
        if r["resourceType"] == "CarePlan" and r["instantiatesCanonical"][0].endswith("/forberedelse")
    ]  # fmt: skip
    (response,) = [
        r for r in resources
        if r["resourceType"] == "QuestionnaireResponse"
        and r["questionnaire"].endswith("/forberedelse")
    ]  # fmt: skip
    assert response["status"] == "completed"
    assert response["identifier"]["value"] == f"{care_plan['id']}/1/1"
    assert any(r["resourceType"] == "Questionnaire" and r["id"] == "forberedelse"
               for r in resources)  # fmt: skip
