"""The patient's own data page in a real browser (Debian's Chromium via Playwright), against the
real app and engine: a patient completes WHO-5 twice over the web chat API, opens "Mine svar"
from the chat page, sees both occasions and the chart, downloads the FHIR file, and axe-core
finds no accessibility violation on the page."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.export import fhir
from bot.i18n import Texts
from bot.storage import db
from bot.storage.db import session_scope
from bot.storage.models import Patient as PatientRow
from bot.storage.models import Response
from bot.storage.patients import create_invitation, invitation_by_token
from tests.e2e.conftest import LiveSystem, Patient
from tests.e2e.test_web_api import consent

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

FIRST = ["Hele tiden", "Det meste af tiden", "Lidt af tiden", "Lidt af tiden", "Hele tiden"]
SECOND = ["Det meste af tiden"] * 5
EARLIER = datetime(2026, 9, 14, 9, 0, tzinfo=UTC)



def answer(patient: Patient, texts: Texts, titles: list[str]) -> None:
    for title in titles:
        patient.press(title)
    assert texts._("Thank you! You have answered all the questions.") in patient.text


def second_link(system: LiveSystem, token: str) -> str:
    """A new web link for the same patient (the first answers moved a month back), as a
    coordinator would send for the next round."""
    database = db.open(system.settings)
    try:
        with session_scope(database.session_factory) as session:
            invitation = invitation_by_token(session, token)
            assert invitation is not None
            for response in session.scalars(
                select(Response).where(Response.patient_id == invitation.patient_id)
            ):
                response.started_at = response.completed_at = EARLIER
            patient = session.get(PatientRow, invitation.patient_id)
            assert patient is not None
            return create_invitation(session, patient, "who5").token
    finally:
        database.engine.dispose()


def test_patient_sees_their_own_data_in_the_browser(
    system: LiveSystem, browser: Any, texts: Texts, tmp_path: Path
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    first = system.invite("who5")
    patient = Patient(system, first)
    consent(patient, texts, screening=None)
    answer(patient, texts, FIRST)
    token = second_link(system, first)
    again = Patient(system, token)
    again.start()
    answer(again, texts, SECOND)

    page = browser.new_page(viewport={"width": 390, "height": 844}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{system.base_url}/chat/{token}")
    page.get_by_role("link", name=texts._("My answers")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(texts._("My answers"))
    assert page.url == f"{system.base_url}/chat/{token}/mine"

    main = page.locator("main")
    expect(main).to_contain_text("14. september 2026")
    expect(main).to_contain_text("Lidt af tiden")
    expect(page.get_by_role("img", name="WHO-5 Trivselsindeks (0–100) over tid")).to_be_visible()
    expect(page.get_by_role("table", name=texts._("The same numbers as a table"))).to_contain_text(
        "80"
    )
    access = page.get_by_role("table", name=texts._("Who has seen my data"))
    expect(access).to_contain_text(texts._("Opened the page with your answers"))

    results = Axe().run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
    ]
    assert violations == []

    with page.expect_download() as download:
        page.get_by_role("link", name=texts._("Download my data")).click()
    path = tmp_path / "mine.json"
    download.value.save_as(path)
    bundle = json.loads(path.read_text(encoding="utf-8"))
    fhir.validate(bundle)
    answered = [
        entry["resource"]["questionnaire"]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
    ]
    # Both WHO-5 rounds (and the skipped reading questions, which the export keeps).
    assert sum("who5" in url for url in answered) == 2
    expect(main).not_to_contain_text("læsning")
    assert errors == []
